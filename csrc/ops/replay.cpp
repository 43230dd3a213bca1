#include "ops/replay.h"

#include <string>

#include "core/errors.h"

namespace ember {

std::vector<array> ReplayNode::make(std::shared_ptr<Primitive> prim) const {
  // Output shapes the primitive derives from its inputs check the recorded
  // ones; primitives whose shapes are parameters (reshape, slice, ...) can
  // only be replayed on the recorded input shapes.
  std::vector<Shape> out = prim->output_shapes(inputs);
  if (out.empty()) {
    if (!same_shapes) {
      throw ValueError(std::string("[import_function] The operation ") + prim->name() +
                       " cannot be replayed on inputs of new shapes; call the "
                       "function with the shapes it was exported with.");
    }
    out = shapes;
  } else if (same_shapes && out != shapes) {
    Reader::corrupt();
  }
  if (out.size() != dtypes.size()) Reader::corrupt();
  return array::make_arrays(std::move(out), dtypes, std::move(prim), inputs);
}

}  // namespace ember
