// The one matrix product every CPU kernel uses (matmul, convolution,
// attention): C (m x n, row-major, row stride ldc) = alpha * op(A) op(B),
// or C += that with accumulate, op(X) = X or X^T, for float, double and
// complex64. float32 on AVX-512 runs Ember's own kernel (gemm_f32.cpp),
// the rest OpenBLAS.
#pragma once
#include <cstdint>

namespace ember::cpu {

// OpenBLAS runs single-threaded (its idle workers spin for milliseconds
// and take cores from everything else); a large product is split by rows
// or columns of C over Ember's thread pool instead. Inside a pool task it
// runs on the calling thread.
template <typename T>
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, T alpha, const T* a,
          int64_t lda, const T* b, int64_t ldb, T* c, int64_t ldc, bool accumulate = false);

// Ember's own float32 product on one thread (gemm_f32.cpp), which gemm
// uses for float32 where gemm_f32_available(): AVX-512 CPUs.
bool gemm_f32_available();
// Its register tile: rows of C by columns of C.
constexpr int64_t kGemmF32Rows = 14, kGemmF32Cols = 32;
void gemm_f32(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
              const float* a, int64_t lda, const float* b, int64_t ldb, float* c, int64_t ldc,
              bool accumulate = false);

// Its pieces, for kernels that reuse a packed operand across products
// (attention packs a head's keys once for all its query blocks). op(A)
// (m x depth) packs into ceil(m / 14) panels, op(B) (depth x n) into
// ceil(n / 32), each gemm_f32_panel_floats floats; alpha scales A.
int64_t gemm_f32_panel_floats(bool a_side, int64_t depth);
void gemm_f32_pack_a(bool trans_a, const float* a, int64_t lda, int64_t m, int64_t depth,
                     float alpha, float* dst);
void gemm_f32_pack_b(bool trans_b, const float* b, int64_t ldb, int64_t n, int64_t depth,
                     float* dst);
// C (m x n) = (or +=, accumulate) packed A times packed B.
void gemm_f32_packed(const float* apack, const float* bpack, int64_t m, int64_t n,
                     int64_t depth, float* c, int64_t ldc, bool accumulate);

}  // namespace ember::cpu
