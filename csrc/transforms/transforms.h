// Function transforms over the lazy graph: reverse mode (vjp), forward mode
// (jvp) and vectorization (vmap). Each is a generic walk that calls the
// primitives' own rules; none of them knows a particular op.
#pragma once
#include <functional>
#include <utility>
#include <vector>

#include "core/array.h"

namespace ember {

using ArrayFun = std::function<std::vector<array>(const std::vector<array>&)>;

// The outputs of fun(primals) and the cotangents of the primals given the
// cotangents of the outputs (empty: ones for every output).
std::pair<std::vector<array>, std::vector<array>> vjp(
    const ArrayFun& fun, const std::vector<array>& primals,
    const std::vector<array>& cotangents);

// The outputs of fun(primals) and their tangents given the primals' tangents.
std::pair<std::vector<array>, std::vector<array>> jvp(
    const ArrayFun& fun, const std::vector<array>& primals,
    const std::vector<array>& tangents);

// fun mapped over axis in_axes[i] of input i (-1: not mapped). Returns the
// outputs and where their batch axis ended up (-1: an output that does not
// depend on the mapped inputs, left unbatched).
std::pair<std::vector<array>, std::vector<int>> vmap_outputs(
    const ArrayFun& fun, const std::vector<array>& inputs,
    const std::vector<int>& in_axes);

// As vmap_outputs, with output j's batch axis moved to out_axes[j] (-1: not
// batched, which must then hold).
std::vector<array> vmap(const ArrayFun& fun, const std::vector<array>& inputs,
                        const std::vector<int>& in_axes,
                        const std::vector<int>& out_axes);

// Whether a transform is tracing a function on this thread.
bool in_transform();

namespace detail {
// Ops that lie between `sources` and `outputs`, inputs before users, and
// the set of nodes that depend on a source.
struct Tape {
  std::vector<std::shared_ptr<OpNode>> ops;
  std::vector<ArrayNode*> depends;  // sorted, for binary search
  bool depends_on(const array& a) const;
};
// With `differentiating`, ops that stop gradients do not propagate
// dependence (reverse mode); vmap needs every op.
Tape build_tape(const std::vector<array>& outputs,
                const std::vector<array>& sources, bool differentiating = false);

// Shapes and dtypes of every output of an op, dropped siblings included:
// recorded on the node for multi-output primitives, else read from the live
// output. `live` is the op's outputs (invalid where dropped). Throws
// ValueError, naming `who`, when a dropped output left no record.
void output_signature(const OpNode& op, const std::vector<array>& live, const char* who,
                      std::vector<Shape>& shapes, std::vector<Dtype>& dtypes);

struct TransformScope {
  TransformScope();
  ~TransformScope();
};
}  // namespace detail

}  // namespace ember
