#include "core/array.h"

#include <algorithm>
#include <cstring>

#include "core/errors.h"
#include "core/node_pool.h"
#include "core/primitive.h"
#include "core/scalar_cast.h"

namespace ember {

// Destroying a long chain would otherwise recurse once per node: the first
// OpNode destroyed on a thread collects the inputs of every node it frees and
// releases them in a loop.
OpNode::~OpNode() {
  thread_local std::vector<array>* sink = nullptr;
  if (sink) {
    for (auto& a : inputs) sink->push_back(std::move(a));
    return;
  }
  std::vector<array> pending = std::move(inputs);
  sink = &pending;
  while (!pending.empty()) {
    array a = std::move(pending.back());
    pending.pop_back();
  }
  sink = nullptr;
}

ArrayFlags layout_flags(const Shape& shape, const Strides& strides,
                        int64_t& data_size) {
  ArrayFlags f;
  int64_t size = 1;
  for (auto d : shape) size *= d;
  std::vector<std::pair<int64_t, int64_t>> dims;  // (stride, extent)
  bool positive = true;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 1) continue;
    if (strides[i] <= 0) positive = false;
    dims.emplace_back(strides[i], shape[i]);
  }
  // Row- and column-major checks ignore unit dimensions.
  int64_t expect = 1;
  for (int i = static_cast<int>(dims.size()) - 1; i >= 0; --i) {
    if (dims[i].first != expect) f.row_contiguous = false;
    expect *= dims[i].second;
  }
  expect = 1;
  for (auto& [s, n] : dims) {
    if (s != expect) f.col_contiguous = false;
    expect *= n;
  }
  f.contiguous = positive;
  if (positive) {
    std::sort(dims.begin(), dims.end());
    expect = 1;
    for (auto& [s, n] : dims) {
      if (s != expect) f.contiguous = false;
      expect *= n;
    }
  }
  if (size == 0) f.row_contiguous = f.col_contiguous = f.contiguous = true;
  f.row_contiguous = f.row_contiguous && positive;
  f.col_contiguous = f.col_contiguous && positive;
  data_size = f.contiguous ? size : 0;
  return f;
}

array array::make_scalar(const void* v, Dtype dtype) {
  array a = empty({}, dtype);
  std::memcpy(a.raw_data(), v, dtype.size());
  return a;
}

array array::scalar(double v, Dtype dtype) {
  array a = empty({}, dtype);
  store_scalar(a.raw_data(), dtype, v);
  return a;
}

namespace {

// The element count of an array, checked so that its byte count (and every
// offset into it) fits in int64: nbytes() can then never wrap around.
int64_t checked_size(const Shape& shape, Dtype dtype, const char* op) {
  int64_t n = shape_size(shape, op);
  int64_t bytes = 0;
  if (__builtin_mul_overflow(n, int64_t{dtype.size()}, &bytes)) {
    throw ValueError(std::string("[") + op + "] An array of shape " + shape_str(shape) +
                     " and dtype " + dtype_name(dtype) +
                     " would need more bytes than fit in 64 bits.");
  }
  return n;
}

// Kernels build arrays without a primitive for their scratch results.
const char* op_name(const OpNode& op) {
  return op.primitive ? op.primitive->name() : "array";
}

}  // namespace

array array::empty(const Shape& shape, Dtype dtype) {
  auto n = make_pooled<ArrayNode>();
  n->size = checked_size(shape, dtype, "array");
  n->shape = shape;
  n->strides = row_strides(shape);
  n->dtype = dtype;
  n->data_size = n->size;
  n->buffer = allocate(static_cast<size_t>(n->size) * dtype.size());
  n->evaluated = true;
  return array(std::move(n));
}

array array::from_data(const void* data, const Shape& shape, Dtype dtype) {
  array a = empty(shape, dtype);
  if (a.nbytes() > 0) std::memcpy(a.raw_data(), data, a.nbytes());
  return a;
}

array::array(Shape shape, Dtype dtype, std::shared_ptr<Primitive> prim,
             std::vector<array> inputs) {
  auto op = make_pooled<OpNode>();
  op->primitive = std::move(prim);
  op->inputs = std::move(inputs);
  node_ = make_pooled<ArrayNode>();
  node_->size = checked_size(shape, dtype, op_name(*op));
  node_->shape = std::move(shape);
  node_->dtype = dtype;
  if (tracing_depth() > 0) {
    for (auto& in : op->inputs) node_->tracer = node_->tracer || in.node()->tracer;
  }
  op->outputs.push_back(node_);
  node_->op = std::move(op);
}

std::vector<array> array::make_arrays(std::vector<Shape> shapes,
                                      std::vector<Dtype> dtypes,
                                      std::shared_ptr<Primitive> prim,
                                      std::vector<array> inputs) {
  auto op = make_pooled<OpNode>();
  op->primitive = std::move(prim);
  op->inputs = std::move(inputs);
  bool tracer = false;
  if (tracing_depth() > 0) {
    for (auto& in : op->inputs) tracer = tracer || in.node()->tracer;
  }
  std::vector<array> outs;
  for (size_t i = 0; i < shapes.size(); ++i) {
    auto n = make_pooled<ArrayNode>();
    n->tracer = tracer;
    n->size = checked_size(shapes[i], dtypes[i], op_name(*op));
    n->shape = shapes[i];
    n->dtype = dtypes[i];
    n->op = op;
    n->output_index = static_cast<uint32_t>(i);
    op->outputs.push_back(n);
    outs.push_back(array(std::move(n)));
  }
  op->out_shapes = std::move(shapes);
  op->out_dtypes = std::move(dtypes);
  return outs;
}

int& array::tracing_depth() {
  thread_local int depth = 0;
  return depth;
}

int64_t array::shape(int dim) const {
  return node_->shape.at(normalize_axis(dim, ndim(), "shape"));
}

Primitive& array::primitive() const { return *node_->op->primitive; }
std::shared_ptr<Primitive> array::primitive_ptr() const {
  return node_->op ? node_->op->primitive : nullptr;
}
const std::vector<array>& array::inputs() const {
  static const std::vector<array> none;
  return node_->op ? node_->op->inputs : none;
}

std::vector<array> array::outputs() const {
  if (!node_->op) return {*this};
  std::vector<array> outs;
  for (auto& w : node_->op->outputs) {
    auto n = w.lock();
    outs.push_back(n ? array(std::move(n)) : array());
  }
  return outs;
}

void array::eval() {
  if (!node_->evaluated) ember::eval({*this});
}

void array::set_data(std::shared_ptr<Buffer> buf) {
  node_->buffer = std::move(buf);
  node_->strides = row_strides(node_->shape);
  node_->offset = 0;
  node_->data_size = node_->size;
  node_->flags = ArrayFlags{};
}

void array::set_data(std::shared_ptr<Buffer> buf, const array& like) {
  node_->buffer = std::move(buf);
  node_->strides = like.strides();
  node_->offset = 0;
  node_->data_size = like.data_size();
  node_->flags = like.flags();
}

void array::set_view(const array& src, Strides strides, int64_t offset,
                     int64_t data_size, ArrayFlags flags) {
  node_->buffer = src.node_->buffer;
  node_->strides = std::move(strides);
  node_->offset = offset;
  node_->data_size = data_size;
  node_->flags = flags;
}

void array::copy_layout(const array& src) {
  // Sole owner: the output may be written in place, so a copy of the data
  // on the other device would go stale.
  if (src.node_->buffer.use_count() == 1) src.node_->buffer->drop_copy();
  set_view(src, src.strides(), src.offset(), src.data_size(), src.flags());
}

}  // namespace ember
