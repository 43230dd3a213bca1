// Kernels of quantization (ops/quantized.h).
#include "backend/cpu/minifloat.h"
#include "backend/cpu/strided.h"
#include "core/dispatch.h"
#include "core/scalar_cast.h"
#include "ops/quantized.h"

namespace ember {

void Fp8Convert::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  out.set_data(allocate(out.nbytes()));
  auto plan = cpu::make_plan<2>(in.shape(), {out.strides(), in.strides()});
  dispatch_float(encode_ ? in.dtype() : out.dtype(), "fp8", [&](auto tag) {
    using T = typename decltype(tag)::type;
    if (encode_) {
      const T* s = in.data<T>();
      uint8_t* d = out.data<uint8_t>();
      cpu::run_plan<2>(plan, [&](auto off, int64_t n, auto st) {
        for (int64_t i = 0; i < n; ++i) {
          d[off[0] + i * st[0]] = cpu::to_e4m3(static_cast<float>(s[off[1] + i * st[1]]));
        }
      });
    } else {
      const uint8_t* s = in.data<uint8_t>();
      T* d = out.data<T>();
      cpu::run_plan<2>(plan, [&](auto off, int64_t n, auto st) {
        for (int64_t i = 0; i < n; ++i) {
          d[off[0] + i * st[0]] = static_cast<T>(cpu::from_e4m3(s[off[1] + i * st[1]]));
        }
      });
    }
  });
}

}  // namespace ember
