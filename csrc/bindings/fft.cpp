// mx.fft bindings.
#include <nanobind/stl/string.h>

#include "bindings/args.h"
#include "core/errors.h"
#include "fft/fft.h"
#include "ops/arrange.h"

namespace ember::py {

namespace {

std::optional<Shape> opt_shape(nb::handle h) {
  if (h.is_none()) return std::nullopt;
  return nb::cast<Shape>(h);
}


}  // namespace

void init_fft(nb::module_& parent) {
  auto m = parent.def_submodule("fft", "Discrete Fourier transforms.");
  struct OneD {
    const char* name;
    const char* kind;
    const char* doc;
  };
// The arguments the one-dimensional transforms share.
#define EMBER_FFT_ARGS                                                        \
  "    axis (int, optional): The axis to transform. Default: ``-1``.\n"      \
  "    norm (str, optional): The scaling: ``\"backward\"`` divides the "     \
  "inverse transform by ``n``, ``\"ortho\"`` divides both directions by "    \
  "``sqrt(n)``, ``\"forward\"`` divides the forward transform by ``n``. "    \
  "Default: ``\"backward\"``.\n"                                             \
  "    stream (Stream, optional): Stream or device to run on.\n\n"
  for (auto [name, kind, doc] :
       {OneD{"fft", "fft",
             "One-dimensional discrete Fourier transform.\n\n"
             "Real inputs are converted to complex64.\n\n"
             "Args:\n"
             "    a (array): Input array.\n"
             "    n (int, optional): The length of the transform: the axis "
             "is cut or zero-padded to ``n``. Default: its length.\n"
             EMBER_FFT_ARGS
             "Returns:\n"
             "    array: The complex64 transform, with ``n`` values along "
             "``axis``."},
        OneD{"ifft", "ifft",
             "One-dimensional inverse discrete Fourier transform.\n\n"
             "Args:\n"
             "    a (array): Input array (a spectrum).\n"
             "    n (int, optional): The length of the transform: the axis "
             "is cut or zero-padded to ``n``. Default: its length.\n"
             EMBER_FFT_ARGS
             "Returns:\n"
             "    array: The complex64 inverse transform, with ``n`` values "
             "along ``axis``."},
        OneD{"rfft", "rfft",
             "One-dimensional discrete Fourier transform of a real signal."
             "\n\n"
             "The spectrum of a real signal is conjugate-symmetric, so only "
             "the non-negative frequencies are returned. The imaginary part "
             "of a complex input is dropped.\n\n"
             "Args:\n"
             "    a (array): Input array (real).\n"
             "    n (int, optional): The length of the signal: the axis is "
             "cut or zero-padded to ``n``. Default: its length.\n"
             EMBER_FFT_ARGS
             "Returns:\n"
             "    array: The complex64 transform, with ``n // 2 + 1`` values "
             "along ``axis``."},
        OneD{"irfft", "irfft",
             "Inverse of :func:`rfft`: a real signal from its non-negative "
             "frequencies.\n\n"
             "Args:\n"
             "    a (array): The half spectrum.\n"
             "    n (int, optional): The length of the output signal; the "
             "input axis is cut or zero-padded to ``n // 2 + 1``. Default: "
             "``2 * (m - 1)`` for ``m`` input values.\n"
             EMBER_FFT_ARGS
             "Returns:\n"
             "    array: The real (float32) signal, with ``n`` values along "
             "``axis``."}}) {
    std::string k = kind;
    def_op(m, name,
          [k](const array& a, std::optional<int64_t> n, int64_t axis,
              const std::string& norm, StreamArg s) {
            if (k == "rfft") return fft::rfft(a, n, axis, norm, to_sod(s));
            if (k == "irfft") return fft::irfft(a, n, axis, norm, to_sod(s));
            return fft::fft(a, n, axis, k == "ifft", norm, to_sod(s));
          },
          "a"_a, "n"_a.none() = nb::none(), "axis"_a = -1, "norm"_a = "backward",
          "stream"_a.none() = nb::none(), doc);
  }
  for (const char* base : {"fft", "ifft", "rfft", "irfft"}) {
    std::string k = base;
    for (bool two : {true, false}) {
      std::string name = k + (two ? "2" : "n");
      nb::object default_axes = two ? nb::cast(Axes{-2, -1}) : nb::none();
      def_op(m, name.c_str(),
            [k](const array& a, nb::handle sizes, IntsArg axes,
                const std::string& norm, StreamArg s) {
              return fft::fftn(a, opt_shape(sizes), opt_axes(axes), k, norm, to_sod(s));
            },
            "a"_a, "s"_a.none() = nb::none(), "axes"_a.none() = default_axes,
            "norm"_a = "backward", "stream"_a.none() = nb::none(),
            "Discrete Fourier transform over several axes.\n\n"
            "The function is the one-dimensional transform of the same "
            "base name (:func:`fft`, :func:`ifft`, :func:`rfft` or "
            ":func:`irfft`) applied over each of ``axes``; for the real "
            "transforms the last axis is the halved one. The ``2`` forms "
            "default to the last two axes; the ``n`` forms to the last "
            "``len(s)`` axes, or to all axes.\n\n"
            "Args:\n"
            "    a (array): Input array.\n"
            "    s (list(int), optional): The transform length along each "
            "of ``axes`` (the axes are cut or zero-padded; for the inverse "
            "real transforms, the output lengths). Default: the lengths of "
            "the axes.\n"
            "    axes (list(int), optional): The axes to transform.\n"
            "    norm (str, optional): ``\"backward\"``, ``\"ortho\"`` or "
            "``\"forward\"``, as for the one-dimensional transform. "
            "Default: ``\"backward\"``.\n"
            "    stream (Stream, optional): Stream or device to run on.\n\n"
            "Returns:\n"
            "    array: The transform: complex64, except real (float32) for "
            "the inverse real transforms.");
    }
  }
  def_op(m, "fftfreq",
        [](int64_t n, double d, StreamArg s) { return fft::fftfreq(n, d, false, to_sod(s)); },
        "n"_a, "d"_a = 1.0, "stream"_a.none() = nb::none(),
        "The sample frequencies of :func:`fft`'s outputs.\n\n"
        "For ``n`` samples spaced ``d`` apart the frequencies are "
        "``[0, 1, ..., n/2 - 1, -n/2, ..., -1] / (d * n)`` (for even ``n``)."
        "\n\n"
        "Args:\n"
        "    n (int): The number of samples (the transform length).\n"
        "    d (float, optional): The sample spacing. Default: ``1.0``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: ``n`` float32 frequencies, in cycles per unit of ``d``.");
  def_op(m, "rfftfreq",
        [](int64_t n, double d, StreamArg s) { return fft::fftfreq(n, d, true, to_sod(s)); },
        "n"_a, "d"_a = 1.0, "stream"_a.none() = nb::none(),
        "The sample frequencies of :func:`rfft`'s outputs.\n\n"
        "Args:\n"
        "    n (int): The number of samples (the signal length).\n"
        "    d (float, optional): The sample spacing. Default: ``1.0``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The ``n // 2 + 1`` non-negative frequencies "
        "``[0, 1, ..., n // 2] / (d * n)``, as float32.");
  for (bool inverse : {false, true}) {
    def_op(m, inverse ? "ifftshift" : "fftshift",
          [inverse](const array& a, IntsArg axes, StreamArg s) {
            Axes ax = opt_axes(axes).value_or(all_axes(a));
            Shape shifts;
            for (auto x : ax) {
              int64_t n = a.shape()[normalize_axis(x, a.ndim(), "fftshift")];
              shifts.push_back(inverse ? -(n / 2) : n / 2);
            }
            return roll(a, shifts, ax, to_sod(s));
          },
          "a"_a, "axes"_a.none() = nb::none(), "stream"_a.none() = nb::none(),
          inverse ? "Undo :func:`fftshift`.\n\n"
                    "Rolls each axis back by half its length (rounded "
                    "down), moving the zero frequency from the centre to "
                    "the start.\n\n"
                    "Args:\n"
                    "    a (array): Input array.\n"
                    "    axes (list(int), optional): The axes to shift. By "
                    "default all of them.\n"
                    "    stream (Stream, optional): Stream or device to run "
                    "on.\n\n"
                    "Returns:\n"
                    "    array: The shifted array."
                  : "Move the zero-frequency term to the centre of a "
                    "spectrum.\n\n"
                    "Rolls each axis by half its length (rounded down), so "
                    "that negative frequencies come first.\n\n"
                    "Args:\n"
                    "    a (array): Input array.\n"
                    "    axes (list(int), optional): The axes to shift. By "
                    "default all of them.\n"
                    "    stream (Stream, optional): Stream or device to run "
                    "on.\n\n"
                    "Returns:\n"
                    "    array: The shifted array.");
  }
}

}  // namespace ember::py
