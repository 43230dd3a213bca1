#include "ops/autodiff.h"

#include "core/errors.h"

namespace ember {

array scalar_like(const array& x, double v) { return array::scalar(v, x.dtype()); }

array mask_like(const array& cond, const array& like) {
  return astype(cond, like.dtype());
}

array unbroadcast(const array& g, const Shape& shape, StreamOrDevice s) {
  if (g.shape() == shape) return g;
  int lead = g.ndim() - static_cast<int>(shape.size());
  Axes axes;
  for (int i = 0; i < g.ndim(); ++i) {
    if (i < lead || (shape[i - lead] == 1 && g.shape()[i] != 1)) axes.push_back(i);
  }
  // Sums widen small integers: the gradient keeps the cotangent's dtype.
  array r = astype(sum(g, axes, true, s), g.dtype(), s);
  return reshape(r, shape, s);
}

std::vector<array> align_batched(const std::vector<array>& inputs,
                                 const std::vector<int>& axes, StreamOrDevice s) {
  int nd = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    nd = std::max(nd, inputs[i].ndim() - (axes[i] >= 0 ? 1 : 0));
  }
  std::vector<array> out;
  for (size_t i = 0; i < inputs.size(); ++i) {
    array x = inputs[i];
    Shape shape;
    if (axes[i] >= 0) {
      x = moveaxis(x, axes[i], 0, s);
      shape.push_back(x.shape()[0]);
      for (int k = x.ndim() - 1; k < nd; ++k) shape.push_back(1);
      shape.insert(shape.end(), x.shape().begin() + 1, x.shape().end());
    } else {
      shape.assign(nd + 1 - x.ndim(), 1);
      shape.insert(shape.end(), x.shape().begin(), x.shape().end());
    }
    out.push_back(reshape(x, shape, s));
  }
  return out;
}

int64_t batch_size(const std::vector<array>& inputs, const std::vector<int>& axes) {
  int64_t n = -1;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (axes[i] < 0) continue;
    int64_t b = inputs[i].shape()[axes[i]];
    if (n >= 0 && b != n) {
      throw ValueError("[vmap] Inconsistent sizes along the mapped axes: " +
                       std::to_string(n) + " and " + std::to_string(b) + ".");
    }
    n = b;
  }
  return n;
}

}  // namespace ember
