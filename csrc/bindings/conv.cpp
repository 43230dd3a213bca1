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
    m.def(name.c_str(),
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
          "Convolution (cross-correlation) over channels-last input.");
    std::string tname = "conv_transpose" + std::to_string(d) + "d";
    m.def(tname.c_str(),
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
          "stream"_a.none() = nb::none(), "Transposed convolution.");
  }
  m.def("conv_general",
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
        "General convolution with strides, padding, dilations, groups, flip.");
  m.def("convolve",
        [](ArrayArg a, nb::handle v, const std::string& mode, StreamArg s) {
          return convolve(to_array(a), to_array(v), mode, to_sod(s));
        },
        "a"_a, "v"_a, "mode"_a = "full", nb::kw_only(), "stream"_a.none() = nb::none(),
        "Discrete linear convolution of two 1-D arrays.");
}

}  // namespace ember::py
