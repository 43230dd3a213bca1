// Reduction kernels: sum, prod, max, min, all, any over any axes, argmax
// and argmin along one axis, with the CPU's accumulation types and NaN
// rules (backend/cpu/reduce.cpp).
#include <cuda/std/limits>

#include "backend/cuda/device_types.cuh"
#include "backend/cuda/elementwise.cuh"
#include "backend/cuda/reduce.h"

namespace ember::cuda {

namespace {

namespace cs = ::cuda::std;

template <typename T>
__device__ __forceinline__ bool is_nan(T v) {
  if constexpr (is_complex_v<T>) return cs::isnan(v.real()) || cs::isnan(v.imag());
  else if constexpr (cs::is_floating_point_v<T>) return cs::isnan(v);
  else return false;
}

// How values combine; Acc is the accumulator type (double for floating
// sums and products, as on the CPU).
template <typename In, typename Out, int K>
struct Reducer {
  using C = compute_t<In>;
  static constexpr bool kLogical = K == kReduceAnd || K == kReduceOr;
  static constexpr bool kArith = K == kReduceSum || K == kReduceProd;
  using OutC = compute_t<Out>;
  using Acc = cs::conditional_t<
      kLogical, bool,
      cs::conditional_t<kArith, cs::conditional_t<cs::is_floating_point_v<OutC>, double, OutC>,
                        C>>;

  __device__ static Acc init() {
    if constexpr (K == kReduceSum) return Acc(0);
    else if constexpr (K == kReduceProd) return Acc(1);
    else if constexpr (K == kReduceAnd) return true;
    else if constexpr (K == kReduceOr) return false;
    else if constexpr (is_complex_v<C>) {
      float inf = cs::numeric_limits<float>::infinity();
      return K == kReduceMax ? C(-inf, -inf) : C(inf, inf);
    } else if constexpr (cs::is_floating_point_v<C>) {
      return K == kReduceMax ? -cs::numeric_limits<C>::infinity()
                             : cs::numeric_limits<C>::infinity();
    } else {
      return K == kReduceMax ? cs::numeric_limits<C>::lowest() : cs::numeric_limits<C>::max();
    }
  }
  __device__ static Acc load(In raw) {
    if constexpr (kLogical) return cast<bool>(raw);
    else if constexpr (kArith) return cast<Acc>(raw);
    else return static_cast<C>(raw);
  }
  // Integer sums and products wrap, as numpy's.
  __device__ static Acc merge(Acc a, Acc b) {
    if constexpr (K == kReduceAnd) return a && b;
    else if constexpr (K == kReduceOr) return a || b;
    else if constexpr (kArith && cs::is_integral_v<Acc> && !cs::is_same_v<Acc, bool>) {
      using U = cs::make_unsigned_t<Acc>;
      return K == kReduceSum ? Acc(U(a) + U(b)) : Acc(U(a) * U(b));
    } else if constexpr (K == kReduceSum) {
      return a + b;
    } else if constexpr (K == kReduceProd) {
      return a * b;
    } else {
      if (is_nan(a)) return a;
      if (is_nan(b)) return b;
      if constexpr (is_complex_v<C>) {
        bool less = b.real() < a.real() || (b.real() == a.real() && b.imag() < a.imag());
        return (K == kReduceMax) != less && !(b == a) ? b : a;
      } else {
        return K == kReduceMax ? (b > a ? b : a) : (b < a ? b : a);
      }
    }
  }
};

template <typename T>
__device__ __forceinline__ T shfl_down(T v, int delta) {
  if constexpr (sizeof(T) <= 8 && !is_complex_v<T>) {
    return __shfl_down_sync(0xffffffffu, v, delta);
  } else {
    float re = __shfl_down_sync(0xffffffffu, v.real(), delta);
    float im = __shfl_down_sync(0xffffffffu, v.imag(), delta);
    return T(re, im);
  }
}

// Reduces `v` over the block; thread 0 gets the total.
template <typename Rd, typename Acc>
__device__ Acc block_reduce(Acc v) {
  __shared__ unsigned char raw[32 * sizeof(Acc)];
  Acc* partial = reinterpret_cast<Acc*>(raw);
  for (int d = 16; d > 0; d >>= 1) v = Rd::merge(v, shfl_down(v, d));
  int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  if (lane == 0) partial[warp] = v;
  __syncthreads();
  int warps = (blockDim.x + 31) / 32;
  if (warp == 0) {
    v = lane < warps ? partial[lane] : Rd::init();
    for (int d = 16; d > 0; d >>= 1) v = Rd::merge(v, shfl_down(v, d));
  }
  return v;
}

// Rows: output o reduces the reduced layout `rl` from base offset
// elem_offset(o, kl); `chunks` blocks share a row, each writing a partial.
template <typename In, typename Out, int K>
__global__ void reduce_rows(const In* in, Layout kl, Layout rl, int64_t k, int chunks,
                            Out* out, typename Reducer<In, Out, K>::Acc* partials) {
  using Rd = Reducer<In, Out, K>;
  int64_t o = blockIdx.x / chunks;
  int chunk = blockIdx.x % chunks;
  // Chunks start at multiples of 4, so a flat row is read in packs of 4.
  int64_t per = ((k + chunks - 1) / chunks + 3) / 4 * 4;
  int64_t begin = chunk * per, end = begin + per < k ? begin + per : k;
  const In* base = in + elem_offset(o, kl);
  bool flat = rl.ndim == 1 && rl.strides[0] == 1;
  auto acc = Rd::init();
  if (flat && reinterpret_cast<uintptr_t>(base + begin) % (4 * sizeof(In)) == 0) {
    int64_t r = begin + threadIdx.x * 4;
    for (; r + 4 <= end; r += int64_t(blockDim.x) * 4) {
      Pack4<In> v = *reinterpret_cast<const Pack4<In>*>(base + r);
#pragma unroll
      for (int j = 0; j < 4; ++j) acc = Rd::merge(acc, Rd::load(v.v[j]));
    }
    for (; r < end; ++r) acc = Rd::merge(acc, Rd::load(base[r]));
  } else {
#pragma unroll 4
    for (int64_t r = begin + threadIdx.x; r < end; r += blockDim.x) {
      acc = Rd::merge(acc, Rd::load(base[flat ? r : elem_offset(r, rl)]));
    }
  }
  acc = block_reduce<Rd>(acc);
  if (threadIdx.x == 0) {
    if (chunks == 1) out[o] = cast<Out>(acc);
    else partials[blockIdx.x] = acc;
  }
}

template <typename In, typename Out, int K>
__global__ void reduce_partials(const typename Reducer<In, Out, K>::Acc* partials,
                                int chunks, Out* out) {
  using Rd = Reducer<In, Out, K>;
  auto acc = Rd::init();
  for (int c = threadIdx.x; c < chunks; c += blockDim.x) {
    acc = Rd::merge(acc, partials[blockIdx.x * int64_t(chunks) + c]);
  }
  acc = block_reduce<Rd>(acc);
  if (threadIdx.x == 0) out[blockIdx.x] = cast<Out>(acc);
}

// Columns: one thread per output, walking the reduced layout; neighbouring
// threads read neighbouring memory when the kept layout is innermost.
template <typename In, typename Out, int K>
__global__ void reduce_columns(const In* in, Layout kl, Layout rl, int64_t m, int64_t k,
                               Out* out) {
  using Rd = Reducer<In, Out, K>;
  for (int64_t o = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; o < m;
       o += int64_t(gridDim.x) * blockDim.x) {
    const In* base = in + elem_offset(o, kl);
    auto acc = Rd::init();
    for (int64_t r = 0; r < k; ++r) acc = Rd::merge(acc, Rd::load(base[elem_offset(r, rl)]));
    out[o] = cast<Out>(acc);
  }
}

template <typename In, typename Out, int K>
void reduce_typed(const In* in, const Layout& kl, const Layout& rl, int64_t m, int64_t k,
                  Out* out, int sm_count, void* scratch, cudaStream_t s) {
  using Acc = typename Reducer<In, Out, K>::Acc;
  bool rows = rl.strides[rl.ndim - 1] == 1 || m < 1024;
  if (!rows) {
    reduce_columns<In, Out, K><<<blocks_for(m), kThreads, 0, s>>>(in, kl, rl, m, k, out);
    return;
  }
  // Enough blocks to fill the GPU when there are few long rows.
  int64_t want = (int64_t(sm_count) * 8 + m - 1) / m;
  int64_t most = (k + 4095) / 4096;  // at least 4096 elements a block
  int chunks = static_cast<int>(want < most ? want : most);
  if (chunks < 1) chunks = 1;
  if (int64_t(chunks) * m * sizeof(Acc) > kReduceScratch) chunks = 1;
  int threads = k >= 1024 ? 512 : 128;
  reduce_rows<In, Out, K><<<unsigned(m * chunks), threads, 0, s>>>(
      in, kl, rl, k, chunks, out, static_cast<Acc*>(scratch));
  if (chunks > 1) {
    reduce_partials<In, Out, K><<<unsigned(m), 256, 0, s>>>(static_cast<Acc*>(scratch),
                                                           chunks, out);
  }
}

// Strictly better for argmax (kMax) or argmin; complex values in numpy's
// lexicographic order.
template <bool kMax, typename C>
__device__ __forceinline__ bool strictly_better(C v, C best) {
  if constexpr (is_complex_v<C>) {
    bool less = v.real() < best.real() || (v.real() == best.real() && v.imag() < best.imag());
    bool greater = best.real() < v.real() || (best.real() == v.real() && best.imag() < v.imag());
    return kMax ? greater : less;
  } else {
    return kMax ? v > best : v < best;
  }
}

// argmax/argmin: one warp per output; the first of equal values wins, and a
// NaN wins over everything (its first occurrence), as in numpy.
template <typename T, bool kMax>
__global__ void arg_reduce(const T* in, Layout kl, int64_t axis_stride, int64_t k,
                           int64_t m, uint32_t* out) {
  using C = compute_t<T>;
  int64_t warp = (blockIdx.x * int64_t(blockDim.x) + threadIdx.x) / 32;
  int lane = threadIdx.x % 32;
  if (warp >= m) return;
  const T* base = in + elem_offset(warp, kl);
  C best{};
  int64_t at = -1;
  bool best_nan = false;
  for (int64_t j = lane; j < k; j += 32) {
    C v = static_cast<C>(base[j * axis_stride]);
    bool v_nan = is_nan(v);
    bool better;
    if (at < 0) better = true;
    else if (best_nan) better = false;
    else if (v_nan) better = true;
    else better = strictly_better<kMax>(v, best);
    if (better) best = v, at = j, best_nan = v_nan;
  }
  for (int d = 16; d > 0; d >>= 1) {
    C ov = shfl_down(best, d);
    int64_t oat = __shfl_down_sync(0xffffffffu, at, d);
    bool onan = __shfl_down_sync(0xffffffffu, best_nan, d);
    if (oat < 0) continue;
    bool better;
    if (at < 0) better = true;
    else if (best_nan != onan) better = onan;
    else if (best_nan || ov == best) better = oat < at;
    else better = strictly_better<kMax>(ov, best);
    if (better) best = ov, at = oat, best_nan = onan;
  }
  if (lane == 0) out[warp] = static_cast<uint32_t>(at < 0 ? 0 : at);
}

}  // namespace

void launch_reduce(int kind, const void* in, int in_code, const Layout& kept,
                   const Layout& reduced, int64_t m, int64_t k, void* out, int sm_count,
                   void* scratch, cudaStream_t s) {
  if (m == 0) return;
  dispatch(in_code, [&](auto it) {
    using In = typename decltype(it)::type;
    auto run = [&](auto kc, auto ot) {
      constexpr int K = decltype(kc)::value;
      using Out = typename decltype(ot)::type;
      reduce_typed<In, Out, K>(static_cast<const In*>(in), kept, reduced, m, k,
                               static_cast<Out*>(out), sm_count, scratch, s);
    };
    // Output types as on the CPU: sums and products widen small integers,
    // all/any give bool, max/min keep the type.
    using Wide = cs::conditional_t<
        cs::is_same_v<In, bool> || cs::is_same_v<In, int8_t> || cs::is_same_v<In, int16_t>,
        int32_t,
        cs::conditional_t<cs::is_same_v<In, uint8_t> || cs::is_same_v<In, uint16_t>, uint32_t,
                          In>>;
    switch (kind) {
      case kReduceSum: return run(cs::integral_constant<int, kReduceSum>{}, Tag<Wide>{});
      case kReduceProd: return run(cs::integral_constant<int, kReduceProd>{}, Tag<Wide>{});
      case kReduceMax: return run(cs::integral_constant<int, kReduceMax>{}, Tag<In>{});
      case kReduceMin: return run(cs::integral_constant<int, kReduceMin>{}, Tag<In>{});
      case kReduceAnd: return run(cs::integral_constant<int, kReduceAnd>{}, Tag<bool>{});
      case kReduceOr: return run(cs::integral_constant<int, kReduceOr>{}, Tag<bool>{});
    }
  });
}

void launch_arg_reduce(bool is_max, const void* in, int code, const Layout& kept,
                       int64_t axis_stride, int64_t k, int64_t m, uint32_t* out,
                       cudaStream_t s) {
  if (m == 0) return;
  dispatch(code, [&](auto t) {
    using T = typename decltype(t)::type;
    unsigned blocks = static_cast<unsigned>((m * 32 + kThreads - 1) / kThreads);
    auto* x = static_cast<const T*>(in);
    if (is_max) arg_reduce<T, true><<<blocks, kThreads, 0, s>>>(x, kept, axis_stride, k, m, out);
    else arg_reduce<T, false><<<blocks, kThreads, 0, s>>>(x, kept, axis_stride, k, m, out);
  });
}

}  // namespace ember::cuda
