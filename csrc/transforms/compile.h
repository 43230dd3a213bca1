// compile: a function traced once on placeholder inputs becomes a program
// of primitives that is replayed on real inputs. Building the program
// merges equivalent operations and scalar constants and fuses elementwise
// subgraphs into Compiled primitives (transforms/compile_fuse.cpp).
// Python (python/mlx/_compile.py) owns argument trees, state capture and the
// cache; this file owns the graph.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "core/primitive.h"

namespace ember {

// A shaped, typed input of a trace without data; evaluating one raises.
array placeholder(const Shape& shape, Dtype dtype);

// Marks a compile trace on this thread: arrays built from placeholders are
// tracers, and ops that would bake a shape into the graph (mean's element
// count) build shape-independent graphs when the trace is shapeless.
struct CompileTraceScope {
  explicit CompileTraceScope(bool shapeless);
  ~CompileTraceScope();
  CompileTraceScope(const CompileTraceScope&) = delete;
  CompileTraceScope& operator=(const CompileTraceScope&) = delete;

 private:
  bool prev_shapeless_;
};
bool in_compile_trace();
bool in_shapeless_trace();

// disable_compile/enable_compile; starts disabled when MLX_DISABLE_COMPILE
// is set in the environment (any value).
bool compile_enabled();
void set_compile_enabled(bool enabled);

// A step of a program: a primitive applied to values, making values.
// Values are numbered: inputs, then constants, then step outputs.
struct ProgramStep {
  std::shared_ptr<Primitive> prim;
  std::vector<int> inputs;
  std::vector<Shape> shapes;  // as traced
  std::vector<Dtype> dtypes;
  std::vector<int> outputs;  // value ids, one per output
};

class CompiledProgram {
 public:
  // `placeholders` are the trace's inputs and `outputs` what the function
  // returned. `originals` are the caller's arrays the placeholders stand
  // for: reaching one through a closure is an error, since its value
  // would be frozen into the program.
  CompiledProgram(const std::vector<array>& placeholders,
                  const std::vector<array>& outputs,
                  const std::vector<array>& originals, bool shapeless);

  // The outputs on new inputs (lazy). Shapes must equal the traced ones
  // unless the program is shapeless; dtypes must always match.
  std::vector<array> run(const std::vector<array>& inputs) const;

  // Shapeless was asked for but some operation's output shape is fixed by
  // the traced shapes: the caller keys this program by exact shapes.
  bool shape_specific() const { return shape_specific_; }
  const std::vector<ProgramStep>& steps() const { return steps_; }
  size_t num_constants() const { return constants_.size(); }

 private:
  int n_inputs_ = 0;
  std::vector<Shape> input_shapes_;
  std::vector<Dtype> input_dtypes_;
  std::vector<array> constants_;
  std::vector<int> constant_slots_;  // the value id of each constant
  std::vector<ProgramStep> steps_;
  std::vector<int> outputs_;
  int n_values_ = 0;
  bool shapeless_ = false;
  bool shape_specific_ = false;
};

// Replaces connected elementwise steps with Compiled steps (compile_fuse.cpp).
// `dtypes` gives every value's dtype; `outputs` are the program outputs,
// which stay materialized. Steps stay in an order where inputs come first.
void fuse_elementwise(std::vector<ProgramStep>& steps, int n_values,
                      const std::vector<Dtype>& dtypes, const std::vector<int>& outputs);

}  // namespace ember
