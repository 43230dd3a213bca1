#include "fast/custom_kernel.h"

#include <stdexcept>

#include "core/errors.h"
#include "ops/replay.h"

namespace ember::fast {

void CustomKernel::eval_cpu(const std::vector<array>&, std::vector<array>&) {
  throw std::runtime_error("[" + kernel_.tag + "] No " + kernel_.backend +
                           " back-end: this build cannot run the custom " +
                           kernel_.backend + " kernel '" + kernel_.name + "'.");
}

void CustomKernel::save(Writer& w) const {
  w.str("CustomKernel");
  for (const std::string* s : {&kernel_.tag, &kernel_.backend, &kernel_.name,
                               &kernel_.source, &kernel_.header, &kernel_.math_mode}) {
    w.str(*s);
  }
  for (const auto* names : {&kernel_.input_names, &kernel_.output_names,
                            &kernel_.template_args}) {
    w.i64(static_cast<int64_t>(names->size()));
    for (auto& n : *names) w.str(n);
  }
  w.ints(kernel_.grid);
  w.ints(kernel_.threadgroup);
  w.i64(kernel_.shared_memory);
  w.flag(kernel_.init_value.has_value());
  w.f64(kernel_.init_value.value_or(0.0));
  w.flag(kernel_.ensure_row_contiguous);
  w.flag(kernel_.atomic_outputs);
}

std::vector<array> custom_kernel(const KernelSource& kernel,
                                 const std::vector<array>& inputs,
                                 const std::vector<Shape>& output_shapes,
                                 const std::vector<Dtype>& output_dtypes,
                                 StreamOrDevice s) {
  if (output_shapes.empty() || output_shapes.size() != output_dtypes.size()) {
    throw ValueError("[" + kernel.tag + "] Give one shape and one dtype per "
                     "output.");
  }
  return array::make_arrays(output_shapes, output_dtypes,
                            std::make_shared<CustomKernel>(to_stream(s), kernel),
                            inputs);
}

}  // namespace ember::fast

namespace ember {

bool load_custom_kernel(Reader& r, const ReplayNode& node, std::vector<array>& out) {
  fast::KernelSource k;
  for (std::string* s : {&k.tag, &k.backend, &k.name, &k.source, &k.header,
                         &k.math_mode}) {
    *s = r.str();
  }
  for (auto* names : {&k.input_names, &k.output_names, &k.template_args}) {
    int64_t n = r.bounded(0, 1 << 20);
    for (int64_t i = 0; i < n; ++i) names->push_back(r.str());
  }
  k.grid = r.ints();
  k.threadgroup = r.ints();
  k.shared_memory = r.bounded(0, int64_t(1) << 40);
  bool has_init = r.flag();
  double init = r.f64();
  if (has_init) k.init_value = init;
  k.ensure_row_contiguous = r.flag();
  k.atomic_outputs = r.flag();
  out = fast::custom_kernel(k, node.inputs, node.shapes, node.dtypes, node.stream);
  return true;
}

}  // namespace ember
