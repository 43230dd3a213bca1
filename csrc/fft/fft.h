// mx.fft: a complex-to-complex transform primitive along one axis; real
// transforms, sizes and the n-dimensional forms are composed around it.
// Kernel: backend/cpu/fft.cpp (radix-2, Bluestein for other lengths).
#pragma once
#include <optional>
#include <string>

#include "core/primitive.h"
#include "ops/ops.h"

namespace ember {

// Unnormalized DFT (inverse: exponent +i) along `axis` of a complex64 array.
class FFT : public UnaryOutputPrimitive {
 public:
  FFT(Stream s, int axis, bool inverse)
      : UnaryOutputPrimitive(s), axis_(axis), inverse_(inverse) {}
  using UnaryOutputPrimitive::eval_cpu;
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "FFT"; }
  EMBER_SAVE_RULE
  bool is_equivalent(const Primitive& o) const override {
    auto* p = dynamic_cast<const FFT*>(&o);
    return p && p->axis_ == axis_ && p->inverse_ == inverse_;
  }
  EMBER_TRANSFORM_RULES

 private:
  int axis_;
  bool inverse_;
};

namespace fft {

// norm: "backward", "ortho" or "forward".
array fft(const array& a, std::optional<int64_t> n, int64_t axis, bool inverse,
          const std::string& norm, StreamOrDevice s = {});
array rfft(const array& a, std::optional<int64_t> n, int64_t axis,
           const std::string& norm, StreamOrDevice s = {});
array irfft(const array& a, std::optional<int64_t> n, int64_t axis,
            const std::string& norm, StreamOrDevice s = {});
// kind: "fft", "ifft", "rfft", "irfft".
array fftn(const array& a, const std::optional<Shape>& sizes,
           const std::optional<Axes>& axes, const std::string& kind,
           const std::string& norm, StreamOrDevice s = {});
array fftfreq(int64_t n, double d, bool real, StreamOrDevice s = {});

}  // namespace fft
}  // namespace ember
