// Random distributions, each built from RandomBits with ordinary ops so
// transforms and compile see nothing special.
#include "random/random.h"

#include <cmath>
#include <limits>

#include "core/errors.h"
#include "transforms/export.h"
#include "linalg/linalg.h"

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

// Uniform float32 in [0, 1) with 24 random bits each.
array unit_uniform(const Shape& shape, const array& key, StreamOrDevice s) {
  array b = right_shift(bits(shape, key, s), array::scalar(8, uint32), s);
  return multiply(astype(b, float32, s), array::scalar(1.0 / (1 << 24), float32), s);
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
  return array(shape, uint32, std::make_shared<RandomBits>(to_stream(s)), {key});
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
  Dtype ct = dtype == float64 ? float64 : float32;
  array u = ct == float64 ? unit_uniform64(shape, key, s) : unit_uniform(shape, key, s);
  array lo = astype(low, ct, s), hi = astype(high, ct, s);
  array x = astype(add(lo, multiply(u, subtract(hi, lo, s), s), s), dtype, s);
  // Rounding to a narrower dtype can land on `high`; keep the bound open.
  array hi_t = astype(hi, dtype, s);
  return where(logical_and(greater_equal(x, hi_t, s), less(lo, hi, s), s),
               astype(lo, dtype, s), x, s);
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
    // Independent real and imaginary parts, each with variance 1/2.
    Shape twice = shape;
    twice.push_back(2);
    array parts = normal(twice, float32, std::nullopt, std::nullopt, key, s);
    parts = multiply(parts, array::scalar(M_SQRT1_2, float32), s);
    auto [re, im] = split_pairs(parts, shape, s);
    array z = add(astype(re, complex64, s),
                  multiply(astype(im, complex64, s),
                           array(complex64_t(0.0f, 1.0f)), s), s);
    if (scale) z = multiply(z, astype(*scale, complex64, s), s);
    if (loc) z = add(z, astype(*loc, complex64, s), s);
    return z;
  }
  Dtype ct = dtype == float64 ? float64 : float32;
  // Uniform in the open interval (-1, 1), through the inverse error function.
  double below_one = ct == float64 ? std::nextafter(1.0, 0.0)
                                   : static_cast<double>(std::nextafter(1.0f, 0.0f));
  array u = uniform(array::scalar(-below_one, ct), array::scalar(1.0, ct), shape, ct,
                    key, s);
  array x = multiply(erfinv(u, s), array::scalar(M_SQRT2, ct), s);
  if (scale) x = multiply(x, astype(*scale, ct, s), s);
  if (loc) x = add(x, astype(*loc, ct, s), s);
  return astype(x, dtype, s);
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
  // 64 random bits reduced modulo the range: exact bounds, negligible bias.
  auto [hi, lo] = word_pairs(shape, key, s);
  array r = bitwise_or(left_shift(hi, array::scalar(32, uint64), s), lo, s);
  array l64 = astype(low, int64, s), h64 = astype(high, int64, s);
  array range = astype(subtract(h64, l64, s), uint64, s);
  array nonempty = greater(h64, l64, s);
  array safe_range = where(nonempty, range, array::scalar(1, uint64), s);
  array offset = astype(remainder(r, safe_range, s), int64, s);
  array value = where(nonempty, add(l64, offset, s), l64, s);
  return astype(broadcast_to(value, shape, s), dtype, s);
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
  Dtype ct = dtype == float64 ? float64 : float32;
  array lo = astype(lower, ct, s), hi = astype(upper, ct, s);
  // Inverse CDF between Phi(lower) and Phi(upper), in erf terms.
  array inv_sqrt2 = array::scalar(M_SQRT1_2, ct);
  array a = erf(multiply(lo, inv_sqrt2, s), s), b = erf(multiply(hi, inv_sqrt2, s), s);
  array u = uniform(array::scalar(0.0, ct), array::scalar(1.0, ct), sh, ct, key, s);
  array v = add(a, multiply(u, subtract(b, a, s), s), s);
  array x = multiply(erfinv(v, s), array::scalar(M_SQRT2, ct), s);
  x = maximum(minimum(x, hi, s), lo, s);
  return astype(x, dtype, s);
}

array gumbel(const Shape& shape, Dtype dtype, const array& key, StreamOrDevice s) {
  check_float(dtype, "random.gumbel");
  Dtype ct = dtype == float64 ? float64 : float32;
  double tiny = ct == float64 ? std::numeric_limits<double>::min()
                              : std::numeric_limits<float>::min();
  array u = uniform(array::scalar(tiny, ct), array::scalar(1.0, ct), shape, ct, key, s);
  return astype(negative(log(negative(log(u, s), s), s), s), dtype, s);
}

array laplace(const Shape& shape, Dtype dtype, double loc, double scale,
              const array& key, StreamOrDevice s) {
  check_float(dtype, "random.laplace");
  Dtype ct = dtype == float64 ? float64 : float32;
  double below_one = ct == float64 ? std::nextafter(1.0, 0.0)
                                   : static_cast<double>(std::nextafter(1.0f, 0.0f));
  array u = uniform(array::scalar(-below_one, ct), array::scalar(1.0, ct), shape, ct,
                    key, s);
  // Inverse CDF: loc - scale * sign(u) * log(1 - |u|).
  array x = multiply(sign(u, s), log1p(negative(abs(u, s), s), s), s);
  x = subtract(array::scalar(loc, ct), multiply(array::scalar(scale, ct), x, s), s);
  return astype(x, dtype, s);
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
  array lg = logits;
  Shape sample_shape;
  if (num_samples) {
    if (*num_samples < 0) {
      throw ValueError("[random.categorical] num_samples must be non-negative.");
    }
    // Samples go last; the category axis moves after them.
    lg = expand_dims(moveaxis(logits, ax, -1, s), {-2}, s);
    sample_shape = batch;
    sample_shape.push_back(*num_samples);
    Shape full_shape = sample_shape;
    full_shape.push_back(logits.shape()[ax]);
    lg = broadcast_to(lg, full_shape, s);
    array g = gumbel(full_shape, float32, key, s);
    return argmax(add(astype(lg, float32, s), g, s), -1, false, s);
  }
  sample_shape = shape.value_or(batch);
  if (broadcast_shapes(batch, sample_shape, "random.categorical") != sample_shape) {
    throw ValueError("[random.categorical] shape " + shape_str(sample_shape) +
                     " is not compatible with the logits' batch shape " +
                     shape_str(batch) + ".");
  }
  lg = moveaxis(logits, ax, -1, s);
  Shape full_shape = sample_shape;
  full_shape.push_back(logits.shape()[ax]);
  lg = broadcast_to(lg, full_shape, s);
  array g = gumbel(full_shape, float32, key, s);
  return argmax(add(astype(lg, float32, s), g, s), -1, false, s);
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
  // A square root by SVD (U sqrt(S)) also covers semi-definite covariances.
  auto usv = linalg::svd(astype(cov, dtype, s), true, s);
  array factor = multiply(usv[0], expand_dims(sqrt(usv[1], s), {-2}, s), s);
  Shape zs = shape;
  zs.push_back(n);
  array z = normal(zs, dtype, std::nullopt, std::nullopt, key, s);
  array samples = squeeze(matmul(factor, expand_dims(z, {-1}, s), s), {-1}, s);
  return add(astype(mean, dtype, s), samples, s);
}

}  // namespace ember::random

// ---- export

namespace ember {

void RandomBits::save(Writer& w) const { w.str("RandomBits"); }

bool load_random(const std::string& tag, Reader&, const ReplayNode& node,
                 std::vector<array>& out) {
  if (tag != "RandomBits") return false;
  out = node.make(std::make_shared<RandomBits>(node.stream));
  return true;
}

}  // namespace ember
