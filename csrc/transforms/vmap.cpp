// vmap: trace the function on one slice of the batch, then replay the
// traced graph with each primitive's batching rule.
#include <unordered_map>

#include "core/errors.h"
#include "core/primitive.h"
#include "ops/autodiff.h"
#include "transforms/transforms.h"

namespace ember {

std::pair<std::vector<array>, std::vector<int>> vmap_outputs(
    const ArrayFun& fun, const std::vector<array>& inputs,
    const std::vector<int>& in_axes) {
  if (in_axes.size() != inputs.size()) {
    throw ValueError("[vmap] in_axes must have one entry per input.");
  }
  std::vector<int> axes(in_axes);
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (axes[i] < 0) continue;
    if (axes[i] >= inputs[i].ndim()) {
      throw AxisError("[vmap] Axis " + std::to_string(axes[i]) +
                       " is out of bounds for an input with " +
                       std::to_string(inputs[i].ndim()) + " dimensions.");
    }
  }
  int64_t n = batch_size(inputs, axes);
  if (n < 0) {
    throw ValueError("[vmap] At least one input must be mapped (in_axes not "
                     "all None).");
  }
  detail::TransformScope scope;
  // Placeholders: element 0 of each mapped input, traced.
  std::vector<array> placeholders;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const array& x = inputs[i];
    if (axes[i] < 0) {
      placeholders.push_back(x);
      continue;
    }
    Shape start(x.ndim(), 0), stop = x.shape(), step(x.ndim(), 1);
    stop[axes[i]] = 1;
    array p = squeeze(slice(x, start, stop, step), {axes[i]});
    p = contiguous(p);
    p.set_tracer(true);
    placeholders.push_back(p);
  }
  std::vector<array> outputs = fun(placeholders);
  std::vector<array> sources;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (axes[i] >= 0) sources.push_back(placeholders[i]);
  }
  // node -> (batched array, its batch axis)
  std::unordered_map<ArrayNode*, std::pair<array, int>> batched;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (axes[i] >= 0) batched.emplace(placeholders[i].node(), std::make_pair(inputs[i], axes[i]));
  }
  auto tape = detail::build_tape(outputs, sources);
  for (auto& opp : tape.ops) {
    OpNode& op = *opp;
    std::vector<array> ins;
    std::vector<int> in_ax;
    for (auto& in : op.inputs) {
      auto b = batched.find(in.node());
      if (b != batched.end()) {
        ins.push_back(b->second.first);
        in_ax.push_back(b->second.second);
      } else {
        ins.push_back(in);
        in_ax.push_back(-1);
      }
    }
    auto [outs, oax] = op.primitive->vmap(ins, in_ax);
    for (size_t k = 0; k < op.outputs.size() && k < outs.size(); ++k) {
      if (auto node = op.outputs[k].lock()) {
        batched.emplace(node.get(), std::make_pair(outs[k], oax[k]));
      }
    }
  }
  std::vector<array> results;
  std::vector<int> result_axes;
  for (auto& o : outputs) {
    auto b = batched.find(o.node());
    if (b == batched.end()) {
      results.push_back(o);
      result_axes.push_back(-1);
    } else {
      results.push_back(b->second.first);
      result_axes.push_back(b->second.second);
    }
  }
  return {results, result_axes};
}

std::vector<array> vmap(const ArrayFun& fun, const std::vector<array>& inputs,
                        const std::vector<int>& in_axes,
                        const std::vector<int>& out_axes) {
  auto [outs, axes] = vmap_outputs(fun, inputs, in_axes);
  if (out_axes.size() != outs.size()) {
    throw ValueError("[vmap] out_axes must have one entry per output.");
  }
  int64_t n = batch_size(inputs, in_axes);
  std::vector<array> results;
  for (size_t j = 0; j < outs.size(); ++j) {
    int want = out_axes[j];
    if (axes[j] < 0) {
      // Independent of the mapped inputs: the same value for every element.
      if (want < 0) {
        results.push_back(outs[j]);
        continue;
      }
      array o = expand_dims(outs[j], {0});
      Shape shape = o.shape();
      shape[0] = n;
      results.push_back(moveaxis(broadcast_to(o, shape), 0, want));
      continue;
    }
    if (want < 0) {
      throw ValueError("[vmap] An output that depends on the mapped inputs "
                       "cannot have out_axes None.");
    }
    if (want >= outs[j].ndim()) {
      throw ValueError("[vmap] out_axes " + std::to_string(want) +
                       " is out of bounds for an output with " +
                       std::to_string(outs[j].ndim()) + " dimensions.");
    }
    results.push_back(axes[j] == want ? outs[j] : moveaxis(outs[j], axes[j], want));
  }
  return results;
}

}  // namespace ember
