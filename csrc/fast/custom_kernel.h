// User kernels written for a GPU back-end (mx.fast.metal_kernel and
// cuda_kernel). A call records a CustomKernel node, so that functions using
// one can be traced, compiled and exported like any other; evaluating the
// node raises until the back-end the source is written for exists.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "core/primitive.h"
#include "ops/ops.h"

namespace ember::fast {

struct KernelSource {
  std::string tag;      // "metal_kernel" or "cuda_kernel": names errors
  std::string backend;  // "Metal" or "CUDA"
  std::string name, source, header, math_mode;
  std::vector<std::string> input_names, output_names;
  // Template arguments as "name=value", in the order given.
  std::vector<std::string> template_args;
  std::vector<int64_t> grid, threadgroup;
  int64_t shared_memory = 0;
  std::optional<double> init_value;
  bool ensure_row_contiguous = true;
  bool atomic_outputs = false;
};

class CustomKernel : public Primitive {
 public:
  CustomKernel(Stream s, KernelSource k) : Primitive(s), kernel_(std::move(k)) {}
  void eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) override;
  const char* name() const override { return "CustomKernel"; }
  EMBER_SAVE_RULE

 private:
  KernelSource kernel_;
};

// The outputs of one launch of `kernel` on `inputs`.
std::vector<array> custom_kernel(const KernelSource& kernel,
                                 const std::vector<array>& inputs,
                                 const std::vector<Shape>& output_shapes,
                                 const std::vector<Dtype>& output_dtypes,
                                 StreamOrDevice s = {});

}  // namespace ember::fast
