// Bindings of the convolution family.
#include "bindings/common.h"
#include "core/errors.h"
#include "ops/conv.h"

namespace ember::py {

namespace {

Shape per_dim(nb::handle h, int d) {
  if (PyLong_Check(h.ptr())) return Shape(d, nb::cast<int64_t>(h));
  Shape v = nb::cast<Shape>(h);
  if (static_cast<int>(v.size()) != d) {
    throw ValueError("[conv] Expected " + std::to_string(d) + " values; got " +
                     std::to_string(v.size()) + ".");
  }
  return v;
}

int spatial_dims(const array& x) { return std::max(x.ndim() - 2, 0); }

}  // namespace

void init_conv(nb::module_& m) {
  for (int d = 1; d <= 3; ++d) {
    std::string name = "conv" + std::to_string(d) + "d";
    def_op(m, name.c_str(),
          [d](ArrayArg input, ArrayArg weight, IntsArg stride,
              nb::handle padding, IntsArg dilation, int groups, StreamArg s) {
            array x = to_array(input), w = to_array(weight);
            if (x.ndim() != d + 2) {
              throw ValueError("[conv] Expected an input with " +
                               std::to_string(d + 2) + " dimensions; got " +
                               shape_str(x.shape()) + ".");
            }
            Shape p = per_dim(padding, d);
            return conv_general(x, w, per_dim(stride, d), p, p, per_dim(dilation, d),
                                Shape(d, 1), groups, false, to_sod(s));
          },
          "input"_a, "weight"_a, "stride"_a = 1, "padding"_a = 0, "dilation"_a = 1,
          "groups"_a = 1, nb::kw_only(), "stream"_a.none() = nb::none(),
          "Convolution over 1, 2 or 3 spatial dimensions (by the "
          "function's name).\n\n"
          "As in most ML libraries this is a cross-correlation: the kernel "
          "is not flipped. Arrays are channels-last. Each output size along "
          "a spatial axis is ``(L + 2 * padding - dilation * (K - 1) - 1) "
          "// stride + 1``.\n\n"
          "Args:\n"
          "    input (array): Input of shape ``(N, *spatial, C_in)``.\n"
          "    weight (array): Kernel of shape ``(C_out, *kernel, C_in / "
          "groups)``.\n"
          "    stride (int or list(int), optional): Step of the kernel, "
          "one value for all spatial axes or one per axis. Default: "
          "``1``.\n"
          "    padding (int or list(int), optional): Zeros added on both "
          "sides of each spatial axis. Default: ``0``.\n"
          "    dilation (int or list(int), optional): Spacing between "
          "kernel elements. Default: ``1``.\n"
          "    groups (int, optional): Number of channel groups; ``C_in`` "
          "and ``C_out`` must both be divisible by it. Default: ``1``.\n"
          "    stream (Stream, optional): Stream or device to run on.\n\n"
          "Returns:\n"
          "    array: The output, of shape ``(N, *out_spatial, C_out)``.");
    std::string tname = "conv_transpose" + std::to_string(d) + "d";
    def_op(m, tname.c_str(),
          [d](ArrayArg input, ArrayArg weight, IntsArg stride,
              nb::handle padding, IntsArg dilation, nb::handle output_padding,
              int groups, StreamArg s) {
            array x = to_array(input), w = to_array(weight);
            if (x.ndim() != d + 2) {
              throw ValueError("[conv_transpose] Expected an input with " +
                               std::to_string(d + 2) + " dimensions.");
            }
            return conv_transpose(x, w, per_dim(stride, d), per_dim(padding, d),
                                  per_dim(dilation, d), per_dim(output_padding, d),
                                  groups, to_sod(s));
          },
          "input"_a, "weight"_a, "stride"_a = 1, "padding"_a = 0, "dilation"_a = 1,
          "output_padding"_a = 0, "groups"_a = 1, nb::kw_only(),
          "stream"_a.none() = nb::none(),
          "Transposed convolution over 1, 2 or 3 spatial dimensions (by "
          "the function's name).\n\n"
          "The gradient of the matching convolution with respect to its "
          "input, often used for upsampling. Each output size along a "
          "spatial axis is ``(L - 1) * stride - 2 * padding + dilation * "
          "(K - 1) + output_padding + 1``.\n\n"
          "Args:\n"
          "    input (array): Input of shape ``(N, *spatial, C_in)``.\n"
          "    weight (array): Kernel of shape ``(C_out, *kernel, C_in / "
          "groups)``.\n"
          "    stride (int or list(int), optional): Stride of the matching "
          "convolution. Default: ``1``.\n"
          "    padding (int or list(int), optional): Padding of the "
          "matching convolution, removed from the output. Default: "
          "``0``.\n"
          "    dilation (int or list(int), optional): Spacing between "
          "kernel elements. Default: ``1``.\n"
          "    output_padding (int or list(int), optional): Extra size "
          "added to one side of the output, to pick among the shapes that "
          "a strided convolution maps to the same size. Default: ``0``.\n"
          "    groups (int, optional): Number of channel groups. Default: "
          "``1``.\n"
          "    stream (Stream, optional): Stream or device to run on.\n\n"
          "Returns:\n"
          "    array: The output, of shape ``(N, *out_spatial, C_out)``.");
  }
  def_op(m, "conv_general",
        [](ArrayArg input, ArrayArg weight, IntsArg stride, nb::handle padding,
           nb::handle kernel_dilation, nb::handle input_dilation, int groups,
           bool flip, StreamArg s) {
          array x = to_array(input), w = to_array(weight);
          int d = spatial_dims(x);
          Shape lo, hi;
          // padding: n, [n...], or ([lo...], [hi...]).
          if (PyTuple_Check(padding.ptr()) && nb::len(padding) == 2 &&
              !PyLong_Check(nb::borrow<nb::tuple>(padding)[0].ptr())) {
            nb::tuple t = nb::borrow<nb::tuple>(padding);
            lo = per_dim(t[0], d);
            hi = per_dim(t[1], d);
          } else {
            lo = hi = per_dim(padding, d);
          }
          return conv_general(x, w, per_dim(stride, d), lo, hi,
                              per_dim(kernel_dilation, d), per_dim(input_dilation, d),
                              groups, flip, to_sod(s));
        },
        "input"_a, "weight"_a, "stride"_a = 1, "padding"_a = 0,
        "kernel_dilation"_a = 1, "input_dilation"_a = 1, "groups"_a = 1,
        "flip"_a = false, nb::kw_only(), "stream"_a.none() = nb::none(),
        "General convolution with any number of spatial dimensions.\n\n"
        "The number of spatial axes is taken from ``input`` (all axes "
        "between the first and the last). Arrays are channels-last.\n\n"
        "Args:\n"
        "    input (array): Input of shape ``(N, *spatial, C_in)``.\n"
        "    weight (array): Kernel of shape ``(C_out, *kernel, C_in / "
        "groups)``.\n"
        "    stride (int or list(int), optional): Step of the kernel, one "
        "value for all spatial axes or one per axis. Default: ``1``.\n"
        "    padding (int, list(int) or tuple(list(int), list(int)), "
        "optional): Zeros added to each spatial axis: one value for all, "
        "one per axis (both sides), or a pair of lists giving the low and "
        "the high side separately. Default: ``0``.\n"
        "    kernel_dilation (int or list(int), optional): Spacing between "
        "kernel elements. Default: ``1``.\n"
        "    input_dilation (int or list(int), optional): Spacing inserted "
        "between input elements (zeros in the gaps), as in a transposed "
        "convolution. Default: ``1``.\n"
        "    groups (int, optional): Number of channel groups. Default: "
        "``1``.\n"
        "    flip (bool, optional): Flip the kernel along its spatial axes, "
        "giving a true convolution instead of a cross-correlation. "
        "Default: ``False``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The output, of shape ``(N, *out_spatial, C_out)``.");
  def_op(m, "convolve",
        [](ArrayArg a, nb::handle v, const std::string& mode, StreamArg s) {
          return convolve(to_array(a), to_array(v), mode, to_sod(s));
        },
        "a"_a, "v"_a, "mode"_a = "full", nb::kw_only(), "stream"_a.none() = nb::none(),
        "Discrete linear convolution of two 1-D arrays.\n\n"
        "This is the signal-processing convolution: ``v`` is flipped. If "
        "``v`` is longer than ``a`` the two are swapped.\n\n"
        "Args:\n"
        "    a (array): First 1-D input.\n"
        "    v (array): Second 1-D input.\n"
        "    mode (str, optional): ``\"full\"`` returns every overlap "
        "(length ``len(a) + len(v) - 1``), ``\"same\"`` the central part "
        "of length ``max(len(a), len(v))``, and ``\"valid\"`` only the "
        "positions where the inputs overlap fully. Default: "
        "``\"full\"``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The 1-D convolution.");
}

}  // namespace ember::py
