// The walk every transform starts with: which ops connect the traced inputs
// to the outputs, in dependency order, without recursion.
#include <algorithm>
#include <string>
#include <unordered_set>

#include "core/errors.h"
#include "core/primitive.h"
#include "transforms/transforms.h"

namespace ember {

bool in_transform() { return array::tracing_depth() > 0; }

namespace detail {

void output_signature(const OpNode& op, const std::vector<array>& live, const char* who,
                      std::vector<Shape>& shapes, std::vector<Dtype>& dtypes) {
  size_t n = std::max(op.out_shapes.size(), live.size());
  for (size_t k = 0; k < n; ++k) {
    if (k < op.out_shapes.size()) {
      shapes.push_back(op.out_shapes[k]);
      dtypes.push_back(op.out_dtypes[k]);
    } else if (live[k].valid()) {
      shapes.push_back(live[k].shape());
      dtypes.push_back(live[k].dtype());
    } else {
      std::string msg = "[";
      msg += who;
      msg += "] An output of an operation was lost.";
      throw ValueError(msg);
    }
  }
}

TransformScope::TransformScope() { ++array::tracing_depth(); }
TransformScope::~TransformScope() { --array::tracing_depth(); }

bool Tape::depends_on(const array& a) const {
  return std::binary_search(depends.begin(), depends.end(), a.node());
}

Tape build_tape(const std::vector<array>& outputs,
                const std::vector<array>& sources, bool differentiating) {
  std::unordered_set<ArrayNode*> dep;
  for (auto& s : sources) dep.insert(s.node());
  std::unordered_set<OpNode*> visited;
  struct Frame {
    std::shared_ptr<OpNode> op;
    size_t next;
  };
  std::vector<Frame> stack;
  Tape tape;
  std::unordered_set<ArrayNode*> source_nodes(dep);
  // What depends on the sources through any op, differentiable or not,
  // short of stop_gradient: indices in it cannot be differentiated.
  std::unordered_set<ArrayNode*> reached(dep);
  auto visit = [&](const array& a) {
    ArrayNode* n = a.node();
    // Sources are leaves of the walk: their own op leads outside.
    if (!n->op || source_nodes.count(n)) return;
    if (visited.insert(n->op.get()).second) stack.push_back({n->op, 0});
  };
  for (auto& out : outputs) {
    visit(out);
    while (!stack.empty()) {
      auto& top = stack.back();
      if (top.next < top.op->inputs.size()) {
        const array& in = top.op->inputs[top.next++];
        visit(in);
        continue;
      }
      std::shared_ptr<OpNode> op = std::move(top.op);
      stack.pop_back();
      bool depends = false, reaches = false;
      const Primitive& prim = *op->primitive;
      for (size_t i = 0; i < op->inputs.size(); ++i) {
        ArrayNode* in = op->inputs[i].node();
        depends = depends || dep.count(in);
        if (!reached.count(in)) continue;
        reaches = true;
        if (differentiating && prim.is_index_input(i, op->inputs.size())) {
          throw ValueError(std::string("[") + prim.name() +
                           "] Cannot differentiate with respect to indices; use "
                           "stop_gradient on indices computed from differentiated inputs.");
        }
      }
      if (reaches && !prim.cuts_dependence()) {
        for (auto& w : op->outputs) {
          if (auto n = w.lock()) reached.insert(n.get());
        }
      }
      if (!depends || (differentiating && op->primitive->stops_gradient())) continue;
      for (auto& w : op->outputs) {
        if (auto n = w.lock()) dep.insert(n.get());
      }
      tape.ops.push_back(std::move(op));
    }
  }
  tape.depends.assign(dep.begin(), dep.end());
  std::sort(tape.depends.begin(), tape.depends.end());
  return tape;
}

}  // namespace detail
}  // namespace ember
