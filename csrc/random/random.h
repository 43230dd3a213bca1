// Counter-based random numbers: a key (two uint32 words) and a counter go
// through Threefry-2x32, so the same key gives the same numbers on every
// run, thread and stream. The counters and the distributions follow MLX, so
// a key gives MLX's numbers. Distributions are built from random bits with
// ordinary ops.
#pragma once
#include <optional>

#include "core/primitive.h"
#include "ops/ops.h"

namespace ember {

// uint32 bits of the given shape from a key of shape (2,), laid out as in
// MLX. Under vmap the key has shape (..., 2) and each key fills its own
// block of shape `shape`.
class RandomBits : public UnaryOutputPrimitive {
 public:
  RandomBits(Stream stream, Shape shape)
      : UnaryOutputPrimitive(stream), shape_(std::move(shape)) {}
  using UnaryOutputPrimitive::eval_cpu;
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "RandomBits"; }
  EMBER_SAVE_RULE
  bool stops_gradient() const override { return true; }
  bool is_equivalent(const Primitive& o) const override {
    auto* other = dynamic_cast<const RandomBits*>(&o);
    return other && other->shape_ == shape_;
  }
  // Random bits have no gradient: the rule returns zeros for the key.
  std::vector<array> vjp(const std::vector<array>& primals,
                         const std::vector<array>& cotangents,
                         const std::vector<int>& argnums,
                         const std::vector<array>& outputs) override;
  std::pair<std::vector<array>, std::vector<int>> vmap(
      const std::vector<array>& inputs, const std::vector<int>& axes) override;

 private:
  Shape shape_;  // the bits of one key
};

namespace random {

array key(uint64_t seed);
array split(const array& key, int64_t num, StreamOrDevice s = {});
array bits(const Shape& shape, const array& key, StreamOrDevice s = {});
// Uniform in [low, high) in dtype (a floating type).
array uniform(const array& low, const array& high, const Shape& shape,
              Dtype dtype, const array& key, StreamOrDevice s = {});
array normal(const Shape& shape, Dtype dtype, const std::optional<array>& loc,
             const std::optional<array>& scale, const array& key,
             StreamOrDevice s = {});
// Integers in [low, high); an empty range gives low.
array randint(const array& low, const array& high, const Shape& shape,
              Dtype dtype, const array& key, StreamOrDevice s = {});
array bernoulli(const array& p, const std::optional<Shape>& shape,
                const array& key, StreamOrDevice s = {});
array truncated_normal(const array& lower, const array& upper,
                       const std::optional<Shape>& shape, Dtype dtype,
                       const array& key, StreamOrDevice s = {});
array gumbel(const Shape& shape, Dtype dtype, const array& key,
             StreamOrDevice s = {});
array laplace(const Shape& shape, Dtype dtype, double loc, double scale,
              const array& key, StreamOrDevice s = {});
array categorical(const array& logits, int64_t axis,
                  const std::optional<Shape>& shape,
                  std::optional<int64_t> num_samples, const array& key,
                  StreamOrDevice s = {});

// Samples of N(mean, cov) with shape `shape` + (n,): mean (..., n) and cov
// (..., n, n) broadcast against shape; cov = U diag(s) U^T gives the factor.
array multivariate_normal(const array& mean, const array& cov, const Shape& shape,
                          Dtype dtype, const array& key, StreamOrDevice s = {});

}  // namespace random
}  // namespace ember
