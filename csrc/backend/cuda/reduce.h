// Launchers of the reduction kernels (reduce.cu), softmax and the fast
// normalizations (fast.cu).
#pragma once
#include "backend/cuda/launch.h"

namespace ember::cuda {

// Reduce::Kind, in its order.
enum ReduceKind : int { kReduceSum, kReduceProd, kReduceMax, kReduceMin, kReduceAnd, kReduceOr };

// Bytes of device scratch the reductions may use for per-chunk partials.
constexpr int64_t kReduceScratch = int64_t(1) << 20;

// m outputs, each reducing k inputs: output o's elements sit at
// elem_offset(o, kept) + elem_offset(r, reduced) for r < k. Output types
// follow the CPU (sums widen small integers; all/any give bool).
void launch_reduce(int kind, const void* in, int in_code, const Layout& kept,
                   const Layout& reduced, int64_t m, int64_t k, void* out, int sm_count,
                   void* scratch, cudaStream_t s);
// Index (uint32) of the max/min of each of m rows of k elements.
void launch_arg_reduce(bool is_max, const void* in, int code, const Layout& kept,
                       int64_t axis_stride, int64_t k, int64_t m, uint32_t* out,
                       cudaStream_t s);

// Softmax of m rows of k elements at elem_offset(row, rows) + j * stride,
// written row-contiguous; `precise`: float32 math for 16-bit inputs.
void launch_softmax(const void* in, int code, const Layout& rows, int64_t stride,
                    int64_t m, int64_t k, void* out, cudaStream_t s);
// x * rsqrt(mean(x^2) + eps) * w over contiguous rows of k (w may be null).
void launch_rms_norm(const void* x, const void* w, int64_t w_stride, int code, int64_t m,
                     int64_t k, float eps, void* out, cudaStream_t s);
// (x - mean) * rsqrt(var + eps) * w + b over contiguous rows (w, b may be null).
void launch_layer_norm(const void* x, const void* w, int64_t w_stride, const void* b,
                       int64_t b_stride, int code, int64_t m, int64_t k, float eps,
                       void* out, cudaStream_t s);

}  // namespace ember::cuda
