// Bindings of quantization: fp8 conversion, quantize/dequantize and
// quantized matrix products.
#include "bindings/args.h"
#include "core/errors.h"
#include "ops/quantized.h"

namespace ember::py {

void init_quantized(nb::module_& m) {
  m.def("to_fp8", [](nb::handle x, nb::handle s) { return to_fp8(ARR(x), SOD); },
        "x"_a, nb::kw_only(), "stream"_a.none() = nb::none(),
        "Round a floating point array to fp8 (e4m3) and return its bytes as uint8.");
  m.def("from_fp8",
        [](nb::handle x, nb::handle dtype, nb::handle s) {
          return from_fp8(ARR(x), to_dtype(dtype).value_or(bfloat16), SOD);
        },
        "x"_a, "dtype"_a.none() = nb::none(), nb::kw_only(),
        "stream"_a.none() = nb::none(),
        "Decode fp8 (e4m3) bytes of dtype uint8 into a floating point array.");
}

}  // namespace ember::py
