// The binary elementwise kernel, instantiated per table row by
// binary_arith.cpp and binary_compare.cpp (split so each compiles quickly).
#pragma once
#include "backend/cpu/binary_ops.h"
#include "backend/cpu/compiled_tiles.h"
#include "backend/cpu/elementwise.h"
#include "backend/cpu/strided.h"
#include "ops/elementwise.h"

namespace ember {
namespace cpu {

inline constexpr bool C = true, R = false;

inline bool same_dense_layout(const array& a, const array& b) {
  return a.flags().contiguous && b.flags().contiguous &&
         a.shape() == b.shape() && a.strides() == b.strides() &&
         a.data_size() == a.size() && b.data_size() == b.size();
}

template <typename Op, typename In, typename Out>
void binary_typed(const array& a, const array& b, array& out) {
  using Cmp = compute_t<In>;
  Op op;
  auto f = [&](In x, In y) {
    return static_cast<Out>(op(static_cast<Cmp>(x), static_cast<Cmp>(y)));
  };
  const In* pa = a.data<In>();
  const In* pb = b.data<In>();
  bool a_scalar = a.size() == 1, b_scalar = b.size() == 1;
  // Dense inputs of one layout (or a scalar and a dense array): a flat loop.
  const array* dense = nullptr;
  if (same_dense_layout(a, b) && a.shape() == out.shape()) dense = &a;
  else if (a_scalar && b.flags().contiguous && b.data_size() == b.size() &&
           b.shape() == out.shape()) dense = &b;
  else if (b_scalar && a.flags().contiguous && a.data_size() == a.size() &&
           a.shape() == out.shape()) dense = &a;
  if (dense) {
    if (!a_scalar && donatable(a, out)) out.copy_layout(a);
    else if (!b_scalar && donatable(b, out)) out.copy_layout(b);
    else out.set_data(allocate(out.nbytes()), *dense);
    Out* d = out.data<Out>();
    int64_t n = out.size();
    if (a_scalar && !b_scalar) {
      In x = *pa;
      run_flat(n, [&](int64_t s, int64_t e) {
        for (int64_t i = s; i < e; ++i) d[i] = f(x, pb[i]);
      });
    } else if (b_scalar && !a_scalar) {
      In y = *pb;
      run_flat(n, [&](int64_t s, int64_t e) {
        for (int64_t i = s; i < e; ++i) d[i] = f(pa[i], y);
      });
    } else {
      run_flat(n, [&](int64_t s, int64_t e) {
        for (int64_t i = s; i < e; ++i) d[i] = f(pa[i], pb[i]);
      });
    }
    return;
  }
  out.set_data(allocate(out.nbytes()));
  Out* d = out.data<Out>();
  auto plan = make_plan<3>(out.shape(), {out.strides(),
                                         broadcast_strides(a, out.shape()),
                                         broadcast_strides(b, out.shape())});
  run_plan<3>(plan, [&](auto off, int64_t n, auto st) {
    Out* dd = d + off[0];
    const In* xa = pa + off[1];
    const In* xb = pb + off[2];
    if (st[1] == 1 && st[2] == 1) {
      for (int64_t i = 0; i < n; ++i) dd[i] = f(xa[i], xb[i]);
    } else if (st[1] == 1 && st[2] == 0) {
      In y = *xb;
      for (int64_t i = 0; i < n; ++i) dd[i] = f(xa[i], y);
    } else if (st[1] == 0 && st[2] == 1) {
      In x = *xa;
      for (int64_t i = 0; i < n; ++i) dd[i] = f(x, xb[i]);
    } else {
      for (int64_t i = 0; i < n; ++i) dd[i] = f(xa[i * st[1]], xb[i * st[2]]);
    }
  });
}

template <typename Op, Rule rule, bool cplx>
void binary_kernel(const array& a, const array& b, array& out,
                   const char* name) {
  dispatch_all(a.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (type_allowed<T, rule, cplx>()) {
      binary_typed<Op, T, out_type_t<T, rule>>(a, b, out);
    } else {
      throw TypeError(std::string("[") + name + "] Unsupported dtype " +
                      dtype_name(a.dtype()) + ".");
    }
  });
}

}  // namespace cpu

}  // namespace ember

// Defines Class::eval_cpu for the rows whose rule passes EMBER_KEEP_<rule>.
#define EMBER_BINARY_KERNEL(Class, name, rule, cplx)                      \
  void Class::eval_cpu(const std::vector<array>& inputs, array& out) {    \
    if (cpu::vector_binary(*this, inputs[0], inputs[1], out)) return;     \
    cpu::binary_kernel<cpu::Class##Op, cpu::Rule::rule, cpu::cplx>(        \
        inputs[0], inputs[1], out, #name);                                \
  }
