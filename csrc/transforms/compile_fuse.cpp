// Elementwise fusion. A region grows backwards from a root step through
// producers of the same output shape, highest step first, so that a
// producer is judged after all of its users. Values used outside the region
// become extra outputs of the fused step unless that would create a cycle
// (an outside step between two members); then only values used solely
// inside the region may join.
#include <algorithm>
#include <queue>
#include <unordered_map>

#include "core/backend.h"
#include "ops/compiled.h"
#include "transforms/compile.h"

namespace ember {

namespace {

struct Graph {
  const std::vector<ProgramStep>& steps;
  std::vector<int> producer;            // value -> step (-1: input or constant)
  std::vector<std::vector<int>> users;  // value -> steps reading it
  std::vector<char> is_output;
  std::vector<char> fusable;
  std::vector<FusedOp::Kind> kind;
};

// Region membership uses stamps so no per-root reset is needed.
struct Marks {
  std::vector<int> member, seen;
  int stamp = 0;
};

std::vector<int> grow(const Graph& g, int root, const std::vector<int>& region_of, bool strict,
                      Marks& m) {
  ++m.stamp;
  const Shape& shape = g.steps[root].shapes[0];
  std::vector<int> members{root};
  m.member[root] = m.stamp;
  std::priority_queue<int> queue;
  auto push_inputs = [&](int s) {
    for (int v : g.steps[s].inputs) {
      int p = g.producer[v];
      if (p >= 0 && m.seen[p] != m.stamp) {
        m.seen[p] = m.stamp;
        queue.push(p);
      }
    }
  };
  push_inputs(root);
  while (!queue.empty()) {
    int p = queue.top();
    queue.pop();
    if (!g.fusable[p] || region_of[p] >= 0 || g.steps[p].shapes[0] != shape) continue;
    int v = g.steps[p].outputs[0];
    if (strict) {
      bool inside = !g.is_output[v];
      for (int u : g.users[v]) inside = inside && m.member[u] == m.stamp;
      if (!inside) continue;
    }
    m.member[p] = m.stamp;
    members.push_back(p);
    push_inputs(p);
  }
  return members;
}

bool escapes(const Graph& g, int value, const Marks& m) {
  if (g.is_output[value]) return true;
  for (int u : g.users[value]) {
    if (m.member[u] != m.stamp) return true;
  }
  return false;
}

// Whether a step outside the region both reads a region value and feeds
// the region (directly or through other outside steps).
bool has_cycle(const Graph& g, const std::vector<int>& members, const Marks& m) {
  int root = members[0];
  std::vector<int> stack;
  std::vector<char> reached(g.steps.size(), 0);
  for (int s : members) {
    for (int u : g.users[g.steps[s].outputs[0]]) {
      if (m.member[u] != m.stamp && u < root && !reached[u]) {
        reached[u] = 1;
        stack.push_back(u);
      }
    }
  }
  while (!stack.empty()) {
    int q = stack.back();
    stack.pop_back();
    for (int w : g.steps[q].outputs) {
      for (int u : g.users[w]) {
        if (m.member[u] == m.stamp) return true;
        if (u < root && !reached[u]) {
          reached[u] = 1;
          stack.push_back(u);
        }
      }
    }
  }
  return false;
}

ProgramStep make_fused_step(const Graph& g, std::vector<int> members, const Marks& m) {
  std::sort(members.begin(), members.end());
  std::unordered_map<int, int> arg_of;  // value -> argument index of the fused op
  std::vector<int> inputs;
  for (int s : members) {
    for (int v : g.steps[s].inputs) {
      int p = g.producer[v];
      bool internal = p >= 0 && m.member[p] == m.stamp;
      if (!internal && !arg_of.count(v)) {
        arg_of[v] = static_cast<int>(inputs.size());
        inputs.push_back(v);
      }
    }
  }
  int n_in = static_cast<int>(inputs.size());
  std::vector<FusedOp> ops;
  ProgramStep fused;
  std::vector<int> out_ops;
  for (size_t j = 0; j < members.size(); ++j) {
    const ProgramStep& st = g.steps[members[j]];
    FusedOp op{g.kind[members[j]], st.prim, {}, st.shapes[0], st.dtypes[0]};
    for (int v : st.inputs) op.args.push_back(arg_of.at(v));
    int v = st.outputs[0];
    arg_of[v] = n_in + static_cast<int>(j);
    if (escapes(g, v, m)) {
      out_ops.push_back(static_cast<int>(j));
      fused.outputs.push_back(v);
      fused.shapes.push_back(st.shapes[0]);
      fused.dtypes.push_back(st.dtypes[0]);
    }
    ops.push_back(std::move(op));
  }
  fused.inputs = std::move(inputs);
  Stream s = g.steps[members.back()].prim->stream();
  fused.prim = std::make_shared<Compiled>(s, n_in, std::move(ops), std::move(out_ops));
  return fused;
}

// Orders steps so every value is produced before it is read, keeping the
// original order where it is free.
std::vector<ProgramStep> topological(std::vector<ProgramStep> steps, std::vector<int> keys,
                                     int n_values) {
  std::vector<int> producer(n_values, -1);
  for (size_t s = 0; s < steps.size(); ++s) {
    for (int v : steps[s].outputs) producer[v] = static_cast<int>(s);
  }
  std::vector<int> pending(steps.size(), 0);
  std::vector<std::vector<int>> waiting(steps.size());
  for (size_t s = 0; s < steps.size(); ++s) {
    for (int v : steps[s].inputs) {
      if (producer[v] >= 0) {
        pending[s]++;
        waiting[producer[v]].push_back(static_cast<int>(s));
      }
    }
  }
  using Item = std::pair<int, int>;  // (key, step), smallest key first
  std::priority_queue<Item, std::vector<Item>, std::greater<Item>> ready;
  for (size_t s = 0; s < steps.size(); ++s) {
    if (!pending[s]) ready.push({keys[s], static_cast<int>(s)});
  }
  std::vector<ProgramStep> out;
  while (!ready.empty()) {
    int s = ready.top().second;
    ready.pop();
    for (int w : waiting[s]) {
      if (--pending[w] == 0) ready.push({keys[w], w});
    }
    out.push_back(std::move(steps[s]));
  }
  return out;
}

}  // namespace

void fuse_elementwise(std::vector<ProgramStep>& steps, int n_values,
                      const std::vector<Dtype>& dtypes, const std::vector<int>& outputs) {
  int n = static_cast<int>(steps.size());
  Graph g{steps, std::vector<int>(n_values, -1), std::vector<std::vector<int>>(n_values),
          std::vector<char>(n_values, 0), std::vector<char>(n, 0),
          std::vector<FusedOp::Kind>(n, FusedOp::Kind::Unary)};
  for (int s = 0; s < n; ++s) {
    const ProgramStep& st = steps[s];
    for (int v : st.outputs) g.producer[v] = s;
    for (int v : st.inputs) g.users[v].push_back(s);
    if (st.outputs.size() != 1 || !fusable_kind(*st.prim, g.kind[s])) continue;
    std::vector<Dtype> in_dtypes;
    for (int v : st.inputs) in_dtypes.push_back(dtypes[v]);
    // The backend of the step's stream says what its compiled kernels run.
    FusedOp op{g.kind[s], st.prim, {}, {}, st.dtypes[0]};
    g.fusable[s] = backend(st.prim->stream().device.type, "compile").fuses(op, in_dtypes);
  }
  for (int v : outputs) g.is_output[v] = 1;

  std::vector<int> region_of(n, -1);
  std::vector<ProgramStep> fused;
  std::vector<int> fused_keys;
  Marks m{std::vector<int>(n, 0), std::vector<int>(n, 0)};
  for (int root = n - 1; root >= 0; --root) {
    if (!g.fusable[root] || region_of[root] >= 0) continue;
    std::vector<int> members = grow(g, root, region_of, false, m);
    if (members.size() > 1 && has_cycle(g, members, m)) {
      members = grow(g, root, region_of, true, m);
    }
    if (members.size() < 2) continue;
    for (int s : members) region_of[s] = static_cast<int>(fused.size());
    fused.push_back(make_fused_step(g, members, m));
    fused_keys.push_back(root);
  }
  if (fused.empty()) return;
  std::vector<ProgramStep> result;
  std::vector<int> keys;
  for (int s = 0; s < n; ++s) {
    if (region_of[s] >= 0) continue;
    result.push_back(std::move(steps[s]));
    keys.push_back(s);
  }
  for (size_t r = 0; r < fused.size(); ++r) {
    result.push_back(std::move(fused[r]));
    keys.push_back(fused_keys[r]);
  }
  steps = topological(std::move(result), std::move(keys), n_values);
}

}  // namespace ember
