// Random distributions, each built from RandomBits with ordinary ops so
// transforms and compile see nothing special.
#include "random/random.h"

#include <cmath>

#include "core/errors.h"
#include "linalg/linalg.h"
#include "ops/scan.h"
#include "ops/replay.h"

namespace ember::random {

namespace {

void check_key(const array& key) {
  if (key.dtype() != uint32 || key.size() != 2 || key.ndim() != 1) {
    throw ValueError("[random] A key must be a uint32 array of shape (2,); got "
                     "shape " + shape_str(key.shape()) + " and dtype " +
                     dtype_name(key.dtype()) + ".");
  }
}

void check_shape(const Shape& shape, const char* op) {
  for (auto d : shape) {
    if (d < 0) {
      throw ValueError(std::string("[") + op + "] Negative dimension in shape " +
                       shape_str(shape) + ".");
    }
  }
}

void check_float(Dtype dtype, const char* op) {
  if (!is_floating(dtype) && dtype != complex64) {
    throw ValueError(std::string("[") + op + "] dtype must be a floating type; "
                     "got " + dtype_name(dtype) + ".");
  }
}

// The largest value below 1 in dtype (a real floating type).
double below_one(Dtype dtype) {
  if (dtype == float16) return 1.0 - std::ldexp(1.0, -11);
  if (dtype == bfloat16) return 1.0 - std::ldexp(1.0, -8);
  if (dtype == float64) return std::nextafter(1.0, 0.0);
  return 1.0 - std::ldexp(1.0, -24);
}

// MLX's map from bits to [0, 1): one uint32 per element divided by 2^32 - 1
// in float32, then rounded to dtype and kept below 1.
array unit_uniform(const Shape& shape, Dtype dtype, const array& key,
                   StreamOrDevice s) {
  array u = divide(astype(bits(shape, key, s), float32, s),
                   array::scalar(4294967295.0, float32), s);
  array top = array::scalar(below_one(dtype), dtype);
  return minimum(astype(u, dtype, s), top, s);
}

// Uniform float32 in (-1, 1), as MLX draws it for normal and laplace.
array open_unit_interval(const Shape& shape, const array& key,
                         StreamOrDevice s) {
  return uniform(array::scalar(-below_one(float32), float32),
                 array::scalar(1.0, float32), shape, float32, key, s);
}

// The two halves of an array of shape `shape` + [2], each of shape `shape`.
std::pair<array, array> split_pairs(const array& pairs, const Shape& shape,
                                    StreamOrDevice s) {
  Shape twice = pairs.shape();
  Shape start(twice.size(), 0), stop = twice, step(twice.size(), 1);
  stop.back() = 1;
  array first = reshape(slice(pairs, start, stop, step, s), shape, s);
  start.back() = 1;
  stop.back() = 2;
  array second = reshape(slice(pairs, start, stop, step, s), shape, s);
  return {first, second};
}

// Two random 32-bit words per element, as uint64.
std::pair<array, array> word_pairs(const Shape& shape, const array& key,
                                   StreamOrDevice s) {
  Shape twice = shape;
  twice.push_back(2);
  return split_pairs(astype(bits(twice, key, s), uint64, s), shape, s);
}

// Uniform float64 in [0, 1) with 53 random bits each.
array unit_uniform64(const Shape& shape, const array& key, StreamOrDevice s) {
  auto [hi, lo] = word_pairs(shape, key, s);
  array u = bitwise_or(left_shift(hi, array::scalar(21, uint64), s),
                       right_shift(lo, array::scalar(11, uint64), s), s);
  return multiply(astype(u, float64, s), array::scalar(std::ldexp(1.0, -53), float64), s);
}

// Integers in [low, high) from 64 random bits modulo the range: exact for
// any int64 bounds, with negligible bias.
array randint64(const array& low, const array& high, const Shape& shape,
                const array& key, StreamOrDevice s) {
  auto [hi, lo] = word_pairs(shape, key, s);
  array r = bitwise_or(left_shift(hi, array::scalar(32, uint64), s), lo, s);
  array l64 = astype(low, int64, s), h64 = astype(high, int64, s);
  array range = astype(subtract(h64, l64, s), uint64, s);
  array nonempty = greater(h64, l64, s);
  array safe_range = where(nonempty, range, array::scalar(1, uint64), s);
  array offset = astype(remainder(r, safe_range, s), int64, s);
  return broadcast_to(where(nonempty, add(l64, offset, s), l64, s), shape, s);
}

// Samples of one categorical distribution by its CDF, as MLX draws them:
// weights exp(l - max l) (the indicator of the largest logits when that is
// infinite), summed in order, searched for uniform fractions of the total.
array sample_by_cdf(const array& logits, const Shape& out_shape,
                    const array& key, StreamOrDevice s) {
  int64_t n = logits.size();
  array lg = astype(reshape(logits, {n}, s), float32, s);
  array top = max(lg, {0}, false, s);
  array inf = array::scalar(INFINITY, float32);
  array infinite =
      logical_or(equal(top, inf, s), equal(top, negative(inf, s), s), s);
  array weights = where(infinite, astype(equal(lg, top, s), float32, s),
                        exp(subtract(lg, top, s), s), s);
  array cdf = cumsum(weights, 0, false, true, s);
  // The last partial sum is the total (MLX sums in the same order), so a
  // fraction below 1 never looks past the last category.
  array total = reshape(slice(cdf, {n - 1}, {n}, {1}, s), {}, s);
  array u = uniform(array::scalar(0.0, float32), array::scalar(1.0, float32),
                    out_shape, float32, key, s);
  return searchsorted(cdf, multiply(u, total, s), true, s);
}

}  // namespace

array key(uint64_t seed) {
  array k = array::empty({2}, uint32);
  k.data<uint32_t>()[0] = static_cast<uint32_t>(seed >> 32);
  k.data<uint32_t>()[1] = static_cast<uint32_t>(seed);
  return k;
}

array bits(const Shape& shape, const array& key, StreamOrDevice s) {
  check_key(key);
  check_shape(shape, "random.bits");
  return array(shape, uint32, std::make_shared<RandomBits>(to_stream(s), shape),
               {key});
}

array split(const array& key, int64_t num, StreamOrDevice s) {
  if (num < 0) throw ValueError("[random.split] num must be non-negative.");
  return bits({num, 2}, key, s);
}

array uniform(const array& low, const array& high, const Shape& shape,
              Dtype dtype, const array& key, StreamOrDevice s) {
  check_float(dtype, "random.uniform");
  check_shape(shape, "random.uniform");
  Shape out = broadcast_shapes(broadcast_shapes(low.shape(), high.shape(),
                                                "random.uniform"),
                               shape, "random.uniform");
  if (out != shape) {
    throw ValueError("[random.uniform] The bounds of shapes " +
                     shape_str(low.shape()) + " and " + shape_str(high.shape()) +
                     " do not broadcast to the shape " + shape_str(shape) + ".");
  }
  if (dtype == complex64) {
    return astype(uniform(low, high, shape, float32, key, s), complex64, s);
  }
  if (dtype == float64) {
    // Not in MLX: 53 random bits per element, kept below a high bound.
    array u = unit_uniform64(shape, key, s);
    array lo = astype(low, float64, s), hi = astype(high, float64, s);
    array x = add(lo, multiply(u, subtract(hi, lo, s), s), s);
    array at_high = logical_and(greater_equal(x, hi, s), less(lo, hi, s), s);
    return where(at_high, lo, x, s);
  }
  // As MLX: lo + (hi - lo) * u, all in dtype.
  array lo = astype(low, dtype, s);
  array range = subtract(astype(high, dtype, s), lo, s);
  return add(multiply(range, unit_uniform(shape, dtype, key, s), s), lo, s);
}

array normal(const Shape& shape, Dtype dtype, const std::optional<array>& loc,
             const std::optional<array>& scale, const array& key,
             StreamOrDevice s) {
  check_float(dtype, "random.normal");
  check_shape(shape, "random.normal");
  for (const auto* p : {&loc, &scale}) {
    if (*p && broadcast_shapes((*p)->shape(), shape, "random.normal") != shape) {
      throw ValueError("[random.normal] loc and scale must broadcast to the "
                       "shape " + shape_str(shape) + ".");
    }
  }
  if (dtype == complex64) {
    // As MLX: erfinv of (-1, 1) uniforms, without the factor sqrt(2), gives
    // independent real and imaginary parts of variance 1/2 each.
    Shape twice = shape;
    twice.push_back(2);
    array parts = erfinv(open_unit_interval(twice, key, s), s);
    auto [re, im] = split_pairs(parts, shape, s);
    array z = add(astype(re, complex64, s),
                  multiply(astype(im, complex64, s),
                           array(complex64_t(0.0f, 1.0f)), s), s);
    if (scale) z = multiply(astype(*scale, complex64, s), z, s);
    if (loc) z = add(z, astype(*loc, complex64, s), s);
    return z;
  }
  // As MLX: sqrt(2) erfinv(u) for u uniform in (-1, 1), with erfinv taken in
  // float32 and the scaling done in dtype.
  array x = astype(erfinv(open_unit_interval(shape, key, s), s), dtype, s);
  array factor = array::scalar(M_SQRT2, dtype);
  if (scale) factor = multiply(factor, astype(*scale, dtype, s), s);
  x = multiply(factor, x, s);
  if (loc) x = add(x, astype(*loc, dtype, s), s);
  return x;
}

array randint(const array& low, const array& high, const Shape& shape,
              Dtype dtype, const array& key, StreamOrDevice s) {
  if (!is_integral(dtype) && dtype != bool_) {
    throw ValueError(std::string("[random.randint] dtype must be an integer "
                                 "type; got ") + dtype_name(dtype) + ".");
  }
  check_shape(shape, "random.randint");
  Shape out = broadcast_shapes(broadcast_shapes(low.shape(), high.shape(),
                                                "random.randint"),
                               shape, "random.randint");
  if (out != shape) {
    throw ValueError("[random.randint] The bounds do not broadcast to the shape " +
                     shape_str(shape) + ".");
  }
  // As MLX: floor(max(u, low)) for u uniform in [low, high) in float32,
  // clipped to [low, high - 1] in integers (float32 rounding can reach
  // high); an empty range gives low.
  array lo = astype(low, float32, s);
  array u = uniform(lo, astype(high, float32, s), shape, float32, key, s);
  array value = astype(floor(maximum(u, lo, s), s), int64, s);
  array l64 = astype(low, int64, s), h64 = astype(high, int64, s);
  array last = subtract(h64, array::scalar(1, int64), s);
  value = maximum(minimum(value, last, s), l64, s);
  value = astype(value, dtype, s);
  if (dtype.size() < 8) return value;
  // 64-bit bounds that float32 cannot hold (MLX would return rounded
  // bounds) take an exact draw instead.
  auto in_float32 = [&](const array& b) {
    array f = astype(b, float32, s);
    array limit = array::scalar(std::ldexp(1.0, 63), float32);
    return logical_and(less(abs(f, s), limit, s),
                       equal(astype(f, int64, s), astype(b, int64, s), s), s);
  };
  array exact = logical_and(in_float32(low), in_float32(high), s);
  array wide = astype(randint64(low, high, shape, key, s), dtype, s);
  return where(exact, value, wide, s);
}

array bernoulli(const array& p, const std::optional<Shape>& shape,
                const array& key, StreamOrDevice s) {
  if (!is_floating(p.dtype())) {
    throw ValueError("[random.bernoulli] p must be a floating point array.");
  }
  Shape sh = shape.value_or(p.shape());
  if (broadcast_shapes(p.shape(), sh, "random.bernoulli") != sh) {
    throw ValueError("[random.bernoulli] p of shape " + shape_str(p.shape()) +
                     " does not broadcast to the shape " + shape_str(sh) + ".");
  }
  return less(uniform(array(0.0f), array(1.0f), sh, float32, key, s), p, s);
}

array truncated_normal(const array& lower, const array& upper,
                       const std::optional<Shape>& shape, Dtype dtype,
                       const array& key, StreamOrDevice s) {
  check_float(dtype, "random.truncated_normal");
  Shape bshape = broadcast_shapes(lower.shape(), upper.shape(),
                                  "random.truncated_normal");
  Shape sh = shape.value_or(bshape);
  if (broadcast_shapes(bshape, sh, "random.truncated_normal") != sh) {
    throw ValueError("[random.truncated_normal] The bounds do not broadcast to "
                     "the shape " + shape_str(sh) + ".");
  }
  Dtype ct = dtype == complex64 ? float32 : dtype;
  array lo = astype(lower, ct, s), hi = astype(upper, ct, s);
  // As MLX, all in dtype: the inverse CDF between Phi(lower) and
  // Phi(upper), in erf terms, clipped to the bounds.
  array sqrt2 = array::scalar(M_SQRT2, ct);
  array a = erf(divide(lo, sqrt2, s), s), b = erf(divide(hi, sqrt2, s), s);
  array x = multiply(sqrt2, erfinv(uniform(a, b, sh, ct, key, s), s), s);
  return astype(maximum(minimum(hi, x, s), lo, s), dtype, s);
}

array gumbel(const Shape& shape, Dtype dtype, const array& key, StreamOrDevice s) {
  check_float(dtype, "random.gumbel");
  // As MLX: -log(-log(u)) for u uniform in [0, 1), in dtype.
  Dtype ct = dtype == complex64 ? float32 : dtype;
  array u = uniform(array::scalar(0.0, ct), array::scalar(1.0, ct), shape, ct,
                    key, s);
  // MLX takes the logs with libm's logf; a float64 log rounded to dtype
  // agrees with it far more often than Ember's vectorized float32 log.
  auto log_in_ct = [&](const array& x) {
    return astype(log(astype(x, float64, s), s), ct, s);
  };
  return astype(negative(log_in_ct(negative(log_in_ct(u), s)), s), dtype, s);
}

array laplace(const Shape& shape, Dtype dtype, double loc, double scale,
              const array& key, StreamOrDevice s) {
  check_float(dtype, "random.laplace");
  // As MLX: the inverse CDF sign(u) log(1 - |u|) of a float32 uniform in
  // (-1, 1), taken in float64 for float64, then scaled in dtype.
  Dtype ct = dtype == float64 ? float64 : float32;
  array u = astype(open_unit_interval(shape, key, s), ct, s);
  array x = multiply(sign(u, s), log1p(negative(abs(u, s), s), s), s);
  x = astype(x, dtype, s);
  // MLX takes loc and scale as float32.
  array sc = array::scalar(static_cast<float>(scale), dtype);
  array lc = array::scalar(static_cast<float>(loc), dtype);
  return add(multiply(sc, x, s), lc, s);
}

array categorical(const array& logits, int64_t axis,
                  const std::optional<Shape>& shape,
                  std::optional<int64_t> num_samples, const array& key,
                  StreamOrDevice s) {
  int ax = normalize_axis(axis, logits.ndim(), "random.categorical");
  if (shape && num_samples) {
    throw ValueError("[random.categorical] Give at most one of shape and "
                     "num_samples.");
  }
  Shape batch = logits.shape();
  batch.erase(batch.begin() + ax);
  if (num_samples && *num_samples < 0) {
    throw ValueError("[random.categorical] num_samples must be non-negative.");
  }
  if (shape && broadcast_shapes(batch, *shape, "random.categorical") != *shape) {
    throw ValueError("[random.categorical] shape " + shape_str(*shape) +
                     " is not compatible with the logits' batch shape " +
                     shape_str(batch) + ".");
  }
  Shape out_shape = shape.value_or(batch);
  if (num_samples) out_shape.push_back(*num_samples);
  // As MLX: one distribution drawn into an array of samples goes through
  // its CDF; otherwise argmax of logits + float32 Gumbel noise, the noise
  // shaped like the logits with the category axis in place.
  if (shape_size(batch) == 1 && !out_shape.empty()) {
    return sample_by_cdf(logits, out_shape, key, s);
  }
  int64_t categories = logits.shape()[ax];
  if (num_samples) {
    // The samples form a new last axis.
    Shape noise_shape = logits.shape();
    noise_shape.push_back(*num_samples);
    array g = gumbel(noise_shape, float32, key, s);
    return argmax(add(expand_dims(logits, {-1}, s), g, s), ax, false, s);
  }
  if (!shape) {
    array g = gumbel(logits.shape(), float32, key, s);
    return argmax(add(logits, g, s), ax, false, s);
  }
  // The category axis goes where the logits put it, counted from the end.
  int64_t pos = static_cast<int64_t>(shape->size() - batch.size()) + ax;
  Shape noise_shape = *shape;
  noise_shape.insert(noise_shape.begin() + pos, categories);
  array g = gumbel(noise_shape, float32, key, s);
  return argmax(add(logits, g, s), pos, false, s);
}

array multivariate_normal(const array& mean, const array& cov, const Shape& shape,
                          Dtype dtype, const array& key, StreamOrDevice s) {
  if (dtype != float32 && dtype != float64) {
    throw ValueError("[multivariate_normal] dtype must be float32 or float64.");
  }
  if (mean.ndim() < 1 || cov.ndim() < 2) {
    throw ValueError("[multivariate_normal] mean needs at least 1 dimension and cov 2.");
  }
  int64_t n = mean.shape().back();
  if (cov.shape()[cov.ndim() - 1] != n || cov.shape()[cov.ndim() - 2] != n) {
    throw ValueError("[multivariate_normal] cov must have shape (..., " + std::to_string(n) +
                     ", " + std::to_string(n) + ") to match mean.");
  }
  Shape mean_batch(mean.shape().begin(), mean.shape().end() - 1);
  Shape cov_batch(cov.shape().begin(), cov.shape().end() - 2);
  Shape out = broadcast_shapes(broadcast_shapes(mean_batch, cov_batch, "multivariate_normal"),
                               shape, "multivariate_normal");
  if (out != shape) {
    throw ValueError("[multivariate_normal] The batch shapes of mean and cov must "
                     "broadcast to shape " + shape_str(shape) + ".");
  }
  // As MLX: the symmetric square root U sqrt(S) V^T by SVD (which also
  // covers semi-definite covariances) applied on the right of row vectors.
  auto usv = linalg::svd(astype(cov, dtype, s), true, s);
  array u_root_s = multiply(usv[0], expand_dims(sqrt(usv[1], s), {-2}, s), s);
  array root = matmul(u_root_s, usv[2], s);
  Shape zs = shape;
  zs.push_back(n);
  array z = normal(zs, dtype, std::nullopt, std::nullopt, key, s);
  array samples = squeeze(matmul(expand_dims(z, {-2}, s), root, s), {-2}, s);
  return add(astype(mean, dtype, s), samples, s);
}

}  // namespace ember::random

// ---- export

namespace ember {

void RandomBits::save(Writer& w) const { w.str("RandomBits"); }

std::pair<std::vector<array>, std::vector<int>> RandomBits::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  // A batch of keys, batch axis first: each key fills its block.
  array keys = moveaxis(inputs[0], axes[0], 0, stream());
  Shape out(keys.shape().begin(), keys.shape().end() - 1);
  out.insert(out.end(), shape_.begin(), shape_.end());
  auto prim = std::make_shared<RandomBits>(stream(), shape_);
  return {{array(out, uint32, prim, {keys})}, {0}};
}

bool load_random(const std::string& tag, Reader&, const ReplayNode& node,
                 std::vector<array>& out) {
  if (tag != "RandomBits") return false;
  // The bits of one key: the output shape less the key's batch axes.
  Shape shape = node.shapes[0];
  shape.erase(shape.begin(), shape.begin() + (node.in_shapes[0].size() - 1));
  out = node.make(std::make_shared<RandomBits>(node.stream, shape));
  return true;
}

}  // namespace ember
