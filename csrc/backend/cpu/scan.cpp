// Kernels of Scan (cumulative reductions) and ArgSort: one line along the
// axis at a time, lines split across threads.
#include <algorithm>
#include <cmath>
#include <numeric>

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
        return kind == Prod ? acc * v : acc + v;
      } else {
        switch (kind) {
          case Sum: return C(acc + v);
          case Prod: return C(acc * v);
          case Max: return nan_value(acc) || acc > v ? acc : v;
          case Min: return nan_value(acc) || acc < v ? acc : v;
          default:
            if constexpr (std::is_floating_point_v<C>) {
              C m = acc > v ? acc : v;
              if (std::isinf(m) && m < 0) return m;
              return m + std::log1p(std::exp(-std::abs(acc - v)));
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
      init = kind == Prod ? C(1) : C(0);
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
        // numpy's order: NaNs last; complex by real then imaginary part.
        std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
          C x = value(a), y = value(b);
          if constexpr (std::is_same_v<C, complex64_t>) {
            return x.real() < y.real() || (x.real() == y.real() && x.imag() < y.imag());
          } else {
            if (nan_value(x)) return false;
            if (nan_value(y)) return true;
            return x < y;
          }
        });
        uint32_t* d = dst + off[0] + l * st[0];
        for (int64_t k = 0; k < n; ++k) d[k * os] = order[k];
      }
    }, n * 8);
  });
}

}  // namespace ember
