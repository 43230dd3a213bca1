// Entry points for mx.export_function / mx.import_function. The Python side
// (python/mlx/_export.py) handles argument trees and the file container;
// these write a traced graph as bytes and replay one.
#include <nanobind/stl/string.h>
#include "bindings/sequence_caster.h"

#include <unordered_set>

#include "bindings/common.h"
#include "transforms/export.h"

namespace ember::py {

namespace {

// The operations between inputs and outputs in an order where each comes
// after what it reads (an explicit stack, no recursion): a list of
// (name, input ids, outputs as (id, shape, dtype)), and the constants as
// (id, array). Ids are node identities; a dropped output of a
// multi-output operation gets its operation's identity plus its index.
nb::tuple graph_steps(const std::vector<array>& inputs,
                      const std::vector<array>& outputs) {
  auto id = [](const void* p) { return reinterpret_cast<uintptr_t>(p); };
  std::unordered_set<const void*> seen;
  for (auto& a : inputs) seen.insert(a.node());
  nb::list steps, constants;
  std::vector<std::pair<array, bool>> stack;
  for (auto it = outputs.rbegin(); it != outputs.rend(); ++it) {
    stack.push_back({*it, false});
  }
  while (!stack.empty()) {
    auto [a, expanded] = stack.back();
    if (seen.count(a.node())) {
      stack.pop_back();
      continue;
    }
    if (!a.has_primitive()) {
      stack.pop_back();
      seen.insert(a.node());
      constants.append(nb::make_tuple(id(a.node()), a));
      continue;
    }
    if (!expanded) {
      stack.back().second = true;
      const auto& ins = a.inputs();
      for (auto it = ins.rbegin(); it != ins.rend(); ++it) {
        if (!seen.count(it->node())) stack.push_back({*it, false});
      }
      continue;
    }
    stack.pop_back();
    const OpNode& op = *a.node()->op;
    nb::list in_ids, outs;
    for (auto& in : op.inputs) in_ids.append(id(in.node()));
    for (size_t i = 0; i < op.outputs.size(); ++i) {
      auto out = op.outputs[i].lock();
      // A dropped output is known only by the shape and dtype recorded for
      // it (kept for multi-output operations alone).
      if (!out && i >= op.out_shapes.size()) continue;
      uintptr_t oid = out ? id(out.get()) : id(&op) + i;
      if (out) seen.insert(out.get());
      nb::list shape;
      for (auto d : out ? out->shape : op.out_shapes[i]) shape.append(d);
      outs.append(nb::make_tuple(oid, nb::tuple(shape),
                                 out ? out->dtype : op.out_dtypes[i]));
    }
    steps.append(nb::make_tuple(std::string(op.primitive->name()), in_ids, outs));
  }
  return nb::make_tuple(steps, constants);
}

}  // namespace

void init_export(nb::module_& m) {
  def_op(m, "_node_id",
        [](const array& a) { return reinterpret_cast<uintptr_t>(a.node()); },
        "a"_a, "The identity of an array's graph node.");
  def_op(m, "_graph_steps", &graph_steps, "inputs"_a, "outputs"_a,
        "The operations between inputs and outputs, in evaluation order, and "
        "the constants they read.");
  def_op(m, 
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
  def_op(m, 
      "_replay_graph",
      [](nb::bytes data, const std::vector<array>& inputs,
         const std::vector<array>& constants) {
        std::string bytes(data.c_str(), data.size());
        return replay_graph(bytes, inputs, constants);
      },
      "data"_a, "inputs"_a, "constants"_a,
      "Rebuilds the outputs of an exported graph on new inputs.");
  def_op(m, 
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
