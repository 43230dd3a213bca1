// Shapes and strides (64-bit, in elements) and the rules that combine them.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace ember {

using Shape = std::vector<int64_t>;
using Strides = std::vector<int64_t>;

// Number of elements; raises ValueError if it overflows int64.
int64_t shape_size(const Shape& shape, const char* op = "array");
Strides row_strides(const Shape& shape);
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);
// Maps a possibly negative axis into [0, ndim); raises ValueError otherwise.
int normalize_axis(int64_t axis, int ndim, const char* op);
// Sorted, unique, normalized axes; raises on duplicates.
std::vector<int> normalize_axes(const std::vector<int64_t>& axes, int ndim,
                                const char* op);
std::string shape_str(const Shape& shape);

}  // namespace ember
