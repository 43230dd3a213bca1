#include "transforms/custom.h"

#include "core/errors.h"
#include "ops/ops.h"

namespace ember {

std::vector<array> custom_outputs(const std::vector<array>& primals,
                                  const std::vector<array>& outputs,
                                  CustomRules rules) {
  std::vector<array> inputs = primals;
  inputs.insert(inputs.end(), outputs.begin(), outputs.end());
  std::vector<Shape> shapes;
  std::vector<Dtype> dtypes;
  for (auto& o : outputs) {
    shapes.push_back(o.shape());
    dtypes.push_back(o.dtype());
  }
  auto prim = std::make_shared<CustomTransforms>(
      default_stream(default_device()), static_cast<int>(primals.size()),
      std::move(rules));
  return array::make_arrays(std::move(shapes), std::move(dtypes), prim,
                            std::move(inputs));
}

void CustomTransforms::eval_cpu(const std::vector<array>& inputs,
                                std::vector<array>& outputs) {
  for (size_t i = 0; i < outputs.size(); ++i) {
    outputs[i].copy_layout(inputs[num_primals_ + i]);
  }
}

std::vector<array> CustomTransforms::vjp(const std::vector<array>& primals,
                                         const std::vector<array>& cotangents,
                                         const std::vector<int>& argnums,
                                         const std::vector<array>& outputs) {
  std::vector<array> grads;
  if (!rules_.vjp) {
    // Through the function's own graph: cotangents go to its outputs.
    for (int i : argnums) {
      grads.push_back(i < num_primals_ ? array() : cotangents[i - num_primals_]);
    }
    return grads;
  }
  std::vector<array> p(primals.begin(), primals.begin() + num_primals_);
  std::vector<array> outs(primals.begin() + num_primals_, primals.end());
  std::vector<array> g = rules_.vjp(p, cotangents, outs);
  if (g.size() != p.size()) {
    throw ValueError("[custom_function] The custom vjp returned " +
                     std::to_string(g.size()) + " gradients for " +
                     std::to_string(p.size()) + " inputs.");
  }
  for (int i : argnums) grads.push_back(i < num_primals_ ? g[i] : array());
  return grads;
}

std::vector<array> CustomTransforms::jvp(const std::vector<array>& primals,
                                         const std::vector<array>& tangents,
                                         const std::vector<int>& argnums) {
  size_t num_outputs = primals.size() - num_primals_;
  if (!rules_.jvp) {
    std::vector<array> out(num_outputs);
    for (size_t k = 0; k < argnums.size(); ++k) {
      if (argnums[k] >= num_primals_) out[argnums[k] - num_primals_] = tangents[k];
    }
    for (size_t i = 0; i < num_outputs; ++i) {
      if (!out[i].valid()) out[i] = zeros_like(primals[num_primals_ + i]);
    }
    return out;
  }
  std::vector<array> p(primals.begin(), primals.begin() + num_primals_);
  std::vector<array> t;
  for (auto& x : p) t.push_back(zeros_like(x));
  for (size_t k = 0; k < argnums.size(); ++k) {
    if (argnums[k] < num_primals_) t[argnums[k]] = tangents[k];
  }
  return rules_.jvp(p, t);
}

std::pair<std::vector<array>, std::vector<int>> CustomTransforms::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  if (!rules_.vmap) {
    // The function's own graph was batched already: forward its outputs.
    std::vector<array> outs(inputs.begin() + num_primals_, inputs.end());
    std::vector<int> out_axes(axes.begin() + num_primals_, axes.end());
    return {outs, out_axes};
  }
  std::vector<array> p(inputs.begin(), inputs.begin() + num_primals_);
  std::vector<int> a(axes.begin(), axes.begin() + num_primals_);
  return rules_.vmap(p, a);
}

}  // namespace ember
