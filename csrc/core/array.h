// The array: a handle to a node of the lazy graph. A node either holds data
// (evaluated) or the operation that will produce it (primitive + inputs).
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "core/allocator.h"
#include "core/device.h"
#include "core/dtype.h"
#include "core/shape.h"

namespace ember {

class Primitive;
class array;
struct ArrayNode;

// One application of a primitive. Multi-output primitives have one OpNode
// shared by all their outputs; outputs are held weakly so siblings do not
// keep each other alive.
struct OpNode {
  std::shared_ptr<Primitive> primitive;
  std::vector<array> inputs;
  std::vector<std::weak_ptr<ArrayNode>> outputs;
  // Shapes and dtypes of every output, to allocate ones the user dropped.
  std::vector<Shape> out_shapes;
  std::vector<Dtype> out_dtypes;
  ~OpNode();
};

struct ArrayFlags {
  bool row_contiguous = true;
  bool col_contiguous = true;
  // The data_size elements from offset are all used, each exactly once.
  bool contiguous = true;
};

struct ArrayNode {
  Shape shape;
  Strides strides;
  Dtype dtype = float32;
  int64_t size = 0;
  // In elements, relative to the buffer start.
  int64_t offset = 0;
  int64_t data_size = 0;
  ArrayFlags flags;
  std::shared_ptr<Buffer> buffer;
  std::shared_ptr<OpNode> op;
  uint32_t output_index = 0;
  bool evaluated = false;
  // Set by transforms: tracers keep their graph after eval.
  bool tracer = false;
};

class array {
 public:
  array() = default;
  explicit array(std::shared_ptr<ArrayNode> n) : node_(std::move(n)) {}
  // Scalars.
  explicit array(bool v) : array(make_scalar(&v, bool_)) {}
  explicit array(int32_t v) : array(make_scalar(&v, int32)) {}
  explicit array(int64_t v) : array(make_scalar(&v, int64)) {}
  explicit array(float v) : array(make_scalar(&v, float32)) {}
  explicit array(double v) : array(make_scalar(&v, float64)) {}
  explicit array(complex64_t v) : array(make_scalar(&v, complex64)) {}
  // A scalar of `dtype` holding `v` converted.
  static array scalar(double v, Dtype dtype);
  // Evaluated, row-contiguous, uninitialized data.
  static array empty(const Shape& shape, Dtype dtype);
  // Evaluated from caller-provided data (copied).
  static array from_data(const void* data, const Shape& shape, Dtype dtype);
  // Lazy.
  array(Shape shape, Dtype dtype, std::shared_ptr<Primitive> prim,
        std::vector<array> inputs);
  static std::vector<array> make_arrays(std::vector<Shape> shapes,
                                        std::vector<Dtype> dtypes,
                                        std::shared_ptr<Primitive> prim,
                                        std::vector<array> inputs);

  const Shape& shape() const { return node_->shape; }
  int64_t shape(int dim) const;
  const Strides& strides() const { return node_->strides; }
  Dtype dtype() const { return node_->dtype; }
  int ndim() const { return static_cast<int>(node_->shape.size()); }
  int64_t size() const { return node_->size; }
  int itemsize() const { return node_->dtype.size(); }
  int64_t nbytes() const { return size() * itemsize(); }
  int64_t offset() const { return node_->offset; }
  int64_t data_size() const { return node_->data_size; }
  const ArrayFlags& flags() const { return node_->flags; }
  bool valid() const { return static_cast<bool>(node_); }

  bool is_evaluated() const { return node_->evaluated; }
  bool has_primitive() const { return static_cast<bool>(node_->op); }
  Primitive& primitive() const;
  std::shared_ptr<Primitive> primitive_ptr() const;
  const std::vector<array>& inputs() const;
  std::vector<array> outputs() const;
  uint32_t output_index() const { return node_->output_index; }
  // Tracers only exist while a transform is tracing on this thread.
  bool is_tracer() const { return node_->tracer && tracing_depth() > 0; }
  static int& tracing_depth();
  void set_tracer(bool t) { node_->tracer = t; }
  // Drops the graph behind an evaluated array.
  void detach() { node_->op.reset(); }

  void eval();
  template <typename T>
  T item();

  template <typename T>
  T* data() {
    return reinterpret_cast<T*>(static_cast<char*>(node_->buffer->data()) +
                                node_->offset * itemsize());
  }
  template <typename T>
  const T* data() const {
    return reinterpret_cast<const T*>(
        static_cast<const char*>(node_->buffer->data()) +
        node_->offset * itemsize());
  }
  void* raw_data() { return data<char>(); }
  const std::shared_ptr<Buffer>& buffer() const { return node_->buffer; }

  // For kernels: give the (lazy) output fresh row-contiguous memory.
  void set_data(std::shared_ptr<Buffer> buf);
  // For kernels: fresh memory laid out like `like` (same strides), so
  // elementwise ops on dense transposed inputs need no reordering.
  void set_data(std::shared_ptr<Buffer> buf, const array& like);
  // For kernels: make the output a view of `src`'s buffer.
  void set_view(const array& src, Strides strides, int64_t offset,
                int64_t data_size, ArrayFlags flags);
  // Output reuses `src`'s buffer with the same layout (donation/no-op).
  void copy_layout(const array& src);
  // Whether a kernel on `device` may write into this array's memory:
  // nothing else holds it, and its home is that device.
  bool owns_memory_on(Device::Type device) const {
    return use_count() == 1 && node_->buffer.use_count() == 1 &&
           node_->buffer->home() == device;
  }
  void mark_evaluated() { node_->evaluated = true; }

  // Identity of the node, for graph walks.
  uintptr_t id() const { return reinterpret_cast<uintptr_t>(node_.get()); }
  ArrayNode* node() const { return node_.get(); }
  long use_count() const { return node_.use_count(); }
  bool is_same(const array& o) const { return node_ == o.node_; }

 private:
  static array make_scalar(const void* v, Dtype dtype);
  std::shared_ptr<ArrayNode> node_;
};

// Flags for a layout given shape and strides.
ArrayFlags layout_flags(const Shape& shape, const Strides& strides,
                        int64_t& data_size);

void eval(std::vector<array> outputs);
void async_eval(std::vector<array> outputs);

template <typename T>
T array::item() {
  eval();
  if (size() != 1) {
    throw std::invalid_argument("[item] Only size-1 arrays can be converted.");
  }
  return *data<T>();
}

}  // namespace ember
