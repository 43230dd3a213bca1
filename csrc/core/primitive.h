// The one interface every operation implements. Transforms are generic walks
// that call these rules; kernels live in backend/<device>/<family>.cpp.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "core/array.h"

namespace ember {

class Writer;

class Primitive {
 public:
  explicit Primitive(Stream stream) : stream_(stream) {}
  virtual ~Primitive() = default;
  Primitive(const Primitive&) = delete;
  Primitive& operator=(const Primitive&) = delete;

  virtual void eval_cpu(const std::vector<array>& inputs,
                        std::vector<array>& outputs) = 0;

  // Reverse mode: cotangents of the inputs named by argnums.
  virtual std::vector<array> vjp(const std::vector<array>& primals,
                                 const std::vector<array>& cotangents,
                                 const std::vector<int>& argnums,
                                 const std::vector<array>& outputs);
  // Forward mode: tangents of the outputs given tangents of argnums.
  virtual std::vector<array> jvp(const std::vector<array>& primals,
                                 const std::vector<array>& tangents,
                                 const std::vector<int>& argnums);
  // Batching: outputs and their batch axes given inputs batched on axes
  // (-1 for an unbatched input).
  virtual std::pair<std::vector<array>, std::vector<int>> vmap(
      const std::vector<array>& inputs, const std::vector<int>& axes);

  virtual bool is_equivalent(const Primitive& other) const { return false; }
  // Outputs with no derivative at all (stop_gradient, comparisons, integer
  // results): reverse mode does not look past them.
  virtual bool stops_gradient() const { return false; }
  // stop_gradient itself: past it, nothing depends on the traced inputs.
  virtual bool cuts_dependence() const { return false; }
  // Inputs holding integer positions (gather/scatter indices). One that
  // depends on a differentiated input without a stop_gradient between is
  // an error, as in MLX, rather than a silently zero gradient.
  virtual bool is_index_input(size_t i, size_t n_inputs) const { return false; }
  virtual const char* name() const = 0;
  // Export (transforms/export.cpp): writes a loader tag, then the
  // parameters that the loader reads back. The default raises: the
  // primitive cannot be exported.
  virtual void save(Writer& w) const;
  // Output shapes for the given inputs, used to check and to replay an
  // exported graph (shapeless exports on new shapes). Empty: unknown.
  virtual std::vector<Shape> output_shapes(const std::vector<array>& inputs);
  Stream stream() const { return stream_; }

 private:
  Stream stream_;
};

// Declares the three transform rules in a primitive class.
#define EMBER_TRANSFORM_RULES                                            \
  std::vector<array> vjp(const std::vector<array>& primals,             \
                         const std::vector<array>& cotangents,          \
                         const std::vector<int>& argnums,               \
                         const std::vector<array>& outputs) override;   \
  std::vector<array> jvp(const std::vector<array>& primals,             \
                         const std::vector<array>& tangents,            \
                         const std::vector<int>& argnums) override;     \
  std::pair<std::vector<array>, std::vector<int>> vmap(                  \
      const std::vector<array>& inputs, const std::vector<int>& axes) override;

// Declares the export rules (save, and output_shapes for shapeless replay).
#define EMBER_EXPORT_RULES                                               \
  void save(Writer& w) const override;                                  \
  std::vector<Shape> output_shapes(const std::vector<array>& inputs) override;
#define EMBER_SAVE_RULE void save(Writer& w) const override;

// Convenience base for primitives with exactly one output.
class UnaryOutputPrimitive : public Primitive {
 public:
  using Primitive::Primitive;
  void eval_cpu(const std::vector<array>& inputs,
                std::vector<array>& outputs) final {
    eval_cpu(inputs, outputs[0]);
  }
  virtual void eval_cpu(const std::vector<array>& inputs, array& out) = 0;
};

}  // namespace ember
