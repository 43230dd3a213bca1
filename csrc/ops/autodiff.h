// Small helpers the gradient and vmap rules of every family share.
#pragma once
#include "ops/ops.h"

namespace ember {

// A 0-d array of x's dtype holding v (broadcasts in elementwise ops).
array scalar_like(const array& x, double v);
// cond as 0/1 in the dtype of `like`.
array mask_like(const array& cond, const array& like);
// Sums g over the axes that broadcasting added, back to `shape`.
array unbroadcast(const array& g, const Shape& shape, StreamOrDevice s = {});
// Inputs of an elementwise op under vmap: batched ones get their batch axis
// first, unbatched ones a leading 1, and all the same rank, so the op
// broadcasts them and its output has the batch axis first.
std::vector<array> align_batched(const std::vector<array>& inputs,
                                 const std::vector<int>& axes,
                                 StreamOrDevice s = {});
// The batch size of vmapped inputs (axes[i] < 0: not batched).
int64_t batch_size(const std::vector<array>& inputs, const std::vector<int>& axes);

}  // namespace ember
