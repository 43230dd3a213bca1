// Entry points for mx.export_function / mx.import_function. The Python side
// (python/mlx/_export.py) handles argument trees and the file container;
// these write a traced graph as bytes and replay one.
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "bindings/common.h"
#include "transforms/export.h"

namespace ember::py {

void init_export(nb::module_& m) {
  m.def(
      "_export_graph",
      [](const std::vector<array>& inputs, const std::vector<array>& outputs) {
        std::vector<array> constants;
        std::string bytes = export_graph(inputs, outputs, constants);
        // Node identities let the caller store a constant shared by several
        // traces once.
        std::vector<uintptr_t> ids;
        for (auto& c : constants) ids.push_back(c.id());
        return nb::make_tuple(nb::bytes(bytes.data(), bytes.size()), constants, ids);
      },
      "inputs"_a, "outputs"_a,
      "The graph from inputs to outputs as bytes, the constant arrays it uses, "
      "and their node identities.");
  m.def(
      "_replay_graph",
      [](nb::bytes data, const std::vector<array>& inputs,
         const std::vector<array>& constants) {
        std::string bytes(data.c_str(), data.size());
        return replay_graph(bytes, inputs, constants);
      },
      "data"_a, "inputs"_a, "constants"_a,
      "Rebuilds the outputs of an exported graph on new inputs.");
  m.def(
      "_graph_to_dot",
      [](const std::vector<array>& outputs, const std::vector<std::string>& names,
         const std::vector<array>& named) {
        std::vector<std::pair<std::string, array>> labels;
        for (size_t i = 0; i < names.size() && i < named.size(); ++i) {
          labels.push_back({names[i], named[i]});
        }
        return graph_to_dot(outputs, labels);
      },
      "outputs"_a, "names"_a, "named"_a, "The graph behind outputs in DOT format.");
}

}  // namespace ember::py
