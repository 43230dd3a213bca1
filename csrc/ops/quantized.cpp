// Builders and transform rules of quantization.
#include "ops/quantized.h"

#include "core/errors.h"
#include "ops/copy.h"

namespace ember {

array to_fp8(const array& x, StreamOrDevice s) {
  if (!is_inexact(x.dtype()) || is_complex(x.dtype())) {
    throw TypeError("[to_fp8] Expected a real floating point input, got " +
                    std::string(dtype_name(x.dtype())) + ".");
  }
  return array(x.shape(), uint8, std::make_shared<Fp8Convert>(to_stream(s), true, uint8), {x});
}

array from_fp8(const array& x, Dtype dtype, StreamOrDevice s) {
  if (x.dtype() != uint8) {
    throw TypeError("[from_fp8] Expected fp8 bytes of dtype uint8, got " +
                    std::string(dtype_name(x.dtype())) + ".");
  }
  if (!is_inexact(dtype) || is_complex(dtype)) {
    throw TypeError("[from_fp8] The target dtype must be a real floating point type.");
  }
  return array(x.shape(), dtype, std::make_shared<Fp8Convert>(to_stream(s), false, dtype), {x});
}

std::pair<std::vector<array>, std::vector<int>> Fp8Convert::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  return {{encode_ ? to_fp8(inputs[0], stream())
                   : from_fp8(inputs[0], dtype_, stream())},
          {axes[0]}};
}

}  // namespace ember
