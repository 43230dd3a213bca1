// Builders and transform rules of quantization.
#include "ops/quantized.h"

#include "core/errors.h"
#include "ops/replay.h"
#include "ops/arrange.h"
#include "ops/autodiff.h"
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

// ---- quantize / dequantize

QuantSpec quant_spec(const std::string& mode, std::optional<int> group_size,
                     std::optional<int> bits, const char* op) {
  auto bad = [&](const std::string& what) {
    return ValueError(std::string("[") + op + "] " + what);
  };
  auto fixed = [&](QuantSpec::Mode m, int gs, int b) {
    if (group_size && *group_size != gs) {
      throw bad("Mode " + mode + " uses a group size of " + std::to_string(gs) + "; got " +
                std::to_string(*group_size) + ".");
    }
    if (bits && *bits != b) {
      throw bad("Mode " + mode + " uses " + std::to_string(b) + " bits; got " +
                std::to_string(*bits) + ".");
    }
    return QuantSpec{m, gs, b};
  };
  if (mode == "affine") {
    int gs = group_size.value_or(64), b = bits.value_or(4);
    if (gs != 32 && gs != 64 && gs != 128) {
      throw bad("Affine group size must be 32, 64 or 128; got " + std::to_string(gs) + ".");
    }
    if (b < 1 || b > 8 || b == 7) {
      throw bad("Affine bits must be 1, 2, 3, 4, 5, 6 or 8; got " + std::to_string(b) + ".");
    }
    return {QuantSpec::Affine, gs, b};
  }
  if (mode == "mxfp4") return fixed(QuantSpec::Mxfp4, 32, 4);
  if (mode == "mxfp8") return fixed(QuantSpec::Mxfp8, 32, 8);
  if (mode == "nvfp4") return fixed(QuantSpec::Nvfp4, 16, 4);
  throw bad("Unknown mode '" + mode + "'; use affine, mxfp4, mxfp8 or nvfp4.");
}

namespace {

void check_global(const QuantSpec& spec, const std::optional<array>& g, const char* op) {
  if (!g) return;
  if (spec.mode != QuantSpec::Nvfp4) {
    throw ValueError(std::string("[") + op + "] A global scale is only used by nvfp4.");
  }
  if (g->size() != 1) {
    throw ValueError(std::string("[") + op + "] The global scale must be a scalar.");
  }
}

}  // namespace

std::vector<array> quantize(const array& w, std::optional<int> group_size,
                            std::optional<int> bits, const std::string& mode,
                            const std::optional<array>& global_scale, StreamOrDevice s) {
  QuantSpec spec = quant_spec(mode, group_size, bits, "quantize");
  check_global(spec, global_scale, "quantize");
  if (!is_inexact(w.dtype()) || is_complex(w.dtype())) {
    throw ValueError("[quantize] Only real floating point arrays can be quantized.");
  }
  if (w.ndim() < 2) {
    throw ValueError("[quantize] The array must have at least 2 dimensions; got " +
                     shape_str(w.shape()) + ".");
  }
  int64_t k = w.shape().back();
  if (k % spec.group_size != 0) {
    throw ValueError("[quantize] The last dimension (" + std::to_string(k) +
                     ") must be divisible by the group size " +
                     std::to_string(spec.group_size) + ".");
  }
  Shape packed = w.shape(), groups = w.shape();
  packed.back() = k * spec.bits / 32;
  groups.back() = k / spec.group_size;
  bool affine = spec.mode == QuantSpec::Affine;
  std::vector<Shape> shapes{packed, groups};
  std::vector<Dtype> dtypes{uint32, affine ? w.dtype() : uint8};
  if (affine) {
    shapes.push_back(groups);
    dtypes.push_back(w.dtype());
  }
  std::vector<array> inputs{w};
  if (global_scale) inputs.push_back(astype(*global_scale, float32, s));
  return array::make_arrays(shapes, dtypes, std::make_shared<Quantize>(to_stream(s), spec),
                            inputs);
}

array dequantize(const array& wq, const array& scales, const std::optional<array>& biases,
                 std::optional<int> group_size, std::optional<int> bits,
                 const std::string& mode, const std::optional<array>& global_scale,
                 std::optional<Dtype> dtype, StreamOrDevice s) {
  QuantSpec spec = quant_spec(mode, group_size, bits, "dequantize");
  check_global(spec, global_scale, "dequantize");
  bool affine = spec.mode == QuantSpec::Affine;
  if (wq.dtype() != uint32) throw ValueError("[dequantize] The packed array must be uint32.");
  if (affine != biases.has_value()) {
    throw ValueError(affine ? "[dequantize] Affine mode needs biases."
                            : "[dequantize] Only affine mode has biases.");
  }
  if (wq.ndim() == 0 || scales.ndim() != wq.ndim()) {
    throw ValueError("[dequantize] The packed array and the scales must have the same "
                     "number of dimensions (at least one).");
  }
  int64_t k = wq.shape().back() * 32 / spec.bits;
  Shape groups = wq.shape();
  groups.back() = k / spec.group_size;
  if ((wq.shape().back() * 32) % spec.bits != 0 || scales.shape() != groups ||
      (biases && biases->shape() != groups)) {
    throw ValueError("[dequantize] Shapes do not match: packed " + shape_str(wq.shape()) +
                     " with " + std::to_string(spec.bits) + " bits and group size " +
                     std::to_string(spec.group_size) + " needs scales of shape " +
                     shape_str(groups) + ", got " + shape_str(scales.shape()) + ".");
  }
  if (!affine && scales.dtype() != uint8) {
    throw ValueError("[dequantize] Scales of the " + mode + " mode must be uint8.");
  }
  Dtype out = dtype.value_or(affine ? scales.dtype() : bfloat16);
  if (!is_inexact(out) || is_complex(out)) {
    throw ValueError("[dequantize] The output dtype must be a real floating point type.");
  }
  Shape shape = wq.shape();
  shape.back() = k;
  std::vector<array> inputs{wq, affine ? astype(scales, out, s) : scales};
  if (biases) inputs.push_back(astype(*biases, out, s));
  if (global_scale) inputs.push_back(astype(*global_scale, float32, s));
  return array(shape, out,
               std::make_shared<Dequantize>(to_stream(s), spec, global_scale.has_value(), out),
               inputs);
}

// ---- transform rules

namespace {

// Each input with its batch axis first (unbatched ones broadcast along a
// new leading axis of size n).
std::vector<array> batch_first(const std::vector<array>& inputs, const std::vector<int>& axes,
                               size_t count, Stream s) {
  int64_t n = batch_size(inputs, axes);
  std::vector<array> out;
  for (size_t i = 0; i < count; ++i) {
    if (axes[i] >= 0) {
      out.push_back(moveaxis(inputs[i], axes[i], 0, s));
    } else {
      Shape sh = inputs[i].shape();
      sh.insert(sh.begin(), n);
      out.push_back(broadcast_to(expand_dims(inputs[i], {0}, s), sh, s));
    }
  }
  return out;
}

void no_batched_global(const std::vector<int>& axes, size_t first_global, const char* op) {
  for (size_t i = first_global; i < axes.size(); ++i) {
    if (axes[i] >= 0) {
      throw ValueError(std::string("[") + op + "] Cannot vmap over the global scale.");
    }
  }
}

}  // namespace

const char* mode_name(QuantSpec::Mode m) {
  switch (m) {
    case QuantSpec::Affine: return "affine";
    case QuantSpec::Mxfp4: return "mxfp4";
    case QuantSpec::Mxfp8: return "mxfp8";
    default: return "nvfp4";
  }
}

namespace {

// (..., G) -> (..., G * group): each group's value repeated over its group.
array expand_groups(const array& per_group, int group, Stream s) {
  Shape sh = per_group.shape(), wide = sh;
  wide.push_back(group);
  sh.back() *= group;
  return reshape(broadcast_to(expand_dims(per_group, {-1}, s), wide, s), sh, s);
}

// The affine codes as numbers: dequantized with scale 1 and bias 0.
array affine_codes(const array& wq, const QuantSpec& spec, Dtype t, Stream s) {
  Shape groups = wq.shape();
  groups.back() = wq.shape().back() * 32 / spec.bits / spec.group_size;
  return dequantize(wq, ones(groups, t, s), zeros(groups, t, s), spec.group_size, spec.bits,
                    "affine", std::nullopt, t, s);
}

}  // namespace

std::pair<std::vector<array>, std::vector<int>> Quantize::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  no_batched_global(axes, 1, "quantize");
  if (axes[0] == inputs[0].ndim() - 1) {
    throw ValueError("[quantize] Cannot vmap over the quantized (last) axis.");
  }
  array w = moveaxis(inputs[0], axes[0], 0, stream());
  std::optional<array> g;
  if (inputs.size() > 1) g = inputs[1];
  auto outs = quantize(w, spec_.group_size, spec_.bits, mode_name(spec_.mode), g, stream());
  return {outs, std::vector<int>(outs.size(), 0)};
}

std::vector<array> Dequantize::vjp(const std::vector<array>& primals,
                                   const std::vector<array>& cotangents,
                                   const std::vector<int>& argnums, const std::vector<array>&) {
  Stream s = stream();
  const array& g = cotangents[0];
  Shape grouped = g.shape();
  grouped.back() /= spec_.group_size;
  grouped.push_back(spec_.group_size);
  std::vector<array> grads;
  for (int i : argnums) {
    bool affine = spec_.mode == QuantSpec::Affine;
    if (!affine || (i != 1 && i != 2)) {
      throw ValueError("[dequantize] Only the affine scales and biases have gradients.");
    }
    // d w / d scale = q (the codes); d w / d bias = 1; summed per group.
    array term = i == 1 ? multiply(g, affine_codes(primals[0], spec_, g.dtype(), s), s) : g;
    grads.push_back(sum(reshape(term, grouped, s), {-1}, false, s));
  }
  return grads;
}

std::vector<array> Dequantize::jvp(const std::vector<array>& primals,
                                   const std::vector<array>& tangents,
                                   const std::vector<int>& argnums) {
  Stream s = stream();
  std::optional<array> out;
  for (size_t j = 0; j < argnums.size(); ++j) {
    int i = argnums[j];
    if (spec_.mode != QuantSpec::Affine || (i != 1 && i != 2)) {
      throw ValueError("[dequantize] Only the affine scales and biases have tangents.");
    }
    array t = expand_groups(tangents[j], spec_.group_size, s);
    if (i == 1) t = multiply(t, affine_codes(primals[0], spec_, t.dtype(), s), s);
    out = out ? add(*out, t, s) : t;
  }
  return {*out};
}

std::pair<std::vector<array>, std::vector<int>> Dequantize::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  bool affine = spec_.mode == QuantSpec::Affine;
  size_t count = affine ? 3 : 2;
  no_batched_global(axes, count, "dequantize");
  for (size_t i = 0; i < count; ++i) {
    if (axes[i] >= 0 && axes[i] == inputs[i].ndim() - 1) {
      throw ValueError("[dequantize] Cannot vmap over the quantized (last) axis.");
    }
  }
  auto ins = batch_first(inputs, axes, count, stream());
  std::optional<array> biases, global;
  if (affine) biases = ins[2];
  if (has_global_) global = inputs.back();
  Dtype out = affine ? ins[1].dtype() : dtype_;
  return {{dequantize(ins[0], ins[1], biases, spec_.group_size, spec_.bits,
                      mode_name(spec_.mode), global, out, stream())},
          {0}};
}

// ---- products with quantized operands (dequantize, then BLAS)

namespace {

// Products run in x's floating type (float32 for other inputs).
Dtype product_dtype(const array& x) {
  return is_inexact(x.dtype()) && !is_complex(x.dtype()) ? x.dtype() : float32;
}

// The dequantized weight oriented as the right operand of a product.
array weight_operand(const array& x, const array& wq, const array& scales,
                     const std::optional<array>& biases, bool transpose,
                     const QuantSpec& spec, const std::optional<array>& global,
                     const char* op, Stream s) {
  if (wq.ndim() < 2) {
    throw ValueError(std::string("[") + op + "] The quantized matrix must have at least "
                     "2 dimensions.");
  }
  Dtype t = product_dtype(x);
  array w = dequantize(wq, scales, biases, spec.group_size, spec.bits, mode_name(spec.mode),
                       global, t, s);
  if (transpose) w = swapaxes(w, -1, -2, s);
  int64_t inner = w.shape()[w.ndim() - 2];
  if (x.ndim() == 0 || x.shape().back() != inner) {
    throw ValueError(std::string("[") + op + "] The last dimension of x (" +
                     (x.ndim() ? std::to_string(x.shape().back()) : std::string("none")) +
                     ") does not match the quantized matrix, which holds " +
                     std::to_string(inner) + " per row" +
                     (transpose ? "" : " (not transposed)") + ".");
  }
  return w;
}

}  // namespace

array quantized_matmul(const array& x, const array& wq, const array& scales,
                       const std::optional<array>& biases, bool transpose,
                       std::optional<int> group_size, std::optional<int> bits,
                       const std::string& mode, StreamOrDevice s) {
  QuantSpec spec = quant_spec(mode, group_size, bits, "quantized_matmul");
  Stream st = to_stream(s);
  array w = weight_operand(x, wq, scales, biases, transpose, spec, std::nullopt,
                           "quantized_matmul", st);
  return matmul(astype(x, w.dtype(), s), w, s);
}

array gather_qmm(const array& x, const array& wq, const array& scales,
                 const std::optional<array>& biases, const std::optional<array>& lhs,
                 const std::optional<array>& rhs, bool transpose,
                 std::optional<int> group_size, std::optional<int> bits,
                 const std::string& mode, const std::optional<array>& global_scale,
                 StreamOrDevice s) {
  QuantSpec spec = quant_spec(mode, group_size, bits, "gather_qmm");
  check_global(spec, global_scale, "gather_qmm");
  Stream st = to_stream(s);
  array w = weight_operand(x, wq, scales, biases, transpose, spec, global_scale,
                           "gather_qmm", st);
  return gather_mm(astype(x, w.dtype(), s), w, lhs, rhs, s);
}

array qqmm(const array& x, const array& w, const std::optional<array>& scales,
           std::optional<int> group_size, std::optional<int> bits, const std::string& mode,
           const std::optional<array>& global_scale_x,
           const std::optional<array>& global_scale_w, const std::optional<array>& lhs,
           const std::optional<array>& rhs, StreamOrDevice s) {
  QuantSpec spec = quant_spec(mode, group_size, bits, "qqmm");
  if (spec.mode == QuantSpec::Affine) {
    throw ValueError("[qqmm] Affine mode is not supported; use nvfp4, mxfp8 or mxfp4.");
  }
  check_global(spec, global_scale_x, "qqmm");
  check_global(spec, global_scale_w, "qqmm");
  Stream st = to_stream(s);
  Dtype t = product_dtype(x);
  std::string m = mode_name(spec.mode);
  // x goes through the same rounding as a quantized operand.
  auto xq = quantize(x.ndim() < 2 ? reshape(x, {1, -1}, s) : x, spec.group_size, spec.bits,
                     m, global_scale_x, s);
  array xh = dequantize(xq[0], xq[1], std::nullopt, spec.group_size, spec.bits, m,
                        global_scale_x, t, s);
  if (x.ndim() < 2) xh = reshape(xh, x.shape(), s);
  std::vector<array> wpack;
  if (scales) {
    wpack = {w, *scales};
  } else {
    wpack = quantize(w, spec.group_size, spec.bits, m, global_scale_w, s);
  }
  array wh = weight_operand(xh, wpack[0], wpack[1], std::nullopt, true, spec, global_scale_w,
                            "qqmm", st);
  if (lhs || rhs) return gather_mm(xh, wh, lhs, rhs, s);
  return matmul(xh, wh, s);
}

}  // namespace ember

// ---- export

namespace ember {

namespace {

void write_spec(Writer& w, const QuantSpec& q) {
  w.i64(q.mode);
  w.i64(q.group_size);
  w.i64(q.bits);
}

QuantSpec read_spec(Reader& r) {
  auto mode = static_cast<QuantSpec::Mode>(r.bounded(QuantSpec::Affine, QuantSpec::Nvfp4));
  int group_size = static_cast<int>(r.bounded(1, 1 << 16));
  int bits = static_cast<int>(r.bounded(1, 8));
  // Re-validates the combination exactly as the builders do.
  return quant_spec(mode_name(mode), group_size, bits, "import_function");
}

}  // namespace

void Fp8Convert::save(Writer& w) const {
  w.str("Fp8Convert");
  w.flag(encode_);
  w.dtype(dtype_);
}

void Quantize::save(Writer& w) const {
  w.str("Quantize");
  write_spec(w, spec_);
}

void Dequantize::save(Writer& w) const {
  w.str("Dequantize");
  write_spec(w, spec_);
  w.flag(has_global_);
  w.dtype(dtype_);
}

bool load_quantized(const std::string& tag, Reader& r, const ReplayNode& node,
                    std::vector<array>& out) {
  Stream s = node.stream;
  if (tag == "Fp8Convert") {
    bool encode = r.flag();
    out = node.make(std::make_shared<Fp8Convert>(s, encode, r.dtype()));
  } else if (tag == "Quantize") {
    out = node.make(std::make_shared<Quantize>(s, read_spec(r)));
  } else if (tag == "Dequantize") {
    QuantSpec spec = read_spec(r);
    bool has_global = r.flag();
    out = node.make(std::make_shared<Dequantize>(s, spec, has_global, r.dtype()));
  } else {
    return false;
  }
  return true;
}

}  // namespace ember
