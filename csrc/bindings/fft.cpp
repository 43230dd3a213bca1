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
  for (auto [name, kind, doc] :
       {OneD{"fft", "fft", "One-dimensional discrete Fourier transform."},
        OneD{"ifft", "ifft", "One-dimensional inverse discrete Fourier transform."},
        OneD{"rfft", "rfft", "Fourier transform of a real signal (non-negative "
                             "frequencies)."},
        OneD{"irfft", "irfft", "Inverse of rfft: a real signal."}}) {
    std::string k = kind;
    m.def(name,
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
      m.def(name.c_str(),
            [k](const array& a, nb::handle sizes, IntsArg axes,
                const std::string& norm, StreamArg s) {
              return fft::fftn(a, opt_shape(sizes), opt_axes(axes), k, norm, to_sod(s));
            },
            "a"_a, "s"_a.none() = nb::none(), "axes"_a.none() = default_axes,
            "norm"_a = "backward", "stream"_a.none() = nb::none(),
            "Multi-dimensional form of the one-dimensional transform.");
    }
  }
  m.def("fftfreq",
        [](int64_t n, double d, StreamArg s) { return fft::fftfreq(n, d, false, to_sod(s)); },
        "n"_a, "d"_a = 1.0, "stream"_a.none() = nb::none(),
        "Sample frequencies of fft.");
  m.def("rfftfreq",
        [](int64_t n, double d, StreamArg s) { return fft::fftfreq(n, d, true, to_sod(s)); },
        "n"_a, "d"_a = 1.0, "stream"_a.none() = nb::none(),
        "Sample frequencies of rfft.");
  for (bool inverse : {false, true}) {
    m.def(inverse ? "ifftshift" : "fftshift",
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
          inverse ? "Undo fftshift." : "Move the zero frequency to the centre.");
  }
}

}  // namespace ember::py
