// Kernels of the copy family: AsType, Copy, View, Full, Arange.
#include "backend/cpu/copy.h"
#include "backend/common/views.h"

#include <cstring>

#include "backend/cpu/strided.h"
#include "core/scalar_cast.h"
#include "ops/copy.h"

namespace ember {
namespace cpu {

Strides broadcast_strides(const array& a, const Shape& shape) {
  Strides s(shape.size(), 0);
  size_t lead = shape.size() - a.ndim();
  for (int i = 0; i < a.ndim(); ++i) {
    s[lead + i] = a.shape()[i] == 1 ? 0 : a.strides()[i];
  }
  return s;
}

namespace {

template <typename In, typename Out>
void copy_typed(const array& src, Out* dst, const Strides& dst_strides) {
  const In* s = src.data<In>();
  auto plan = make_plan<2>(src.shape(), {dst_strides, src.strides()});
  run_plan<2>(plan, [&](auto off, int64_t n, auto st) {
    Out* d = dst + off[0];
    const In* p = s + off[1];
    if (st[0] == 1 && st[1] == 1) {
      for (int64_t i = 0; i < n; ++i) d[i] = cast_to<Out>(p[i]);
    } else {
      for (int64_t i = 0; i < n; ++i) {
        d[i * st[0]] = cast_to<Out>(p[i * st[1]]);
      }
    }
  });
}

}  // namespace

void copy_into(const array& src, array& dst, const Strides& dst_strides,
               int64_t dst_offset) {
  if (src.size() == 0) return;
  dispatch_all(src.dtype(), [&](auto in_tag) {
    using In = typename decltype(in_tag)::type;
    dispatch_all(dst.dtype(), [&](auto out_tag) {
      using Out = typename decltype(out_tag)::type;
      copy_typed<In, Out>(src, dst.data<Out>() + dst_offset, dst_strides);
    });
  });
}

void copy_to_new(const array& src, array& out) {
  out.set_data(allocate(out.nbytes()));
  // A dense input of the same type is one memcpy.
  if (src.flags().row_contiguous && src.dtype() == out.dtype()) {
    if (out.nbytes()) std::memcpy(out.raw_data(), src.data<char>(), out.nbytes());
    return;
  }
  copy_into(src, out, out.strides(), 0);
}

array ensure_row_contiguous(const array& in) {
  return common::row_contiguous(in, copy_to_new);
}

}  // namespace cpu

void AsType::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  if (in.flags().contiguous && in.data_size() == in.size()) {
    // Keep the input's dense layout; convert the flat span, in place when
    // only the graph holds the input and the item size is the same.
    if (cpu::donatable(in, out)) out.copy_layout(in);
    else out.set_data(allocate(out.nbytes()), in);
    dispatch_all(in.dtype(), [&](auto in_tag) {
      using In = typename decltype(in_tag)::type;
      dispatch_all(out.dtype(), [&](auto out_tag) {
        using Out = typename decltype(out_tag)::type;
        const In* s = in.data<In>();
        Out* d = out.data<Out>();
        cpu::run_flat(in.size(), [&](int64_t b, int64_t e) {
          for (int64_t i = b; i < e; ++i) d[i] = cast_to<Out>(s[i]);
        });
      });
    });
    return;
  }
  cpu::copy_to_new(in, out);
}

void Copy::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  if (in.flags().row_contiguous ||
      (allow_col_ && in.flags().col_contiguous)) {
    out.copy_layout(in);
    return;
  }
  cpu::copy_to_new(in, out);
}

void View::eval_cpu(const std::vector<array>& inputs, array& out) {
  common::bitcast(inputs[0], out, cpu::copy_to_new);
}

void cpu::fill(const array& value, array& out) {
  out.set_data(allocate(out.nbytes()));
  dispatch_all(value.dtype(), [&](auto in_tag) {
    using In = typename decltype(in_tag)::type;
    dispatch_all(out.dtype(), [&](auto out_tag) {
      using Out = typename decltype(out_tag)::type;
      Out v = cast_to<Out>(*value.data<In>());
      Out* d = out.data<Out>();
      cpu::run_flat(out.size(), [&](int64_t b, int64_t e) {
        std::fill(d + b, d + e, v);
      });
    });
  });
}

void Full::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  if (in.size() != 1) {
    // The builder broadcast the input to the output shape.
    out.set_data(allocate(out.nbytes()));
    cpu::copy_into(in, out, out.strides(), 0);
    return;
  }
  cpu::fill(in, out);
}

void Arange::eval_cpu(const std::vector<array>& inputs, array& out) {
  out.set_data(allocate(out.nbytes()));
  dispatch_real(out.dtype(), "arange", [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* d = out.data<T>();
    if constexpr (std::is_integral_v<T>) {
      // Integer ranges step by the truncated start and step, as MLX does.
      // Computed in 64 bits; a narrower dtype wraps rather than overflowing.
      int64_t first = cast_to<T>(start_), by = cast_to<T>(step_);
      for (int64_t i = 0; i < out.size(); ++i) d[i] = static_cast<T>(first + i * by);
    } else {
      for (int64_t i = 0; i < out.size(); ++i) {
        d[i] = cast_to<T>(i == 0 ? start_ : start_ + static_cast<double>(i) * step_);
      }
    }
  });
}

void Depends::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  for (size_t i = 0; i < n_; ++i) outputs[i].copy_layout(inputs[i]);
}

}  // namespace ember
