// Reverse mode (vjp) and forward mode (jvp): the graph is the tape.
#include <unordered_map>

#include "core/errors.h"
#include "core/primitive.h"
#include "ops/ops.h"
#include "transforms/transforms.h"

namespace ember {

namespace {

// Traced copies of the primals: new nodes whose graph survives eval.
std::vector<array> make_tracers(const std::vector<array>& primals) {
  std::vector<array> tracers;
  for (auto& p : primals) {
    array t = contiguous(p, true);
    t.set_tracer(true);
    tracers.push_back(std::move(t));
  }
  return tracers;
}

// Output handles of an op (empty handles for dropped siblings).
std::vector<array> op_outputs(const OpNode& op) {
  std::vector<array> outs;
  for (auto& w : op.outputs) {
    auto n = w.lock();
    outs.push_back(n ? array(std::move(n)) : array());
  }
  return outs;
}

Shape output_shape(const OpNode& op, const std::vector<array>& outs, size_t i) {
  return outs[i].valid() ? outs[i].shape() : op.out_shapes.at(i);
}
Dtype output_dtype(const OpNode& op, const std::vector<array>& outs, size_t i) {
  return outs[i].valid() ? outs[i].dtype() : op.out_dtypes.at(i);
}

void accumulate(std::unordered_map<ArrayNode*, array>& map, const array& key,
                const array& value) {
  auto it = map.find(key.node());
  if (it == map.end()) {
    map.emplace(key.node(), value);
  } else {
    it->second = add(it->second, value);
  }
}

std::pair<std::vector<array>, std::vector<array>> vjp_given(
    const std::vector<array>& outputs, const std::vector<array>& tracers,
    const std::vector<array>& primals, const std::vector<array>& cotangents);

}  // namespace

std::pair<std::vector<array>, std::vector<array>> vjp(
    const ArrayFun& fun, const std::vector<array>& primals,
    const std::vector<array>& cotangents) {
  detail::TransformScope scope;
  std::vector<array> tracers = make_tracers(primals);
  std::vector<array> outputs = fun(tracers);
  if (cotangents.empty()) {
    std::vector<array> ones_cts;
    for (auto& o : outputs) ones_cts.push_back(ones_like(o));
    return vjp_given(outputs, tracers, primals, ones_cts);
  }
  return vjp_given(outputs, tracers, primals, cotangents);
}

namespace {

std::pair<std::vector<array>, std::vector<array>> vjp_given(
    const std::vector<array>& outputs, const std::vector<array>& tracers,
    const std::vector<array>& primals, const std::vector<array>& cotangents) {
  if (cotangents.size() != outputs.size()) {
    throw ValueError("[vjp] Got " + std::to_string(cotangents.size()) +
                     " cotangents for " + std::to_string(outputs.size()) +
                     " outputs.");
  }
  std::unordered_map<ArrayNode*, array> cot;
  for (size_t i = 0; i < outputs.size(); ++i) {
    if (cotangents[i].shape() != outputs[i].shape()) {
      throw ValueError("[vjp] Cotangent shape " + shape_str(cotangents[i].shape()) +
                       " does not match output shape " +
                       shape_str(outputs[i].shape()) + ".");
    }
    accumulate(cot, outputs[i], astype(cotangents[i], outputs[i].dtype()));
  }
  auto tape = detail::build_tape(outputs, tracers, true);
  for (auto it = tape.ops.rbegin(); it != tape.ops.rend(); ++it) {
    OpNode& op = **it;
    std::vector<array> outs = op_outputs(op);
    std::vector<array> cts;
    bool any = false;
    for (size_t i = 0; i < outs.size(); ++i) {
      auto c = outs[i].valid() ? cot.find(outs[i].node()) : cot.end();
      if (c != cot.end()) {
        cts.push_back(c->second);
        cot.erase(c);
        any = true;
      } else {
        cts.push_back(zeros(output_shape(op, outs, i), output_dtype(op, outs, i)));
      }
    }
    if (!any) continue;
    std::vector<int> argnums;
    for (size_t j = 0; j < op.inputs.size(); ++j) {
      if (tape.depends_on(op.inputs[j])) argnums.push_back(static_cast<int>(j));
    }
    auto grads = op.primitive->vjp(op.inputs, cts, argnums, outs);
    for (size_t k = 0; k < argnums.size(); ++k) {
      // An empty gradient means "none flows to this input".
      if (grads[k].valid()) accumulate(cot, op.inputs[argnums[k]], grads[k]);
    }
  }
  std::vector<array> result;
  for (size_t i = 0; i < tracers.size(); ++i) {
    auto c = cot.find(tracers[i].node());
    result.push_back(c != cot.end() ? c->second : zeros_like(primals[i]));
  }
  return {outputs, result};
}

}  // namespace

std::pair<std::vector<array>, std::vector<array>> jvp(
    const ArrayFun& fun, const std::vector<array>& primals,
    const std::vector<array>& tangents) {
  if (tangents.size() != primals.size()) {
    throw ValueError("[jvp] Got " + std::to_string(tangents.size()) +
                     " tangents for " + std::to_string(primals.size()) +
                     " primals.");
  }
  for (size_t i = 0; i < primals.size(); ++i) {
    if (tangents[i].shape() != primals[i].shape()) {
      throw ValueError("[jvp] Tangent shape " + shape_str(tangents[i].shape()) +
                       " does not match primal shape " +
                       shape_str(primals[i].shape()) + ".");
    }
  }
  detail::TransformScope scope;
  std::vector<array> tracers = make_tracers(primals);
  std::vector<array> outputs = fun(tracers);
  std::unordered_map<ArrayNode*, array> tan;
  for (size_t i = 0; i < tracers.size(); ++i) {
    tan.emplace(tracers[i].node(), astype(tangents[i], primals[i].dtype()));
  }
  auto tape = detail::build_tape(outputs, tracers);
  for (auto& opp : tape.ops) {
    OpNode& op = *opp;
    std::vector<int> argnums;
    std::vector<array> ts;
    for (size_t j = 0; j < op.inputs.size(); ++j) {
      auto t = tan.find(op.inputs[j].node());
      if (t != tan.end()) {
        argnums.push_back(static_cast<int>(j));
        ts.push_back(t->second);
      }
    }
    if (argnums.empty()) continue;
    auto out_t = op.primitive->jvp(op.inputs, ts, argnums);
    std::vector<array> outs = op_outputs(op);
    for (size_t i = 0; i < outs.size() && i < out_t.size(); ++i) {
      if (outs[i].valid()) tan[outs[i].node()] = out_t[i];
    }
  }
  std::vector<array> out_tangents;
  for (auto& o : outputs) {
    auto t = tan.find(o.node());
    // Outputs without a tangent (no path from the inputs) get zeros, in a
    // floating dtype even when the output is not.
    Dtype dt = is_inexact(o.dtype()) ? o.dtype()
                                     : (tangents.empty() ? float32 : tangents[0].dtype());
    out_tangents.push_back(t != tan.end() ? t->second : zeros(o.shape(), dt));
  }
  return {outputs, out_tangents};
}

}  // namespace ember
