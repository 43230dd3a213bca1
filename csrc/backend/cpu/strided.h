// Loops over N operands that share one shape but have their own strides.
// Dimensions of size 1 are dropped and dimensions that are contiguous for
// every operand are merged, so most loops end up 1-D or 2-D.
#pragma once
#include <array>

#include "core/array.h"
#include "core/thread_pool.h"

namespace ember::cpu {

// Strides of `a` seen with the (broadcast) `shape`: 0 where broadcast.
Strides broadcast_strides(const array& a, const Shape& shape);

template <int N>
struct LoopPlan {
  Shape shape;
  std::array<Strides, N> strides;
  int64_t inner() const { return shape.empty() ? 1 : shape.back(); }
  int64_t rows() const {
    int64_t r = 1;
    for (size_t i = 0; i + 1 < shape.size(); ++i) r *= shape[i];
    return r;
  }
};

template <int N>
LoopPlan<N> make_plan(const Shape& shape, const std::array<Strides, N>& st) {
  LoopPlan<N> p;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    bool merge = !p.shape.empty();
    for (int k = 0; k < N && merge; ++k) {
      merge = p.strides[k].back() == st[k][d] * shape[d];
    }
    if (merge) {
      p.shape.back() *= shape[d];
      for (int k = 0; k < N; ++k) p.strides[k].back() = st[k][d];
    } else {
      p.shape.push_back(shape[d]);
      for (int k = 0; k < N; ++k) p.strides[k].push_back(st[k][d]);
    }
  }
  return p;
}

// Calls f(offsets, n, inner_strides) for the elements [begin, end) of the
// plan (in row-major order), one call per run along the last dimension.
template <int N, typename F>
void for_range(const LoopPlan<N>& p, int64_t begin, int64_t end, F&& f) {
  std::array<int64_t, N> off{}, inner{};
  int nd = static_cast<int>(p.shape.size());
  if (nd == 0) {
    if (begin < end) f(off, int64_t(1), inner);
    return;
  }
  for (int k = 0; k < N; ++k) inner[k] = p.strides[k][nd - 1];
  int64_t len = p.shape[nd - 1];
  int64_t row = begin / len, col = begin % len;
  std::vector<int64_t> idx(nd, 0);
  for (int d = nd - 2; d >= 0; --d) {
    idx[d] = row % p.shape[d];
    row /= p.shape[d];
    for (int k = 0; k < N; ++k) off[k] += idx[d] * p.strides[k][d];
  }
  while (begin < end) {
    int64_t n = std::min(len - col, end - begin);
    std::array<int64_t, N> o = off;
    for (int k = 0; k < N; ++k) o[k] += col * inner[k];
    f(o, n, inner);
    begin += n;
    col = 0;
    for (int d = nd - 2; d >= 0; --d) {
      for (int k = 0; k < N; ++k) off[k] += p.strides[k][d];
      if (++idx[d] < p.shape[d]) break;
      for (int k = 0; k < N; ++k) off[k] -= idx[d] * p.strides[k][d];
      idx[d] = 0;
    }
  }
}

template <int N>
int64_t plan_size(const LoopPlan<N>& p) {
  int64_t n = 1;
  for (auto d : p.shape) n *= d;
  return n;
}

// Elements per task below which a loop stays on the calling thread.
inline constexpr int64_t kParallelGrain = 1 << 15;

// Runs the whole plan, split across threads when it is large; `cost` is the
// work per element in units of a simple elementwise op.
template <int N, typename F>
void run_plan(const LoopPlan<N>& p, F&& f, int64_t cost = 1) {
  parallel_for(plan_size(p), std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(cost, 1)),
               [&](int64_t b, int64_t e) { for_range<N>(p, b, e, f); });
}

// Every line along `axis` of in and out (same shape): the plan visits the
// line starts; n elements each, in_stride / out_stride apart.
struct Lines {
  LoopPlan<2> plan;
  int64_t n, in_stride, out_stride;
};

inline Lines lines_along(const array& in, const array& out, int axis) {
  Shape starts = in.shape();
  starts[axis] = 1;
  return {make_plan<2>(starts, {out.strides(), in.strides()}), in.shape()[axis],
          in.strides()[axis], out.strides()[axis]};
}

// Runs f(begin, end) over a flat range, in parallel when large.
template <typename F>
void run_flat(int64_t n, F&& f) {
  parallel_for(n, kParallelGrain, f);
}

// Whether the kernel may write its output into this input's memory.
inline bool donatable(const array& in, const array& out) {
  return in.flags().contiguous && in.data_size() == in.size() &&
         in.itemsize() == out.itemsize() && in.owns_memory_on(Device::Type::cpu) &&
         in.shape() == out.shape();
}

}  // namespace ember::cpu
