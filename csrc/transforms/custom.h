// custom_function and checkpoint: user-defined vjp/jvp/vmap rules attached
// to the outputs of a function.
#pragma once
#include <functional>

#include "core/primitive.h"

namespace ember {

struct CustomRules {
  // Gradients of the primals from (primals, cotangents, outputs).
  std::function<std::vector<array>(const std::vector<array>&,
                                   const std::vector<array>&,
                                   const std::vector<array>&)>
      vjp;
  // Output tangents from (primals, tangents of all primals).
  std::function<std::vector<array>(const std::vector<array>&,
                                   const std::vector<array>&)>
      jvp;
  // Batched outputs and their axes from (inputs, axes); -1 is "not batched".
  std::function<std::pair<std::vector<array>, std::vector<int>>(
      const std::vector<array>&, const std::vector<int>&)>
      vmap;
};

// Inputs are the primals followed by the function's outputs; evaluation
// forwards the outputs. Missing rules fall back to differentiating (or
// batching) the function's own graph.
class CustomTransforms : public Primitive {
 public:
  CustomTransforms(Stream s, int num_primals, CustomRules rules)
      : Primitive(s), num_primals_(num_primals), rules_(std::move(rules)) {}
  void eval_cpu(const std::vector<array>& inputs,
                std::vector<array>& outputs) override;
  const char* name() const override { return "CustomTransforms"; }
  EMBER_TRANSFORM_RULES

 private:
  int num_primals_;
  CustomRules rules_;
};

// The outputs of a function of `primals`, with `rules` for its transforms.
std::vector<array> custom_outputs(const std::vector<array>& primals,
                                  const std::vector<array>& outputs,
                                  CustomRules rules);

}  // namespace ember
