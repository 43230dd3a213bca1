// Shared helpers for the C++ tests.
#pragma once
#include <ostream>
#include <vector>

#include "core/array.h"
#include "core/dtype.h"

namespace ember {

// Lets gtest print dtypes in failure messages.
inline void PrintTo(const Dtype& d, std::ostream* os) { *os << dtype_name(d); }

// A float32 array holding `values`, already evaluated.
inline array make_floats(const std::vector<float>& values, const Shape& shape) {
  return array::from_data(values.data(), shape, float32);
}

// Evaluates `a` and copies it out as float32 values (a must be float32).
inline std::vector<float> to_floats(array a) {
  a.eval();
  std::vector<float> out;
  out.reserve(static_cast<size_t>(a.size()));
  const float* p = a.data<float>();
  // Walk the strides so views read back correctly.
  std::vector<int64_t> index(a.ndim(), 0);
  for (int64_t n = 0; n < a.size(); ++n) {
    int64_t off = 0;
    for (int d = 0; d < a.ndim(); ++d) off += index[d] * a.strides()[d];
    out.push_back(p[off]);
    for (int d = a.ndim() - 1; d >= 0; --d) {
      if (++index[d] < a.shape()[d]) break;
      index[d] = 0;
    }
  }
  return out;
}

}  // namespace ember
