// Ops that rearrange or combine arrays, composed from the primitive
// families (no primitives of their own, so transforms come for free).
#pragma once
#include <string>

#include "ops/ops.h"

namespace ember {

array repeat(const array& a, int64_t repeats, std::optional<int64_t> axis,
             StreamOrDevice s = {});
array tile(const array& a, Shape reps, StreamOrDevice s = {});
array flip(const array& a, const std::optional<Axes>& axes, StreamOrDevice s = {});
array roll(const array& a, const Shape& shifts, const std::optional<Axes>& axes,
           StreamOrDevice s = {});
array tril(const array& x, int64_t k, StreamOrDevice s = {});
array triu(const array& x, int64_t k, StreamOrDevice s = {});
array diagonal(const array& a, int64_t offset, int64_t axis1, int64_t axis2,
               StreamOrDevice s = {});
array diag(const array& a, int64_t k, StreamOrDevice s = {});
array trace(const array& a, int64_t offset, int64_t axis1, int64_t axis2,
            std::optional<Dtype> dtype, StreamOrDevice s = {});
array atleast(const array& a, int ndim, StreamOrDevice s = {});
std::vector<array> unstack(const array& a, int64_t axis, StreamOrDevice s = {});
array nan_to_num(const array& a, double nan, std::optional<double> posinf,
                 std::optional<double> neginf, StreamOrDevice s = {});
array count_nonzero(const array& a, const Axes& axes, bool keepdims,
                    StreamOrDevice s = {});
array diff(const array& a, int64_t n, int64_t axis, StreamOrDevice s = {});
// mode: "constant", "edge", "reflect" or "symmetric".
array pad(const array& a, const std::vector<std::pair<int64_t, int64_t>>& widths,
          const std::string& mode, const array& value, StreamOrDevice s = {});

// mx.slice / mx.slice_update with the start given as an array.
array slice_dynamic(const array& a, const array& start, const Axes& axes,
                    const Shape& sizes, StreamOrDevice s = {});
array slice_update_dynamic(const array& a, const array& update, const array& start,
                           const Axes& axes, StreamOrDevice s = {});
// hanning, hamming, blackman or bartlett window of M points (float32).
array window(const std::string& kind, int64_t m, StreamOrDevice s = {});
std::vector<array> meshgrid(const std::vector<array>& arrays, bool sparse,
                            const std::string& indexing, StreamOrDevice s = {});
// Insertion indices of values into the 1-D sorted array.
// Products built on matmul.
array addmm(const array& c, const array& a, const array& b, double alpha,
            double beta, StreamOrDevice s = {});
array outer(const array& a, const array& b, StreamOrDevice s = {});
array inner(const array& a, const array& b, StreamOrDevice s = {});
array tensordot(const array& a, const array& b, const Axes& axes_a,
                const Axes& axes_b, StreamOrDevice s = {});
array tensordot(const array& a, const array& b, int64_t n, StreamOrDevice s = {});
array vecdot(const array& a, const array& b, int64_t axis, StreamOrDevice s = {});
array kron(const array& a, const array& b, StreamOrDevice s = {});
// a[lhs] @ b[rhs] over the flattened batch dimensions.
array gather_mm(const array& a, const array& b, const std::optional<array>& lhs,
                const std::optional<array>& rhs, StreamOrDevice s = {});
// a[:, k0:k1] @ b[k0:k1, :] for each (k0, k1) in segments (..., 2).
array segmented_mm(const array& a, const array& b, const array& segments,
                   StreamOrDevice s = {});
array block_masked_mm(const array& a, const array& b, int block_size,
                      const std::optional<array>& mask_out,
                      const std::optional<array>& mask_lhs,
                      const std::optional<array>& mask_rhs, StreamOrDevice s = {});
// Walsh-Hadamard transform (Sylvester order) along the last axis.
array hadamard_transform(const array& a, std::optional<double> scale,
                         StreamOrDevice s = {});

}  // namespace ember
