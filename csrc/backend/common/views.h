// The view ops every backend shares: reshape, transpose, broadcast, slice,
// as_strided and dtype views make the output a view of the input's memory
// when the layout allows. Where it does not, they ask the backend for a
// copy (`copy` writes `in` into fresh row-contiguous memory of `out`).
#pragma once
#include <functional>

#include "core/array.h"

namespace ember::common {

using CopyFn = void (*)(const array& in, array& out);

// Strides that let `shape` view data laid out as (old_shape, old_strides)
// without a copy; false when there are none.
bool reshape_strides(const Shape& old_shape, const Strides& old_strides,
                     const Shape& shape, Strides& out);

void reshape(const array& in, array& out, CopyFn copy);
void transpose(const array& in, array& out, const std::vector<int64_t>& perm);
// Zero strides on the broadcast (size-1 or new leading) axes.
void broadcast(const array& in, array& out);
void slice(const array& in, array& out, const Shape& start, const Shape& steps);
// A caller-given layout over the row-contiguous input.
void as_strided(const array& in, array& out, const Strides& strides,
                int64_t offset, CopyFn copy);
// The same bytes read as out's dtype.
void bitcast(const array& in, array& out, CopyFn copy);
// `in` itself when row-contiguous, else a row-contiguous copy.
array row_contiguous(const array& in, CopyFn copy);

}  // namespace ember::common
