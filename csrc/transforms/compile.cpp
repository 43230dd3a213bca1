// Building a program from a compile trace and replaying it. The trace is
// walked once with an explicit stack: nodes that depend on a placeholder
// become steps, everything else is a constant the program keeps (evaluated
// on first use, then reused by every call).
#include "transforms/compile.h"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <unordered_map>
#include <unordered_set>

#include "core/errors.h"
#include "ops/ops.h"
#include "transforms/transforms.h"

namespace ember {

namespace {

class Placeholder : public UnaryOutputPrimitive {
 public:
  using UnaryOutputPrimitive::UnaryOutputPrimitive;
  using UnaryOutputPrimitive::eval_cpu;
  void eval_cpu(const std::vector<array>&, array&) override {
    throw ValueError(
        "[compile] Cannot evaluate an array inside a compiled function: its "
        "inputs are placeholders without data, so arrays computed from them "
        "cannot be printed, converted or evaluated. Return the array (or "
        "capture it with outputs=), or call mx.disable_compile() to debug.");
  }
  const char* name() const override { return "Placeholder"; }
};

thread_local int compile_depth = 0;
thread_local bool shapeless_trace = false;

std::atomic<bool>& enabled_flag() {
  static std::atomic<bool> flag{std::getenv("MLX_DISABLE_COMPILE") == nullptr};
  return flag;
}

std::string scalar_key(const array& c) {
  std::string key(dtype_name(c.dtype()));
  key.push_back(':');
  key.append(static_cast<const char*>(static_cast<const void*>(c.data<char>())),
             static_cast<size_t>(c.itemsize()));
  return key;
}

}  // namespace

array placeholder(const Shape& shape, Dtype dtype) {
  array p(shape, dtype, std::make_shared<Placeholder>(to_stream({})), {});
  p.set_tracer(true);
  return p;
}

CompileTraceScope::CompileTraceScope(bool shapeless) : prev_shapeless_(shapeless_trace) {
  ++compile_depth;
  ++array::tracing_depth();
  shapeless_trace = shapeless;
}
CompileTraceScope::~CompileTraceScope() {
  --compile_depth;
  --array::tracing_depth();
  shapeless_trace = prev_shapeless_;
}
bool in_compile_trace() { return compile_depth > 0; }
bool in_shapeless_trace() { return compile_depth > 0 && shapeless_trace; }

bool compile_enabled() { return enabled_flag().load(); }
void set_compile_enabled(bool enabled) { enabled_flag().store(enabled); }

CompiledProgram::CompiledProgram(const std::vector<array>& placeholders,
                                 const std::vector<array>& outputs,
                                 const std::vector<array>& originals, bool shapeless)
    : shapeless_(shapeless) {
  n_inputs_ = static_cast<int>(placeholders.size());
  std::unordered_map<const ArrayNode*, int> ids;
  std::vector<Dtype> vdtypes;
  for (int i = 0; i < n_inputs_; ++i) {
    ids.emplace(placeholders[i].node(), i);
    input_shapes_.push_back(placeholders[i].shape());
    input_dtypes_.push_back(placeholders[i].dtype());
    vdtypes.push_back(placeholders[i].dtype());
  }
  n_values_ = n_inputs_;
  std::unordered_set<const ArrayNode*> banned;
  for (auto& o : originals) {
    if (!ids.count(o.node())) banned.insert(o.node());
  }

  // Constants: one id per node, and one per distinct scalar value.
  std::unordered_set<const ArrayNode*> constant_nodes;
  std::unordered_map<const ArrayNode*, int> constant_ids;
  std::unordered_map<std::string, int> scalar_ids;
  auto constant_id = [&](const array& c) {
    auto it = constant_ids.find(c.node());
    if (it != constant_ids.end()) return it->second;
    int id = -1;
    bool scalar = c.is_evaluated() && c.ndim() == 0 && c.buffer();
    std::string key = scalar ? scalar_key(c) : std::string();
    if (scalar) {
      auto s = scalar_ids.find(key);
      if (s != scalar_ids.end()) id = s->second;
    }
    if (id < 0) {
      id = n_values_++;
      vdtypes.push_back(c.dtype());
      constants_.push_back(c);
      constant_slots_.push_back(id);
      if (scalar) scalar_ids.emplace(key, id);
    }
    constant_ids.emplace(c.node(), id);
    return id;
  };

  // Common subexpressions: steps keyed by name and input ids.
  std::unordered_map<std::string, std::vector<size_t>> seen;

  std::vector<std::pair<array, bool>> stack;
  for (auto it = outputs.rbegin(); it != outputs.rend(); ++it) stack.push_back({*it, false});
  while (!stack.empty()) {
    auto [a, expanded] = stack.back();
    const ArrayNode* n = a.node();
    if (ids.count(n) || constant_nodes.count(n)) {
      stack.pop_back();
      continue;
    }
    if (banned.count(n)) {
      throw ValueError(
          "[compile] The function uses one of its input arrays through a closure "
          "or a global rather than through its arguments; such uses are not "
          "allowed, since the array would be frozen into the compiled function. "
          "Pass it as an argument or capture it with inputs=.");
    }
    if (a.is_evaluated() || !a.has_primitive()) {
      stack.pop_back();
      constant_nodes.insert(n);
      continue;
    }
    const OpNode& op = *n->op;
    if (!expanded) {
      stack.back().second = true;
      for (auto in = op.inputs.rbegin(); in != op.inputs.rend(); ++in) {
        if (!ids.count(in->node()) && !constant_nodes.count(in->node())) {
          stack.push_back({*in, false});
        }
      }
      continue;
    }
    stack.pop_back();
    std::vector<array> live = a.outputs();
    bool dynamic = false;
    for (auto& in : op.inputs) dynamic = dynamic || ids.count(in.node());
    if (!dynamic) {
      // A constant grown from smaller ones (full, arange, broadcast_to, a
      // random draw) has a shape that Python code chose during the trace,
      // often from the input shapes: a shapeless program holding one must
      // be traced again for new shapes rather than replay a stale size.
      int64_t largest_input = 0;
      for (auto& in : op.inputs) largest_input = std::max(largest_input, in.size());
      for (auto& s : live) {
        if (s.valid()) {
          constant_nodes.insert(s.node());
          if (shapeless && s.size() > std::max<int64_t>(largest_input, 1)) {
            shape_specific_ = true;
          }
        }
      }
      continue;
    }
    ProgramStep step;
    step.prim = op.primitive;
    std::string key = op.primitive->name();
    for (auto& in : op.inputs) {
      auto it = ids.find(in.node());
      int id = it != ids.end() ? it->second : constant_id(in);
      step.inputs.push_back(id);
      key.push_back(',');
      key += std::to_string(id);
    }
    detail::output_signature(op, live, "compile", step.shapes, step.dtypes);
    if (shapeless && !shape_specific_ && op.primitive->output_shapes(op.inputs).empty()) {
      shape_specific_ = true;
    }
    // An equivalent step on the same values: reuse its outputs.
    const std::vector<int>* reuse = nullptr;
    auto& candidates = seen[key];
    for (size_t c : candidates) {
      const ProgramStep& o = steps_[c];
      if (o.shapes == step.shapes && o.dtypes == step.dtypes &&
          o.prim->is_equivalent(*step.prim)) {
        reuse = &o.outputs;
        break;
      }
    }
    if (!reuse) {
      for (size_t k = 0; k < step.shapes.size(); ++k) {
        step.outputs.push_back(n_values_++);
        vdtypes.push_back(step.dtypes[k]);
      }
      candidates.push_back(steps_.size());
      steps_.push_back(std::move(step));
      reuse = &steps_.back().outputs;
    }
    for (size_t k = 0; k < live.size(); ++k) {
      if (live[k].valid()) ids[live[k].node()] = (*reuse)[k];
    }
  }
  for (auto& o : outputs) {
    auto it = ids.find(o.node());
    outputs_.push_back(it != ids.end() ? it->second : constant_id(o));
  }
  fuse_elementwise(steps_, n_values_, vdtypes, outputs_);
}

std::vector<array> CompiledProgram::run(const std::vector<array>& inputs) const {
  if (static_cast<int>(inputs.size()) != n_inputs_) {
    throw ValueError("[compile] Expected " + std::to_string(n_inputs_) + " inputs, got " +
                     std::to_string(inputs.size()) + ".");
  }
  std::vector<array> values(n_values_);
  // Values whose shape differs from the traced one (shapeless replays).
  std::vector<char> changed(n_values_, 0);
  for (int i = 0; i < n_inputs_; ++i) {
    const array& x = inputs[i];
    if (x.dtype() != input_dtypes_[i]) {
      throw ValueError("[compile] Input " + std::to_string(i) + " has type " +
                       dtype_name(x.dtype()) + " but the program was traced for " +
                       dtype_name(input_dtypes_[i]) + ".");
    }
    if (x.shape() != input_shapes_[i]) {
      if (!shapeless_ || shape_specific_ || x.ndim() != static_cast<int>(input_shapes_[i].size())) {
        throw ValueError("[compile] Input " + std::to_string(i) + " has shape " +
                         shape_str(x.shape()) + " but the program was traced for " +
                         shape_str(input_shapes_[i]) + ".");
      }
      changed[i] = 1;
    }
    values[i] = x;
  }
  for (size_t i = 0; i < constants_.size(); ++i) values[constant_slots_[i]] = constants_[i];
  for (const ProgramStep& step : steps_) {
    std::vector<array> ins;
    ins.reserve(step.inputs.size());
    bool same = true;
    for (int id : step.inputs) {
      ins.push_back(values[id]);
      same = same && !changed[id];
    }
    std::vector<Shape> shapes;
    if (same) {
      shapes = step.shapes;
    } else {
      shapes = step.prim->output_shapes(ins);
      if (shapes.size() != step.shapes.size()) {
        throw ValueError(std::string("[compile] The operation ") + step.prim->name() +
                         " cannot run on the new input shapes of a shapeless compiled "
                         "function.");
      }
    }
    std::vector<array> outs = array::make_arrays(shapes, step.dtypes, step.prim, std::move(ins));
    for (size_t k = 0; k < outs.size(); ++k) {
      int id = step.outputs[k];
      if (!same && outs[k].shape() != step.shapes[k]) changed[id] = 1;
      values[id] = std::move(outs[k]);
    }
  }
  std::vector<array> result;
  result.reserve(outputs_.size());
  for (int id : outputs_) result.push_back(values[id]);
  return result;
}

}  // namespace ember
