// mx.linalg: factorizations through LAPACK (OpenBLAS), batched over the
// leading dimensions, and the functions composed from them. Kernels:
// backend/cpu/linalg.cpp.
#pragma once
#include <optional>
#include <string>
#include <variant>

#include "core/primitive.h"
#include "ops/ops.h"

namespace ember {

class Factorization;
// Output dtypes of a factorization of an input of dtype t.
std::vector<Dtype> factorization_dtypes(int kind, Dtype t, size_t n_outputs);

class Factorization : public Primitive {
 public:
  enum Kind { Inv, Cholesky, QR, SVD, SVDValues, Eigh, EigvalsH, LUFactor, TriInv,
              Solve, SolveTriangular, Eig, Eigvals };
  // `upper`: Cholesky/TriInv/SolveTriangular triangle, or Eigh's UPLO == 'U'.
  Factorization(Stream s, Kind kind, bool upper = false)
      : Primitive(s), kind_(kind), upper_(upper) {}
  void eval_cpu(const std::vector<array>& inputs,
                std::vector<array>& outputs) override;
  const char* name() const override;
  EMBER_SAVE_RULE
  bool is_equivalent(const Primitive& o) const override {
    auto* p = dynamic_cast<const Factorization*>(&o);
    return p && p->kind_ == kind_ && p->upper_ == upper_;
  }
  EMBER_TRANSFORM_RULES

 private:
  Kind kind_;
  bool upper_;
};

namespace linalg {

array inv(const array& a, StreamOrDevice s = {});
array tri_inv(const array& a, bool upper, StreamOrDevice s = {});
array cholesky(const array& a, bool upper, StreamOrDevice s = {});
array cholesky_inv(const array& a, bool upper, StreamOrDevice s = {});
std::vector<array> qr(const array& a, StreamOrDevice s = {});
std::vector<array> svd(const array& a, bool compute_uv, StreamOrDevice s = {});
std::vector<array> eigh(const array& a, bool upper, StreamOrDevice s = {});
// General (non-symmetric) eigen decomposition: complex64 values and vectors.
std::vector<array> eig(const array& a, StreamOrDevice s = {});
array eigvals(const array& a, StreamOrDevice s = {});
array eigvalsh(const array& a, bool upper, StreamOrDevice s = {});
std::vector<array> lu_factor(const array& a, StreamOrDevice s = {});
std::vector<array> lu(const array& a, StreamOrDevice s = {});
array solve(const array& a, const array& b, StreamOrDevice s = {});
array solve_triangular(const array& a, const array& b, bool upper,
                       StreamOrDevice s = {});
array det(const array& a, StreamOrDevice s = {});
std::vector<array> slogdet(const array& a, StreamOrDevice s = {});
array pinv(const array& a, StreamOrDevice s = {});
array cross(const array& a, const array& b, int64_t axis, StreamOrDevice s = {});
// ord: none, a number, or "fro" / "nuc".
using NormOrd = std::variant<std::monostate, double, std::string>;
array norm(const array& a, const NormOrd& ord, const std::optional<Axes>& axes,
           bool keepdims, StreamOrDevice s = {});

}  // namespace linalg
}  // namespace ember
