#include "backend/cpu/gemm.h"

#include <cblas.h>

#include <type_traits>

#include "core/dtype.h"
#include "core/thread_pool.h"

namespace ember::cpu {

namespace {

void blas_on_one_thread() {
  static const bool done = [] {
    scipy_openblas_set_num_threads(1);
    return true;
  }();
  (void)done;
}

// Whether T's products run Ember's own kernel (float32 on AVX-512).
template <typename T>
bool own_kernel() {
  if constexpr (std::is_same_v<T, float>) {
    static const bool own = gemm_f32_available();
    return own;
  }
  return false;
}

// The product on the calling thread.
template <typename T>
void gemm_here(bool ta, bool tb, int64_t m, int64_t n, int64_t k, T alpha, const T* a,
               int64_t lda, const T* b, int64_t ldb, T* c, int64_t ldc, bool accumulate) {
  if constexpr (std::is_same_v<T, float>) {
    if (own_kernel<T>()) {
      return gemm_f32(ta, tb, m, n, k, alpha, a, lda, b, ldb, c, ldc, accumulate);
    }
  }
  auto TA = ta ? CblasTrans : CblasNoTrans;
  auto TB = tb ? CblasTrans : CblasNoTrans;
  if constexpr (std::is_same_v<T, float>) {
    float beta = accumulate ? 1.0f : 0.0f;
    scipy_cblas_sgemm(CblasRowMajor, TA, TB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  } else if constexpr (std::is_same_v<T, double>) {
    double beta = accumulate ? 1.0 : 0.0;
    scipy_cblas_dgemm(CblasRowMajor, TA, TB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  } else {
    T beta(accumulate ? 1.0f : 0.0f, 0.0f);
    scipy_cblas_cgemm(CblasRowMajor, TA, TB, m, n, k, &alpha, a, lda, b, ldb, &beta, c, ldc);
  }
}

// Products below this many multiply-adds (about 20 us) stay on one thread.
constexpr double kSplitWork = 1 << 21;

}  // namespace

template <typename T>
void gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t lda,
          const T* b, int64_t ldb, T* c, int64_t ldc, bool accumulate) {
  blas_on_one_thread();
  if (num_threads() < 2 || static_cast<double>(m) * n * k < kSplitWork) {
    gemm_here(ta, tb, m, n, k, alpha, a, lda, b, ldb, c, ldc, accumulate);
    return;
  }
  // Each part is a smaller product of the same operands (rows of op(A),
  // or columns of op(B)). Own float32 products split in whole register
  // tiles, along the side whose split leaves the least padding per thread
  // (m = 256 by rows of 14 is 10 + 9 tiles; by columns of 32 it is 4 + 4).
  int64_t row_unit = 16, col_unit = 16;
  bool by_rows = m >= n;
  if (own_kernel<T>()) {
    row_unit = kGemmF32Rows;
    col_unit = kGemmF32Cols;
    int64_t t = num_threads();
    auto per_thread = [&](int64_t len, int64_t unit) {
      return (len + unit * t - 1) / (unit * t) * unit;
    };
    double rows_work = double(per_thread(m, row_unit)) * n;
    double cols_work = double(per_thread(n, col_unit)) * m;
    by_rows = rows_work <= cols_work;
  }
  int64_t unit = by_rows ? row_unit : col_unit;
  int64_t len = by_rows ? m : n;
  parallel_for((len + unit - 1) / unit, 1, [&](int64_t u0, int64_t u1) {
    int64_t lo = u0 * unit, hi = std::min(len, u1 * unit);
    if (by_rows) {
      gemm_here(ta, tb, hi - lo, n, k, alpha, a + (ta ? lo : lo * lda), lda, b, ldb,
                c + lo * ldc, ldc, accumulate);
    } else {
      gemm_here(ta, tb, m, hi - lo, k, alpha, a, lda, b + (tb ? lo * ldb : lo), ldb, c + lo,
                ldc, accumulate);
    }
  });
}

template void gemm<float>(bool, bool, int64_t, int64_t, int64_t, float, const float*, int64_t,
                          const float*, int64_t, float*, int64_t, bool);
template void gemm<double>(bool, bool, int64_t, int64_t, int64_t, double, const double*,
                           int64_t, const double*, int64_t, double*, int64_t, bool);
template void gemm<complex64_t>(bool, bool, int64_t, int64_t, int64_t, complex64_t,
                                const complex64_t*, int64_t, const complex64_t*, int64_t,
                                complex64_t*, int64_t, bool);

}  // namespace ember::cpu
