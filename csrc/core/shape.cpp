#include "core/shape.h"

#include <algorithm>

#include "core/errors.h"

namespace ember {

int64_t shape_size(const Shape& shape, const char* op) {
  int64_t n = 1;
  for (auto d : shape) {
    if (d < 0) {
      throw ValueError(std::string("[") + op + "] Negative dimension in shape " +
                       shape_str(shape) + ".");
    }
    if (d != 0 && n > INT64_MAX / d) {
      throw ValueError(std::string("[") + op + "] Shape " + shape_str(shape) +
                       " has more elements than fit in 64 bits.");
    }
    n *= d;
  }
  return n;
}

Strides row_strides(const Shape& shape) {
  Strides s(shape.size(), 1);
  for (int i = static_cast<int>(shape.size()) - 2; i >= 0; --i) {
    s[i] = s[i + 1] * std::max<int64_t>(shape[i + 1], 1);
  }
  return s;
}

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (size_t i = 0; i < n; ++i) {
    int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    if (da == db || db == 1) {
      out[i] = da;
    } else if (da == 1) {
      out[i] = db;
    } else {
      throw ValueError(std::string("[") + op + "] Shapes " + shape_str(a) +
                       " and " + shape_str(b) + " cannot be broadcast.");
    }
  }
  return out;
}

int normalize_axis(int64_t axis, int ndim, const char* op) {
  if (axis < -ndim || axis >= ndim) {
    throw AxisError(std::string("[") + op + "] Axis " + std::to_string(axis) +
                     " is out of bounds for array with " +
                     std::to_string(ndim) + " dimensions.");
  }
  return static_cast<int>(axis < 0 ? axis + ndim : axis);
}

std::vector<int> normalize_axes(const std::vector<int64_t>& axes, int ndim,
                                const char* op) {
  std::vector<int> out;
  out.reserve(axes.size());
  for (auto a : axes) out.push_back(normalize_axis(a, ndim, op));
  std::sort(out.begin(), out.end());
  if (std::adjacent_find(out.begin(), out.end()) != out.end()) {
    throw ValueError(std::string("[") + op + "] Received duplicate axes.");
  }
  return out;
}

std::string shape_str(const Shape& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    s += std::to_string(shape[i]);
    if (i + 1 < shape.size() || shape.size() == 1) s += ",";
  }
  return s + ")";
}

}  // namespace ember
