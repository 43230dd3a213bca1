// repr/str of arrays in MLX's format, and the print options.
#include <algorithm>
#include <iomanip>
#include <sstream>

#include "bindings/common.h"
#include "core/scalar_cast.h"

namespace ember::py {

namespace {

int print_precision = -1;
// As in MLX, every axis longer than twice this is summarized with "...".
constexpr int64_t kEdgeItems = 3;

struct PrintOptions {
  int precision = -1;
};

// `with mx.printoptions(precision=3):` restores the old options on exit.
struct PrintOptionsContext {
  PrintOptions options;
  PrintOptions saved;
};

template <typename T>
void write_value(std::ostringstream& os, T v) {
  if constexpr (std::is_same_v<T, bool>) {
    os << (v ? "True" : "False");
  } else if constexpr (std::is_integral_v<T>) {
    os << +v;
  } else if constexpr (is_complex_v<T>) {
    write_value(os, v.real());
    os << (v.imag() < 0 || std::signbit(v.imag()) ? "-" : "+");
    write_value(os, std::abs(v.imag()));
    os << "j";
  } else {
    double d = static_cast<double>(v);
    if (std::isnan(d)) {
      os << "nan";
    } else if (std::isinf(d)) {
      os << (d < 0 ? "-inf" : "inf");
    } else if (print_precision >= 0) {
      os << std::fixed << std::setprecision(print_precision) << d
         << std::defaultfloat;
    } else {
      os << std::setprecision(6) << d;
    }
  }
}

struct Printer {
  const array& a;
  std::ostringstream os;

  template <typename T>
  void dim(int d, int64_t offset, int indent) {
    os << "[";
    int64_t n = a.shape()[d];
    bool cut = n > 2 * kEdgeItems;
    for (int64_t i = 0; i < n; ++i) {
      if (cut && i == kEdgeItems) {
        if (d + 1 < a.ndim()) {
          os << "...,\n" << std::string(indent + 1, ' ');
        } else {
          os << "..., ";
        }
        i = n - kEdgeItems;
      }
      int64_t off = offset + i * a.strides()[d];
      if (d + 1 == a.ndim()) {
        write_value(os, a.data<T>()[off]);
      } else {
        dim<T>(d + 1, off, indent + 1);
      }
      if (i + 1 < n) {
        os << ",";
        if (d + 1 < a.ndim()) {
          os << "\n" << std::string(indent + 1, ' ');
        } else {
          os << " ";
        }
      }
    }
    os << "]";
  }
};

}  // namespace

std::string format_array(array a) {
  {
    nb::gil_scoped_release release;
    a.eval();
  }
  Printer p{a, {}};
  p.os << "array(";
  dispatch_all(a.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if (a.ndim() == 0) {
      write_value(p.os, a.data<T>()[0]);
    } else {
      p.dim<T>(0, 0, 6);
    }
  });
  p.os << ", dtype=" << dtype_name(a.dtype()) << ")";
  return p.os.str();
}

void init_printoptions(nb::module_& m) {
  nb::class_<PrintOptions>(m, "PrintOptions", "Options for printing arrays.")
      .def(nb::init<int>(), "precision"_a = -1)
      .def_rw("precision", &PrintOptions::precision,
              "Decimals printed for floats (-1: the shortest exact form).");
  nb::class_<PrintOptionsContext>(m, "_PrintOptionsContext")
      .def("__enter__",
           [](PrintOptionsContext& c) {
             c.saved.precision = print_precision;
             print_precision = c.options.precision;
           })
      .def("__exit__", [](PrintOptionsContext& c, nb::args) {
        print_precision = c.saved.precision;
      });
  def_op(m, "set_printoptions", [](int precision) { print_precision = precision; },
        "precision"_a = -1,
        "Set how arrays print.\n\n"
        "Args:\n"
        "    precision (int): Decimals printed for floats; -1 (the default)\n"
        "        prints up to six significant digits.\n\n"
        "Returns:\n"
        "    None");
  def_op(m, "get_printoptions", [] { return PrintOptions{print_precision}; },
        "The current print options.\n\n"
        "Returns:\n"
        "    PrintOptions: an object whose ``precision`` is the current one.");
  def_op(m, "printoptions",
        [](int precision) { return PrintOptionsContext{{precision}, {}}; },
        "precision"_a = -1,
        nb::sig("def printoptions(precision: int = -1) -> "
                "contextlib.AbstractContextManager[None]"),
        "A context manager that sets print options inside its block.\n\n"
        "Args:\n"
        "    precision (int): Decimals printed for floats (-1: default).\n\n"
        "Returns:\n"
        "    A context manager; the previous options return on exit.");
}

}  // namespace ember::py
