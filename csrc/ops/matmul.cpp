// matmul builder: numpy's rules for vectors and broadcast batch dimensions.
#include "ops/matmul.h"

#include "core/errors.h"
#include "ops/ops.h"
#include "ops/shape.h"
#include "ops/replay.h"

namespace ember {

array matmul(const array& a_in, const array& b_in, StreamOrDevice s) {
  if (a_in.ndim() == 0 || b_in.ndim() == 0) {
    throw ValueError("[matmul] Got 0 dimension input. Inputs must have at "
                     "least one dimension.");
  }
  Dtype t = promote_types(a_in.dtype(), b_in.dtype());
  if (!is_inexact(t)) {
    throw ValueError(std::string("[matmul] Only real floating point types are "
                                 "supported but ") + dtype_name(a_in.dtype()) +
                     " and " + dtype_name(b_in.dtype()) + " were provided.");
  }
  array a = astype(a_in, t, s), b = astype(b_in, t, s);
  bool a_vec = a.ndim() == 1, b_vec = b.ndim() == 1;
  if (a_vec) a = reshape(a, {1, a.shape()[0]}, s);
  if (b_vec) b = reshape(b, {b.shape()[0], 1}, s);
  int64_t m = a.shape()[a.ndim() - 2], k = a.shape()[a.ndim() - 1];
  int64_t kb = b.shape()[b.ndim() - 2], n = b.shape()[b.ndim() - 1];
  if (k != kb) {
    throw ValueError("[matmul] Last dimension of first input with shape " +
                     shape_str(a_in.shape()) +
                     " must match second to last dimension of second input "
                     "with shape " + shape_str(b_in.shape()) + ".");
  }
  Shape a_batch(a.shape().begin(), a.shape().end() - 2);
  Shape b_batch(b.shape().begin(), b.shape().end() - 2);
  Shape batch = broadcast_shapes(a_batch, b_batch, "matmul");
  if (b_batch.empty() && !a_batch.empty()) {
    // A batch of matrices times one matrix: b is not broadcast, and the
    // kernel runs one gemm over all batch * m rows (b's gradient, likewise,
    // is one gemm instead of a batch of them summed afterwards).
    Shape out_shape = a_batch;
    out_shape.insert(out_shape.end(), {m, n});
    array out(out_shape, t, std::make_shared<Matmul>(to_stream(s)), {a, b});
    if (a_vec) out = squeeze(out, {-2}, s);
    if (b_vec) out = squeeze(out, {-1}, s);
    return out;
  }
  Shape a_shape = batch, b_shape = batch, out_shape = batch;
  a_shape.insert(a_shape.end(), {m, k});
  b_shape.insert(b_shape.end(), {k, n});
  out_shape.insert(out_shape.end(), {m, n});
  // The batch dimensions broadcast against the other operand's (a node
  // that follows new shapes under a shapeless compile).
  array a_b = broadcast_batch(a, b, s);
  b = broadcast_batch(b, a, s);
  a = a_b;
  array out(out_shape, t, std::make_shared<Matmul>(to_stream(s)), {a, b});
  if (a_vec) out = squeeze(out, {-2}, s);
  if (b_vec) out = squeeze(out, {-1}, s);
  return out;
}

}  // namespace ember

// ---- transform rules

namespace ember {

namespace {

// Whether x is another array with its last two axes swapped (W.T, say).
bool is_swapped_view(const array& x) {
  if (x.ndim() < 2 || !x.has_primitive()) return false;
  auto* t = dynamic_cast<const Transpose*>(&x.primitive());
  if (!t) return false;
  const auto& perm = t->params();
  int n = static_cast<int>(perm.size());
  for (int i = 0; i < n - 2; ++i) {
    if (perm[i] != i) return false;
  }
  return perm[n - 2] == n - 1 && perm[n - 1] == n - 2;
}

}  // namespace

// A gradient takes its primal's layout: for a swapped view (x @ W.T) it is
// computed as (g^T a)^T rather than a^T g, so the transpose's own vjp hands
// W a row-major gradient and optimizer updates read both in order.
std::vector<array> Matmul::vjp(const std::vector<array>& primals,
                               const std::vector<array>& cotangents,
                               const std::vector<int>& argnums,
                               const std::vector<array>&) {
  const array& a = primals[0];
  const array& b = primals[1];
  const array& g = cotangents[0];
  Stream s = stream();
  auto t = [&](const array& x) { return swapaxes(x, -1, -2, s); };
  std::vector<array> grads;
  for (int i : argnums) {
    if (i == 0) {
      grads.push_back(is_swapped_view(a) ? t(matmul(b, t(g), s)) : matmul(g, t(b), s));
    } else if (b.ndim() == 2 && a.ndim() > 2) {
      // b was shared by every batch element: one product over all rows.
      int64_t k = a.shape().back(), n = g.shape().back();
      array rows = reshape(a, {-1, k}, s), grows = reshape(g, {-1, n}, s);
      grads.push_back(is_swapped_view(b) ? t(matmul(t(grows), rows, s))
                                         : matmul(t(rows), grows, s));
    } else {
      grads.push_back(is_swapped_view(b) ? t(matmul(t(g), a, s)) : matmul(t(a), g, s));
    }
  }
  return grads;
}

std::vector<array> Matmul::jvp(const std::vector<array>& primals,
                               const std::vector<array>& tangents,
                               const std::vector<int>& argnums) {
  Stream s = stream();
  array out;
  for (size_t k = 0; k < argnums.size(); ++k) {
    array term = argnums[k] == 0 ? matmul(tangents[k], primals[1], s)
                                 : matmul(primals[0], tangents[k], s);
    out = out.valid() ? add(out, term, s) : term;
  }
  return {out};
}

std::pair<std::vector<array>, std::vector<int>> Matmul::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  Stream s = stream();
  array a = inputs[0], b = inputs[1];
  // Batch first; an unbatched operand gets a leading 1 to broadcast against.
  a = axes[0] >= 0 ? moveaxis(a, axes[0], 0, s) : expand_dims(a, {0}, s);
  // An unbatched matrix b stays a matrix (one gemm over all rows). A
  // batched b that was shared by a's batch (a matrix for a's [..., m, k])
  // gets size-1 axes for a's batch dimensions so the two line up.
  int a_nd = inputs[0].ndim() - (axes[0] >= 0 ? 1 : 0);
  int b_nd = inputs[1].ndim() - (axes[1] >= 0 ? 1 : 0);
  if (axes[1] >= 0) {
    b = moveaxis(b, axes[1], 0, s);
    if (b_nd == 2 && a_nd > 2) {
      Axes ones;
      for (int i = 1; i < a_nd - 1; ++i) ones.push_back(i);
      b = expand_dims(b, ones, s);
    }
  } else if (b.ndim() != 2) {
    b = expand_dims(b, {0}, s);
  }
  return {{matmul(a, b, s)}, {0}};
}

}  // namespace ember

// ---- export

namespace ember {

void Matmul::save(Writer& w) const { w.str("Matmul"); }
std::vector<Shape> Matmul::output_shapes(const std::vector<array>& in) {
  const Shape &a = in[0].shape(), &b = in[1].shape();
  // b has a's batch dimensions, or none (one matrix for the whole batch).
  bool shared = b.size() == 2 && a.size() > 2;
  if (a.size() < 2 || b.size() < 2 || (a.size() != b.size() && !shared) ||
      a[a.size() - 1] != b[b.size() - 2]) {
    throw ValueError("[matmul] Inputs of new shapes do not match.");
  }
  if (shared) {
    Shape out(a.begin(), a.end() - 1);
    out.push_back(b.back());
    return {out};
  }
  Shape out(a.begin(), a.end() - 1);
  for (size_t i = 0; i + 2 < a.size(); ++i) {
    if (a[i] != b[i]) throw ValueError("[matmul] Batch dimensions do not match.");
  }
  out.push_back(b.back());
  return {out};
}

bool load_matmul(const std::string& tag, Reader&, const ReplayNode& node,
                 std::vector<array>& out) {
  if (tag != "Matmul") return false;
  if (node.inputs.size() != 2) Reader::corrupt();
  out = node.make(std::make_shared<Matmul>(node.stream));
  return true;
}

}  // namespace ember
