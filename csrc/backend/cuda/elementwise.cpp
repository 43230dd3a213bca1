// GPU glue of the elementwise tables (ops/unary.def, ops/binary.def) and of
// where(): one row of a table registers one kernel here.
#include "ops/elementwise.h"

#include "backend/cuda/utils.h"

namespace ember::cuda {

namespace {

template <int Op>
void unary(const UnaryElementwise&, const std::vector<array>& inputs, array& out,
           const Context& ctx) {
  const array& in = inputs[0];
  if (in.flags().contiguous) {
    // Dense input (any order): run over the flat span, keep its layout; in
    // place when nothing else holds the input.
    if (in.itemsize() == out.itemsize() && in.owns_memory_on(Device::Type::gpu) &&
        in.data_size() == in.size()) {
      out.copy_layout(in);
    } else {
      alloc_out(out, in, ctx);
    }
    launch_unary(Op, dptr<char>(in), code(in.dtype()), nullptr, mptr<char>(out),
                 code(out.dtype()), in.data_size(), ctx.cu);
    return;
  }
  alloc_out(out, ctx);
  auto l = layouts(in.shape(), {in.strides()}, "unary");
  launch_unary(Op, dptr<char>(in), code(in.dtype()), &l[0], mptr<char>(out),
               code(out.dtype()), in.size(), ctx.cu);
}

// Whether a and b are dense with one and the same layout.
bool same_dense_layout(const array& a, const array& b) {
  return a.flags().contiguous && b.flags().contiguous && a.strides() == b.strides() &&
         a.data_size() == a.size() && b.data_size() == b.size();
}

bool donatable(const array& in, const array& out) {
  return in.itemsize() == out.itemsize() && in.owns_memory_on(Device::Type::gpu) &&
         in.flags().contiguous && in.data_size() == in.size();
}

template <int Op>
void binary(const BinaryElementwise&, const std::vector<array>& inputs, array& out,
            const Context& ctx) {
  const array& a = inputs[0];
  const array& b = inputs[1];
  int in_code = code(a.dtype());
  bool a_one = a.data_size() == 1, b_one = b.data_size() == 1;
  Layout one = one_value();
  if ((a_one || b_one || same_dense_layout(a, b)) &&
      (a_one || a.flags().contiguous) && (b_one || b.flags().contiguous)) {
    // Flat: each operand is dense in the same order or a single value.
    const array& like = a_one ? b : a;
    if (!a_one && donatable(a, out)) out.copy_layout(a);
    else if (!b_one && donatable(b, out)) out.copy_layout(b);
    else if (a_one && b_one) alloc_out(out, ctx);
    else alloc_out(out, like, ctx);
    int64_t n = a_one && b_one ? out.size() : like.data_size();
    Scalar av, bv;
    bool a_host = a_one && host_scalar(a, av), b_host = b_one && host_scalar(b, bv);
    launch_binary(Op, a_host ? nullptr : dptr<char>(a), a_one ? &one : nullptr,
                  b_host ? nullptr : dptr<char>(b), b_one ? &one : nullptr, in_code,
                  mptr<char>(out), code(out.dtype()), n, ctx.cu, a_host ? &av : nullptr,
                  b_host ? &bv : nullptr);
    return;
  }
  alloc_out(out, ctx);
  auto l = layouts(out.shape(), {a.strides(), b.strides()}, "binary");
  launch_binary(Op, dptr<char>(a), &l[0], dptr<char>(b), &l[1], in_code, mptr<char>(out),
                code(out.dtype()), out.size(), ctx.cu);
}

void select(const Select&, const std::vector<array>& inputs, array& out,
            const Context& ctx) {
  alloc_out(out, ctx);
  auto l = layouts(out.shape(),
                   {inputs[0].strides(), inputs[1].strides(), inputs[2].strides()},
                   "where");
  launch_select(dptr<char>(inputs[0]), &l[0], dptr<char>(inputs[1]), &l[1],
                dptr<char>(inputs[2]), &l[2], mptr<char>(out), code(out.dtype()),
                out.size(), ctx.cu);
}

template <typename P, int Op>
void register_unary_row() {
  register_kernel(typeid(P), [](Primitive& p, const std::vector<array>& in,
                                std::vector<array>& out, const Context& ctx) {
    unary<Op>(static_cast<const UnaryElementwise&>(p), in, out[0], ctx);
  });
}

template <typename P, int Op>
void register_binary_row() {
  register_kernel(typeid(P), [](Primitive& p, const std::vector<array>& in,
                                std::vector<array>& out, const Context& ctx) {
    binary<Op>(static_cast<const BinaryElementwise&>(p), in, out[0], ctx);
  });
}

}  // namespace

void register_unary_kernels() {
#define UNARY(Class, ...) register_unary_row<Class, kUnary##Class>();
#include "ops/unary.def"
#undef UNARY
  register_unary_row<Conjugate, kUnaryConjugate>();
}

void register_binary_kernels() {
#define BINARY(Class, ...) register_binary_row<Class, kBinary##Class>();
#include "ops/binary.def"
#undef BINARY
  register_unary_output<Select, select>();
}

}  // namespace ember::cuda
