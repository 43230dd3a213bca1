// Evaluation: order the unevaluated part of the graph with an explicit stack,
// run each primitive once on its stream's device, and drop each node's
// inputs as soon as it ran.
#include <algorithm>
#include <mutex>
#include <unordered_set>

#include "core/array.h"
#include "core/backend.h"
#include "core/primitive.h"

namespace ember {

namespace {

// One evaluation at a time: kernels parallelize internally, and concurrent
// evals of overlapping graphs must not run a node twice.
std::recursive_mutex eval_mutex;

// Post-order of the OpNodes that must run to produce `roots`.
std::vector<std::shared_ptr<OpNode>> build_tape(const std::vector<array>& roots) {
  std::vector<std::shared_ptr<OpNode>> tape;
  std::unordered_set<OpNode*> seen;
  struct Frame {
    std::shared_ptr<OpNode> op;
    size_t next;
  };
  std::vector<Frame> stack;
  auto visit = [&](const array& a) {
    ArrayNode* n = a.node();
    if (n->evaluated || !n->op) return;
    if (seen.insert(n->op.get()).second) stack.push_back({n->op, 0});
  };
  for (auto& r : roots) {
    visit(r);
    while (!stack.empty()) {
      auto& top = stack.back();
      if (top.next < top.op->inputs.size()) {
        const array& in = top.op->inputs[top.next++];
        visit(in);  // may reallocate `stack`; `top` is not used after this
      } else {
        tape.push_back(std::move(top.op));
        stack.pop_back();
      }
    }
  }
  return tape;
}

// The device streams an eval queued work on (the CPU's work is done when
// its kernel returns).
using Streams = std::vector<Stream>;

void run(OpNode& op, Streams& queued) {
  std::vector<array> outs;
  outs.reserve(op.outputs.size());
  for (size_t i = 0; i < op.outputs.size(); ++i) {
    if (auto n = op.outputs[i].lock()) {
      outs.push_back(array(n));
    } else {
      // A dropped sibling still needs somewhere to be written.
      outs.push_back(array(op.out_shapes.at(i), op.out_dtypes.at(i), nullptr, {}));
    }
  }
  Stream s = op.primitive->stream();
  if (s.device.type == Device::Type::cpu) {
    op.primitive->eval_cpu(op.inputs, outs);
  } else {
    backend(s.device.type, op.primitive->name()).eval(*op.primitive, op.inputs, outs, s);
    if (std::find(queued.begin(), queued.end(), s) == queued.end()) queued.push_back(s);
  }
  bool keep_graph = false;
  for (auto& o : outs) keep_graph |= o.is_tracer();
  for (auto& o : outs) {
    o.mark_evaluated();
    if (!keep_graph) o.detach();
  }
}

void eval_graph(std::vector<array> outputs, bool wait) {
  std::lock_guard lock(eval_mutex);
  auto tape = build_tape(outputs);
  Streams queued;
  try {
    for (auto& op : tape) {
      run(*op, queued);
      op.reset();
    }
  } catch (...) {
    // Work already queued still completes before the error surfaces.
    for (auto& s : queued) backend(s.device.type, "eval").finish(s, true);
    throw;
  }
  for (auto& s : queued) backend(s.device.type, "eval").finish(s, wait);
}

}  // namespace

void eval(std::vector<array> outputs) { eval_graph(std::move(outputs), true); }

void async_eval(std::vector<array> outputs) { eval_graph(std::move(outputs), false); }

}  // namespace ember
