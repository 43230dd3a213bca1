// Kernels of Gather and Scatter. Indices are checked against the source
// shape here, at eval: an out-of-bounds index raises IndexError instead of
// reading or writing outside the buffer.
#include "ops/indexing.h"

#include <cstring>

#include "backend/cpu/copy.h"
#include "backend/cpu/strided.h"
#include "core/errors.h"
#include "core/scalar_cast.h"

namespace ember {

namespace {

struct IndexedSlices {
  std::vector<array> idx;  // row-contiguous int64, one per axis
  int64_t count = 1;       // number of slices (size of the index shape)
};

IndexedSlices read_indices(const std::vector<array>& inputs, size_t first,
                           size_t count) {
  IndexedSlices r;
  for (size_t k = 0; k < count; ++k) {
    r.idx.push_back(cpu::ensure_row_contiguous(inputs[first + k]));
  }
  if (!r.idx.empty()) r.count = r.idx[0].size();
  return r;
}

// Offset (in elements) of slice b in src, after wrapping negative indices
// and checking that the slice fits.
int64_t slice_offset(const IndexedSlices& r, const std::vector<int>& axes,
                     const array& src, const Shape& slice, int64_t b,
                     const char* op) {
  int64_t off = src.offset();
  for (size_t k = 0; k < axes.size(); ++k) {
    int ax = axes[k];
    int64_t n = src.shape()[ax];
    int64_t i = r.idx[k].data<int64_t>()[b];
    int64_t j = i < 0 ? i + n : i;
    // j > n - slice, not j + slice > n: an index near INT64_MAX must not wrap.
    if (j < 0 || j > n - slice[ax]) {
      throw IndexError(std::string("[") + op + "] Index " + std::to_string(i) +
                       " is out of bounds for axis " + std::to_string(ax) +
                       " with size " + std::to_string(n) + ".");
    }
    off += j * src.strides()[ax];
  }
  return off;
}

// The element type of a given size, for moving bytes.
template <typename F>
void dispatch_bytes(int size, F&& f) {
  switch (size) {
    case 1: return f(TypeTag<uint8_t>{});
    case 2: return f(TypeTag<uint16_t>{});
    case 4: return f(TypeTag<uint32_t>{});
    default: return f(TypeTag<uint64_t>{});
  }
}

}  // namespace

void Gather::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& src = inputs[0];
  auto r = read_indices(inputs, 1, axes_.size());
  out.set_data(allocate(out.nbytes()));
  int64_t slice_n = shape_size(slice_sizes_);
  if (out.size() == 0) return;
  // The builder checks this too; an imported graph reaches here unchecked.
  for (int d = 0; d < src.ndim(); ++d) {
    if (slice_sizes_[d] > src.shape()[d]) {
      throw IndexError("[gather] Slice size " + std::to_string(slice_sizes_[d]) +
                       " exceeds axis " + std::to_string(d) + " of size " +
                       std::to_string(src.shape()[d]) + ".");
    }
  }
  auto plan = cpu::make_plan<2>(slice_sizes_, {row_strides(slice_sizes_), src.strides()});
  dispatch_bytes(src.itemsize(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    // src.offset() is in slice_offset; read from the buffer start.
    const T* base = static_cast<const T*>(src.buffer()->data());
    T* dst = out.data<T>();
    cpu::run_flat(r.count, [&](int64_t b0, int64_t b1) {
      for (int64_t b = b0; b < b1; ++b) {
        int64_t off = slice_offset(r, axes_, src, slice_sizes_, b, "gather");
        T* d = dst + b * slice_n;
        cpu::for_range<2>(plan, 0, slice_n, [&](auto o, int64_t n, auto st) {
          for (int64_t i = 0; i < n; ++i) d[o[0] + i * st[0]] = base[off + o[1] + i * st[1]];
        });
      }
    });
  });
}

const char* scatter_op_name(Scatter::Kind k) {
  switch (k) {
    case Scatter::Add: return "scatter_add";
    case Scatter::Prod: return "scatter_prod";
    case Scatter::Max: return "scatter_max";
    case Scatter::Min: return "scatter_min";
    default: return "scatter";
  }
}

void Scatter::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& src = inputs[0];
  const array upd = cpu::ensure_row_contiguous(inputs.back());
  // As in SliceUpdate: mismatched operands would move elements of the wrong size.
  if (src.dtype() != out.dtype() || upd.dtype() != out.dtype()) {
    throw std::runtime_error(std::string("[") + scatter_op_name(kind_) +
                             "] Operand dtypes differ from the result's.");
  }
  auto r = read_indices(inputs, 1, axes_.size());
  if (src.flags().row_contiguous && src.owns_memory_on(Device::Type::cpu) &&
      src.data_size() == src.size()) {
    out.copy_layout(src);
  } else {
    cpu::copy_to_new(src, out);
  }
  Shape slice(upd.shape().end() - src.ndim(), upd.shape().end());
  int64_t slice_n = shape_size(slice);
  if (slice_n == 0 || r.count == 0) return;
  auto plan = cpu::make_plan<2>(slice, {row_strides(slice), out.strides()});
  Kind kind = kind_;
  dispatch_all(out.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    using C = compute_t<T>;
    // slice_offset includes out's offset; index from the buffer start.
    T* base = static_cast<T*>(out.buffer()->data());
    const T* u = upd.data<T>();
    auto combine = [&](T old, T v) -> T {
      if constexpr (std::is_same_v<T, bool>) {
        switch (kind) {
          case Add: case Max: return old || v;
          case Prod: case Min: return old && v;
          default: return v;
        }
      } else {
        C a = static_cast<C>(old), b = static_cast<C>(v);
        switch (kind) {
          case Add: return static_cast<T>(a + b);
          case Prod: return static_cast<T>(a * b);
          case Max:
            if constexpr (std::is_same_v<C, complex64_t>) return std::abs(b) > std::abs(a) ? v : old;
            else return b > a ? v : old;
          case Min:
            if constexpr (std::is_same_v<C, complex64_t>) return std::abs(b) < std::abs(a) ? v : old;
            else return b < a ? v : old;
          default: return v;
        }
      }
    };
    // Sequential: repeated indices must combine in a fixed order.
    for (int64_t b = 0; b < r.count; ++b) {
      int64_t off = slice_offset(r, axes_, out, slice, b, scatter_op_name(kind));
      const T* us = u + b * slice_n;
      cpu::for_range<2>(plan, 0, slice_n, [&](auto o, int64_t n, auto st) {
        for (int64_t i = 0; i < n; ++i) {
          T& dst = base[off + o[1] + i * st[1]];
          dst = combine(dst, us[o[0] + i * st[0]]);
        }
      });
    }
  });
}

}  // namespace ember
