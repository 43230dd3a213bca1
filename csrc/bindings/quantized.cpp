// Bindings of quantization: fp8 conversion, quantize/dequantize and
// quantized matrix products.
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>

#include "bindings/args.h"
#include "core/errors.h"
#include "ops/quantized.h"

namespace ember::py {

void init_quantized(nb::module_& m) {
  using OptInt = std::optional<int>;
  m.def("quantize",
        [](ArrayArg w, OptInt gs, OptInt bits, const std::string& mode, nb::handle g,
           StreamArg s) {
          return tuple_of(quantize(ARR(w), gs, bits, mode, opt_array(g), SOD));
        },
        "w"_a, "group_size"_a.none() = nb::none(), "bits"_a.none() = nb::none(),
        "mode"_a = "affine", nb::kw_only(), "global_scale"_a.none() = nb::none(),
        "stream"_a.none() = nb::none(),
        "Quantize groups of the last axis: (codes, scales, biases) for affine, "
        "(codes, scales) for mxfp4, mxfp8 and nvfp4.");
  m.def("dequantize",
        [](ArrayArg w, ArrayArg scales, ArrayArg biases, OptInt gs, OptInt bits,
           const std::string& mode, nb::handle g, DtypeArg dtype, StreamArg s) {
          return dequantize(ARR(w), ARR(scales), opt_array(biases), gs, bits, mode, opt_array(g),
                            to_dtype(dtype), SOD);
        },
        "w"_a, "scales"_a, "biases"_a.none() = nb::none(), "group_size"_a.none() = nb::none(),
        "bits"_a.none() = nb::none(), "mode"_a = "affine", "global_scale"_a.none() = nb::none(),
        "dtype"_a.none() = nb::none(), nb::kw_only(), "stream"_a.none() = nb::none(),
        "Rebuild an array from its quantized codes and scales (and biases).");
  m.def("quantized_matmul",
        [](ArrayArg x, ArrayArg w, ArrayArg scales, ArrayArg biases, bool transpose,
           OptInt gs, OptInt bits, const std::string& mode, StreamArg s) {
          return quantized_matmul(ARR(x), ARR(w), ARR(scales), opt_array(biases), transpose, gs,
                                  bits, mode, SOD);
        },
        "x"_a, "w"_a, "scales"_a, "biases"_a.none() = nb::none(), "transpose"_a = true,
        "group_size"_a.none() = nb::none(), "bits"_a.none() = nb::none(), "mode"_a = "affine",
        nb::kw_only(), "stream"_a.none() = nb::none(),
        "x @ w.T (or x @ w) with w quantized.");
  m.def("gather_qmm",
        [](ArrayArg x, ArrayArg w, ArrayArg scales, ArrayArg biases, ArrayArg lhs,
           ArrayArg rhs, bool transpose, OptInt gs, OptInt bits, const std::string& mode,
           nb::handle g, bool, StreamArg s) {
          return gather_qmm(ARR(x), ARR(w), ARR(scales), opt_array(biases), opt_array(lhs), opt_array(rhs),
                            transpose, gs, bits, mode, opt_array(g), SOD);
        },
        "x"_a, "w"_a, "scales"_a, "biases"_a.none() = nb::none(),
        "lhs_indices"_a.none() = nb::none(), "rhs_indices"_a.none() = nb::none(),
        "transpose"_a = true, "group_size"_a.none() = nb::none(), "bits"_a.none() = nb::none(),
        "mode"_a = "affine", "global_scale"_a.none() = nb::none(), nb::kw_only(),
        "sorted_indices"_a = false, "stream"_a.none() = nb::none(),
        "gather_mm with a quantized right operand.");
  m.def("qqmm",
        [](ArrayArg x, ArrayArg w, ArrayArg scales, OptInt gs, OptInt bits,
           const std::string& mode, nb::handle gx, nb::handle gw, StreamArg s) {
          return qqmm(ARR(x), ARR(w), opt_array(scales), gs, bits, mode, opt_array(gx), opt_array(gw),
                      std::nullopt, std::nullopt, SOD);
        },
        "x"_a, "w"_a, "scales"_a.none() = nb::none(), "group_size"_a.none() = nb::none(),
        "bits"_a.none() = nb::none(), "mode"_a = "nvfp4", "global_scale_x"_a.none() = nb::none(),
        "global_scale_w"_a.none() = nb::none(), nb::kw_only(), "stream"_a.none() = nb::none(),
        "x @ w.T with both operands quantized (w may be passed already quantized).");
  m.def("gather_qqmm",
        [](ArrayArg x, ArrayArg w, ArrayArg scales, ArrayArg lhs, ArrayArg rhs,
           OptInt gs, OptInt bits, const std::string& mode, nb::handle gx, nb::handle gw, bool,
           StreamArg s) {
          return qqmm(ARR(x), ARR(w), opt_array(scales), gs, bits, mode, opt_array(gx), opt_array(gw),
                      opt_array(lhs), opt_array(rhs), SOD);
        },
        "x"_a, "w"_a, "scales"_a.none() = nb::none(), "lhs_indices"_a.none() = nb::none(),
        "rhs_indices"_a.none() = nb::none(), "group_size"_a.none() = nb::none(),
        "bits"_a.none() = nb::none(), "mode"_a = "nvfp4", "global_scale_x"_a.none() = nb::none(),
        "global_scale_w"_a.none() = nb::none(), nb::kw_only(), "sorted_indices"_a = false,
        "stream"_a.none() = nb::none(), "gather_mm with both operands quantized.");
  m.def("to_fp8", [](ArrayArg x, StreamArg s) { return to_fp8(ARR(x), SOD); },
        "x"_a, nb::kw_only(), "stream"_a.none() = nb::none(),
        "Round a floating point array to fp8 (e4m3) and return its bytes as uint8.");
  m.def("from_fp8",
        [](ArrayArg x, DtypeArg dtype, StreamArg s) {
          return from_fp8(ARR(x), to_dtype(dtype).value_or(bfloat16), SOD);
        },
        "x"_a, "dtype"_a.none() = nb::none(), nb::kw_only(),
        "stream"_a.none() = nb::none(),
        "Decode fp8 (e4m3) bytes of dtype uint8 into a floating point array.");
}

}  // namespace ember::py
