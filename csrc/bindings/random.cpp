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
  // Evaluated now so the state never grows a graph across calls.
  if (!keep.is_tracer()) eval({keep, use});
  state[0] = keep;
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

  m.def("key", [](uint64_t seed) { return random::key(seed); }, "seed"_a,
        "A PRNG key from a seed.");
  m.def("seed",
        [](uint64_t seed) {
          nb::list st = random_module().attr("state");
          st[0] = random::key(seed);
        },
        "seed"_a, "Seed the global PRNG key.");
  m.def("split",
        [](const array& key, int64_t num, StreamArg s) {
          return random::split(key, num, to_sod(s));
        },
        "key"_a, "num"_a = 2, "stream"_a.none() = nb::none(),
        "Split a key into num new keys (an array of shape (num, 2)).");
  m.def("bits",
        [](IntsArg shape, int width, ArrayArg key, StreamArg s) {
          if (width != 4) throw ValueError("[random.bits] Only width=4 is supported.");
          return random::bits(nb::cast<Shape>(shape), key_or_next(key), to_sod(s));
        },
        "shape"_a = nb::list(), "width"_a = 4, "key"_a.none() = nb::none(),
        "stream"_a.none() = nb::none(), "Random uint32 bits.");
  m.def("uniform",
        [](ArrayArg low, ArrayArg high, IntsArg shape, DtypeArg dtype,
           ArrayArg key, StreamArg s) {
          return random::uniform(to_array(low), to_array(high),
                                 nb::cast<Shape>(shape), float_dtype(dtype),
                                 key_or_next(key), to_sod(s));
        },
        "low"_a = 0, "high"_a = 1, "shape"_a = nb::list(),
        "dtype"_a.none() = nb::none(), "key"_a.none() = nb::none(),
        "stream"_a.none() = nb::none(), "Uniform samples in [low, high).");
  m.def("normal",
        [](IntsArg shape, DtypeArg dtype, nb::handle loc, nb::handle scale,
           ArrayArg key, StreamArg s) {
          std::optional<array> l, sc;
          if (!loc.is_none()) l = to_array(loc);
          if (!scale.is_none()) sc = to_array(scale);
          return random::normal(nb::cast<Shape>(shape), float_dtype(dtype), l, sc,
                                key_or_next(key), to_sod(s));
        },
        "shape"_a = nb::list(), "dtype"_a.none() = nb::none(),
        "loc"_a.none() = nb::none(), "scale"_a.none() = nb::none(),
        "key"_a.none() = nb::none(), "stream"_a.none() = nb::none(),
        "Normal samples with mean loc and standard deviation scale.");
  m.def("multivariate_normal",
        [](nb::handle mean, nb::handle cov, IntsArg shape, DtypeArg dtype, ArrayArg key,
           StreamArg s) {
          return random::multivariate_normal(to_array(mean), to_array(cov),
                                             nb::cast<Shape>(shape), float_dtype(dtype),
                                             key_or_next(key), to_sod(s));
        },
        "mean"_a, "cov"_a, "shape"_a = nb::list(), "dtype"_a.none() = float32,
        "key"_a.none() = nb::none(), "stream"_a.none() = nb::none(),
        "Samples from a multivariate normal distribution with the given mean and "
        "covariance (last one or two axes; leading axes broadcast against shape).");
  m.def("randint",
        [](ArrayArg low, ArrayArg high, IntsArg shape, DtypeArg dtype,
           ArrayArg key, StreamArg s) {
          return random::randint(to_array(low), to_array(high),
                                 nb::cast<Shape>(shape),
                                 to_dtype(dtype).value_or(int32), key_or_next(key),
                                 to_sod(s));
        },
        "low"_a, "high"_a, "shape"_a = nb::list(), "dtype"_a.none() = nb::none(),
        "key"_a.none() = nb::none(), "stream"_a.none() = nb::none(),
        "Random integers in [low, high).");
  m.def("bernoulli",
        [](nb::handle p, IntsArg shape, ArrayArg key, StreamArg s) {
          return random::bernoulli(to_array(p), opt_shape(shape), key_or_next(key),
                                   to_sod(s));
        },
        "p"_a = 0.5, "shape"_a.none() = nb::none(), "key"_a.none() = nb::none(),
        "stream"_a.none() = nb::none(), "True with probability p.");
  m.def("truncated_normal",
        [](nb::handle lower, nb::handle upper, IntsArg shape, DtypeArg dtype,
           ArrayArg key, StreamArg s) {
          return random::truncated_normal(to_array(lower), to_array(upper),
                                          opt_shape(shape), float_dtype(dtype),
                                          key_or_next(key), to_sod(s));
        },
        "lower"_a, "upper"_a, "shape"_a.none() = nb::none(),
        "dtype"_a.none() = nb::none(), "key"_a.none() = nb::none(),
        "stream"_a.none() = nb::none(),
        "Normal samples truncated to [lower, upper].");
  m.def("gumbel",
        [](IntsArg shape, DtypeArg dtype, ArrayArg key, StreamArg s) {
          return random::gumbel(nb::cast<Shape>(shape), float_dtype(dtype),
                                key_or_next(key), to_sod(s));
        },
        "shape"_a = nb::list(), "dtype"_a.none() = nb::none(),
        "key"_a.none() = nb::none(), "stream"_a.none() = nb::none(),
        "Samples of the standard Gumbel distribution.");
  m.def("laplace",
        [](IntsArg shape, DtypeArg dtype, double loc, double scale,
           ArrayArg key, StreamArg s) {
          return random::laplace(nb::cast<Shape>(shape), float_dtype(dtype), loc,
                                 scale, key_or_next(key), to_sod(s));
        },
        "shape"_a = nb::list(), "dtype"_a.none() = nb::none(), "loc"_a = 0.0,
        "scale"_a = 1.0, "key"_a.none() = nb::none(), "stream"_a.none() = nb::none(),
        "Samples of the Laplace distribution.");
  m.def("permutation",
        [](ArrayArg x, int64_t axis, ArrayArg key, StreamArg s) {
          array k = key_or_next(key);
          if (PyLong_Check(x.ptr())) {
            int64_t n = nb::cast<int64_t>(x);
            // Sorting random bits gives a uniformly random order.
            return astype(argsort(random::bits({n}, k, to_sod(s)), 0, to_sod(s)),
                          int32, to_sod(s));
          }
          array a = to_array(x);
          int ax = normalize_axis(axis, a.ndim(), "random.permutation");
          array order = argsort(random::bits({a.shape()[ax]}, k, to_sod(s)), 0, to_sod(s));
          return take(a, order, ax, to_sod(s));
        },
        "x"_a, "axis"_a = 0, "key"_a.none() = nb::none(), "stream"_a.none() = nb::none(),
        "A random permutation of arange(x), or of x along an axis.");
  m.def("categorical",
        [](const array& logits, int64_t axis, IntsArg shape,
           std::optional<int64_t> num_samples, ArrayArg key, StreamArg s) {
          return random::categorical(logits, axis, opt_shape(shape), num_samples,
                                     key_or_next(key), to_sod(s));
        },
        "logits"_a, "axis"_a = -1, "shape"_a.none() = nb::none(),
        "num_samples"_a.none() = nb::none(), "key"_a.none() = nb::none(),
        "stream"_a.none() = nb::none(),
        "Samples of categories with the given unnormalized log probabilities.");
}

}  // namespace ember::py
