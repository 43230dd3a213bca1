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
  m.def("inv", [](const array& a, StreamArg s) { return linalg::inv(a, to_sod(s)); },
        "a"_a, ARGS, "Inverse of square matrices.");
  m.def("tri_inv",
        [](const array& a, bool upper, StreamArg s) {
          return linalg::tri_inv(a, upper, to_sod(s));
        },
        "a"_a, "upper"_a = false, ARGS, "Inverse of triangular matrices.");
  m.def("cholesky",
        [](const array& a, bool upper, StreamArg s) {
          return linalg::cholesky(a, upper, to_sod(s));
        },
        "a"_a, "upper"_a = false, ARGS, "Cholesky factor of positive definite matrices.");
  m.def("cholesky_inv",
        [](const array& a, bool upper, StreamArg s) {
          return linalg::cholesky_inv(a, upper, to_sod(s));
        },
        "a"_a, "upper"_a = false, ARGS,
        "Inverse of a matrix given its Cholesky factor.");
  m.def("qr", [](const array& a, StreamArg s) { return tuple_of(linalg::qr(a, to_sod(s))); },
        "a"_a, ARGS, "Reduced QR factorization.");
  m.def("svd",
        [](const array& a, bool compute_uv, StreamArg s) -> nb::object {
          auto r = linalg::svd(a, compute_uv, to_sod(s));
          if (!compute_uv) return nb::cast(r[0]);
          return tuple_of(r);
        },
        "a"_a, "compute_uv"_a = true, ARGS, "Singular value decomposition (full U, Vt).");
  m.def("eigh",
        [](const array& a, const std::string& uplo, StreamArg s) {
          return tuple_of(linalg::eigh(a, upper_from(uplo), to_sod(s)));
        },
        "a"_a, "UPLO"_a = "L", ARGS, "Eigenvalues and vectors of symmetric matrices.");
  m.def("eigvalsh",
        [](const array& a, const std::string& uplo, StreamArg s) {
          return linalg::eigvalsh(a, upper_from(uplo), to_sod(s));
        },
        "a"_a, "UPLO"_a = "L", ARGS, "Eigenvalues of symmetric matrices.");
  m.def("eig", [](const array& a, StreamArg s) { return tuple_of(linalg::eig(a, to_sod(s))); },
        "a"_a, ARGS, "Eigenvalues and right eigenvectors of general square matrices "
        "(complex64).");
  m.def("eigvals", [](const array& a, StreamArg s) { return linalg::eigvals(a, to_sod(s)); },
        "a"_a, ARGS, "Eigenvalues of general square matrices (complex64).");
  m.def("lu_factor",
        [](const array& a, StreamArg s) { return tuple_of(linalg::lu_factor(a, to_sod(s))); },
        "a"_a, ARGS, "Packed LU factors and pivot indices.");
  m.def("lu", [](const array& a, StreamArg s) { return tuple_of(linalg::lu(a, to_sod(s))); },
        "a"_a, ARGS, "Row permutation, L and U with A[p] = L @ U.");
  m.def("solve",
        [](const array& a, const array& b, StreamArg s) {
          return linalg::solve(a, b, to_sod(s));
        },
        "a"_a, "b"_a, ARGS, "Solve a @ x = b.");
  m.def("solve_triangular",
        [](const array& a, const array& b, bool upper, StreamArg s) {
          return linalg::solve_triangular(a, b, upper, to_sod(s));
        },
        "a"_a, "b"_a, nb::kw_only(), "upper"_a = false, "stream"_a.none() = nb::none(),
        "Solve a @ x = b for triangular a.");
  m.def("det", [](const array& a, StreamArg s) { return linalg::det(a, to_sod(s)); },
        "a"_a, ARGS, "Determinant.");
  m.def("slogdet",
        [](const array& a, StreamArg s) { return tuple_of(linalg::slogdet(a, to_sod(s))); },
        "a"_a, ARGS, "Sign and log of the absolute value of the determinant.");
  m.def("pinv", [](const array& a, StreamArg s) { return linalg::pinv(a, to_sod(s)); },
        "a"_a, ARGS, "Moore-Penrose pseudo-inverse.");
  m.def("cross",
        [](const array& a, const array& b, int64_t axis, StreamArg s) {
          return linalg::cross(a, b, axis, to_sod(s));
        },
        "a"_a, "b"_a, "axis"_a = -1, ARGS, "Cross product of 3-vectors.");
  m.def("norm",
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
        "keepdims"_a = false, ARGS, "Vector and matrix norms.");
#undef ARGS
  parent.attr("matrix_norm") = m.attr("norm");  // MLX lists this alias at top level
}

}  // namespace ember::py
