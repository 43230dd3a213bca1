// Matmul kernel: one OpenBLAS gemm per batch element. Half types are
// computed in float32.
#include "ops/matmul.h"

#include <cblas.h>

#include <climits>

#include "backend/cpu/copy.h"
#include "backend/cpu/strided.h"
#include "core/errors.h"

namespace ember {

namespace {

// How BLAS sees a matrix operand: transposed or not, and its leading dim.
struct MatrixLayout {
  bool transposed;
  int64_t ld;
};

bool blas_layout(const array& a, MatrixLayout& m) {
  int nd = a.ndim();
  int64_t rows = a.shape()[nd - 2], cols = a.shape()[nd - 1];
  int64_t rs = a.strides()[nd - 2], cs = a.strides()[nd - 1];
  if ((cs == 1 || cols == 1) && rs >= std::max<int64_t>(cols, 1)) {
    m = {false, rs};
    return true;
  }
  if ((rs == 1 || rows == 1) && cs >= std::max<int64_t>(rows, 1)) {
    m = {true, cs};
    return true;
  }
  return false;
}

void check_blas_dims(std::initializer_list<int64_t> dims) {
  for (auto d : dims) {
    if (d > INT_MAX) {
      throw ValueError("[matmul] Matrix dimensions or strides above 2^31 are "
                       "not supported by the BLAS backend.");
    }
  }
}

template <typename T>
void gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const T* a,
          int64_t lda, const T* b, int64_t ldb, T* c, int64_t ldc) {
  auto TA = ta ? CblasTrans : CblasNoTrans;
  auto TB = tb ? CblasTrans : CblasNoTrans;
  if constexpr (std::is_same_v<T, float>) {
    scipy_cblas_sgemm(CblasRowMajor, TA, TB, m, n, k, 1.0f, a, lda, b, ldb,
                      0.0f, c, ldc);
  } else if constexpr (std::is_same_v<T, double>) {
    scipy_cblas_dgemm(CblasRowMajor, TA, TB, m, n, k, 1.0, a, lda, b, ldb, 0.0,
                      c, ldc);
  } else {
    complex64_t one(1, 0), zero(0, 0);
    scipy_cblas_cgemm(CblasRowMajor, TA, TB, m, n, k, &one, a, lda, b, ldb,
                      &zero, c, ldc);
  }
}

template <typename T>
void matmul_typed(const array& a_in, const array& b_in, array& out) {
  MatrixLayout la, lb;
  array a = a_in, b = b_in;
  if (!blas_layout(a, la)) {
    a = cpu::ensure_row_contiguous(a);
    blas_layout(a, la);
  }
  if (!blas_layout(b, lb)) {
    b = cpu::ensure_row_contiguous(b);
    blas_layout(b, lb);
  }
  int nd = out.ndim();
  int64_t m = out.shape()[nd - 2], n = out.shape()[nd - 1];
  int64_t k = a.shape()[nd - 1];
  check_blas_dims({m, n, k, la.ld, lb.ld});
  out.set_data(allocate(out.nbytes()));
  T* c = out.data<T>();
  if (k == 0) {
    std::fill(c, c + out.size(), T(0));
    return;
  }
  Shape batch(out.shape().begin(), out.shape().end() - 2);
  Strides sa(a.strides().begin(), a.strides().end() - 2);
  Strides sb(b.strides().begin(), b.strides().end() - 2);
  Strides sc(out.strides().begin(), out.strides().end() - 2);
  auto plan = cpu::make_plan<3>(batch, {sc, sa, sb});
  const T* pa = a.data<T>();
  const T* pb = b.data<T>();
  cpu::for_range<3>(plan, 0, cpu::plan_size(plan),
                    [&](auto off, int64_t cnt, auto st) {
    for (int64_t i = 0; i < cnt; ++i) {
      gemm<T>(la.transposed, lb.transposed, m, n, k, pa + off[1] + i * st[1],
              la.ld, pb + off[2] + i * st[2], lb.ld, c + off[0] + i * st[0], n);
    }
  });
}

}  // namespace

void Matmul::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& a = inputs[0];
  const array& b = inputs[1];
  switch (out.dtype().val) {
    case Dtype::Val::float32:
      return matmul_typed<float>(a, b, out);
    case Dtype::Val::float64:
      return matmul_typed<double>(a, b, out);
    case Dtype::Val::complex64:
      return matmul_typed<complex64_t>(a, b, out);
    case Dtype::Val::float16:
    case Dtype::Val::bfloat16: {
      auto to_f32 = [](const array& x) {
        array y(x.shape(), float32, nullptr, {});
        cpu::copy_to_new(x, y);
        return y;
      };
      array a32 = to_f32(a), b32 = to_f32(b);
      array o32(out.shape(), float32, nullptr, {});
      matmul_typed<float>(a32, b32, o32);
      out.set_data(allocate(out.nbytes()));
      cpu::copy_into(o32, out, out.strides(), 0);
      return;
    }
    default:
      throw TypeError("[matmul] Unsupported dtype.");
  }
}

}  // namespace ember
