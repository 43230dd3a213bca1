// Glue helpers: dtype codes and kernel layouts of arrays.
#pragma once
#include <vector>

#include "backend/common/views.h"
#include "backend/cuda/cuda.h"
#include "backend/cuda/launch.h"

namespace ember::cuda {

inline int code(Dtype d) { return d.index(); }

// Layouts of several operands over one shape (each operand's strides), with
// adjacent axes merged wherever every operand allows it. Raises when more
// than kMaxDims axes remain.
std::vector<Layout> layouts(const Shape& shape, const std::vector<Strides>& strides,
                            const char* op);
// A single value read for every element (ndim -1).
inline Layout one_value() {
  Layout l;
  l.ndim = -1;
  return l;
}
// A single value that lives in host memory (a Python scalar, say): it is
// passed into the kernel by value instead of being uploaded.
bool host_scalar(const array& x, Scalar& value);

// Writes `in` (any layout) into `out`'s fresh row-contiguous memory, cast to
// out's dtype.
void copy_to_new(const array& in, array& out, const Context& ctx);
// Writes `in` into `out`'s memory through out strides `st` from `offset`.
void copy_into(const array& in, array& out, const Strides& st, int64_t offset,
               const Context& ctx);

// The copy the shared view ops fall back to, on ctx's stream (valid until
// the next call on this thread).
common::CopyFn view_copy(const Context& ctx);

}  // namespace ember::cuda
