// mx.linalg bindings.
#include <nanobind/stl/string.h>

#include "bindings/args.h"
#include "core/errors.h"
#include "linalg/linalg.h"

namespace ember::py {

namespace {

bool upper_from(const std::string& uplo) {
  if (uplo != "L" && uplo != "U") {
    throw ValueError("[linalg::eigh] UPLO must be 'L' or 'U'.");
  }
  return uplo == "U";
}

}  // namespace

void init_linalg(nb::module_& parent) {
  auto m = parent.def_submodule("linalg", "Linear algebra through LAPACK.");
#define ARGS nb::kw_only(), "stream"_a.none() = nb::none()
  def_op(m, "inv", [](const array& a, StreamArg s) { return linalg::inv(a, to_sod(s)); },
        "a"_a, ARGS,
        "Inverse of square matrices.\n\n"
        "Inputs with more than two axes are batches of matrices in the "
        "last two axes.\n\n"
        "Args:\n"
        "    a (array): Floating point matrices, of shape ``(..., n, n)``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The inverses, with the shape of ``a``.");
  def_op(m, "tri_inv",
        [](const array& a, bool upper, StreamArg s) {
          return linalg::tri_inv(a, upper, to_sod(s));
        },
        "a"_a, "upper"_a = false, ARGS,
        "Inverse of triangular matrices.\n\n"
        "Only the selected triangle of ``a`` is read.\n\n"
        "Args:\n"
        "    a (array): Triangular matrices, of shape ``(..., n, n)``.\n"
        "    upper (bool, optional): Whether the matrices are upper (rather "
        "than lower) triangular. Default: ``False``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The inverses, triangular like ``a``.");
  def_op(m, "cholesky",
        [](const array& a, bool upper, StreamArg s) {
          return linalg::cholesky(a, upper, to_sod(s));
        },
        "a"_a, "upper"_a = false, ARGS,
        "Cholesky factorization of symmetric positive definite matrices.\n\n"
        "Finds the triangular ``L`` with ``a = L @ L.T`` (or the upper "
        "``U`` with ``a = U.T @ U``). Only one triangle of ``a`` is "
        "read; symmetry is not checked.\n\n"
        "Args:\n"
        "    a (array): Matrices, of shape ``(..., n, n)``.\n"
        "    upper (bool, optional): Return the upper triangular factor "
        "instead of the lower. Default: ``False``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The triangular factors, with the shape of ``a``.");
  def_op(m, "cholesky_inv",
        [](const array& a, bool upper, StreamArg s) {
          return linalg::cholesky_inv(a, upper, to_sod(s));
        },
        "a"_a, "upper"_a = false, ARGS,
        "Inverse of a symmetric positive definite matrix from its Cholesky "
        "factor.\n\n"
        "Given ``L`` from :func:`cholesky` (``A = L @ L.T``), computes "
        "the inverse of ``A``.\n\n"
        "Args:\n"
        "    a (array): The Cholesky factors, of shape ``(..., n, n)`` (not "
        "``A`` itself).\n"
        "    upper (bool, optional): Whether the factors are upper "
        "triangular (``A = U.T @ U``). Default: ``False``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The inverses of ``A``.");
  def_op(m, "qr", [](const array& a, StreamArg s) { return tuple_of(linalg::qr(a, to_sod(s))); },
        "a"_a, ARGS,
        "QR factorization of matrices, in reduced form.\n\n"
        "Args:\n"
        "    a (array): Matrices, of shape ``(..., m, n)``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    tuple(array, array): ``Q`` with orthonormal columns, of shape "
        "``(..., m, k)``, and upper triangular ``R``, of shape "
        "``(..., k, n)``, where ``k = min(m, n)`` and ``Q @ R = a``.");
  def_op(m, "svd",
        [](const array& a, bool compute_uv, StreamArg s) -> nb::object {
          auto r = linalg::svd(a, compute_uv, to_sod(s));
          if (!compute_uv) return nb::cast(r[0]);
          return tuple_of(r);
        },
        "a"_a, "compute_uv"_a = true, ARGS,
        "Singular value decomposition of matrices.\n\n"
        "Args:\n"
        "    a (array): Matrices, of shape ``(..., m, n)``.\n"
        "    compute_uv (bool, optional): Also compute the singular "
        "vectors. Default: ``True``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    tuple(array, array, array) or array: ``(U, S, Vt)`` with full "
        "square ``U`` ``(..., m, m)`` and ``Vt`` ``(..., n, n)`` and the "
        "singular values ``S`` in descending order, so that "
        "``a = U[..., :k] @ diag(S) @ Vt[..., :k, :]``; only ``S`` when "
        "``compute_uv`` is false.");
  def_op(m, "eigh",
        [](const array& a, const std::string& uplo, StreamArg s) {
          return tuple_of(linalg::eigh(a, upper_from(uplo), to_sod(s)));
        },
        "a"_a, "UPLO"_a = "L", ARGS,
        "Eigenvalues and eigenvectors of real symmetric (or complex "
        "Hermitian) matrices.\n\n"
        "Only one triangle of ``a`` is read; symmetry is not checked.\n\n"
        "Args:\n"
        "    a (array): Matrices, of shape ``(..., n, n)``.\n"
        "    UPLO (str, optional): Read the lower (``\"L\"``) or upper "
        "(``\"U\"``) triangle. Default: ``\"L\"``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    tuple(array, array): The eigenvalues in ascending order and "
        "the normalized eigenvectors, as columns: ``v[..., :, i]`` goes "
        "with ``w[..., i]``.");
  def_op(m, "eigvalsh",
        [](const array& a, const std::string& uplo, StreamArg s) {
          return linalg::eigvalsh(a, upper_from(uplo), to_sod(s));
        },
        "a"_a, "UPLO"_a = "L", ARGS,
        "Eigenvalues of real symmetric (or complex Hermitian) matrices.\n\n"
        "Args:\n"
        "    a (array): Matrices, of shape ``(..., n, n)``.\n"
        "    UPLO (str, optional): Read the lower (``\"L\"``) or upper "
        "(``\"U\"``) triangle. Default: ``\"L\"``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The real eigenvalues in ascending order, of shape "
        "``(..., n)``.");
  def_op(m, "eig", [](const array& a, StreamArg s) { return tuple_of(linalg::eig(a, to_sod(s))); },
        "a"_a, ARGS,
        "Eigenvalues and right eigenvectors of general square matrices.\n\n"
        "The results are complex even when the eigenvalues are real.\n\n"
        "Args:\n"
        "    a (array): Matrices, of shape ``(..., n, n)``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    tuple(array, array): The eigenvalues ``w`` and the normalized "
        "eigenvectors ``v`` (complex64), with ``v[..., :, i]`` going with "
        "``w[..., i]``.");
  def_op(m, "eigvals", [](const array& a, StreamArg s) { return linalg::eigvals(a, to_sod(s)); },
        "a"_a, ARGS,
        "Eigenvalues of general square matrices.\n\n"
        "Args:\n"
        "    a (array): Matrices, of shape ``(..., n, n)``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The eigenvalues (complex64), of shape ``(..., n)``.");
  def_op(m, "lu_factor",
        [](const array& a, StreamArg s) { return tuple_of(linalg::lu_factor(a, to_sod(s))); },
        "a"_a, ARGS,
        "LU factorization with partial pivoting, in compact form.\n\n"
        "Args:\n"
        "    a (array): Matrices, of shape ``(..., m, n)``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    tuple(array, array): ``LU``, holding ``U`` in its upper "
        "triangle and the unit lower triangular ``L`` (without its "
        "diagonal) below it, and the pivots (uint32): row ``i`` was "
        "swapped with row ``pivots[i]``, in order.");
  def_op(m, "lu", [](const array& a, StreamArg s) { return tuple_of(linalg::lu(a, to_sod(s))); },
        "a"_a, ARGS,
        "LU factorization with partial pivoting.\n\n"
        "The permutation is returned as row indices rather than a matrix: "
        "``a = L[p] @ U`` for a single matrix, and "
        "``take_along_axis(L, p[..., None], axis=-2) @ U`` for a batch.\n\n"
        "Args:\n"
        "    a (array): Matrices, of shape ``(..., m, n)``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    tuple(array, array, array): ``p`` (uint32 row indices), the "
        "unit lower triangular ``L`` and the upper triangular ``U``.");
  def_op(m, "solve",
        [](const array& a, const array& b, StreamArg s) {
          return linalg::solve(a, b, to_sod(s));
        },
        "a"_a, "b"_a, ARGS,
        "Solve the linear system ``a @ x = b``.\n\n"
        "Args:\n"
        "    a (array): Square, invertible matrices, of shape "
        "``(..., n, n)``.\n"
        "    b (array): The right-hand side: a vector ``(..., n)`` or "
        "matrices ``(..., n, k)``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The solution ``x``, shaped like ``b``.");
  def_op(m, "solve_triangular",
        [](const array& a, const array& b, bool upper, StreamArg s) {
          return linalg::solve_triangular(a, b, upper, to_sod(s));
        },
        "a"_a, "b"_a, nb::kw_only(), "upper"_a = false, "stream"_a.none() = nb::none(),
        "Solve the linear system ``a @ x = b`` for triangular ``a``.\n\n"
        "Only the selected triangle of ``a`` is read.\n\n"
        "Args:\n"
        "    a (array): Triangular matrices, of shape ``(..., n, n)``.\n"
        "    b (array): The right-hand side: a vector ``(..., n)`` or "
        "matrices ``(..., n, k)``.\n"
        "    upper (bool, optional): Whether ``a`` is upper (rather than "
        "lower) triangular. Default: ``False``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The solution ``x``, shaped like ``b``.");
  def_op(m, "det", [](const array& a, StreamArg s) { return linalg::det(a, to_sod(s)); },
        "a"_a, ARGS,
        "Determinant of square matrices.\n\n"
        "Args:\n"
        "    a (array): Matrices, of shape ``(..., n, n)``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The determinants, of shape ``a.shape[:-2]``.");
  def_op(m, "slogdet",
        [](const array& a, StreamArg s) { return tuple_of(linalg::slogdet(a, to_sod(s))); },
        "a"_a, ARGS,
        "Sign and log-magnitude of the determinant of square matrices.\n\n"
        "More robust than :func:`det` for large matrices, whose "
        "determinant may overflow or underflow: ``det = sign * "
        "exp(logabsdet)``. A singular matrix gives sign 0 and "
        "``-inf``.\n\n"
        "Args:\n"
        "    a (array): Matrices, of shape ``(..., n, n)``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    tuple(array, array): The signs and the logs of the absolute "
        "values of the determinants.");
  def_op(m, "pinv", [](const array& a, StreamArg s) { return linalg::pinv(a, to_sod(s)); },
        "a"_a, ARGS,
        "Moore-Penrose pseudo-inverse of matrices, computed from the SVD.\n\n"
        "Args:\n"
        "    a (array): Matrices, of shape ``(..., m, n)``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The pseudo-inverses ``p``, of shape ``(..., n, m)``, with "
        "``a @ p @ a = a``.");
  def_op(m, "cross",
        [](const array& a, const array& b, int64_t axis, StreamArg s) {
          return linalg::cross(a, b, axis, to_sod(s));
        },
        "a"_a, "b"_a, "axis"_a = -1, ARGS,
        "Cross product of vectors along an axis.\n\n"
        "The vectors have 2 or 3 components; a 2-vector is treated as a "
        "3-vector with a zero third component. The other axes broadcast."
        "\n\n"
        "Args:\n"
        "    a (array): First input.\n"
        "    b (array): Second input.\n"
        "    axis (int, optional): The axis holding the vectors. Default: "
        "``-1``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The cross products, with 3 components along ``axis``.");
  def_op(m, "norm",
        [](const array& a, nb::handle ord, IntsArg axis, bool keepdims, StreamArg s) {
          linalg::NormOrd o;
          if (PyUnicode_Check(ord.ptr())) o = nb::cast<std::string>(ord);
          else if (!ord.is_none()) o = nb::cast<double>(ord);
          std::optional<Axes> ax;
          if (PyLong_Check(axis.ptr())) ax = Axes{nb::cast<int64_t>(axis)};
          else if (!axis.is_none()) ax = nb::cast<Axes>(axis);
          return linalg::norm(a, o, ax, keepdims, to_sod(s));
        },
        "a"_a, "ord"_a.none() = nb::none(), "axis"_a.none() = nb::none(),
        "keepdims"_a = false, ARGS,
        "Vector or matrix norm.\n\n"
        "An integer ``axis`` (or a 1-D input) gives vector norms; a pair "
        "of axes (or a 2-D input) gives matrix norms. With neither "
        "``ord`` nor ``axis``, the 2-norm of the flattened input is "
        "returned.\n\n"
        "Vector ``ord``: ``None`` or 2 (Euclidean), any number ``p`` "
        "(``sum(abs(x)**p)**(1/p)``), ``inf`` (largest magnitude), "
        "``-inf`` (smallest), 0 (count of nonzeros). Matrix ``ord``: "
        "``None`` or ``\"fro\"`` (Frobenius), ``\"nuc\"`` (sum of singular "
        "values), ``inf`` / ``-inf`` (largest / smallest row sum of "
        "magnitudes), 1 / -1 (largest / smallest column sum), 2 / -2 "
        "(largest / smallest singular value).\n\n"
        "Args:\n"
        "    a (array): Input array.\n"
        "    ord (int, float or str, optional): The kind of norm. Default: "
        "``None``.\n"
        "    axis (int or list(int), optional): One axis for vector norms, "
        "two for matrix norms. By default all axes of a 1-D or 2-D input."
        "\n"
        "    keepdims (bool, optional): Whether to keep the reduced axes as "
        "axes of size one. Default: ``False``.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The norms.");
#undef ARGS
  parent.attr("matrix_norm") = m.attr("norm");  // MLX lists this alias at top level
}

}  // namespace ember::py
