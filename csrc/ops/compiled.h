// Compiled: a connected elementwise subgraph that compile fused into one
// primitive (transforms/compile_fuse.cpp). The description is
// backend-neutral: the original primitives and their wiring. The CPU kernel
// (backend/cpu/compiled.cpp) interprets it tile by tile; a GPU backend can
// generate code from the same description.
#pragma once
#include <functional>
#include <memory>
#include <string>

#include "core/primitive.h"

namespace ember {

struct FusedOp {
  // How the op combines its arguments; every op's result has the shape of
  // the whole subgraph except where its arguments broadcast.
  enum class Kind { Unary, Binary, Select, Cast, Broadcast };
  Kind kind;
  std::shared_ptr<Primitive> prim;
  // Arguments: i < n_inputs is input i; n_inputs + j is op j's result.
  std::vector<int> args;
  Shape shape;  // as traced
  Dtype dtype;
};

// The kind of an elementwise primitive compile may fuse; false otherwise.
bool fusable_kind(const Primitive& p, FusedOp::Kind& kind);

class Compiled : public Primitive {
 public:
  Compiled(Stream s, int n_inputs, std::vector<FusedOp> ops, std::vector<int> outputs);
  void eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) override;
  const char* name() const override { return name_.c_str(); }
  EMBER_TRANSFORM_RULES
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;

  int num_inputs() const { return n_inputs_; }
  const std::vector<FusedOp>& ops() const { return ops_; }
  // Op indices whose results are the primitive's outputs.
  const std::vector<int>& output_ops() const { return outputs_; }
  // The subgraph applied to `inputs` as ordinary (unfused) operations.
  std::vector<array> expand(const std::vector<array>& inputs) const;

  // Code a backend generated for this subgraph, kept under the backend's
  // key; `make` builds it on the first request and may return nullptr
  // (no code), which is remembered too. Thread-safe.
  std::shared_ptr<void> backend_code(const std::string& key,
                                     const std::function<std::shared_ptr<void>()>& make) const;

 private:
  struct CodeCache;
  int n_inputs_;
  std::vector<FusedOp> ops_;
  std::vector<int> outputs_;
  std::string name_;
  std::shared_ptr<CodeCache> code_;
};

}  // namespace ember
