#include "ops/load.h"

#include "core/errors.h"

namespace ember {

array load(Shape shape, Dtype dtype, LoadReader reader, StreamOrDevice s) {
  for (auto d : shape) {
    if (d < 0) {
      throw ValueError("[load] Negative dimension in " + shape_str(shape) + ".");
    }
  }
  if (!reader.read) throw ValueError("[load] A reader is required.");
  shape_size(shape, "load");
  return array(std::move(shape), dtype,
               std::make_shared<Load>(to_stream(s), std::move(reader)), {});
}

}  // namespace ember
