// Kernels of the binary table (ops/binary.def) and of where().
#include "backend/cuda/binary_ops.cuh"
#include "backend/cuda/device_types.cuh"
#include "backend/cuda/elementwise.cuh"
#include "ops/elementwise_rules.h"

namespace ember::cuda {

namespace {

// Where an input's element i is: contiguous (ndim 0), a single value
// (ndim -1) or strided over the output shape.
__device__ __forceinline__ int64_t at(int64_t i, const Layout& l) {
  return l.ndim == 0 ? i : (l.ndim < 0 ? 0 : elem_offset(i, l));
}

template <typename T>
__device__ __forceinline__ T from_scalar(const Scalar& s) {
  T v;
  memcpy(&v, s.bytes, sizeof(T));
  return v;
}

// A null operand pointer means "the value in its Scalar" (a host scalar).
template <typename Op, typename In, typename Out>
__global__ void binary_flat(const In* __restrict__ a, const In* __restrict__ b,
                            Out* __restrict__ out, int64_t n, bool a_one, bool b_one,
                            Scalar sa, Scalar sb) {
  using C = compute_t<In>;
  Op op;
  const C a0 = static_cast<C>(a ? a[0] : from_scalar<In>(sa));
  const C b0 = static_cast<C>(b ? b[0] : from_scalar<In>(sb));
  elementwise_flat(n, [&](int64_t i) {
    C x = a_one ? a0 : static_cast<C>(a[i]);
    C y = b_one ? b0 : static_cast<C>(b[i]);
    out[i] = cast<Out>(op(x, y));
  });
}

template <typename Op, typename In, typename Out>
__global__ void binary_vec(const In* __restrict__ a, const In* __restrict__ b,
                           Out* __restrict__ out, int64_t n, bool a_one, bool b_one, Scalar sa,
                           Scalar sb) {
  using C = compute_t<In>;
  Op op;
  const C a0 = static_cast<C>(a ? a[0] : from_scalar<In>(sa));
  const C b0 = static_cast<C>(b ? b[0] : from_scalar<In>(sb));
  elementwise_vec4(
      n,
      [&](int64_t base) {
        Pack4<In> va, vb;
        if (!a_one) va = *reinterpret_cast<const Pack4<In>*>(a + base);
        if (!b_one) vb = *reinterpret_cast<const Pack4<In>*>(b + base);
        Pack4<Out> vo;
#pragma unroll
        for (int k = 0; k < 4; ++k) {
          C x = a_one ? a0 : static_cast<C>(va.v[k]);
          C y = b_one ? b0 : static_cast<C>(vb.v[k]);
          vo.v[k] = cast<Out>(op(x, y));
        }
        *reinterpret_cast<Pack4<Out>*>(out + base) = vo;
      },
      [&](int64_t i) {
        C x = a_one ? a0 : static_cast<C>(a[i]);
        C y = b_one ? b0 : static_cast<C>(b[i]);
        out[i] = cast<Out>(op(x, y));
      });
}

template <typename Op, typename In, typename Out>
__global__ void binary_strided(const In* a, Layout al, const In* b, Layout bl, Out* out,
                               int64_t n) {
  using C = compute_t<In>;
  Op op;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    out[i] = cast<Out>(op(static_cast<C>(a[at(i, al)]), static_cast<C>(b[at(i, bl)])));
  }
}

bool is_one(const Layout* l) { return l && l->ndim < 0; }

template <typename Op, Rule rule, bool cplx>
void binary(const void* a, const Layout* al, const void* b, const Layout* bl, int code,
            void* out, int64_t n, cudaStream_t s, const Scalar* av, const Scalar* bv) {
  dispatch(code, [&](auto t) {
    using In = typename decltype(t)::type;
    if constexpr (rule_allows(rule, kind_of<In>(), cplx)) {
      using Out = ::cuda::std::conditional_t<rule_gives_bool(rule), bool, In>;
      auto* x = static_cast<const In*>(a);
      auto* y = static_cast<const In*>(b);
      auto* z = static_cast<Out*>(out);
      bool a_flat = !al || is_one(al), b_flat = !bl || is_one(bl);
      Scalar none{};
      bool a1 = is_one(al), b1 = is_one(bl);
      if (a_flat && b_flat && aligned4(a1 ? nullptr : a, sizeof(In)) &&
          aligned4(b1 ? nullptr : b, sizeof(In)) && aligned4(out, sizeof(Out))) {
        binary_vec<Op, In, Out><<<vec4_blocks(n), kThreads, 0, s>>>(
            x, y, z, n, a1, b1, av ? *av : none, bv ? *bv : none);
      } else if (a_flat && b_flat) {
        binary_flat<Op, In, Out><<<flat_blocks(n), kThreads, 0, s>>>(
            x, y, z, n, is_one(al), is_one(bl), av ? *av : none, bv ? *bv : none);
      } else {
        Layout none;
        binary_strided<Op, In, Out><<<blocks_for(n), kThreads, 0, s>>>(
            x, al ? *al : none, y, bl ? *bl : none, z, n);
      }
    }
  });
}

template <typename T>
__global__ void select_kernel(const bool* c, Layout cl, const T* x, Layout xl, const T* y,
                              Layout yl, T* out, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    out[i] = c[at(i, cl)] ? x[at(i, xl)] : y[at(i, yl)];
  }
}

constexpr bool C = true, R = false;

}  // namespace

void launch_binary(int op, const void* a, const Layout* a_layout, const void* b,
                   const Layout* b_layout, int in_code, void* out, int out_code,
                   int64_t n, cudaStream_t s, const Scalar* a_value,
                   const Scalar* b_value) {
  if (n == 0) return;
  switch (op) {
#define BINARY(Class, name, rule, cplx, ...)                                        \
  case kBinary##Class:                                                              \
    return binary<dev::Class##Op, Rule::rule, cplx>(a, a_layout, b, b_layout, in_code, \
                                                     out, n, s, a_value, b_value);
#include "ops/binary.def"
#undef BINARY
  }
}

void launch_select(const void* cond, const Layout* c_layout, const void* x,
                   const Layout* x_layout, const void* y, const Layout* y_layout,
                   void* out, int code, int64_t n, cudaStream_t s) {
  if (n == 0) return;
  dispatch(code, [&](auto t) {
    using T = typename decltype(t)::type;
    Layout none;
    select_kernel<T><<<blocks_for(n), kThreads, 0, s>>>(
        static_cast<const bool*>(cond), c_layout ? *c_layout : none,
        static_cast<const T*>(x), x_layout ? *x_layout : none, static_cast<const T*>(y),
        y_layout ? *y_layout : none, static_cast<T*>(out), n);
  });
}

}  // namespace ember::cuda
