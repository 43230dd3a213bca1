// Copy kernels shared by every family that moves data.
#pragma once
#include "core/array.h"

namespace ember::cpu {

// Writes src (any layout) converted to dst's dtype into dst's memory, at
// dst_offset elements from dst.data() with dst_strides over src.shape().
void copy_into(const array& src, array& dst, const Strides& dst_strides,
               int64_t dst_offset);
// Gives `out` fresh row-contiguous memory holding src converted.
void copy_to_new(const array& src, array& out);
// Sets every element of `out` (allocated here) to the size-1 `value`.
void fill(const array& value, array& out);
// Row-contiguous input `in` or a new row-contiguous copy of it.
array ensure_row_contiguous(const array& in);

}  // namespace ember::cpu
