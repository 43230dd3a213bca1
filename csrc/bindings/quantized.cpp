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
  def_op(m, "quantize",
        [](ArrayArg w, OptInt gs, OptInt bits, const std::string& mode, nb::handle g,
           StreamArg s) {
          return tuple_of(quantize(ARR(w), gs, bits, mode, opt_array(g), SOD));
        },
        "w"_a, "group_size"_a.none() = nb::none(), "bits"_a.none() = nb::none(),
        "mode"_a = "affine", nb::kw_only(), "global_scale"_a.none() = nb::none(),
        "stream"_a.none() = nb::none(),
        "Quantize an array in groups of consecutive elements of its last "
        "axis.\n\n"
        "Each group of ``group_size`` elements shares a scale (and, in "
        "``\"affine\"`` mode, a bias). The quantized values are packed, "
        "lowest bits first, into uint32 words. The last axis must be "
        "divisible by ``group_size``.\n\n"
        "Modes (group sizes; bits; default first):\n\n"
        "* ``\"affine\"``: 64, 32 or 128; 4, 1, 2, 3, 5, 6 or 8. Each value "
        "is stored as ``round((w - bias) / scale)`` with the group minimum "
        "as bias and ``(max - min) / (2**bits - 1)`` as scale; scales and "
        "biases have the input's dtype.\n"
        "* ``\"mxfp4\"`` / ``\"mxfp8\"``: 32; 4 / 8. Floating point codes "
        "(e2m1 / e4m3) with a power-of-two (e8m0) scale per group, no "
        "bias.\n"
        "* ``\"nvfp4\"``: 16; 4. e2m1 codes with an e4m3 scale per group, "
        "no bias.\n\n"
        "Args:\n"
        "    w (array): The array to quantize, at least 2-D.\n"
        "    group_size (int, optional): Elements per group. Default: "
        "depends on the mode.\n"
        "    bits (int, optional): Bits per quantized element. Default: "
        "depends on the mode.\n"
        "    mode (str, optional): The quantization mode. Default: "
        "``\"affine\"``.\n"
        "    global_scale (array, optional): A float32 scale applied to "
        "the whole input in ``\"nvfp4\"`` mode.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    tuple(array, ...): ``(w_q, scales, biases)`` in affine mode, "
        "``(w_q, scales)`` otherwise.");
  def_op(m, "dequantize",
        [](ArrayArg w, ArrayArg scales, ArrayArg biases, OptInt gs, OptInt bits,
           const std::string& mode, nb::handle g, DtypeArg dtype, StreamArg s) {
          return dequantize(ARR(w), ARR(scales), opt_array(biases), gs, bits, mode, opt_array(g),
                            to_dtype(dtype), SOD);
        },
        "w"_a, "scales"_a, "biases"_a.none() = nb::none(), "group_size"_a.none() = nb::none(),
        "bits"_a.none() = nb::none(), "mode"_a = "affine", "global_scale"_a.none() = nb::none(),
        "dtype"_a.none() = nb::none(), nb::kw_only(), "stream"_a.none() = nb::none(),
        "Rebuild an array from its quantized form.\n\n"
        "The inverse of :func:`quantize` (up to the rounding error). In "
        "affine mode each value is ``scale * q + bias``.\n\n"
        "Args:\n"
        "    w (array): The packed quantized values (uint32).\n"
        "    scales (array): One scale per group.\n"
        "    biases (array, optional): One bias per group; required in "
        "affine mode.\n"
        "    group_size (int, optional): Elements per group, as used to "
        "quantize. Default: depends on the mode.\n"
        "    bits (int, optional): Bits per element, as used to quantize. "
        "Default: depends on the mode.\n"
        "    mode (str, optional): The quantization mode. Default: "
        "``\"affine\"``.\n"
        "    global_scale (array, optional): The global scale used with "
        "``\"nvfp4\"``.\n"
        "    dtype (Dtype, optional): The output dtype. By default that of "
        "the scales where it is a float type, else bfloat16.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The dequantized array; its last axis is the unpacked "
        "length.");
  def_op(m, "quantized_matmul",
        [](ArrayArg x, ArrayArg w, ArrayArg scales, ArrayArg biases, bool transpose,
           OptInt gs, OptInt bits, const std::string& mode, StreamArg s) {
          return quantized_matmul(ARR(x), ARR(w), ARR(scales), opt_array(biases), transpose, gs,
                                  bits, mode, SOD);
        },
        "x"_a, "w"_a, "scales"_a, "biases"_a.none() = nb::none(), "transpose"_a = true,
        "group_size"_a.none() = nb::none(), "bits"_a.none() = nb::none(), "mode"_a = "affine",
        nb::kw_only(), "stream"_a.none() = nb::none(),
        "Matrix product with a quantized matrix.\n\n"
        "Computes ``x @ dequantize(w).T`` (or without the transpose) "
        "without materialising the dequantized matrix.\n\n"
        "Args:\n"
        "    x (array): The unquantized left operand.\n"
        "    w (array): The quantized matrix, as returned by "
        ":func:`quantize`.\n"
        "    scales (array): Its scales.\n"
        "    biases (array, optional): Its biases (affine mode).\n"
        "    transpose (bool, optional): Multiply by the transpose of the "
        "dequantized ``w`` (``x @ w.T``) rather than by it. Default: "
        "``True``.\n"
        "    group_size (int, optional): Elements per group. Default: "
        "depends on the mode.\n"
        "    bits (int, optional): Bits per element. Default: depends on "
        "the mode.\n"
        "    mode (str, optional): The quantization mode. Default: "
        "``\"affine\"``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The product.");
  def_op(m, "gather_qmm",
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
        "Matrix products with matrices picked from a batch, the right one "
        "quantized.\n\n"
        "The quantized counterpart of :func:`gather_mm`: the indices are "
        "flat positions among the batch axes of ``x`` and ``w`` (``scales`` "
        "and ``biases`` share the batch axes of ``w``).\n\n"
        "Args:\n"
        "    x (array): The unquantized left operands.\n"
        "    w (array): The quantized right operands.\n"
        "    scales (array): The scales of ``w``.\n"
        "    biases (array, optional): The biases of ``w`` (affine mode).\n"
        "    lhs_indices (array, optional): Which matrices of ``x`` to "
        "use. By default all of them, in order.\n"
        "    rhs_indices (array, optional): Which matrices of ``w`` to "
        "use. By default all of them, in order.\n"
        "    transpose (bool, optional): Multiply by the transposed "
        "matrices of ``w``. Default: ``True``.\n"
        "    group_size (int, optional): Elements per group. Default: "
        "depends on the mode.\n"
        "    bits (int, optional): Bits per element. Default: depends on "
        "the mode.\n"
        "    mode (str, optional): The quantization mode. Default: "
        "``\"affine\"``.\n"
        "    global_scale (array, optional): The global scale of ``w`` "
        "with ``\"nvfp4\"``.\n"
        "    sorted_indices (bool, optional): A hint that the indices are "
        "sorted; it does not change the result. Default: ``False``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The products.");
  def_op(m, "qqmm",
        [](ArrayArg x, ArrayArg w, ArrayArg scales, OptInt gs, OptInt bits,
           const std::string& mode, nb::handle gx, nb::handle gw, StreamArg s) {
          return qqmm(ARR(x), ARR(w), opt_array(scales), gs, bits, mode, opt_array(gx), opt_array(gw),
                      std::nullopt, std::nullopt, SOD);
        },
        "x"_a, "w"_a, "scales"_a.none() = nb::none(), "group_size"_a.none() = nb::none(),
        "bits"_a.none() = nb::none(), "mode"_a = "nvfp4", "global_scale_x"_a.none() = nb::none(),
        "global_scale_w"_a.none() = nb::none(), nb::kw_only(), "stream"_a.none() = nb::none(),
        "Matrix product ``x @ w.T`` with both operands quantized.\n\n"
        "``x`` is quantized on the fly. ``w`` is used as given if it is "
        "already quantized (then ``scales`` is required and the group "
        "size, bits and mode must match how it was quantized); otherwise "
        "it is quantized on the fly too. Pass ``w`` unquantized if it "
        "needs gradients.\n\n"
        "Args:\n"
        "    x (array): The left operand, float32, float16 or bfloat16.\n"
        "    w (array): The right operand, quantized (uint32) or not.\n"
        "    scales (array, optional): The scales of an already quantized "
        "``w``.\n"
        "    group_size (int, optional): Elements per group. Default: "
        "depends on the mode.\n"
        "    bits (int, optional): Bits per element. Default: depends on "
        "the mode.\n"
        "    mode (str, optional): ``\"nvfp4\"`` or ``\"mxfp8\"``. "
        "Default: ``\"nvfp4\"``.\n"
        "    global_scale_x (array, optional): Global scale of ``x`` with "
        "``\"nvfp4\"``.\n"
        "    global_scale_w (array, optional): Global scale of ``w`` with "
        "``\"nvfp4\"``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The product.");
  def_op(m, "gather_qqmm",
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
        "stream"_a.none() = nb::none(),
        "Matrix products of matrices picked from a batch, both operands "
        "quantized.\n\n"
        "Combines :func:`gather_mm` (the indices pick matrices among the "
        "batch axes) with :func:`qqmm` (``x`` is quantized on the fly, and "
        "``w`` too unless it is already quantized).\n\n"
        "Args:\n"
        "    x (array): The left operands.\n"
        "    w (array): The right operands, quantized (uint32) or not.\n"
        "    scales (array, optional): The scales of an already quantized "
        "``w``.\n"
        "    lhs_indices (array, optional): Which matrices of ``x`` to "
        "use. By default all of them, in order.\n"
        "    rhs_indices (array, optional): Which matrices of ``w`` to "
        "use. By default all of them, in order.\n"
        "    group_size (int, optional): Elements per group. Default: "
        "depends on the mode.\n"
        "    bits (int, optional): Bits per element. Default: depends on "
        "the mode.\n"
        "    mode (str, optional): ``\"nvfp4\"`` or ``\"mxfp8\"``. "
        "Default: ``\"nvfp4\"``.\n"
        "    global_scale_x (array, optional): Global scale of ``x`` with "
        "``\"nvfp4\"``.\n"
        "    global_scale_w (array, optional): Global scale of ``w`` with "
        "``\"nvfp4\"``.\n"
        "    sorted_indices (bool, optional): A hint that the indices are "
        "sorted; it does not change the result. Default: ``False``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The products.");
  def_op(m, "to_fp8", [](ArrayArg x, StreamArg s) { return to_fp8(ARR(x), SOD); },
        "x"_a, nb::kw_only(), "stream"_a.none() = nb::none(),
        "Encode a floating point array as 8-bit floats (e4m3).\n\n"
        "Each value is rounded to the nearest e4m3 number (largest "
        "magnitude 448); values too large for it become NaN.\n\n"
        "Args:\n"
        "    x (array): The values to encode.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The encoded bytes, as uint8, with the shape of ``x``.");
  def_op(m, "from_fp8",
        [](ArrayArg x, DtypeArg dtype, StreamArg s) {
          return from_fp8(ARR(x), to_dtype(dtype).value_or(bfloat16), SOD);
        },
        "x"_a, "dtype"_a.none() = nb::none(), nb::kw_only(),
        "stream"_a.none() = nb::none(),
        "Decode 8-bit floats (e4m3) stored as uint8.\n\n"
        "The inverse of :func:`to_fp8`.\n\n"
        "Args:\n"
        "    x (array): The encoded bytes (uint8).\n"
        "    dtype (Dtype, optional): The floating point output dtype. "
        "Default: ``bfloat16``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The decoded values, with the shape of ``x``.");
}

}  // namespace ember::py
