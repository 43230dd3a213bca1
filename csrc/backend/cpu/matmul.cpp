// Matmul kernel: one gemm (backend/cpu/gemm.h) per batch element, batch
// elements spread over threads. Half types are computed in float32.
#include "ops/matmul.h"

#include <climits>

#include "backend/cpu/copy.h"
#include "backend/cpu/gemm.h"
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
  int64_t k = a.shape()[a.ndim() - 1];
  if (b.ndim() == 2 && a.ndim() > 2) {
    // One b for the whole batch: a's rows, made contiguous, are one
    // (batch * m) x k matrix and the whole product is one gemm.
    if (!a.flags().row_contiguous) a = cpu::ensure_row_contiguous(a);
    int64_t rows = a.size() / std::max<int64_t>(k, 1);
    check_blas_dims({rows, n, k, lb.ld});
    out.set_data(allocate(out.nbytes()));
    T* c = out.data<T>();
    if (k == 0 || rows == 0) {
      std::fill(c, c + out.size(), T(0));
      return;
    }
    cpu::gemm<T>(false, lb.transposed, rows, n, k, T(1), a.data<T>(), k, b.data<T>(), lb.ld, c,
                 n);
    return;
  }
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
  // Batch elements go to threads whole; a single product splits itself.
  parallel_for(cpu::plan_size(plan), 1, [&](int64_t lo, int64_t hi) {
    cpu::for_range<3>(plan, lo, hi, [&](auto off, int64_t cnt, auto st) {
      for (int64_t i = 0; i < cnt; ++i) {
        cpu::gemm<T>(la.transposed, lb.transposed, m, n, k, T(1), pa + off[1] + i * st[1],
                     la.ld, pb + off[2] + i * st[2], lb.ld, c + off[0] + i * st[0], n);
      }
    });
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
