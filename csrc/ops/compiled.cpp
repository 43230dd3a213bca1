// The Compiled primitive's description and transform rules. Its transforms
// expand the subgraph back into ordinary operations and apply the generic
// transform to them, so each fused op keeps its own rules.
#include "ops/compiled.h"

#include <mutex>
#include <unordered_map>

#include "core/errors.h"
#include "ops/copy.h"
#include "ops/elementwise.h"
#include "ops/ops.h"
#include "ops/shape.h"
#include "transforms/transforms.h"

namespace ember {

namespace {

Shape broadcast_all(const std::vector<const Shape*>& shapes) {
  Shape out;
  for (auto* s : shapes) out = broadcast_shapes(out, *s, "compile");
  return out;
}

}  // namespace

bool fusable_kind(const Primitive& p, FusedOp::Kind& kind) {
  if (dynamic_cast<const UnaryElementwise*>(&p)) {
    // Conjugate is anti-linear and handled outside fused kernels.
    if (dynamic_cast<const Conjugate*>(&p)) return false;
    kind = FusedOp::Kind::Unary;
  } else if (dynamic_cast<const BinaryElementwise*>(&p)) {
    kind = FusedOp::Kind::Binary;
  } else if (dynamic_cast<const Select*>(&p)) {
    kind = FusedOp::Kind::Select;
  } else if (dynamic_cast<const AsType*>(&p)) {
    kind = FusedOp::Kind::Cast;
  } else if (dynamic_cast<const Broadcast*>(&p)) {
    kind = FusedOp::Kind::Broadcast;
  } else {
    return false;
  }
  return true;
}

struct Compiled::CodeCache {
  std::mutex mutex;
  std::unordered_map<std::string, std::shared_ptr<void>> code;
};

Compiled::Compiled(Stream s, int n_inputs, std::vector<FusedOp> ops, std::vector<int> outputs)
    : Primitive(s),
      n_inputs_(n_inputs),
      ops_(std::move(ops)),
      outputs_(std::move(outputs)),
      code_(std::make_shared<CodeCache>()) {
  // Named after the fused ops in order, as MLX names its compiled kernels.
  name_ = "Compiled";
  for (auto& op : ops_) name_ += op.prim->name();
}

std::vector<array> Compiled::expand(const std::vector<array>& inputs) const {
  std::vector<array> values(inputs);
  for (const FusedOp& op : ops_) {
    std::vector<array> args;
    std::vector<const Shape*> shapes;
    for (int a : op.args) {
      args.push_back(values[a]);
      shapes.push_back(&values[a].shape());
    }
    Shape shape = op.kind == FusedOp::Kind::Broadcast ? op.shape : broadcast_all(shapes);
    values.push_back(array(std::move(shape), op.dtype, op.prim, std::move(args)));
  }
  std::vector<array> outs;
  for (int j : outputs_) outs.push_back(values[n_inputs_ + j]);
  return outs;
}

std::shared_ptr<void> Compiled::backend_code(
    const std::string& key, const std::function<std::shared_ptr<void>()>& make) const {
  std::lock_guard<std::mutex> lock(code_->mutex);
  auto it = code_->code.find(key);
  if (it != code_->code.end()) return it->second;
  return code_->code[key] = make();
}

std::vector<Shape> Compiled::output_shapes(const std::vector<array>& inputs) {
  std::vector<Shape> shapes;
  for (auto& x : inputs) shapes.push_back(x.shape());
  for (const FusedOp& op : ops_) {
    // A broadcast's target is fixed by the trace.
    if (op.kind == FusedOp::Kind::Broadcast) return {};
    std::vector<const Shape*> args;
    for (int a : op.args) args.push_back(&shapes[a]);
    shapes.push_back(broadcast_all(args));
  }
  std::vector<Shape> outs;
  for (int j : outputs_) outs.push_back(shapes[n_inputs_ + j]);
  return outs;
}

std::vector<array> Compiled::vjp(const std::vector<array>& primals,
                                 const std::vector<array>& cotangents,
                                 const std::vector<int>& argnums,
                                 const std::vector<array>& outputs) {
  auto [outs, grads] =
      ember::vjp([this](const std::vector<array>& x) { return expand(x); }, primals, cotangents);
  std::vector<array> picked;
  for (int i : argnums) picked.push_back(grads[i]);
  return picked;
}

std::vector<array> Compiled::jvp(const std::vector<array>& primals,
                                 const std::vector<array>& tangents,
                                 const std::vector<int>& argnums) {
  std::vector<array> all;
  for (auto& p : primals) all.push_back(zeros_like(p));
  for (size_t k = 0; k < argnums.size(); ++k) all[argnums[k]] = tangents[k];
  return ember::jvp([this](const std::vector<array>& x) { return expand(x); }, primals, all)
      .second;
}

std::pair<std::vector<array>, std::vector<int>> Compiled::vmap(const std::vector<array>& inputs,
                                                               const std::vector<int>& axes) {
  return vmap_outputs([this](const std::vector<array>& x) { return expand(x); }, inputs, axes);
}

}  // namespace ember
