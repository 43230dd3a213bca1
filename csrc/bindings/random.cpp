// mx.random: distributions with explicit keys or the global key in
// mx.random.state (a list, so compile can capture it as state).
#include "bindings/common.h"
#include "core/errors.h"
#include "ops/indexing.h"
#include "ops/scan.h"
#include "random/random.h"

namespace ember::py {

namespace {

nb::object random_module() {
  return nb::module_::import_("mlx.core").attr("random");
}

// The next key from the global state: split it, keep one half as the new
// state, return the other.
array next_key() {
  nb::list state = random_module().attr("state");
  array k = nb::cast<array>(state[0]);
  array ks = random::split(k, 2);
  array keep = reshape(slice(ks, {0, 0}, {1, 2}, {1, 1}), {2});
  array use = reshape(slice(ks, {1, 0}, {2, 2}, {1, 1}), {2});
  // Stored before the GIL is released, so no other thread takes this key.
  state[0] = keep;
  // Evaluated now so the state never grows a graph across calls; without
  // the GIL, as eval may wait for a thread whose eval calls Python (mx.load).
  if (!keep.is_tracer()) {
    nb::gil_scoped_release release;
    eval({keep, use});
  }
  return use;
}

array key_or_next(nb::handle key) {
  return key.is_none() ? next_key() : nb::cast<array>(key);
}

std::optional<Shape> opt_shape(nb::handle h) {
  if (h.is_none()) return std::nullopt;
  return nb::cast<Shape>(h);
}

Dtype float_dtype(nb::handle h) { return to_dtype(h).value_or(float32); }

}  // namespace

void init_random(nb::module_& parent) {
  auto m = parent.def_submodule("random", "Random sampling with explicit keys.");
  nb::list state;
  state.append(random::key(0));
  m.attr("state") = state;

  def_op(m, "key", [](uint64_t seed) { return random::key(seed); }, "seed"_a,
        "Create a pseudo-random number generator key from a seed.\n\n"
        "Pass the key to the sampling functions for reproducible results "
        "that do not depend on the global state; use :func:`split` to "
        "derive independent keys from it.\n\n"
        "Args:\n"
        "    seed (int): The seed, a non-negative integer.\n\n"
        "Returns:\n"
        "    array: The key, two uint32 values.");
  def_op(m, "seed",
        [](uint64_t seed) {
          nb::list st = random_module().attr("state");
          st[0] = random::key(seed);
        },
        "seed"_a,
        "Seed the global random state.\n\n"
        "Sampling functions called without a ``key`` draw from this "
        "state, so seeding makes their results repeatable.\n\n"
        "Args:\n"
        "    seed (int): The seed, a non-negative integer.\n\n"
        "Returns:\n"
        "    None");
  def_op(m, "split",
        [](const array& key, int64_t num, StreamArg s) {
          return random::split(key, num, to_sod(s));
        },
        "key"_a, "num"_a = 2, "stream"_a.none() = nb::none(),
        "Derive new, independent keys from a key.\n\n"
        "Args:\n"
        "    key (array): The key to split.\n"
        "    num (int, optional): How many keys to make. Default: ``2``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The new keys, of shape ``(num, 2)``; ``keys[i]`` is "
        "one key.");
  def_op(m, "bits",
        [](IntsArg shape, int width, ArrayArg key, StreamArg s) {
          if (width != 4) throw ValueError("[random.bits] Only width=4 is supported.");
          return random::bits(nb::cast<Shape>(shape), key_or_next(key), to_sod(s));
        },
        "shape"_a = nb::list(), "width"_a = 4, "key"_a.none() = nb::none(),
        "stream"_a.none() = nb::none(),
        "Generate uniformly random bits.\n\n"
        "Args:\n"
        "    shape (list(int), optional): The output shape. Default: "
        "``()``.\n"
        "    width (int, optional): Bytes per element; only 4 (uint32) is "
        "supported. Default: ``4``.\n"
        "    key (array, optional): A key from :func:`key` or "
        ":func:`split`. By default the global state is used and "
        "advanced.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: Random uint32 values.");
  def_op(m, "uniform",
        [](ArrayArg low, ArrayArg high, IntsArg shape, DtypeArg dtype,
           ArrayArg key, StreamArg s) {
          return random::uniform(to_array(low), to_array(high),
                                 nb::cast<Shape>(shape), float_dtype(dtype),
                                 key_or_next(key), to_sod(s));
        },
        "low"_a = 0, "high"_a = 1, "shape"_a = nb::list(),
        "dtype"_a.none() = nb::none(), "key"_a.none() = nb::none(),
        "stream"_a.none() = nb::none(),
        "Sample from a uniform distribution over ``[low, high)``.\n\n"
        "Args:\n"
        "    low (scalar or array, optional): Lower bound. Default: ``0``.\n"
        "    high (scalar or array, optional): Upper bound (excluded). "
        "Default: ``1``.\n"
        "    shape (list(int), optional): The output shape; the bounds "
        "must broadcast to it. Default: ``()``.\n"
        "    dtype (Dtype, optional): A floating point dtype. Default: "
        "``float32``.\n"
        "    key (array, optional): A key from :func:`key` or "
        ":func:`split`. By default the global state is used and "
        "advanced.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The samples.");
  def_op(m, "normal",
        [](IntsArg shape, DtypeArg dtype, nb::handle loc, nb::handle scale,
           ArrayArg key, StreamArg s) {
          // Python numbers become dtype directly, as in MLX.
          Dtype dt = float_dtype(dtype);
          std::optional<array> l, sc;
          if (!loc.is_none()) l = to_array(loc, dt);
          if (!scale.is_none()) sc = to_array(scale, dt);
          return random::normal(nb::cast<Shape>(shape), dt, l, sc,
                                key_or_next(key), to_sod(s));
        },
        "shape"_a = nb::list(), "dtype"_a.none() = nb::none(),
        "loc"_a.none() = nb::none(), "scale"_a.none() = nb::none(),
        "key"_a.none() = nb::none(), "stream"_a.none() = nb::none(),
        "Sample from a normal (Gaussian) distribution.\n\n"
        "Args:\n"
        "    shape (list(int), optional): The output shape. Default: "
        "``()``.\n"
        "    dtype (Dtype, optional): A floating point dtype. Default: "
        "``float32``.\n"
        "    loc (scalar or array, optional): The mean. Default: ``0``.\n"
        "    scale (scalar or array, optional): The standard deviation. "
        "Default: ``1``.\n"
        "    key (array, optional): A key from :func:`key` or "
        ":func:`split`. By default the global state is used and "
        "advanced.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The samples.");
  def_op(m, "multivariate_normal",
        [](nb::handle mean, nb::handle cov, IntsArg shape, DtypeArg dtype, ArrayArg key,
           StreamArg s) {
          return random::multivariate_normal(to_array(mean), to_array(cov),
                                             nb::cast<Shape>(shape), float_dtype(dtype),
                                             key_or_next(key), to_sod(s));
        },
        "mean"_a, "cov"_a, "shape"_a = nb::list(), "dtype"_a.none() = float32,
        "key"_a.none() = nb::none(), "stream"_a.none() = nb::none(),
        "Sample from a multivariate normal distribution.\n\n"
        "The covariance is factored, so it must be symmetric positive "
        "semi-definite.\n\n"
        "Args:\n"
        "    mean (array): The mean, of shape ``(..., n)``.\n"
        "    cov (array): The covariance, of shape ``(..., n, n)``; its "
        "leading axes broadcast with those of ``mean``.\n"
        "    shape (list(int), optional): The batch shape of the samples; "
        "the leading axes of ``mean`` and ``cov`` must broadcast to it. "
        "Default: ``()``.\n"
        "    dtype (Dtype, optional): The output dtype, float32 or float64. "
        "Default: ``float32``.\n"
        "    key (array, optional): A key from :func:`key` or "
        ":func:`split`. By default the global state is used and "
        "advanced.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The samples, of shape ``shape + (n,)``.");
  def_op(m, "randint",
        [](ArrayArg low, ArrayArg high, IntsArg shape, DtypeArg dtype,
           ArrayArg key, StreamArg s) {
          return random::randint(to_array(low), to_array(high),
                                 nb::cast<Shape>(shape),
                                 to_dtype(dtype).value_or(int32), key_or_next(key),
                                 to_sod(s));
        },
        "low"_a, "high"_a, "shape"_a = nb::list(), "dtype"_a.none() = nb::none(),
        "key"_a.none() = nb::none(), "stream"_a.none() = nb::none(),
        "Sample integers uniformly from ``[low, high)``.\n\n"
        "Args:\n"
        "    low (scalar or array): Lower bound (included).\n"
        "    high (scalar or array): Upper bound (excluded).\n"
        "    shape (list(int), optional): The output shape; the bounds "
        "must broadcast to it. Default: ``()``.\n"
        "    dtype (Dtype, optional): An integer dtype. Default: "
        "``int32``.\n"
        "    key (array, optional): A key from :func:`key` or "
        ":func:`split`. By default the global state is used and "
        "advanced.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The samples.");
  def_op(m, "bernoulli",
        [](nb::handle p, IntsArg shape, ArrayArg key, StreamArg s) {
          return random::bernoulli(to_array(p), opt_shape(shape), key_or_next(key),
                                   to_sod(s));
        },
        "p"_a = 0.5, "shape"_a.none() = nb::none(), "key"_a.none() = nb::none(),
        "stream"_a.none() = nb::none(),
        "Sample from a Bernoulli distribution: true with probability "
        "``p``.\n\n"
        "Args:\n"
        "    p (scalar or array, optional): The probability of true. "
        "Default: ``0.5``.\n"
        "    shape (list(int), optional): The output shape; ``p`` must "
        "broadcast to it. Default: the shape of ``p``.\n"
        "    key (array, optional): A key from :func:`key` or "
        ":func:`split`. By default the global state is used and "
        "advanced.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: A boolean array of samples.");
  def_op(m, "truncated_normal",
        [](nb::handle lower, nb::handle upper, IntsArg shape, DtypeArg dtype,
           ArrayArg key, StreamArg s) {
          return random::truncated_normal(to_array(lower), to_array(upper),
                                          opt_shape(shape), float_dtype(dtype),
                                          key_or_next(key), to_sod(s));
        },
        "lower"_a, "upper"_a, "shape"_a.none() = nb::none(),
        "dtype"_a.none() = nb::none(), "key"_a.none() = nb::none(),
        "stream"_a.none() = nb::none(),
        "Sample from a standard normal distribution truncated to an "
        "interval.\n\n"
        "Args:\n"
        "    lower (scalar or array): Lower bound of the interval.\n"
        "    upper (scalar or array): Upper bound of the interval.\n"
        "    shape (list(int), optional): The output shape; the bounds "
        "must broadcast to it. Default: the broadcast shape of the "
        "bounds.\n"
        "    dtype (Dtype, optional): A floating point dtype. Default: "
        "``float32``.\n"
        "    key (array, optional): A key from :func:`key` or "
        ":func:`split`. By default the global state is used and "
        "advanced.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The samples, within ``[lower, upper]``.");
  def_op(m, "gumbel",
        [](IntsArg shape, DtypeArg dtype, ArrayArg key, StreamArg s) {
          return random::gumbel(nb::cast<Shape>(shape), float_dtype(dtype),
                                key_or_next(key), to_sod(s));
        },
        "shape"_a = nb::list(), "dtype"_a.none() = nb::none(),
        "key"_a.none() = nb::none(), "stream"_a.none() = nb::none(),
        "Sample from the standard Gumbel distribution.\n\n"
        "Useful for sampling from categorical distributions (the Gumbel-max "
        "trick).\n\n"
        "Args:\n"
        "    shape (list(int), optional): The output shape. Default: "
        "``()``.\n"
        "    dtype (Dtype, optional): A floating point dtype. Default: "
        "``float32``.\n"
        "    key (array, optional): A key from :func:`key` or "
        ":func:`split`. By default the global state is used and "
        "advanced.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The samples.");
  def_op(m, "laplace",
        [](IntsArg shape, DtypeArg dtype, double loc, double scale,
           ArrayArg key, StreamArg s) {
          return random::laplace(nb::cast<Shape>(shape), float_dtype(dtype), loc,
                                 scale, key_or_next(key), to_sod(s));
        },
        "shape"_a = nb::list(), "dtype"_a.none() = nb::none(), "loc"_a = 0.0,
        "scale"_a = 1.0, "key"_a.none() = nb::none(), "stream"_a.none() = nb::none(),
        "Sample from a Laplace distribution.\n\n"
        "Args:\n"
        "    shape (list(int), optional): The output shape. Default: "
        "``()``.\n"
        "    dtype (Dtype, optional): A floating point dtype. Default: "
        "``float32``.\n"
        "    loc (float, optional): The mean. Default: ``0.0``.\n"
        "    scale (float, optional): The scale (diversity). Default: "
        "``1.0``.\n"
        "    key (array, optional): A key from :func:`key` or "
        ":func:`split`. By default the global state is used and "
        "advanced.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The samples.");
  def_op(m, "permutation",
        [](ArrayArg x, int64_t axis, ArrayArg key, StreamArg s) {
          array k = key_or_next(key);
          if (PyLong_Check(x.ptr())) {
            int64_t n = nb::cast<int64_t>(x);
            // Sorting random bits gives a uniformly random order; the
            // indices are uint32, as MLX returns them.
            return astype(argsort(random::bits({n}, k, to_sod(s)), 0, to_sod(s)),
                          uint32, to_sod(s));
          }
          array a = to_array(x);
          int ax = normalize_axis(axis, a.ndim(), "random.permutation");
          array order = argsort(random::bits({a.shape()[ax]}, k, to_sod(s)), 0, to_sod(s));
          return take(a, order, ax, to_sod(s));
        },
        "x"_a, "axis"_a = 0, "key"_a.none() = nb::none(), "stream"_a.none() = nb::none(),
        "Randomly permute a sequence, or a range of integers.\n\n"
        "Args:\n"
        "    x (int or array): An integer ``n`` permutes ``arange(n)``; an "
        "array is shuffled along ``axis``.\n"
        "    axis (int, optional): The axis to shuffle an array along. "
        "Default: ``0``.\n"
        "    key (array, optional): A key from :func:`key` or "
        ":func:`split`. By default the global state is used and "
        "advanced.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The permuted integers (int32) or the shuffled array.");
  def_op(m, "categorical",
        [](const array& logits, int64_t axis, IntsArg shape,
           std::optional<int64_t> num_samples, ArrayArg key, StreamArg s) {
          return random::categorical(logits, axis, opt_shape(shape), num_samples,
                                     key_or_next(key), to_sod(s));
        },
        "logits"_a, "axis"_a = -1, "shape"_a.none() = nb::none(),
        "num_samples"_a.none() = nb::none(), "key"_a.none() = nb::none(),
        "stream"_a.none() = nb::none(),
        "Sample category indices from a categorical distribution.\n\n"
        "Args:\n"
        "    logits (array): Unnormalized log probabilities of the "
        "categories along ``axis``.\n"
        "    axis (int, optional): The axis of the categories. Default: "
        "``-1``.\n"
        "    shape (list(int), optional): The output shape; the other axes "
        "of ``logits`` must broadcast to it. At most one of ``shape`` and "
        "``num_samples`` may be given.\n"
        "    num_samples (int, optional): Draw this many samples per "
        "distribution, in a new last axis.\n"
        "    key (array, optional): A key from :func:`key` or "
        ":func:`split`. By default the global state is used and "
        "advanced.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The sampled indices (uint32). By default the shape is "
        "that of ``logits`` without ``axis``.");
}

}  // namespace ember::py
