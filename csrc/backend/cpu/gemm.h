// The one matrix product every CPU kernel uses (matmul, convolution,
// attention): C (m x n, row-major, row stride ldc) = alpha * op(A) op(B),
// op(X) = X or X^T, for float, double and complex64.
#pragma once
#include <cstdint>

namespace ember::cpu {

// OpenBLAS runs single-threaded (its idle workers spin for milliseconds
// and take cores from everything else); a large product is split by rows
// or columns of C over Ember's thread pool instead. Inside a pool task it
// runs on the calling thread.
template <typename T>
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, T alpha, const T* a,
          int64_t lda, const T* b, int64_t ldb, T* c, int64_t ldc);

}  // namespace ember::cpu
