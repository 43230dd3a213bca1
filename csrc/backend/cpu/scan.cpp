// Kernels of Scan (cumulative reductions) and ArgSort: one line along the
// axis at a time, lines split across threads.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "backend/cpu/binary_ops.h"
#include "backend/cpu/strided.h"
#include "core/scalar_cast.h"
#include "ops/scan.h"

namespace ember {

namespace {

template <typename T>
bool nan_value(T v) {
  if constexpr (std::is_floating_point_v<T>) return std::isnan(v);
  else return false;
}

// numpy's sort order: complex by real then imaginary part, NaN last.
template <typename C>
bool sorts_before(C x, C y) {
  if constexpr (std::is_same_v<C, complex64_t>) {
    return cpu::less_than(x, y);
  } else {
    if (nan_value(x)) return false;
    return nan_value(y) || x < y;
  }
}

}  // namespace

void Scan::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  out.set_data(allocate(out.nbytes()));
  if (out.size() == 0) return;
  auto [plan, n, is, os] = cpu::lines_along(in, out, axis_);
  Kind kind = kind_;
  bool rev = reverse_, incl = inclusive_;
  dispatch_all(out.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    using C = compute_t<T>;
    const T* src = in.data<T>();
    T* dst = out.data<T>();
    auto step = [&](C acc, C v) -> C {
      if constexpr (std::is_same_v<T, bool>) {
        return kind == Prod || kind == Min ? (acc && v) : (acc || v);
      } else if constexpr (std::is_same_v<C, complex64_t>) {
        if (kind == LogAddExp) return cpu::LogAddExpOp{}(acc, v);
        return kind == Prod ? acc * v : acc + v;
      } else {
        switch (kind) {
          case Sum: return C(acc + v);
          case Prod: return C(acc * v);
          case Max: return nan_value(acc) || acc > v ? acc : v;
          case Min: return nan_value(acc) || acc < v ? acc : v;
          default:
            if constexpr (std::is_floating_point_v<C>) {
              return cpu::LogAddExpOp{}(acc, v);
            } else {
              return v;  // logcumsumexp inputs are floating
            }
        }
      }
    };
    C init;
    if constexpr (std::is_same_v<T, bool>) {
      init = kind == Prod || kind == Min;
    } else if constexpr (std::is_same_v<C, complex64_t>) {
      init = kind == Prod ? C(1)
             : kind == LogAddExp ? C(-std::numeric_limits<float>::infinity(), 0)
                                 : C(0);
    } else {
      switch (kind) {
        case Prod: init = C(1); break;
        case Max: init = std::numeric_limits<C>::has_infinity
                             ? -std::numeric_limits<C>::infinity()
                             : std::numeric_limits<C>::lowest();
          break;
        case Min: init = std::numeric_limits<C>::has_infinity
                             ? std::numeric_limits<C>::infinity()
                             : std::numeric_limits<C>::max();
          break;
        case LogAddExp: init = -std::numeric_limits<C>::infinity(); break;
        default: init = C(0);
      }
    }
    cpu::run_plan<2>(plan, [&](auto off, int64_t cnt, auto st) {
      for (int64_t l = 0; l < cnt; ++l) {
        const T* s = src + off[1] + l * st[1];
        T* d = dst + off[0] + l * st[0];
        C acc = init;
        for (int64_t k = 0; k < n; ++k) {
          int64_t j = rev ? n - 1 - k : k;
          C v = static_cast<C>(s[j * is]);
          if (incl) {
            acc = step(acc, v);
            d[j * os] = static_cast<T>(acc);
          } else {
            d[j * os] = static_cast<T>(acc);
            acc = step(acc, v);
          }
        }
      }
    }, n);
  });
}

void ArgSort::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  out.set_data(allocate(out.nbytes()));
  if (out.size() == 0) return;
  auto [plan, n, is, os] = cpu::lines_along(in, out, axis_);
  dispatch_all(in.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    using C = compute_t<T>;
    const T* src = in.data<T>();
    uint32_t* dst = out.data<uint32_t>();
    cpu::run_plan<2>(plan, [&](auto off, int64_t cnt, auto st) {
      std::vector<uint32_t> order(n);
      for (int64_t l = 0; l < cnt; ++l) {
        const T* s = src + off[1] + l * st[1];
        std::iota(order.begin(), order.end(), 0u);
        auto value = [&](uint32_t i) { return static_cast<C>(s[i * is]); };
        std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
          return sorts_before(value(a), value(b));
        });
        uint32_t* d = dst + off[0] + l * st[0];
        for (int64_t k = 0; k < n; ++k) d[k * os] = order[k];
      }
    }, n * 8);
  });
}

void SearchSorted::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& seq = inputs[0];
  const array& vals = inputs[1];
  out.set_data(allocate(out.nbytes()));
  if (out.size() == 0) return;
  int64_t n = seq.shape()[0];
  int64_t stride = n > 0 ? seq.strides()[0] : 0;
  bool right = right_;
  dispatch_all(seq.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    using C = compute_t<T>;
    const T* a = seq.data<T>();
    const T* v = vals.data<T>();
    uint32_t* d = out.data<uint32_t>();
    auto place = [&](C x) {
      int64_t lo = 0, hi = n;  // first position whose element is not before x
      while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        C e = static_cast<C>(a[mid * stride]);
        bool before = right ? !sorts_before(x, e) : sorts_before(e, x);
        if (before) lo = mid + 1;
        else hi = mid;
      }
      return static_cast<uint32_t>(lo);
    };
    auto plan = cpu::make_plan<2>(vals.shape(), {out.strides(), vals.strides()});
    cpu::run_plan<2>(plan, [&](auto off, int64_t cnt, auto st) {
      for (int64_t i = 0; i < cnt; ++i) {
        d[off[0] + i * st[0]] = place(static_cast<C>(v[off[1] + i * st[1]]));
      }
    }, 32);
  });
}

}  // namespace ember
