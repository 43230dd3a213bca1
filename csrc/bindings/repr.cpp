// repr/str of arrays in MLX's format, and the print options.
#include <algorithm>
#include <iomanip>
#include <sstream>

#include "bindings/common.h"
#include "core/scalar_cast.h"

namespace ember::py {

namespace {

int print_precision = -1;
// Larger arrays are summarized with "..." like numpy.
constexpr int64_t kSummarizeAbove = 1000;
constexpr int64_t kEdgeItems = 3;

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
  bool summarize;
  std::ostringstream os;

  template <typename T>
  void dim(int d, int64_t offset, int indent) {
    os << "[";
    int64_t n = a.shape()[d];
    bool cut = summarize && n > 2 * kEdgeItems;
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
  // Brackets printed, counting empty dims as one: a (2^40, 0) array is
  // summarized like a large one instead of printing 2^40 "[]".
  double cells = 1;
  for (auto d : a.shape()) cells *= std::max<double>(double(d), 1.0);
  Printer p{a, cells > kSummarizeAbove, {}};
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
  m.def("set_printoptions", [](int precision) { print_precision = precision; },
        "precision"_a = -1, "Set the number of decimals printed for floats.");
  m.def("get_printoptions", [] {
    nb::dict d;
    d["precision"] = print_precision;
    return d;
  }, "The current print options.");
}

}  // namespace ember::py
