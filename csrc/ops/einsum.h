// einsum: parsed into diagonals, sums, pairwise matmuls and a final
// transpose, contracted in the order of a greedy path (as numpy's greedy
// optimizer picks it).
#pragma once
#include <string>
#include <utility>

#include "ops/ops.h"

namespace ember {

using EinsumPath = std::vector<std::vector<int>>;

array einsum(const std::string& subscripts, const std::vector<array>& operands,
             StreamOrDevice s = {});
// The contraction order and a description of it.
std::pair<EinsumPath, std::string> einsum_path(const std::string& subscripts,
                                               const std::vector<array>& operands);

}  // namespace ember
