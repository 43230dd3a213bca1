// Writing a traced graph as bytes and replaying it. Values are numbered:
// inputs first, then constants, then the outputs of each node in
// topological order. Every value's shape and dtype is recorded, so a replay
// on inputs of the traced shapes rebuilds exactly the traced graph, and a
// shapeless replay asks each primitive for its new output shapes.
#include "transforms/export.h"

#include <algorithm>
#include <unordered_map>

#include "core/errors.h"
#include "ops/ops.h"
#include "transforms/transforms.h"

namespace ember {

namespace {

constexpr int64_t kMagic = 0x31474d4245;  // "EMBG1"

const Loader kLoaders[] = {
    load_unary,       load_binary,       load_shape_family, load_copy_family, load_indexing,
    load_reduce,      load_matmul,       load_conv,        load_scan,
    load_quantized,   load_fast,         load_fft,         load_linalg,
    load_random,
};

void write_value(Writer& w, const Shape& shape, Dtype dtype) {
  w.ints(shape);
  w.dtype(dtype);
}

}  // namespace

std::string export_graph(const std::vector<array>& inputs,
                         const std::vector<array>& outputs,
                         std::vector<array>& constants) {
  std::unordered_map<const ArrayNode*, int64_t> ids;
  for (size_t i = 0; i < inputs.size(); ++i) {
    // The same array passed twice is one value; the first position wins.
    ids.emplace(inputs[i].node(), static_cast<int64_t>(i));
  }
  int64_t next = static_cast<int64_t>(inputs.size());

  // Nodes are written to `body` in post-order; the header with the counts
  // goes in front at the end.
  Writer body;
  int64_t n_nodes = 0;
  std::vector<std::pair<array, bool>> stack;
  for (auto it = outputs.rbegin(); it != outputs.rend(); ++it) stack.push_back({*it, false});
  std::vector<array> found_constants;
  while (!stack.empty()) {
    auto [a, expanded] = stack.back();
    if (ids.count(a.node())) {
      stack.pop_back();
      continue;
    }
    if (!a.has_primitive()) {
      stack.pop_back();
      if (!a.is_evaluated()) {
        throw ValueError("[export_function] The function uses an array that has "
                         "no value and no operation producing it.");
      }
      ids[a.node()] = -1 - static_cast<int64_t>(found_constants.size());
      found_constants.push_back(a);
      continue;
    }
    if (!expanded) {
      stack.back().second = true;
      const auto& ins = a.inputs();
      for (auto it = ins.rbegin(); it != ins.rend(); ++it) {
        if (!ids.count(it->node())) stack.push_back({*it, false});
      }
      continue;
    }
    stack.pop_back();
    // All siblings of a get their ids together.
    const OpNode& op = *a.node()->op;
    Writer prim;
    op.primitive->save(prim);
    n_nodes++;
    std::vector<int64_t> in_ids;
    // Constants still have provisional negative ids; replay maps them.
    for (auto& in : op.inputs) in_ids.push_back(ids.at(in.node()));
    auto siblings = a.outputs();
    std::vector<Shape> shapes;
    std::vector<Dtype> dtypes;
    detail::output_signature(op, siblings, "export_function", shapes, dtypes);
    size_t n_out = shapes.size();
    for (size_t k = 0; k < n_out; ++k) {
      if (k < siblings.size() && siblings[k].valid()) ids[siblings[k].node()] = next;
      next++;
    }
    // Node record: input ids, output shapes/dtypes, primitive bytes.
    Writer node;
    node.ints(in_ids);
    node.i64(static_cast<int64_t>(n_out));
    for (size_t k = 0; k < n_out; ++k) write_value(node, shapes[k], dtypes[k]);
    node.str(prim.bytes());
    body.str(node.bytes());
  }

  // Header: inputs, constants, then nodes, then output ids. Constant ids
  // were provisional (negative); map them to n_inputs + position.
  int64_t n_in = static_cast<int64_t>(inputs.size());
  int64_t n_const = static_cast<int64_t>(found_constants.size());
  Writer w;
  w.i64(kMagic);
  w.i64(n_in);
  for (auto& x : inputs) write_value(w, x.shape(), x.dtype());
  w.i64(n_const);
  for (auto& c : found_constants) write_value(w, c.shape(), c.dtype());
  w.i64(n_nodes);
  w.str(body.bytes());
  std::vector<int64_t> out_ids;
  for (auto& o : outputs) out_ids.push_back(ids.at(o.node()));
  w.ints(out_ids);
  constants = std::move(found_constants);
  return w.bytes();
}

namespace {

// Provisional ids: >= n_inputs counts nodes' outputs in order of creation
// (they were numbered from n_inputs); negative ids are constants.
int64_t resolve(int64_t id, int64_t n_in, int64_t n_const, int64_t n_values) {
  if (id < 0) {
    int64_t c = -1 - id;
    if (c >= n_const) Reader::corrupt();
    return n_in + c;
  }
  if (id < n_in) return id;
  if (id + n_const >= n_values) Reader::corrupt();
  return id + n_const;
}

}  // namespace

std::vector<array> replay_graph(const std::string& bytes,
                                const std::vector<array>& inputs,
                                const std::vector<array>& constants) {
  Reader r(bytes.data(), bytes.size());
  if (r.i64() != kMagic) Reader::corrupt();
  int64_t n_in = r.bounded(0, 1 << 20);
  if (n_in != static_cast<int64_t>(inputs.size())) {
    throw ValueError("[import_function] Expected " + std::to_string(n_in) +
                     " input arrays but got " + std::to_string(inputs.size()) + ".");
  }
  std::vector<array> values;
  std::vector<Shape> recorded;
  for (int64_t i = 0; i < n_in; ++i) {
    Shape shape = r.ints();
    Dtype dtype = r.dtype();
    if (inputs[i].dtype() != dtype) {
      throw ValueError("[import_function] Input " + std::to_string(i) + " has type " +
                       dtype_name(inputs[i].dtype()) + " but the function was "
                       "exported for " + dtype_name(dtype) + ".");
    }
    values.push_back(inputs[i]);
    recorded.push_back(std::move(shape));
  }
  int64_t n_const = r.bounded(0, 1 << 30);
  if (n_const != static_cast<int64_t>(constants.size())) Reader::corrupt();
  for (int64_t i = 0; i < n_const; ++i) {
    Shape shape = r.ints();
    Dtype dtype = r.dtype();
    if (constants[i].shape() != shape || constants[i].dtype() != dtype) Reader::corrupt();
    values.push_back(constants[i]);
    recorded.push_back(std::move(shape));
  }
  int64_t n_nodes = r.bounded(0, 1 << 30);
  std::string body = r.str();
  Reader b(body.data(), body.size());
  Stream stream = to_stream({});
  for (int64_t n = 0; n < n_nodes; ++n) {
    std::string node_bytes = b.str();
    Reader nr(node_bytes.data(), node_bytes.size());
    ReplayNode node{{}, {}, {}, {}, true, stream};
    for (int64_t id : nr.ints()) {
      int64_t v = resolve(id, n_in, n_const, static_cast<int64_t>(values.size()));
      node.inputs.push_back(values[v]);
      node.in_shapes.push_back(recorded[v]);
      node.same_shapes = node.same_shapes && values[v].shape() == recorded[v];
    }
    int64_t n_out = nr.bounded(1, 1 << 16);
    for (int64_t k = 0; k < n_out; ++k) {
      node.shapes.push_back(nr.ints());
      node.dtypes.push_back(nr.dtype());
      for (int64_t d : node.shapes.back()) {
        if (d < 0) Reader::corrupt();
      }
    }
    std::string prim_bytes = nr.str();
    Reader pr(prim_bytes.data(), prim_bytes.size());
    std::string tag = pr.str();
    std::vector<array> out;
    bool loaded = false;
    for (Loader load : kLoaders) {
      if ((loaded = load(tag, pr, node, out))) break;
    }
    if (!loaded) {
      throw ValueError("[import_function] Unknown operation '" + tag + "' in the file.");
    }
    if (out.size() != static_cast<size_t>(n_out)) Reader::corrupt();
    for (int64_t k = 0; k < n_out; ++k) {
      if (out[k].dtype() != node.dtypes[k]) Reader::corrupt();
      if (node.same_shapes && out[k].shape() != node.shapes[k]) Reader::corrupt();
      values.push_back(out[k]);
      recorded.push_back(node.shapes[k]);
    }
  }
  std::vector<array> result;
  for (int64_t id : r.ints()) {
    result.push_back(values[resolve(id, n_in, n_const, static_cast<int64_t>(values.size()))]);
  }
  return result;
}

}  // namespace ember

namespace ember {

std::string graph_to_dot(const std::vector<array>& outputs,
                         const std::vector<std::pair<std::string, array>>& names) {
  std::unordered_map<const ArrayNode*, std::string> label;
  for (auto& [n, a] : names) label[a.node()] = n;
  // Arrays and operations get ids on first sight; `done` marks the arrays
  // already written with their producing operation.
  std::unordered_map<const void*, int64_t> ids;
  auto id_of = [&](const void* p) {
    auto it = ids.emplace(p, static_cast<int64_t>(ids.size())).first;
    return "n" + std::to_string(it->second);
  };
  std::unordered_map<const void*, bool> done;
  std::string nodes, edges;
  std::vector<array> stack(outputs.rbegin(), outputs.rend());
  while (!stack.empty()) {
    array a = stack.back();
    stack.pop_back();
    if (done[a.node()]) continue;
    done[a.node()] = true;
    std::string aid = id_of(a.node());
    auto named = label.find(a.node());
    std::string text = named != label.end() ? named->second
                                            : shape_str(a.shape()) + " " + dtype_name(a.dtype());
    nodes += "  " + aid + " [shape=box, label=\"" + text + "\"];\n";
    if (!a.has_primitive()) continue;
    const OpNode& op = *a.node()->op;
    std::string pid = id_of(&op);
    edges += "  " + pid + " -> " + aid + ";\n";
    if (done[&op]) continue;
    done[&op] = true;
    nodes += "  " + pid + " [label=\"" + op.primitive->name() + "\"];\n";
    for (auto& in : op.inputs) {
      edges += "  " + id_of(in.node()) + " -> " + pid + ";\n";
      stack.push_back(in);
    }
  }
  return "digraph {\n" + nodes + edges + "}\n";
}

}  // namespace ember
