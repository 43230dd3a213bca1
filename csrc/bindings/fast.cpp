// mx.fast bindings. The custom-kernel entry points exist for API parity and
// raise, since this build has neither Metal nor CUDA.
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "bindings/args.h"
#include "core/errors.h"
#include "fast/fast.h"

namespace ember::py {

namespace {

[[noreturn]] void no_backend(const char* what, const char* backend) {
  throw std::runtime_error(std::string("[") + what + "] Custom " + backend +
                           " kernels need the " + backend +
                           " backend, which this build does not have.");
}

}  // namespace

void init_fast(nb::module_& parent) {
  auto m = parent.def_submodule("fast", "Fused kernels for common ML building blocks.");
  m.def("rms_norm",
        [](ArrayArg x, ArrayArg w, float eps, StreamArg s) {
          return fast::rms_norm(to_array(x), opt_array(w), eps, to_sod(s));
        },
        "x"_a, "weight"_a.none(), "eps"_a, nb::kw_only(), "stream"_a.none() = nb::none(),
        "Root-mean-square normalization over the last axis, times an optional weight.");
  m.def("layer_norm",
        [](ArrayArg x, ArrayArg w, ArrayArg b, float eps, StreamArg s) {
          return fast::layer_norm(to_array(x), opt_array(w), opt_array(b), eps, to_sod(s));
        },
        "x"_a, "weight"_a.none(), "bias"_a.none(), "eps"_a, nb::kw_only(),
        "stream"_a.none() = nb::none(),
        "Layer normalization over the last axis with optional weight and bias.");
  m.def("rope",
        [](ArrayArg a, int dims, bool traditional, std::optional<float> base, float scale,
           nb::handle offset, nb::handle freqs, StreamArg s) {
          array off = PyLong_Check(offset.ptr()) ? array(nb::cast<int64_t>(offset))
                                                 : to_array(offset);
          return fast::rope(to_array(a), dims, traditional, base, scale, off,
                            opt_array(freqs), to_sod(s));
        },
        "a"_a, "dims"_a, nb::kw_only(), "traditional"_a, "base"_a.none(), "scale"_a,
        "offset"_a, "freqs"_a.none() = nb::none(), "stream"_a.none() = nb::none(),
        "Rotary position embedding of the first dims features along the second "
        "to last axis (positions start at offset).");
  m.def("gated_delta_update",
        [](ArrayArg q, nb::handle k, nb::handle v, nb::handle gamma, nb::handle beta,
           nb::handle initial_state, ArrayArg mask, StreamArg s) {
          return fast::gated_delta_update(to_array(q), to_array(k), to_array(v),
                                          to_array(gamma), to_array(beta),
                                          opt_array(initial_state), opt_array(mask), to_sod(s));
        },
        "q"_a, "k"_a, "v"_a, "gamma"_a, "beta"_a, "initial_state"_a.none() = nb::none(),
        "mask"_a.none() = nb::none(), "stream"_a.none() = nb::none(),
        "The gated delta rule over time: returns the outputs (B, T, Hv, Dv) and the "
        "final state (B, Hv, Dv, Dk).");
  m.def("scaled_dot_product_attention",
        [](ArrayArg q, nb::handle k, nb::handle v, float scale, ArrayArg mask,
           nb::handle sinks, bool force_fused, StreamArg s) {
          fast::AttentionMask m;
          if (PyUnicode_Check(mask.ptr())) m = nb::cast<std::string>(mask);
          else if (!mask.is_none()) m = to_array(mask);
          return fast::scaled_dot_product_attention(to_array(q), to_array(k), to_array(v),
                                                    scale, m, opt_array(sinks), to_sod(s));
        },
        "q"_a, "k"_a, "v"_a, nb::kw_only(), "scale"_a, "mask"_a.none() = nb::none(),
        "sinks"_a.none() = nb::none(), "force_fused"_a = false,
        "stream"_a.none() = nb::none(),
        "softmax(scale * q @ k.T + mask) @ v over heads, with grouped key/value heads, "
        "a 'causal' or array mask and optional attention sinks.");
  m.def("cross_entropy",
        [](nb::handle logits, nb::handle targets, StreamArg s) {
          return fast::cross_entropy(to_array(logits), to_array(targets), to_sod(s));
        },
        "logits"_a, "targets"_a, nb::kw_only(), "stream"_a.none() = nb::none(),
        "Per-element cross entropy of logits (last axis) against class indices, "
        "in float32.");
  m.def("metal_kernel", [](nb::args, nb::kwargs) -> nb::object { no_backend("metal_kernel", "Metal"); },
        "Custom Metal kernels (unavailable: no Metal backend).");
  m.def("cuda_kernel", [](nb::args, nb::kwargs) -> nb::object { no_backend("cuda_kernel", "CUDA"); },
        "Custom CUDA kernels (unavailable: no CUDA backend).");
  m.def("precompiled_cuda_kernel",
        [](nb::args, nb::kwargs) -> nb::object { no_backend("precompiled_cuda_kernel", "CUDA"); },
        "Precompiled CUDA kernels (unavailable: no CUDA backend).");
}

}  // namespace ember::py
