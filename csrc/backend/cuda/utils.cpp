#include "backend/cuda/utils.h"

#include <cstring>
#include <string>

#include "core/errors.h"

namespace ember::cuda {

std::vector<Layout> layouts(const Shape& shape, const std::vector<Strides>& strides,
                            const char* op) {
  // Drop size-1 axes, then merge axis d into d+1 where every operand steps
  // over d exactly as over the whole of d+1.
  Shape sh;
  std::vector<Strides> st(strides.size());
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    bool merge = !sh.empty();
    for (size_t k = 0; k < strides.size() && merge; ++k) {
      merge = st[k].back() == strides[k][d] * shape[d];
    }
    if (merge) {
      sh.back() *= shape[d];
      for (size_t k = 0; k < strides.size(); ++k) st[k].back() = strides[k][d];
    } else {
      sh.push_back(shape[d]);
      for (size_t k = 0; k < strides.size(); ++k) st[k].push_back(strides[k][d]);
    }
  }
  if (sh.size() > size_t(kMaxDims)) {
    throw std::runtime_error(std::string("[") + op + "] Layouts of more than " +
                             std::to_string(kMaxDims) +
                             " dimensions are not supported on the GPU.");
  }
  std::vector<Layout> out(strides.size());
  for (size_t k = 0; k < strides.size(); ++k) {
    out[k].ndim = static_cast<int>(sh.size());
    for (size_t d = 0; d < sh.size(); ++d) {
      out[k].shape[d] = sh[d];
      out[k].strides[d] = st[k][d];
    }
    if (sh.empty()) {  // a single element: one axis of size 1
      out[k].ndim = 1;
      out[k].shape[0] = 1;
      out[k].strides[0] = 0;
    }
  }
  return out;
}

bool host_scalar(const array& x, Scalar& value) {
  if (x.data_size() != 1 || !x.buffer() || x.buffer()->home() != Device::Type::cpu) {
    return false;
  }
  std::memcpy(value.bytes, x.data<char>(), x.itemsize());
  return true;
}

void copy_to_new(const array& in, array& out, const Context& ctx) {
  alloc_out(out, ctx);
  copy_into(in, out, out.strides(), 0, ctx);
}

void copy_into(const array& in, array& out, const Strides& st, int64_t offset,
               const Context& ctx) {
  if (in.size() == 0 || !out.buffer()) return;
  char* base = static_cast<char*>(out.buffer()->device_data()) +
               (out.offset() + offset) * out.itemsize();
  if (in.flags().row_contiguous && st == row_strides(in.shape())) {
    launch_copy(dptr<char>(in), code(in.dtype()), nullptr, base, code(out.dtype()),
                nullptr, in.size(), ctx.cu);
    return;
  }
  auto l = layouts(in.shape(), {in.strides(), st}, "copy");
  launch_copy(dptr<char>(in), code(in.dtype()), &l[0], base, code(out.dtype()), &l[1],
              in.size(), ctx.cu);
}

namespace {
thread_local const Context* view_ctx = nullptr;
void copy_for_view(const array& in, array& out) { copy_to_new(in, out, *view_ctx); }
}  // namespace

common::CopyFn view_copy(const Context& ctx) {
  view_ctx = &ctx;
  return copy_for_view;
}

void alloc_out(array& out, const Context& ctx) {
  out.set_data(allocate(out.nbytes(), ctx.stream.device));
}

void alloc_out(array& out, const array& like, const Context& ctx) {
  out.set_data(allocate(out.nbytes(), ctx.stream.device), like);
}

}  // namespace ember::cuda
