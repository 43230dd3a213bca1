#include "core/primitive.h"

#include "core/errors.h"

namespace ember {

std::vector<array> Primitive::vjp(const std::vector<array>&,
                                  const std::vector<array>&,
                                  const std::vector<int>&,
                                  const std::vector<array>&) {
  throw ValueError(std::string("[") + name() +
                   "] This primitive has no gradient (vjp) rule.");
}

std::vector<array> Primitive::jvp(const std::vector<array>&,
                                  const std::vector<array>&,
                                  const std::vector<int>&) {
  throw ValueError(std::string("[") + name() +
                   "] This primitive has no forward-mode (jvp) rule.");
}

std::pair<std::vector<array>, std::vector<int>> Primitive::vmap(
    const std::vector<array>&, const std::vector<int>&) {
  throw ValueError(std::string("[") + name() +
                   "] This primitive has no vmap rule.");
}

void Primitive::save(Writer&) const {
  throw ValueError(std::string("[export_function] The operation ") + name() +
                   " cannot be exported.");
}

std::vector<Shape> Primitive::output_shapes(const std::vector<array>&) { return {}; }

}  // namespace ember
