// Builders of mx.fast and the compositions their transforms go through.
#include "fast/fast.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/errors.h"
#include "ops/replay.h"
#include "ops/autodiff.h"
#include "ops/arrange.h"
#include "ops/indexing.h"

namespace ember::fast {

// ---- transforms through the fallback composition

std::vector<array> Fused::pick(const std::vector<array>& grads,
                               const std::vector<int>& argnums) {
  std::vector<array> out;
  for (int i : argnums) out.push_back(grads[i]);
  return out;
}

std::vector<array> Fused::vjp(const std::vector<array>& primals,
                              const std::vector<array>& cotangents,
                              const std::vector<int>& argnums, const std::vector<array>&) {
  return pick(ember::vjp(fallback_, primals, cotangents).second, argnums);
}

std::vector<array> Fused::jvp(const std::vector<array>& primals,
                              const std::vector<array>& tangents,
                              const std::vector<int>& argnums) {
  std::vector<array> all;
  for (auto& p : primals) all.push_back(zeros_like(p, stream()));
  for (size_t i = 0; i < argnums.size(); ++i) all[argnums[i]] = tangents[i];
  return ember::jvp(fallback_, primals, all).second;
}

std::pair<std::vector<array>, std::vector<int>> Fused::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  return vmap_outputs(fallback_, inputs, axes);
}

namespace {

void check_feature_vector(const std::optional<array>& p, const array& x, const char* what,
                          const char* op) {
  if (p && (p->ndim() != 1 || p->shape()[0] != x.shape().back())) {
    throw ValueError(std::string("[") + op + "] " + what + " must have shape (" +
                     std::to_string(x.shape().back()) + ",), matching the last axis "
                     "of x; got " + shape_str(p->shape()) + ".");
  }
}

}  // namespace

// ---- gated delta

namespace {

void expect_shape(const array& a, const Shape& shape, const char* what) {
  if (a.shape() != shape) {
    throw ValueError(std::string("[gated_delta_update] ") + what + " must have shape " +
                     shape_str(shape) + "; got " + shape_str(a.shape()) + ".");
  }
}

// Step t of an array with time on axis 1.
array at_step(const array& x, int64_t t, Stream s) {
  Shape start(x.ndim(), 0), stop = x.shape(), step(x.ndim(), 1);
  start[1] = t;
  stop[1] = t + 1;
  return squeeze(slice(x, start, stop, step, s), {1}, s);
}

}  // namespace

std::vector<array> gated_delta_update(const array& q, const array& k, const array& v,
                                      const array& gamma, const array& beta,
                                      const std::optional<array>& initial_state,
                                      const std::optional<array>& mask, StreamOrDevice s) {
  if (q.ndim() != 4 || v.ndim() != 4) {
    throw ValueError("[gated_delta_update] q, k and v must be (B, T, H, D) arrays.");
  }
  int64_t b = q.shape()[0], t = q.shape()[1], hk = q.shape()[2], dk = q.shape()[3];
  int64_t hv = v.shape()[2], dv = v.shape()[3];
  expect_shape(k, q.shape(), "k");
  expect_shape(v, {b, t, hv, dv}, "v");
  expect_shape(gamma, {b, t, hv}, "gamma");
  expect_shape(beta, {b, t, hv}, "beta");
  if (hk == 0 || hv % hk != 0) {
    throw ValueError("[gated_delta_update] The value heads must be a multiple of the key heads.");
  }
  if (initial_state) expect_shape(*initial_state, {b, hv, dv, dk}, "initial_state");
  if (mask) expect_shape(*mask, {b, t}, "mask");
  Dtype dt = float_type(promote_types(promote_types(q.dtype(), k.dtype()), v.dtype()));
  Stream st = to_stream(s);
  std::vector<array> inputs;
  for (const array* a : {&q, &k, &v, &gamma, &beta}) inputs.push_back(astype(*a, dt, st));
  inputs.push_back(initial_state ? astype(*initial_state, dt, st) : zeros({b, hv, dv, dk}, dt, st));
  if (mask) inputs.push_back(astype(*mask, bool_, st));
  int64_t rep = hv / hk;
  ArrayFun fallback = [dt, st, rep, t](const std::vector<array>& in) {
    Dtype a = accum_type(dt);
    auto heads = [&](const array& x) {
      array y = astype(x, a, st);
      return rep > 1 ? repeat(y, rep, 1, st) : y;
    };
    array state = astype(in[5], a, st);
    std::vector<array> ys;
    for (int64_t i = 0; i < t; ++i) {
      array qt = expand_dims(heads(at_step(in[0], i, st)), {2}, st);
      array kt = expand_dims(heads(at_step(in[1], i, st)), {2}, st);
      array vt = astype(at_step(in[2], i, st), a, st);
      array gt = expand_dims(astype(at_step(in[3], i, st), a, st), {-1, -2}, st);
      array bt = expand_dims(astype(at_step(in[4], i, st), a, st), {-1}, st);
      array decayed = multiply(state, gt, st);
      array kv = sum(multiply(decayed, kt, st), {-1}, false, st);
      array delta = multiply(subtract(vt, kv, st), bt, st);
      array next = add(decayed, multiply(expand_dims(delta, {-1}, st), kt, st), st);
      array y = sum(multiply(next, qt, st), {-1}, false, st);
      if (in.size() > 6) {
        array m = at_step(expand_dims(in[6], {-1}, st), i, st);  // (B, 1)
        array m4 = expand_dims(m, {-1, -2}, st);
        next = where(m4, next, state, st);
        y = where(expand_dims(m, {-1}, st), y, zeros_like(y, st), st);
      }
      state = next;
      ys.push_back(astype(y, dt, st));
    }
    array y = ys.empty() ? zeros(in[2].shape(), dt, st) : stack(ys, 1, st);
    return std::vector<array>{y, astype(state, dt, st)};
  };
  return array::make_arrays({v.shape(), {b, hv, dv, dk}}, {dt, dt},
                            std::make_shared<GatedDelta>(st, fallback, mask.has_value()),
                            inputs);
}

// ---- normalization

namespace {

// y = norm(x) * w + b over the last axis as ordinary ops (in: x, then w
// and b where present): the composition the norms' transforms go through.
// center: layer norm (x minus its mean); otherwise rms norm.
array norm_composition(const std::vector<array>& in, float eps, bool center, bool has_w,
                       bool has_b, Dtype t, Stream st) {
  Dtype a = accum_type(t);
  array xf = astype(in[0], a, st);
  array centered = center ? subtract(xf, mean(xf, {-1}, true, st), st) : xf;
  array v = mean(square(centered, st), {-1}, true, st);
  array y = astype(multiply(centered, rsqrt(add(v, array::scalar(eps, a), st), st), st), t, st);
  if (has_w) y = multiply(y, in[1], st);
  if (has_b) y = add(y, in[has_w ? 2 : 1], st);
  return y;
}

}  // namespace

// The gradients of a float32 norm as one NormVJP node: dx, then dw and db
// where the norm has a weight and a bias.
std::vector<array> norm_vjp(const array& x, const std::optional<array>& w, const array& g,
                            float eps, bool center, bool has_b, StreamOrDevice s) {
  if (x.ndim() == 0 || g.shape() != x.shape()) {
    throw ValueError("[norm_vjp] The cotangent must match x, which needs a dimension.");
  }
  check_feature_vector(w, x, "weight", "norm_vjp");
  for (const array* a : {&x, &g, w ? &*w : &x}) {
    if (a->dtype() != float32) throw ValueError("[norm_vjp] Inputs must be float32.");
  }
  Stream st = to_stream(s);
  bool has_w = w.has_value();
  std::vector<array> inputs{x};
  if (w) inputs.push_back(*w);
  inputs.push_back(g);
  ArrayFun fallback = [=](const std::vector<array>& in) {
    std::vector<array> primals(in.begin(), in.end() - 1);
    ArrayFun norm = [=](const std::vector<array>& p) {
      return std::vector<array>{norm_composition(p, eps, center, has_w, false, float32, st)};
    };
    auto grads = ember::vjp(norm, primals, {in.back()}).second;
    if (has_b) {
      Axes rows(in.back().ndim() - 1);
      for (size_t i = 0; i < rows.size(); ++i) rows[i] = static_cast<int>(i);
      grads.push_back(sum(in.back(), rows, false, st));
    }
    return grads;
  };
  int64_t d = x.shape().back();
  std::vector<Shape> shapes{x.shape()};
  if (has_w) shapes.push_back({d});
  if (has_b) shapes.push_back({d});
  std::vector<Dtype> types(shapes.size(), float32);
  return array::make_arrays(
      shapes, types, std::make_shared<NormVJP>(st, fallback, eps, center, has_w, has_b),
      inputs);
}

array rms_norm(const array& x, const std::optional<array>& weight, float eps,
               StreamOrDevice s) {
  if (x.ndim() == 0) throw ValueError("[rms_norm] x needs at least one dimension.");
  check_feature_vector(weight, x, "weight", "rms_norm");
  Dtype t = float_type(weight ? promote_types(x.dtype(), weight->dtype()) : x.dtype());
  std::vector<array> inputs{astype(x, t, s)};
  if (weight) inputs.push_back(astype(*weight, t, s));
  bool has_w = weight.has_value();
  Stream st = to_stream(s);
  ArrayFun fallback = [eps, t, st, has_w](const std::vector<array>& in) {
    return std::vector<array>{norm_composition(in, eps, false, has_w, false, t, st)};
  };
  return array(x.shape(), t, std::make_shared<RMSNorm>(st, fallback, eps, has_w), inputs);
}

array layer_norm(const array& x, const std::optional<array>& weight,
                 const std::optional<array>& bias, float eps, StreamOrDevice s) {
  if (x.ndim() == 0) throw ValueError("[layer_norm] x needs at least one dimension.");
  check_feature_vector(weight, x, "weight", "layer_norm");
  check_feature_vector(bias, x, "bias", "layer_norm");
  Dtype t = x.dtype();
  if (weight) t = promote_types(t, weight->dtype());
  if (bias) t = promote_types(t, bias->dtype());
  t = float_type(t);
  std::vector<array> inputs{astype(x, t, s)};
  if (weight) inputs.push_back(astype(*weight, t, s));
  if (bias) inputs.push_back(astype(*bias, t, s));
  bool has_w = weight.has_value(), has_b = bias.has_value();
  Stream st = to_stream(s);
  ArrayFun fallback = [eps, t, st, has_w, has_b](const std::vector<array>& in) {
    return std::vector<array>{norm_composition(in, eps, true, has_w, has_b, t, st)};
  };
  return array(x.shape(), t,
               std::make_shared<LayerNorm>(st, fallback, eps, has_w, has_b), inputs);
}

std::vector<array> RMSNorm::vjp(const std::vector<array>& primals,
                                const std::vector<array>& cotangents,
                                const std::vector<int>& argnums,
                                const std::vector<array>& outputs) {
  if (primals[0].dtype() != float32) return Fused::vjp(primals, cotangents, argnums, outputs);
  std::optional<array> w;
  if (has_weight_) w = primals[1];
  return pick(norm_vjp(primals[0], w, cotangents[0], eps_, false, false, stream()), argnums);
}

std::vector<array> LayerNorm::vjp(const std::vector<array>& primals,
                                  const std::vector<array>& cotangents,
                                  const std::vector<int>& argnums,
                                  const std::vector<array>& outputs) {
  if (primals[0].dtype() != float32) return Fused::vjp(primals, cotangents, argnums, outputs);
  std::optional<array> w;
  if (has_weight_) w = primals[1];
  return pick(norm_vjp(primals[0], w, cotangents[0], eps_, true, has_bias_, stream()), argnums);
}

// ---- rotary position embedding

array rope(const array& x, int dims, bool traditional, std::optional<float> base,
           float scale, const array& offset, const std::optional<array>& freqs,
           StreamOrDevice s) {
  if (x.ndim() < 3) {
    throw ValueError("[rope] Input must have at least 3 dimensions (B, *, T, D); got " +
                     shape_str(x.shape()) + ".");
  }
  int64_t d = x.shape().back();
  if (dims <= 0 || dims % 2 != 0 || dims > d) {
    throw ValueError("[rope] dims must be positive, even and at most the feature size " +
                     std::to_string(d) + "; got " + std::to_string(dims) + ".");
  }
  if (base.has_value() == freqs.has_value()) {
    throw ValueError("[rope] Exactly one of base and freqs must be given.");
  }
  if (freqs && (freqs->ndim() != 1 || freqs->shape()[0] != dims / 2)) {
    throw ValueError("[rope] freqs must have shape (" + std::to_string(dims / 2) + ",).");
  }
  if (!is_integral(offset.dtype()) && offset.dtype() != bool_) {
    throw ValueError("[rope] offset must be an integer or an integer array.");
  }
  if (offset.size() != 1 && (offset.ndim() != 1 || offset.shape()[0] != x.shape()[0])) {
    throw ValueError("[rope] An offset array must be a scalar or hold one offset per "
                     "batch entry.");
  }
  Dtype t = float_type(x.dtype());
  Stream st = to_stream(s);
  std::vector<array> inputs{astype(x, t, s), astype(offset, int32, s)};
  if (freqs) inputs.push_back(astype(*freqs, float32, s));
  float b = base.value_or(0.0f);
  ArrayFun fallback = [=](const std::vector<array>& in) {
    const array& xx = in[0];
    int nd = xx.ndim();
    int64_t tlen = xx.shape()[nd - 2];
    Dtype a = accum_type(t);
    // Angles (batch or 1, T, dims / 2).
    array pos = arange(0, static_cast<double>(tlen), 1, a, st);
    array off = astype(in[1], a, st);
    off = off.size() > 1 ? reshape(off, {-1, 1}, st) : reshape(off, {1, 1}, st);
    pos = multiply(add(reshape(pos, {1, tlen}, st), off, st), array::scalar(scale, a), st);
    array inv = in.size() > 2
                    ? reciprocal(astype(in[2], a, st), st)
                    : exp(multiply(arange(0, dims / 2, 1, a, st),
                                   array::scalar(-std::log(b) / (dims / 2), a), st), st);
    array theta = multiply(expand_dims(pos, {-1}, st), inv, st);
    // Broadcast over the middle axes: (batch, 1..., T, dims / 2).
    Shape ts{theta.shape()[0]};
    for (int i = 1; i < nd - 2; ++i) ts.push_back(1);
    ts.push_back(tlen);
    ts.push_back(dims / 2);
    theta = reshape(theta, ts, st);
    array c = cos(theta, st), sn = sin(theta, st);
    auto part = [&](int64_t start, int64_t stop, int64_t step) {
      Shape b0(nd, 0), e0 = xx.shape(), stp(nd, 1);
      b0.back() = start;
      e0.back() = stop;
      stp.back() = step;
      return astype(slice(xx, b0, e0, stp, st), a, st);
    };
    array x1 = traditional ? part(0, dims, 2) : part(0, dims / 2, 1);
    array x2 = traditional ? part(1, dims, 2) : part(dims / 2, dims, 1);
    array r1 = subtract(multiply(x1, c, st), multiply(x2, sn, st), st);
    array r2 = add(multiply(x1, sn, st), multiply(x2, c, st), st);
    array rot = traditional ? reshape(stack({r1, r2}, -1, st),
                                      [&] { Shape sh = r1.shape(); sh.back() = dims; return sh; }(), st)
                            : concatenate({r1, r2}, -1, st);
    if (dims < xx.shape().back()) rot = concatenate({rot, part(dims, xx.shape().back(), 1)}, -1, st);
    return std::vector<array>{astype(rot, t, st)};
  };
  return array(x.shape(), t,
               std::make_shared<RoPE>(st, fallback, dims, traditional, b, scale,
                                      freqs.has_value()),
               inputs);
}

// ---- losses

array cross_entropy(const array& logits, const array& targets, StreamOrDevice s) {
  if (logits.ndim() == 0) throw ValueError("[cross_entropy] logits need a class axis.");
  Shape want(logits.shape().begin(), logits.shape().end() - 1);
  if (targets.shape() != want) {
    throw ValueError("[cross_entropy] targets of shape " + shape_str(targets.shape()) +
                     " must match the logits without their last axis, " + shape_str(want) +
                     ".");
  }
  if (!is_integral(targets.dtype())) {
    throw ValueError("[cross_entropy] targets must be integer class indices.");
  }
  array x = astype(logits, float32, s);
  array picked = squeeze(take_along_axis(x, expand_dims(targets, {-1}, s), -1, s), {-1}, s);
  return subtract(logsumexp(x, {-1}, false, s), picked, s);
}

}  // namespace ember::fast

// ---- export: fused ops are rebuilt through their builders, which make
// the fallback composition their transforms need.

namespace ember {

void fast::RMSNorm::save(Writer& w) const {
  w.str("RMSNorm");
  w.f64(eps_);
  w.flag(has_weight_);
}

void fast::LayerNorm::save(Writer& w) const {
  w.str("LayerNorm");
  w.f64(eps_);
  w.flag(has_weight_);
  w.flag(has_bias_);
}

void fast::NormVJP::save(Writer& w) const {
  w.str("NormVJP");
  w.f64(eps_);
  w.flag(center_);
  w.flag(has_weight_);
  w.flag(has_bias_);
}

void fast::AttentionVJP::save(Writer& w) const {
  w.str("AttentionVJP");
  w.f64(scale_);
  w.flag(causal_);
}

void fast::RoPE::save(Writer& w) const {
  w.str("RoPE");
  w.i64(dims_);
  w.flag(traditional_);
  w.f64(base_);
  w.f64(scale_);
  w.flag(has_freqs_);
}

void fast::GatedDelta::save(Writer& w) const {
  w.str("GatedDelta");
  w.flag(has_mask_);
}

void fast::ScaledDotProductAttention::save(Writer& w) const {
  w.str("ScaledDotProductAttention");
  w.f64(scale_);
  w.i64(static_cast<int64_t>(mask_));
  w.flag(has_sinks_);
}

bool load_custom_kernel(Reader& r, const ReplayNode& node, std::vector<array>& out);

bool load_fast(const std::string& tag, Reader& r, const ReplayNode& node,
               std::vector<array>& out) {
  const auto& in = node.inputs;
  auto input = [&](size_t i) {
    if (i >= in.size()) Reader::corrupt();
    return in[i];
  };
  auto optional_input = [&](bool present, size_t i) {
    return present ? std::optional<array>(input(i)) : std::nullopt;
  };
  Stream s = node.stream;
  if (tag == "RMSNorm") {
    float eps = static_cast<float>(r.f64());
    bool has_w = r.flag();
    out = {fast::rms_norm(input(0), optional_input(has_w, 1), eps, s)};
  } else if (tag == "LayerNorm") {
    float eps = static_cast<float>(r.f64());
    bool has_w = r.flag(), has_b = r.flag();
    out = {fast::layer_norm(input(0), optional_input(has_w, 1),
                            optional_input(has_b, has_w ? 2 : 1), eps, s)};
  } else if (tag == "NormVJP") {
    float eps = static_cast<float>(r.f64());
    bool center = r.flag(), has_w = r.flag(), has_b = r.flag();
    out = fast::norm_vjp(input(0), optional_input(has_w, 1), input(has_w ? 2 : 1), eps,
                         center, has_b, s);
  } else if (tag == "AttentionVJP") {
    float scale = static_cast<float>(r.f64());
    bool causal = r.flag();
    out = fast::attention_vjp(input(0), input(1), input(2), input(3), input(4), scale, causal, s);
  } else if (tag == "RoPE") {
    int dims = static_cast<int>(r.bounded(1, 1 << 30));
    bool traditional = r.flag();
    float base = static_cast<float>(r.f64());
    float scale = static_cast<float>(r.f64());
    bool has_freqs = r.flag();
    out = {fast::rope(input(0), dims, traditional,
                      has_freqs ? std::nullopt : std::optional<float>(base), scale,
                      input(1), optional_input(has_freqs, 2), s)};
  } else if (tag == "GatedDelta") {
    bool has_mask = r.flag();
    out = fast::gated_delta_update(input(0), input(1), input(2), input(3), input(4),
                                   input(5), optional_input(has_mask, 6), s);
  } else if (tag == "CustomKernel") {
    return load_custom_kernel(r, node, out);
  } else if (tag == "ScaledDotProductAttention") {
    using Mask = fast::ScaledDotProductAttention::Mask;
    float scale = static_cast<float>(r.f64());
    auto kind = static_cast<Mask>(r.bounded(0, static_cast<int64_t>(Mask::Additive)));
    bool has_sinks = r.flag();
    fast::AttentionMask mask;
    size_t next = 3;
    if (kind == Mask::Causal) mask = std::string("causal");
    if (kind == Mask::Bool || kind == Mask::Additive) mask = input(next++);
    out = {fast::scaled_dot_product_attention(input(0), input(1), input(2), scale, mask,
                                              optional_input(has_sinks, next), s)};
  } else {
    return false;
  }
  return true;
}

}  // namespace ember
