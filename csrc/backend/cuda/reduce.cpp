// GPU glue of the reduce family (ops/reduce.h): Reduce, ArgReduce,
// NumberOfElements, Softmax.
#include "ops/reduce.h"

#include <algorithm>

#include "backend/cuda/reduce.h"
#include "backend/cuda/utils.h"

namespace ember::cuda {

namespace {

void reduce(const Reduce& p, const std::vector<array>& inputs, array& out,
            const Context& ctx) {
  const array& in = inputs[0];
  alloc_out(out, ctx);
  if (out.size() == 0) return;
  // Kept axes index the outputs (row-major); reduced axes are walked per output.
  Shape kept_shape, red_shape;
  Strides kept_st, red_st;
  for (int d = 0; d < in.ndim(); ++d) {
    bool reduced = std::find(p.axes().begin(), p.axes().end(), d) != p.axes().end();
    (reduced ? red_shape : kept_shape).push_back(in.shape()[d]);
    (reduced ? red_st : kept_st).push_back(in.strides()[d]);
  }
  int64_t k = 1;
  for (auto n : red_shape) k *= n;
  if (k == 0) {
    // Nothing to reduce: every output is the identity.
    Layout kl = layouts(kept_shape, {kept_st}, "reduce")[0];
    Layout rl = layouts({1}, {{0}}, "reduce")[0];
    launch_reduce(p.kind(), dptr<char>(in), code(in.dtype()), kl, rl, out.size(), 0,
                  mptr<char>(out), sm_count(), nullptr, ctx.cu);
    return;
  }
  Layout kl = layouts(kept_shape, {kept_st}, "reduce")[0];
  Layout rl = layouts(red_shape, {red_st}, "reduce")[0];
  auto scratch = allocate(kReduceScratch, ctx.stream.device);
  scratch->set_producer(ctx.stream.index);
  launch_reduce(p.kind(), dptr<char>(in), code(in.dtype()), kl, rl, out.size(), k,
                mptr<char>(out), sm_count(), scratch->device_data(), ctx.cu);
}

void arg_reduce(const ArgReduce& p, const std::vector<array>& inputs, array& out,
                const Context& ctx) {
  const array& in = inputs[0];
  alloc_out(out, ctx);
  if (out.size() == 0) return;
  Shape kept_shape;
  Strides kept_st;
  for (int d = 0; d < in.ndim(); ++d) {
    if (d == p.axis()) continue;
    kept_shape.push_back(in.shape()[d]);
    kept_st.push_back(in.strides()[d]);
  }
  Layout kl = layouts(kept_shape, {kept_st}, "argreduce")[0];
  launch_arg_reduce(p.kind() == ArgReduce::ArgMax, dptr<char>(in), code(in.dtype()), kl,
                    in.strides()[p.axis()], in.shape()[p.axis()], out.size(),
                    mptr<uint32_t>(out), ctx.cu);
}

void number_of_elements(const NumberOfElements& p, const std::vector<array>& inputs,
                        array& out, const Context& ctx) {
  double n = 1;
  for (int a : p.axes()) n *= static_cast<double>(inputs[0].shape()[a]);
  alloc_out(out, ctx);
  launch_arange(mptr<char>(out), code(out.dtype()), p.inverted() ? 1.0 / n : n, 0.0, 1,
                ctx.cu);
}

void softmax(const Softmax& p, const std::vector<array>& inputs, array& out,
             const Context& ctx) {
  const array& in = inputs[0];
  int axis = p.axis();
  Shape row_shape;
  Strides row_st;
  for (int d = 0; d < in.ndim(); ++d) {
    if (d == axis) continue;
    row_shape.push_back(in.shape()[d]);
    row_st.push_back(in.strides()[d]);
  }
  // Rows are written contiguously: with the axis last in memory, and the
  // output a (dense) view that puts it back in its place.
  Shape mem_shape = row_shape;
  int64_t k = in.shape()[axis];
  mem_shape.push_back(k);
  array rows_out(mem_shape, out.dtype(), nullptr, {});
  alloc_out(rows_out, ctx);
  Strides ms = rows_out.strides(), st(out.ndim());
  for (int d = 0, j = 0; d < out.ndim(); ++d) st[d] = d == axis ? ms.back() : ms[j++];
  int64_t data_size;
  ArrayFlags f = layout_flags(out.shape(), st, data_size);
  out.set_view(rows_out, st, 0, data_size, f);
  if (in.size() == 0) return;
  Layout rows = layouts(row_shape, {row_st}, "softmax")[0];
  launch_softmax(dptr<char>(in), code(in.dtype()), rows, in.strides()[axis], in.size() / k,
                 k, mptr<char>(rows_out), ctx.cu);
}

}  // namespace

void register_reduce_kernels() {
  register_unary_output<Reduce, reduce>();
  register_unary_output<ArgReduce, arg_reduce>();
  register_unary_output<NumberOfElements, number_of_elements>();
  register_unary_output<Softmax, softmax>();
}

}  // namespace ember::cuda
