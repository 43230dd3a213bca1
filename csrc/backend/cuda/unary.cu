// Kernels of the unary table (ops/unary.def): one row, one case here.
#include "backend/cuda/device_types.cuh"
#include "backend/cuda/elementwise.cuh"
#include "backend/cuda/unary_ops.cuh"
#include "ops/elementwise_rules.h"

namespace ember::cuda {

namespace {

template <typename Op, typename In, typename Out>
__global__ void unary_flat(const In* __restrict__ in, Out* __restrict__ out, int64_t n) {
  Op op;
  elementwise_flat(n, [&](int64_t i) {
    out[i] = cast<Out>(op(static_cast<compute_t<In>>(in[i])));
  });
}

template <typename Op, typename In, typename Out>
__global__ void unary_vec(const In* __restrict__ in, Out* __restrict__ out, int64_t n) {
  Op op;
  elementwise_vec4(
      n,
      [&](int64_t base) {
        Pack4<In> vi = *reinterpret_cast<const Pack4<In>*>(in + base);
        Pack4<Out> vo;
#pragma unroll
        for (int k = 0; k < 4; ++k) vo.v[k] = cast<Out>(op(static_cast<compute_t<In>>(vi.v[k])));
        *reinterpret_cast<Pack4<Out>*>(out + base) = vo;
      },
      [&](int64_t i) { out[i] = cast<Out>(op(static_cast<compute_t<In>>(in[i]))); });
}

template <typename Op, typename In, typename Out>
__global__ void unary_strided(const In* in, Layout l, Out* out, int64_t n) {
  Op op;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    out[i] = cast<Out>(op(static_cast<compute_t<In>>(in[elem_offset(i, l)])));
  }
}

template <typename Op, Rule rule, bool cplx>
void unary(const void* in, int in_code, const Layout* l, void* out, int64_t n,
           cudaStream_t s) {
  dispatch(in_code, [&](auto t) {
    using In = typename decltype(t)::type;
    if constexpr (rule_allows(rule, kind_of<In>(), cplx)) {
      using Out = ::cuda::std::conditional_t<rule_gives_bool(rule), bool, In>;
      auto* x = static_cast<const In*>(in);
      auto* y = static_cast<Out*>(out);
      if (l) {
        unary_strided<Op, In, Out><<<blocks_for(n), kThreads, 0, s>>>(x, *l, y, n);
      } else if (aligned4(x, sizeof(In)) && aligned4(y, sizeof(Out))) {
        unary_vec<Op, In, Out><<<vec4_blocks(n), kThreads, 0, s>>>(x, y, n);
      } else {
        unary_flat<Op, In, Out><<<flat_blocks(n), kThreads, 0, s>>>(x, y, n);
      }
    }
  });
}

constexpr bool C = true, R = false;

}  // namespace

void launch_unary(int op, const void* in, int in_code, const Layout* in_layout,
                  void* out, int out_code, int64_t n, cudaStream_t s) {
  if (n == 0) return;
  switch (op) {
#define UNARY(Class, name, rule, cplx, ...)                                          \
  case kUnary##Class:                                                                \
    return unary<dev::Class##Op, Rule::rule, cplx>(in, in_code, in_layout, out, n, s);
#include "ops/unary.def"
#undef UNARY
    case kUnaryConjugate:
      return unary<dev::ConjugateOp, Rule::Same, true>(in, in_code, in_layout, out, n, s);
  }
}

}  // namespace ember::cuda
