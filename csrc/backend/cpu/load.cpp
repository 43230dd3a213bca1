#include "ops/load.h"

namespace ember {

void Load::eval_cpu(const std::vector<array>& inputs, array& out) {
  if (reader_.check) reader_.check();
  out.set_data(allocate(out.nbytes()));
  reader_.read(out.raw_data(), static_cast<size_t>(out.nbytes()));
}

}  // namespace ember
