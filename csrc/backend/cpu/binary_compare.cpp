// Binary kernels for the comparison, logical and bitwise rows of
// ops/binary.def, and the Select (where) kernel.
#include "backend/cpu/binary.h"

#define EMBER_KEEP_Arith(x)
#define EMBER_KEEP_Float(x)
#define EMBER_KEEP_Compare(x) x
#define EMBER_KEEP_Logical(x) x
#define EMBER_KEEP_Bitwise(x) x

namespace ember {

#define BINARY(Class, name, rule, cplx, ...) \
  EMBER_KEEP_##rule(EMBER_BINARY_KERNEL(Class, name, rule, cplx))
#include "ops/binary.def"
#undef BINARY

void Select::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& c = inputs[0];
  const array& x = inputs[1];
  const array& y = inputs[2];
  // Each element is read before its own slot is written, so a value input
  // that only the graph holds can take the output.
  if (x.dtype() == out.dtype() && cpu::donatable(x, out)) out.copy_layout(x);
  else if (y.dtype() == out.dtype() && cpu::donatable(y, out)) out.copy_layout(y);
  else out.set_data(allocate(out.nbytes()));
  dispatch_all(out.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const bool* pc = c.data<bool>();
    const T* px = x.data<T>();
    const T* py = y.data<T>();
    T* d = out.data<T>();
    auto plan = cpu::make_plan<4>(
        out.shape(), {out.strides(), cpu::broadcast_strides(c, out.shape()),
                      cpu::broadcast_strides(x, out.shape()),
                      cpu::broadcast_strides(y, out.shape())});
    cpu::run_plan<4>(plan, [&](auto off, int64_t n, auto st) {
      for (int64_t i = 0; i < n; ++i) {
        d[off[0] + i * st[0]] = pc[off[1] + i * st[1]]
                                    ? px[off[2] + i * st[2]]
                                    : py[off[3] + i * st[3]];
      }
    });
  });
}

}  // namespace ember
