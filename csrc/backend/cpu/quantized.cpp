// Kernels of quantization (ops/quantized.h).
#include "backend/cpu/minifloat.h"
#include "backend/cpu/strided.h"
#include "core/dispatch.h"
#include "core/scalar_cast.h"
#include "ops/quantized.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include "backend/cpu/copy.h"
#include "core/thread_pool.h"

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
          // Out-of-range values saturate at +-448 (as MLX does); NaN stays.
          float v = static_cast<float>(s[off[1] + i * st[1]]);
          if (!std::isnan(v)) v = std::clamp(v, -448.0f, 448.0f);
          d[off[0] + i * st[0]] = cpu::to_e4m3(v);
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

namespace {

using cpu::from_e2m1;
using cpu::from_e4m3;
using cpu::from_e8m0;

// Codes written to / read from a little-endian bitstream of uint32 words.
struct BitWriter {
  uint32_t* out;
  uint64_t acc = 0;
  int held = 0;
  void put(uint32_t code, int bits) {
    acc |= uint64_t(code) << held;
    held += bits;
    if (held >= 32) {
      *out++ = static_cast<uint32_t>(acc);
      acc >>= 32;
      held -= 32;
    }
  }
};
struct BitReader {
  const uint32_t* in;
  uint64_t acc = 0;
  int held = 0;
  uint32_t get(int bits) {
    if (held < bits) {
      acc |= uint64_t(*in++) << held;
      held += 32;
    }
    uint32_t code = static_cast<uint32_t>(acc & ((uint64_t(1) << bits) - 1));
    acc >>= bits;
    held -= bits;
    return code;
  }
};

// Per-group scale of the microscaling modes: its code and its value.
std::pair<uint8_t, float> fp_group_scale(const QuantSpec& spec, float amax, float global) {
  if (spec.mode == QuantSpec::Nvfp4) {
    uint8_t code = cpu::to_e4m3(std::fmin(amax / 6.0f / global, 448.0f));
    return {code, from_e4m3(code) * global};
  }
  // mx: a power of two that brings amax within the element format
  // (largest binade 2^2 for e2m1, 2^8 for e4m3).
  int e = 0;
  if (amax > 0 && std::isfinite(amax)) {
    std::frexp(amax, &e);
    e = e - 1 - (spec.mode == QuantSpec::Mxfp4 ? 2 : 8);
  } else {
    e = -127;
  }
  uint8_t code = static_cast<uint8_t>(std::clamp(e + 127, 0, 254));
  return {code, from_e8m0(code)};
}

uint32_t fp_element(const QuantSpec& spec, float v) {
  if (spec.bits == 8) return cpu::to_e4m3(std::clamp(v, -448.0f, 448.0f));
  return cpu::to_e2m1(v);
}

// nvfp4's tensor scale: the global amax spread over the e4m3 x e2m1 range.
float global_factor(const array& g) {
  return cpu::ensure_row_contiguous(g).data<float>()[0] / (448.0f * 6.0f);
}

}  // namespace

void Quantize::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  array w = cpu::ensure_row_contiguous(inputs[0]);
  for (auto& o : outputs) o.set_data(allocate(o.nbytes()));
  int64_t k = w.shape().back(), rows = k ? w.size() / k : 0;
  int gs = spec_.group_size, bits = spec_.bits;
  int64_t words = k * bits / 32, groups = k / gs;
  float global = inputs.size() > 1 ? global_factor(inputs[1]) : 1.0f;
  dispatch_float(w.dtype(), "quantize", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using A = compute_t<T>;
    const T* src = w.data<T>();
    uint32_t* packed = outputs[0].data<uint32_t>();
    parallel_for(rows, std::max<int64_t>(1, (1 << 14) / std::max<int64_t>(k, 1)),
                 [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        BitWriter bw{packed + r * words};
        for (int64_t g = 0; g < groups; ++g) {
          const T* x = src + r * k + g * gs;
          A lo = A(x[0]), hi = A(x[0]);
          for (int i = 1; i < gs; ++i) {
            lo = std::min(lo, A(x[i]));
            hi = std::max(hi, A(x[i]));
          }
          int64_t gi = r * groups + g;
          if (spec_.mode == QuantSpec::Affine) {
            A levels = A((1 << bits) - 1);
            A step = (hi - lo) / levels;
            // A constant group keeps its value exactly in the bias.
            T scale_t = static_cast<T>(step > 0 ? step : A(1));
            T bias_t = static_cast<T>(lo);
            A scale = A(scale_t), bias = A(bias_t);
            outputs[1].data<T>()[gi] = scale_t;
            outputs[2].data<T>()[gi] = bias_t;
            for (int i = 0; i < gs; ++i) {
              A q = std::nearbyint((A(x[i]) - bias) / scale);
              bw.put(static_cast<uint32_t>(std::clamp(q, A(0), levels)), bits);
            }
          } else {
            float amax = float(std::max(std::fabs(lo), std::fabs(hi)));
            auto [code, value] = fp_group_scale(spec_, amax, global);
            outputs[1].data<uint8_t>()[gi] = code;
            for (int i = 0; i < gs; ++i) {
              float v = value > 0 ? float(x[i]) / value : 0.0f;
              bw.put(fp_element(spec_, v) & ((1u << bits) - 1), bits);
            }
          }
        }
      }
    });
  });
}

void Dequantize::eval_cpu(const std::vector<array>& inputs, array& out) {
  array wq = cpu::ensure_row_contiguous(inputs[0]);
  array scales = cpu::ensure_row_contiguous(inputs[1]);
  bool affine = spec_.mode == QuantSpec::Affine;
  std::optional<array> biases;
  if (affine) biases = cpu::ensure_row_contiguous(inputs[2]);
  float global = has_global_ ? global_factor(inputs.back()) : 1.0f;
  out.set_data(allocate(out.nbytes()));
  int64_t k = out.shape().back(), rows = k ? out.size() / k : 0;
  int gs = spec_.group_size, bits = spec_.bits;
  int64_t words = k * bits / 32, groups = k / gs;
  dispatch_float(out.dtype(), "dequantize", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using A = compute_t<T>;
    T* dst = out.data<T>();
    const uint32_t* packed = wq.data<uint32_t>();
    parallel_for(rows, std::max<int64_t>(1, (1 << 14) / std::max<int64_t>(k, 1)),
                 [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        BitReader br{packed + r * words};
        for (int64_t g = 0; g < groups; ++g) {
          int64_t gi = r * groups + g;
          T* y = dst + r * k + g * gs;
          if (affine) {
            A scale = A(scales.data<T>()[gi]), bias = A(biases->template data<T>()[gi]);
            for (int i = 0; i < gs; ++i) y[i] = static_cast<T>(scale * A(br.get(bits)) + bias);
          } else {
            uint8_t code = scales.data<uint8_t>()[gi];
            float scale = spec_.mode == QuantSpec::Nvfp4 ? from_e4m3(code) * global
                                                         : from_e8m0(code);
            for (int i = 0; i < gs; ++i) {
              uint32_t c = br.get(bits);
              float v = bits == 8 ? from_e4m3(uint8_t(c)) : from_e2m1(uint8_t(c));
              y[i] = static_cast<T>(v * scale);
            }
          }
        }
      }
    });
  });
}

}  // namespace ember
