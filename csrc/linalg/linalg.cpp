// Builders and transform rules of mx.linalg.
#include "linalg/linalg.h"

#include <cmath>

#include "core/errors.h"
#include "ops/replay.h"
#include "ops/arrange.h"
#include "ops/autodiff.h"
#include "ops/indexing.h"
#include "ops/scan.h"

namespace ember {

const char* Factorization::name() const {
  constexpr const char* names[] = {"Inv", "Cholesky", "QR", "SVD", "SVD", "Eigh",
                                   "Eigh", "LUFactor", "TriInv", "Solve",
                                   "SolveTriangular", "Eig", "Eig"};
  return names[kind_];
}

std::vector<Dtype> factorization_dtypes(int kind, Dtype t, size_t n_outputs) {
  std::vector<Dtype> d(n_outputs, t);
  if (kind == Factorization::LUFactor) d[1] = uint32;
  if (kind == Factorization::Eig || kind == Factorization::Eigvals) d.assign(n_outputs, complex64);
  // Hermitian eigenvalues are real.
  if ((kind == Factorization::Eigh || kind == Factorization::EigvalsH) && t == complex64) {
    d[0] = float32;
  }
  return d;
}

namespace linalg {

namespace {

// Floating input of at least two dims, and float32/float64 to compute in.
array checked(const array& a, const char* op, bool square, bool allow_complex = false) {
  if (a.ndim() < 2) {
    throw ValueError(std::string("[linalg::") + op +
                     "] Arrays must have at least two dimensions; got " +
                     shape_str(a.shape()) + ".");
  }
  if (square && a.shape()[a.ndim() - 1] != a.shape()[a.ndim() - 2]) {
    throw ValueError(std::string("[linalg::") + op + "] Matrices must be square; got " +
                     shape_str(a.shape()) + ".");
  }
  if (allow_complex && a.dtype() == complex64) return a;
  if (!is_floating(a.dtype())) {
    throw ValueError(std::string("[linalg::") + op + "] Arrays must be floating point; "
                     "got " + dtype_name(a.dtype()) + ".");
  }
  // Half types are factored in float32.
  return a.dtype() == float64 ? a : astype(a, float32);
}

Shape with_last(const array& a, std::initializer_list<int64_t> last, int drop = 2) {
  Shape s(a.shape().begin(), a.shape().end() - drop);
  s.insert(s.end(), last);
  return s;
}

std::vector<array> factor(const array& a, Factorization::Kind kind, bool upper,
                          std::vector<Shape> shapes, std::vector<Dtype> dtypes,
                          std::vector<array> extra, StreamOrDevice s) {
  std::vector<array> inputs{a};
  inputs.insert(inputs.end(), extra.begin(), extra.end());
  return array::make_arrays(std::move(shapes), std::move(dtypes),
                            std::make_shared<Factorization>(to_stream(s), kind, upper),
                            std::move(inputs));
}

array mT(const array& a, StreamOrDevice s) { return swapaxes(a, -1, -2, s); }

}  // namespace

array inv(const array& a_in, StreamOrDevice s) {
  array a = checked(a_in, "inv", true);
  return factor(a, Factorization::Inv, false, {a.shape()}, {a.dtype()}, {}, s)[0];
}

array tri_inv(const array& a_in, bool upper, StreamOrDevice s) {
  array a = checked(a_in, "tri_inv", true);
  return factor(a, Factorization::TriInv, upper, {a.shape()}, {a.dtype()}, {}, s)[0];
}

array cholesky(const array& a_in, bool upper, StreamOrDevice s) {
  array a = checked(a_in, "cholesky", true);
  return factor(a, Factorization::Cholesky, upper, {a.shape()}, {a.dtype()}, {}, s)[0];
}

array cholesky_inv(const array& l, bool upper, StreamOrDevice s) {
  // A = L L^T (or U^T U), so A^-1 = L^-T L^-1 (or U^-1 U^-T).
  array t = tri_inv(l, upper, s);
  return upper ? matmul(t, mT(t, s), s) : matmul(mT(t, s), t, s);
}

std::vector<array> qr(const array& a_in, StreamOrDevice s) {
  array a = checked(a_in, "qr", false);
  int64_t m = a.shape()[a.ndim() - 2], n = a.shape()[a.ndim() - 1], k = std::min(m, n);
  return factor(a, Factorization::QR, false, {with_last(a, {m, k}), with_last(a, {k, n})},
                {a.dtype(), a.dtype()}, {}, s);
}

std::vector<array> svd(const array& a_in, bool compute_uv, StreamOrDevice s) {
  array a = checked(a_in, "svd", false);
  int64_t m = a.shape()[a.ndim() - 2], n = a.shape()[a.ndim() - 1], k = std::min(m, n);
  if (!compute_uv) {
    return factor(a, Factorization::SVDValues, false, {with_last(a, {k})}, {a.dtype()},
                  {}, s);
  }
  return factor(a, Factorization::SVD, false,
                {with_last(a, {m, m}), with_last(a, {k}), with_last(a, {n, n})},
                {a.dtype(), a.dtype(), a.dtype()}, {}, s);
}

std::vector<array> eigh(const array& a_in, bool upper, StreamOrDevice s) {
  array a = checked(a_in, "eigh", true, true);
  int64_t n = a.shape().back();
  return factor(a, Factorization::Eigh, upper, {with_last(a, {n}), a.shape()},
                factorization_dtypes(Factorization::Eigh, a.dtype(), 2), {}, s);
}

std::vector<array> eig(const array& a_in, StreamOrDevice s) {
  array a = checked(a_in, "eig", true, true);
  int64_t n = a.shape().back();
  return factor(a, Factorization::Eig, false, {with_last(a, {n}), a.shape()},
                factorization_dtypes(Factorization::Eig, a.dtype(), 2), {}, s);
}

array eigvals(const array& a_in, StreamOrDevice s) {
  array a = checked(a_in, "eigvals", true, true);
  return factor(a, Factorization::Eigvals, false, {with_last(a, {a.shape().back()})},
                {complex64}, {}, s)[0];
}

array eigvalsh(const array& a_in, bool upper, StreamOrDevice s) {
  array a = checked(a_in, "eigvalsh", true, true);
  return factor(a, Factorization::EigvalsH, upper, {with_last(a, {a.shape().back()})},
                factorization_dtypes(Factorization::EigvalsH, a.dtype(), 1), {}, s)[0];
}

std::vector<array> lu_factor(const array& a_in, StreamOrDevice s) {
  array a = checked(a_in, "lu_factor", false);
  int64_t m = a.shape()[a.ndim() - 2], n = a.shape()[a.ndim() - 1];
  return factor(a, Factorization::LUFactor, false,
                {a.shape(), with_last(a, {std::min(m, n)})}, {a.dtype(), uint32}, {}, s);
}

std::vector<array> lu(const array& a_in, StreamOrDevice s) {
  array a = checked(a_in, "lu", false);
  auto f = lu_factor(a, s);
  const array& packed = f[0];
  int64_t m = a.shape()[a.ndim() - 2], n = a.shape().back(), k = std::min(m, n);
  auto block = [&](const array& x, int64_t rows, int64_t cols) {
    Shape st(x.ndim(), 0), en = x.shape(), step(x.ndim(), 1);
    en[x.ndim() - 2] = rows;
    en[x.ndim() - 1] = cols;
    return slice(x, st, en, step, s);
  };
  // L is m x k (unit diagonal), U is k x n.
  array l = add(tril(block(packed, m, k), -1, s), eye(m, k, 0, a.dtype(), s), s);
  array u = triu(block(packed, k, n), 0, s);
  // Row permutation from LAPACK's sequential swaps, as indices.
  array piv = astype(f[1], int32, s);
  array perm = broadcast_to(arange(0, m, 1, int32, s), with_last(a, {m}), s);
  for (int64_t i = 0; i < k; ++i) {
    Shape st(perm.ndim(), 0), en = perm.shape(), step(perm.ndim(), 1);
    st.back() = i;
    en.back() = i + 1;
    array pi = stop_gradient(slice(piv, st, en, step, s), s);  // (..., 1): swap i with pi
    array at_i = slice(perm, st, en, step, s);
    array at_p = take_along_axis(perm, pi, -1, s);
    perm = put_along_axis(put_along_axis(perm, pi, at_i, -1, s),
                          broadcast_to(array(static_cast<int32_t>(i)), pi.shape(), s),
                          at_p, -1, s);
  }
  // MLX's convention: L[P] @ U == A, so P is the inverse of the row order.
  return {argsort(perm, -1, s), l, u};
}

namespace {

// The right-hand side of the solvers: at least a vector (its rows are read
// by position), and real (a complex one would lose its imaginary part).
void require_real_rhs(const array& b, const char* op) {
  if (b.ndim() == 0) {
    throw ValueError(std::string("[linalg::") + op +
                     "] b must have at least one dimension.");
  }
  if (b.dtype() == complex64) {
    throw ValueError(std::string("[linalg::") + op +
                     "] Input arrays must be float32 or float64; got a complex64 "
                     "right-hand side.");
  }
}

}  // namespace

array solve(const array& a_in, const array& b_in, StreamOrDevice s) {
  array a = checked(a_in, "solve", true);
  require_real_rhs(b_in, "solve");
  Dtype t = promote_types(a.dtype(), b_in.dtype());
  if (!is_floating(t)) t = float32;
  a = astype(a, t, s);
  // A 1-D b is a vector too (numpy 2's rule), whatever the batch of a.
  bool vec = b_in.ndim() == a.ndim() - 1 || b_in.ndim() == 1;
  array b = astype(vec ? expand_dims(b_in, {-1}, s) : b_in, t, s);
  Shape batch = broadcast_shapes(Shape(a.shape().begin(), a.shape().end() - 2),
                                 Shape(b.shape().begin(), b.shape().end() - 2), "solve");
  int64_t n = a.shape().back();
  if (b.shape()[b.ndim() - 2] != n) {
    throw ValueError("[linalg::solve] b has " + std::to_string(b.shape()[b.ndim() - 2]) +
                     " rows for a matrix of size " + std::to_string(n) + ".");
  }
  Shape as = batch, bs = batch;
  as.insert(as.end(), {n, n});
  bs.insert(bs.end(), {n, b.shape().back()});
  a = broadcast_to(a, as, s);
  b = broadcast_to(b, bs, s);
  array x = factor(a, Factorization::Solve, false, {bs}, {t}, {b}, s)[0];
  return vec ? squeeze(x, {-1}, s) : x;
}

array solve_triangular(const array& a_in, const array& b_in, bool upper,
                       StreamOrDevice s) {
  array a = checked(a_in, "solve_triangular", true);
  require_real_rhs(b_in, "solve_triangular");
  Dtype t = a.dtype();
  // A 1-D b is a vector too (numpy 2's rule), whatever the batch of a.
  bool vec = b_in.ndim() == a.ndim() - 1 || b_in.ndim() == 1;
  array b = astype(vec ? expand_dims(b_in, {-1}, s) : b_in, t, s);
  Shape batch = broadcast_shapes(Shape(a.shape().begin(), a.shape().end() - 2),
                                 Shape(b.shape().begin(), b.shape().end() - 2),
                                 "solve_triangular");
  int64_t n = a.shape().back();
  Shape as = batch, bs = batch;
  as.insert(as.end(), {n, n});
  bs.insert(bs.end(), {n, b.shape().back()});
  array x = factor(broadcast_to(a, as, s), Factorization::SolveTriangular, upper, {bs},
                   {t}, {broadcast_to(b, bs, s)}, s)[0];
  return vec ? squeeze(x, {-1}, s) : x;
}

std::vector<array> slogdet(const array& a_in, StreamOrDevice s) {
  // Integer matrices have determinants too: compute them in float32.
  bool exact = is_integral(a_in.dtype()) || a_in.dtype() == bool_;
  array a = checked(exact ? astype(a_in, float32, s) : a_in, "slogdet", true);
  if (a.shape().back() == 0) {
    // The empty product: determinant 1.
    Shape batch(a.shape().begin(), a.shape().end() - 2);
    return {ones(batch, a.dtype(), s), zeros(batch, a.dtype(), s)};
  }
  auto f = lu_factor(a, s);
  array d = diagonal(f[0], 0, -2, -1, s);
  int64_t n = a.shape().back();
  // Each pivot that moved a row flips the sign once.
  array swaps = sum(astype(not_equal(astype(f[1], int64, s),
                                     arange(0, n, 1, int64, s), s), int32, s),
                    {-1}, false, s);
  array neg = sum(astype(less(d, zeros({}, d.dtype(), s), s), int32, s), {-1}, false, s);
  array parity = remainder(add(swaps, neg, s), array(2), s);
  array sign = subtract(array::scalar(1, a.dtype()),
                        multiply(array::scalar(2, a.dtype()), astype(parity, a.dtype(), s), s), s);
  array logabs = sum(log(abs(d, s), s), {-1}, false, s);
  array zero_det = any(equal(d, zeros({}, d.dtype(), s), s), {-1}, false, s);
  sign = where(zero_det, zeros({}, a.dtype(), s), sign, s);
  return {sign, logabs};
}

array det(const array& a, StreamOrDevice s) {
  auto sl = slogdet(a, s);
  return multiply(sl[0], exp(sl[1], s), s);
}

array pinv(const array& a_in, StreamOrDevice s) {
  array a = checked(a_in, "pinv", false);
  int64_t m = a.shape()[a.ndim() - 2], n = a.shape()[a.ndim() - 1], k = std::min(m, n);
  if (a.size() == 0) return zeros(with_last(a, {n, m}), a.dtype(), s);
  auto usv = svd(a, true, s);
  array sv = usv[1];
  double eps = a.dtype() == float64 ? 2.220446049250313e-16 : 1.1920929e-07;
  array cutoff = multiply(max(sv, {-1}, true, s),
                          array::scalar(eps * std::max(m, n), a.dtype()), s);
  array inv_s = where(greater(sv, cutoff, s), reciprocal(sv, s), zeros_like(sv, s), s);
  auto cols = [&](const array& x, int64_t c) {
    Shape st(x.ndim(), 0), en = x.shape(), step(x.ndim(), 1);
    en.back() = c;
    return slice(x, st, en, step, s);
  };
  array u = cols(usv[0], k);                       // (..., m, k)
  array vt = mT(cols(mT(usv[2], s), k), s);        // (..., k, n)
  return matmul(multiply(mT(vt, s), expand_dims(inv_s, {-2}, s), s), mT(u, s), s);
}

array cross(const array& a, const array& b, int64_t axis, StreamOrDevice s) {
  int ax = normalize_axis(axis, a.ndim(), "linalg::cross");
  if (b.ndim() != a.ndim()) {
    throw ValueError("[linalg::cross] Both inputs need the same number of "
                     "dimensions.");
  }
  for (const array* x : {&a, &b}) {
    if (x->shape()[ax] != 2 && x->shape()[ax] != 3) {
      throw ValueError("[linalg::cross] The specified axis must have size 2 "
                       "or 3.");
    }
  }
  // A 2-vector is a 3-vector in the plane z = 0, as in MLX.
  auto part = [&](const array& x, int64_t i) {
    if (i == 2 && x.shape()[ax] == 2) {
      Shape shape = x.shape();
      shape[ax] = 1;
      return zeros(shape, x.dtype(), s);
    }
    Shape st(x.ndim(), 0), en = x.shape(), step(x.ndim(), 1);
    st[ax] = i;
    en[ax] = i + 1;
    return slice(x, st, en, step, s);
  };
  array a0 = part(a, 0), a1 = part(a, 1), a2 = part(a, 2);
  array b0 = part(b, 0), b1 = part(b, 1), b2 = part(b, 2);
  return concatenate({subtract(multiply(a1, b2, s), multiply(a2, b1, s), s),
                      subtract(multiply(a2, b0, s), multiply(a0, b2, s), s),
                      subtract(multiply(a0, b1, s), multiply(a1, b0, s), s)},
                     ax, s);
}

array norm(const array& a_in, const NormOrd& ord, const std::optional<Axes>& axes,
           bool keepdims, StreamOrDevice s) {
  Dtype t = is_inexact(a_in.dtype()) ? a_in.dtype() : float32;
  array a = astype(a_in, t, s);
  array mag = is_complex(t) ? abs(a, s) : abs(a, s);
  if (std::holds_alternative<std::monostate>(ord)) {
    Axes ax = axes.value_or(all_axes(a));
    return sqrt(sum(square(mag, s), ax, keepdims, s), s);
  }
  if (!axes && a.ndim() > 2) {
    throw ValueError("[linalg::norm] Received too many axes for norm: give "
                     "axis for an input with more than two dimensions.");
  }
  Axes ax = axes.value_or(a.ndim() == 1 ? Axes{0} : Axes{-2, -1});
  if (ax.size() == 1) {
    if (!std::holds_alternative<double>(ord)) {
      throw ValueError("[linalg::norm] String orders need two axes.");
    }
    double p = std::get<double>(ord);
    if (std::isinf(p)) return p > 0 ? max(mag, ax, keepdims, s) : min(mag, ax, keepdims, s);
    if (p == 0) return sum(astype(not_equal(mag, zeros({}, mag.dtype(), s), s), mag.dtype(), s),
                           ax, keepdims, s);
    if (p == 1) return sum(mag, ax, keepdims, s);
    if (p == 2) return sqrt(sum(square(mag, s), ax, keepdims, s), s);
    array pw = power(mag, array::scalar(p, mag.dtype()), s);
    return power(sum(pw, ax, keepdims, s), array::scalar(1.0 / p, mag.dtype()), s);
  }
  if (ax.size() != 2) throw ValueError("[linalg::norm] Give one or two axes.");
  int r = normalize_axis(ax[0], a.ndim(), "linalg::norm");
  int c = normalize_axis(ax[1], a.ndim(), "linalg::norm");
  if (std::holds_alternative<std::string>(ord)) {
    const std::string& o = std::get<std::string>(ord);
    if (o == "fro") return sqrt(sum(square(mag, s), ax, keepdims, s), s);
    if (o == "nuc") {
      array x = moveaxis(moveaxis(a, r, -2, s), c > r ? c : c + 1, -1, s);
      array sv = svd(x, false, s)[0];
      array out = sum(sv, {-1}, false, s);
      if (keepdims) out = expand_dims(out, {std::min(r, c), std::max(r, c)}, s);
      return out;
    }
    throw ValueError("[linalg::norm] Unknown norm '" + o + "'.");
  }
  double p = std::get<double>(ord);
  if (p == 1 || p == -1 || std::isinf(p)) {
    // Max/min column sum (ord 1) or row sum (ord inf).
    int sum_axis = (p == 1 || p == -1) ? r : c;
    int other = sum_axis == r ? c : r;
    array sums = sum(mag, {sum_axis}, true, s);
    bool want_max = p > 0;
    array out = want_max ? max(sums, {other}, true, s) : min(sums, {other}, true, s);
    return keepdims ? out : squeeze(out, {r, c}, s);
  }
  if (p == 2 || p == -2) {
    array x = moveaxis(moveaxis(a, r, -2, s), c > r ? c : c + 1, -1, s);
    array sv = svd(x, false, s)[0];
    array out = p > 0 ? max(sv, {-1}, false, s) : min(sv, {-1}, false, s);
    if (keepdims) out = expand_dims(out, {std::min(r, c), std::max(r, c)}, s);
    return out;
  }
  throw ValueError("[linalg::norm] Unsupported matrix norm order.");
}

}  // namespace linalg

// ---- transform rules

std::vector<array> Factorization::vjp(const std::vector<array>& primals,
                                      const std::vector<array>& cotangents,
                                      const std::vector<int>& argnums,
                                      const std::vector<array>& outputs) {
  Stream s = stream();
  if (kind_ == Inv) {
    // d(A^-1) = -A^-1 dA A^-1, so the pullback is -A^-T G A^-T.
    array ai = outputs[0];
    array at = swapaxes(ai, -1, -2, s);
    return {negative(matmul(matmul(at, cotangents[0], s), at, s), s)};
  }
  if (kind_ == Solve) {
    // x = A^-1 b: db = A^-T g, dA = -db x^T.
    array db = linalg::solve(swapaxes(primals[0], -1, -2, s), cotangents[0], s);
    std::vector<array> grads;
    for (int i : argnums) {
      grads.push_back(i == 1 ? db
                             : negative(matmul(db, swapaxes(outputs[0], -1, -2, s), s), s));
    }
    return grads;
  }
  if (kind_ == EigvalsH) {
    // dA = V diag(g_w) V^T.
    array v = linalg::eigh(primals[0], upper_, s)[1];
    array g = matmul(multiply(v, expand_dims(cotangents[0], {-2}, s), s),
                     swapaxes(v, -1, -2, s), s);
    return {g};
  }
  if (kind_ == Eigh) {
    // dA = V (diag(g_w) + F o (V^T g_V)) V^T with F_ij = 1 / (w_j - w_i).
    array w = outputs[0], v = outputs[1];
    if (!w.valid() || !v.valid()) {
      // A dropped output (only the eigenvalues were kept): recompute both.
      auto wv = linalg::eigh(primals[0], upper_, s);
      w = wv[0];
      v = wv[1];
    }
    array gw = cotangents[0], gv = cotangents[1];
    int64_t n = w.shape().back();
    array diff = subtract(expand_dims(w, {-2}, s), expand_dims(w, {-1}, s), s);
    array eye_n = eye(n, n, 0, w.dtype(), s);
    array f = where(astype(eye_n, bool_, s), zeros_like(diff, s),
                    reciprocal(add(diff, eye_n, s), s), s);
    array vt = swapaxes(v, -1, -2, s);
    array inner = add(multiply(expand_dims(gw, {-2}, s), eye_n, s),
                      multiply(f, matmul(vt, gv, s), s), s);
    array g = matmul(matmul(v, inner, s), vt, s);
    // The input is read as symmetric: symmetrize the gradient.
    return {multiply(add(g, swapaxes(g, -1, -2, s), s), array::scalar(0.5, g.dtype()), s)};
  }
  return Primitive::vjp(primals, cotangents, argnums, outputs);
}

std::vector<array> Factorization::jvp(const std::vector<array>& primals,
                                      const std::vector<array>& tangents,
                                      const std::vector<int>& argnums) {
  Stream s = stream();
  if (kind_ == Inv) {
    array ai = linalg::inv(primals[0], s);
    return {negative(matmul(matmul(ai, tangents[0], s), ai, s), s)};
  }
  if (kind_ == Solve) {
    // dx = A^-1 (db - dA x).
    const array& a = primals[0];
    array x = linalg::solve(a, primals[1], s);
    array rhs = zeros_like(x, s);
    for (size_t k = 0; k < argnums.size(); ++k) {
      rhs = argnums[k] == 1 ? add(rhs, tangents[k], s)
                            : subtract(rhs, matmul(tangents[k], x, s), s);
    }
    return {linalg::solve(a, rhs, s)};
  }
  if (kind_ == EigvalsH) {
    // dw_i = v_i^T dA v_i.
    array v = linalg::eigh(primals[0], upper_, s)[1];
    array dv = matmul(tangents[0], v, s);
    return {sum(multiply(v, dv, s), {-2}, false, s)};
  }
  if (kind_ == Eigh) {
    // With P = V^T dA V: dw = diag(P), dV = V (F o P), F_ij = 1 / (w_j - w_i).
    auto wv = linalg::eigh(primals[0], upper_, s);
    array w = wv[0], v = wv[1];
    array vt = swapaxes(v, -1, -2, s);
    array p = matmul(matmul(vt, tangents[0], s), v, s);
    int64_t n = w.shape().back();
    array eye_n = eye(n, n, 0, w.dtype(), s);
    array diff = subtract(expand_dims(w, {-2}, s), expand_dims(w, {-1}, s), s);
    array f = where(astype(eye_n, bool_, s), zeros_like(diff, s),
                    reciprocal(add(diff, eye_n, s), s), s);
    array dw = sum(multiply(p, eye_n, s), {-1}, false, s);
    return {dw, matmul(v, multiply(f, p, s), s)};
  }
  return Primitive::jvp(primals, tangents, argnums);
}

std::pair<std::vector<array>, std::vector<int>> Factorization::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  // Every kind batches over leading dimensions: move the batch axis first.
  int64_t n = batch_size(inputs, axes);
  std::vector<array> in;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const array& x = inputs[i];
    if (axes[i] >= 0) {
      in.push_back(moveaxis(x, axes[i], 0, stream()));
    } else {
      Shape sh = x.shape();
      sh.insert(sh.begin(), n);
      in.push_back(broadcast_to(expand_dims(x, {0}, stream()), sh, stream()));
    }
  }
  std::vector<Shape> shapes;
  std::vector<Dtype> dtypes;
  // Output shapes follow from running the kind on the batched input.
  array a = in[0];
  int64_t m = a.shape()[a.ndim() - 2], nn = a.shape()[a.ndim() - 1];
  int64_t k = std::min(m, nn);
  Shape lead(a.shape().begin(), a.shape().end() - 2);
  auto sh = [&](std::initializer_list<int64_t> last) {
    Shape r = lead;
    r.insert(r.end(), last);
    return r;
  };
  switch (kind_) {
    case QR: shapes = {sh({m, k}), sh({k, nn})}; break;
    case SVD: shapes = {sh({m, m}), sh({k}), sh({nn, nn})}; break;
    case SVDValues: shapes = {sh({k})}; break;
    case Eig:
    case Eigh: shapes = {sh({nn}), a.shape()}; break;
    case Eigvals:
    case EigvalsH: shapes = {sh({nn})}; break;
    case LUFactor: shapes = {a.shape(), sh({k})}; break;
    case Solve:
    case SolveTriangular: shapes = {in[1].shape()}; break;
    default: shapes = {a.shape()};
  }
  dtypes = factorization_dtypes(kind_, a.dtype(), shapes.size());
  auto outs = array::make_arrays(shapes, dtypes,
                                 std::make_shared<Factorization>(stream(), kind_, upper_),
                                 in);
  return {outs, std::vector<int>(outs.size(), 0)};
}

}  // namespace ember

// ---- export

namespace ember {

void Factorization::save(Writer& w) const {
  w.str("Factorization");
  w.i64(kind_);
  w.flag(upper_);
}

bool load_linalg(const std::string& tag, Reader& r, const ReplayNode& node,
                 std::vector<array>& out) {
  if (tag != "Factorization") return false;
  auto kind = static_cast<Factorization::Kind>(r.bounded(0, Factorization::Eigvals));
  bool upper = r.flag();
  out = node.make(std::make_shared<Factorization>(node.stream, kind, upper));
  return true;
}

}  // namespace ember
