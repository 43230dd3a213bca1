// LAPACK kernels of Factorization: each matrix of the batch is copied to a
// row-major scratch buffer and handed to OpenBLAS's LAPACKE.
#include <lapacke.h>

#include <cmath>
#include <cstring>
#include <stdexcept>

#include "backend/cpu/copy.h"
#include "core/errors.h"
#include "linalg/linalg.h"

namespace ember {

namespace {

constexpr int kRow = LAPACK_ROW_MAJOR;

template <typename T>
struct Lapack;

#define EMBER_LAPACK(T, p)                                                          \
  template <>                                                                       \
  struct Lapack<T> {                                                                \
    static int getrf(int m, int n, T* a, int* piv) {                                \
      return scipy_LAPACKE_##p##getrf(kRow, m, n, a, n, piv);                       \
    }                                                                               \
    static int getri(int n, T* a, const int* piv) {                                 \
      return scipy_LAPACKE_##p##getri(kRow, n, a, n, piv);                          \
    }                                                                               \
    static int potrf(char uplo, int n, T* a) {                                      \
      return scipy_LAPACKE_##p##potrf(kRow, uplo, n, a, n);                         \
    }                                                                               \
    static int trtri(char uplo, int n, T* a) {                                      \
      return scipy_LAPACKE_##p##trtri(kRow, uplo, 'N', n, a, n);                    \
    }                                                                               \
    static int geqrf(int m, int n, T* a, T* tau) {                                  \
      return scipy_LAPACKE_##p##geqrf(kRow, m, n, a, n, tau);                       \
    }                                                                               \
    static int orgqr(int m, int n, int k, T* a, int lda, const T* tau) {            \
      return scipy_LAPACKE_##p##orgqr(kRow, m, n, k, a, lda, tau);                  \
    }                                                                               \
    static int gesdd(char job, int m, int n, T* a, T* s, T* u, T* vt) {             \
      return scipy_LAPACKE_##p##gesdd(kRow, job, m, n, a, n, s, u, m, vt, n);       \
    }                                                                               \
    static int syevd(char jobz, char uplo, int n, T* a, T* w) {                     \
      return scipy_LAPACKE_##p##syevd(kRow, jobz, uplo, n, a, n, w);                \
    }                                                                               \
    static int gesv(int n, int nrhs, T* a, int* piv, T* b) {                        \
      return scipy_LAPACKE_##p##gesv(kRow, n, nrhs, a, n, piv, b, nrhs);            \
    }                                                                               \
    static int trtrs(char uplo, int n, int nrhs, const T* a, T* b) {                \
      return scipy_LAPACKE_##p##trtrs(kRow, uplo, 'N', 'N', n, nrhs, a, n, b, nrhs); \
    }                                                                               \
  };
EMBER_LAPACK(float, s)
EMBER_LAPACK(double, d)
#undef EMBER_LAPACK

// A numerical failure found while evaluating (singular matrix, no
// convergence) is a RuntimeError, raised at eval.
void check(int info, const char* op, const char* what) {
  if (info < 0) {
    throw std::runtime_error(std::string("[") + op + "] Invalid LAPACK argument.");
  }
  if (info > 0) throw std::runtime_error(std::string("[") + op + "] " + what);
}

// A row-major matrix dimension LAPACK (32-bit) can take.
int dim(int64_t n, const char* op) {
  if (n > INT32_MAX / 2) throw ValueError(std::string("[") + op + "] Matrix too large.");
  return static_cast<int>(n);
}

template <typename T>
void zero_triangle(T* a, int n, bool keep_upper) {
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) {
      if (keep_upper ? j < i : j > i) a[i * n + j] = T(0);
    }
  }
}

}  // namespace

template <typename T>
static void factor_typed(Factorization::Kind kind, bool upper, const char* op,
                         const std::vector<array>& in, std::vector<array>& out) {
  using K = Factorization;
  array a = cpu::ensure_row_contiguous(in[0]);
  int nd = a.ndim();
  int m = dim(a.shape()[nd - 2], op), n = dim(a.shape()[nd - 1], op);
  int k = std::min(m, n);
  int64_t batch = a.size() / std::max<int64_t>(int64_t(m) * n, 1);
  if (int64_t(m) * n == 0) batch = 0;
  for (auto& o : out) o.set_data(allocate(o.nbytes()));
  std::vector<T> work(static_cast<size_t>(m) * n);
  std::vector<int> piv(std::max(k, 1));
  char uplo = upper ? 'U' : 'L';
  const T* src = a.data<T>();
  for (int64_t b = 0; b < batch; ++b) {
    std::memcpy(work.data(), src + b * m * n, sizeof(T) * m * n);
    T* w = work.data();
    switch (kind) {
      case K::Inv: {
        check(Lapack<T>::getrf(n, n, w, piv.data()), op, "The matrix is singular.");
        check(Lapack<T>::getri(n, w, piv.data()), op, "The matrix is singular.");
        std::memcpy(out[0].data<T>() + b * n * n, w, sizeof(T) * n * n);
        break;
      }
      case K::TriInv: {
        zero_triangle(w, n, upper);
        check(Lapack<T>::trtri(uplo, n, w), op, "The matrix is singular.");
        std::memcpy(out[0].data<T>() + b * n * n, w, sizeof(T) * n * n);
        break;
      }
      case K::Cholesky: {
        check(Lapack<T>::potrf(uplo, n, w), op,
              "The matrix is not positive definite.");
        zero_triangle(w, n, upper);
        std::memcpy(out[0].data<T>() + b * n * n, w, sizeof(T) * n * n);
        break;
      }
      case K::QR: {
        std::vector<T> tau(std::max(k, 1));
        check(Lapack<T>::geqrf(m, n, w, tau.data()), op, "QR failed.");
        T* r = out[1].data<T>() + b * k * n;
        for (int i = 0; i < k; ++i) {
          for (int j = 0; j < n; ++j) r[i * n + j] = j >= i ? w[i * n + j] : T(0);
        }
        // Q: the first k columns, built in a (m, k) buffer.
        std::vector<T> q(static_cast<size_t>(m) * k);
        for (int i = 0; i < m; ++i) {
          for (int j = 0; j < k; ++j) q[i * k + j] = w[i * n + j];
        }
        check(Lapack<T>::orgqr(m, k, k, q.data(), k, tau.data()), op, "QR failed.");
        std::memcpy(out[0].data<T>() + b * m * k, q.data(), sizeof(T) * m * k);
        break;
      }
      case K::SVD:
      case K::SVDValues: {
        bool uv = kind == K::SVD;
        std::vector<T> u(uv ? size_t(m) * m : 1), vt(uv ? size_t(n) * n : 1);
        T* s_out = (uv ? out[1] : out[0]).data<T>() + b * k;
        check(Lapack<T>::gesdd(uv ? 'A' : 'N', m, n, w, s_out, u.data(), vt.data()),
              op, "The SVD did not converge.");
        if (uv) {
          std::memcpy(out[0].data<T>() + b * m * m, u.data(), sizeof(T) * m * m);
          std::memcpy(out[2].data<T>() + b * n * n, vt.data(), sizeof(T) * n * n);
        }
        break;
      }
      case K::Eigh:
      case K::EigvalsH: {
        bool vecs = kind == K::Eigh;
        check(Lapack<T>::syevd(vecs ? 'V' : 'N', uplo, n, w, out[0].data<T>() + b * n),
              op, "The eigensolver did not converge.");
        if (vecs) std::memcpy(out[1].data<T>() + b * n * n, w, sizeof(T) * n * n);
        break;
      }
      case K::LUFactor: {
        int info = Lapack<T>::getrf(m, n, w, piv.data());
        if (info < 0) check(info, op, "");
        std::memcpy(out[0].data<T>() + b * m * n, w, sizeof(T) * m * n);
        uint32_t* p = out[1].data<uint32_t>() + b * k;
        for (int i = 0; i < k; ++i) p[i] = static_cast<uint32_t>(piv[i] - 1);
        break;
      }
      case K::Solve:
      case K::SolveTriangular:
        break;  // handled below: they take a right-hand side
    }
  }
  if (kind == K::Solve || kind == K::SolveTriangular) {
    array rhs = cpu::ensure_row_contiguous(in[1]);
    int nrhs = dim(rhs.shape()[rhs.ndim() - 1], op);
    const T* bs = rhs.data<T>();
    T* xs = out[0].data<T>();
    std::vector<T> x(static_cast<size_t>(n) * nrhs);
    for (int64_t b = 0; b < batch; ++b) {
      std::memcpy(work.data(), src + b * n * n, sizeof(T) * n * n);
      std::memcpy(x.data(), bs + b * n * nrhs, sizeof(T) * n * nrhs);
      if (kind == K::Solve) {
        check(Lapack<T>::gesv(n, nrhs, work.data(), piv.data(), x.data()), op,
              "The matrix is singular.");
      } else {
        check(Lapack<T>::trtrs(uplo, n, nrhs, work.data(), x.data()), op,
              "The matrix is singular.");
      }
      std::memcpy(xs + b * n * nrhs, x.data(), sizeof(T) * n * nrhs);
    }
  }
}

namespace {

using cfloat = lapack_complex_float;

int square_batch(const array& a, int& n, const char* op) {
  n = dim(a.shape().back(), op);
  return n == 0 ? 0 : static_cast<int>(a.size() / (int64_t(n) * n));
}

// Real input: conjugate pairs come back as (re, im) column pairs.
template <typename R>
void eig_real(const array& in, std::vector<array>& out, bool vecs, const char* op) {
  array a = cpu::ensure_row_contiguous(in);
  int n;
  int batch = square_batch(a, n, op);
  std::vector<R> w(size_t(n) * n), wr(n), wi(n), vr(vecs ? size_t(n) * n : 1), vl(1);
  for (int b = 0; b < batch; ++b) {
    std::memcpy(w.data(), a.data<R>() + int64_t(b) * n * n, sizeof(R) * n * n);
    int info;
    if constexpr (std::is_same_v<R, double>) {
      info = scipy_LAPACKE_dgeev(kRow, 'N', vecs ? 'V' : 'N', n, w.data(), n, wr.data(),
                                 wi.data(), vl.data(), n, vr.data(), n);
    } else {
      info = scipy_LAPACKE_sgeev(kRow, 'N', vecs ? 'V' : 'N', n, w.data(), n, wr.data(),
                                 wi.data(), vl.data(), n, vr.data(), n);
    }
    check(info, op, "The eigensolver did not converge.");
    complex64_t* vals = out[0].data<complex64_t>() + int64_t(b) * n;
    for (int j = 0; j < n; ++j) vals[j] = complex64_t(float(wr[j]), float(wi[j]));
    if (!vecs) continue;
    complex64_t* v = out[1].data<complex64_t>() + int64_t(b) * n * n;
    for (int j = 0; j < n; ++j) {
      bool pair = wi[j] != 0 && j + 1 < n;
      for (int i = 0; i < n; ++i) {
        float re = float(vr[size_t(i) * n + j]);
        float im = pair ? float(vr[size_t(i) * n + j + 1]) : 0.0f;
        v[int64_t(i) * n + j] = complex64_t(re, im);
        if (pair) v[int64_t(i) * n + j + 1] = complex64_t(re, -im);
      }
      if (pair) ++j;
    }
  }
}

void eig_complex(const array& in, std::vector<array>& out, bool vecs, const char* op) {
  array a = cpu::ensure_row_contiguous(in);
  int n;
  int batch = square_batch(a, n, op);
  std::vector<complex64_t> w(size_t(n) * n), vr(vecs ? size_t(n) * n : 1), vl(1);
  for (int b = 0; b < batch; ++b) {
    std::memcpy(w.data(), a.data<complex64_t>() + int64_t(b) * n * n, sizeof(complex64_t) * n * n);
    complex64_t* vals = out[0].data<complex64_t>() + int64_t(b) * n;
    int info = scipy_LAPACKE_cgeev(kRow, 'N', vecs ? 'V' : 'N', n,
                                   reinterpret_cast<cfloat*>(w.data()), n,
                                   reinterpret_cast<cfloat*>(vals),
                                   reinterpret_cast<cfloat*>(vl.data()), n,
                                   reinterpret_cast<cfloat*>(vr.data()), n);
    check(info, op, "The eigensolver did not converge.");
    if (vecs) {
      std::memcpy(out[1].data<complex64_t>() + int64_t(b) * n * n, vr.data(),
                  sizeof(complex64_t) * n * n);
    }
  }
}

// Hermitian input: real eigenvalues, unitary eigenvectors.
void eigh_complex(const array& in, std::vector<array>& out, bool vecs, bool upper,
                  const char* op) {
  array a = cpu::ensure_row_contiguous(in);
  int n;
  int batch = square_batch(a, n, op);
  std::vector<complex64_t> w(size_t(n) * n);
  for (int b = 0; b < batch; ++b) {
    std::memcpy(w.data(), a.data<complex64_t>() + int64_t(b) * n * n, sizeof(complex64_t) * n * n);
    int info = scipy_LAPACKE_cheevd(kRow, vecs ? 'V' : 'N', upper ? 'U' : 'L', n,
                                    reinterpret_cast<cfloat*>(w.data()), n,
                                    out[0].data<float>() + int64_t(b) * n);
    check(info, op, "The eigensolver did not converge.");
    if (vecs) {
      std::memcpy(out[1].data<complex64_t>() + int64_t(b) * n * n, w.data(),
                  sizeof(complex64_t) * n * n);
    }
  }
}

}  // namespace

namespace {

// The iterative LAPACK drivers (SVD, symmetric and general eigensolvers)
// may loop for a very long time, or corrupt memory, on NaN or infinity:
// such input is refused before the call.
bool iterative(Factorization::Kind k) {
  using K = Factorization;
  return k == K::SVD || k == K::SVDValues || k == K::Eigh || k == K::EigvalsH ||
         k == K::Eig || k == K::Eigvals;
}

void require_finite(const array& in, const char* op) {
  array a = cpu::ensure_row_contiguous(in);
  auto finite = [&](auto tag) {
    using T = decltype(tag);
    const T* p = reinterpret_cast<const T*>(a.data<char>());
    for (int64_t i = 0, n = a.size() * (a.dtype() == complex64 ? 2 : 1); i < n; ++i) {
      if (!std::isfinite(p[i])) return false;
    }
    return true;
  };
  bool ok = a.dtype() == float64 ? finite(double{}) : finite(float{});
  if (!ok) {
    throw ValueError(std::string("[") + op +
                     "] The matrix holds NaN or infinity, which the "
                     "decomposition cannot take.");
  }
}

}  // namespace

void Factorization::eval_cpu(const std::vector<array>& inputs,
                             std::vector<array>& outputs) {
  // LAPACKE's own NaN scan would turn NaN input into "illegal argument"
  // errors. The direct factorizations propagate NaN into their results, as
  // in MLX; the iterative ones get require_finite instead.
  static const bool nancheck_off = (scipy_LAPACKE_set_nancheck(0), true);
  (void)nancheck_off;
  Dtype t = inputs[0].dtype();
  if (iterative(kind_)) require_finite(inputs[0], name());
  // Of the iterative kinds, only the SVD has no complex kernel.
  if (t == complex64 && (!iterative(kind_) || kind_ == SVD || kind_ == SVDValues)) {
    throw std::runtime_error(std::string("[") + name() + "] complex64 is not supported.");
  }
  if (kind_ == Eig || kind_ == Eigvals || t == complex64) {
    for (auto& o : outputs) o.set_data(allocate(o.nbytes()));
    bool vecs = kind_ == Eig || kind_ == Eigh;
    if (kind_ == Eigh || kind_ == EigvalsH) {
      eigh_complex(inputs[0], outputs, vecs, upper_, name());
    } else if (t == complex64) {
      eig_complex(inputs[0], outputs, vecs, name());
    } else if (t == float64) {
      eig_real<double>(inputs[0], outputs, vecs, name());
    } else {
      eig_real<float>(inputs[0], outputs, vecs, name());
    }
    return;
  }
  if (inputs[0].dtype() == float64) {
    factor_typed<double>(kind_, upper_, name(), inputs, outputs);
  } else {
    factor_typed<float>(kind_, upper_, name(), inputs, outputs);
  }
}

}  // namespace ember
