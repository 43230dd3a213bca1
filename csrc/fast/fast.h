// mx.fast: fused kernels for normalization, rotary embeddings and
// attention. Each primitive evaluates in one pass (backend/cpu/fast.cpp);
// its transforms are those of an equivalent composition of ordinary ops
// (the fallback), so gradients of any order and vmap come for free.
#pragma once
#include <optional>
#include <string>
#include <variant>

#include "core/primitive.h"
#include "ops/ops.h"
#include "transforms/transforms.h"

namespace ember::fast {

// The type a fused op computes in: x's own if it is a real float.
inline Dtype float_type(Dtype t) { return is_inexact(t) && !is_complex(t) ? t : float32; }
// Accumulation type of the compositions: float32 for half types.
inline Dtype accum_type(Dtype t) { return t == float64 ? float64 : float32; }

class Fused : public Primitive {
 public:
  Fused(Stream s, ArrayFun fallback) : Primitive(s), fallback_(std::move(fallback)) {}
  EMBER_TRANSFORM_RULES
  // The composition of ordinary ops this primitive stands for: a backend
  // without a kernel for it may run that instead.
  const ArrayFun& fallback() const { return fallback_; }

 protected:
  // The gradients for argnums out of those for every input.
  static std::vector<array> pick(const std::vector<array>& grads,
                                 const std::vector<int>& argnums);
  ArrayFun fallback_;
};

// inputs: x, optional weight (D,); normalizes the last axis.
class RMSNorm : public Fused {
 public:
  RMSNorm(Stream s, ArrayFun fb, float eps, bool has_weight)
      : Fused(s, std::move(fb)), eps_(eps), has_weight_(has_weight) {}
  void eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) override;
  const char* name() const override { return "RMSNorm"; }
  float eps() const { return eps_; }
  bool has_weight() const { return has_weight_; }
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums,
                         const std::vector<array>& outputs) override;
  EMBER_SAVE_RULE

 private:
  float eps_;
  bool has_weight_;
};

// inputs: x, then the weight and bias (D,) that are present.
class LayerNorm : public Fused {
 public:
  LayerNorm(Stream s, ArrayFun fb, float eps, bool has_weight, bool has_bias)
      : Fused(s, std::move(fb)), eps_(eps), has_weight_(has_weight), has_bias_(has_bias) {}
  void eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) override;
  const char* name() const override { return "LayerNorm"; }
  float eps() const { return eps_; }
  bool has_weight() const { return has_weight_; }
  bool has_bias() const { return has_bias_; }
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums,
                         const std::vector<array>& outputs) override;
  EMBER_SAVE_RULE

 private:
  float eps_;
  bool has_weight_, has_bias_;
};

// The gradients of a float32 RMSNorm (center false) or LayerNorm in one
// pass per row. inputs: x, the weight if the norm has one, the cotangent;
// outputs: dx, then dweight and dbias where the norm has them.
class NormVJP : public Fused {
 public:
  NormVJP(Stream s, ArrayFun fb, float eps, bool center, bool has_weight, bool has_bias)
      : Fused(s, std::move(fb)), eps_(eps), center_(center), has_weight_(has_weight),
        has_bias_(has_bias) {}
  void eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) override;
  const char* name() const override { return "NormVJP"; }
  EMBER_SAVE_RULE

 private:
  float eps_;
  bool center_, has_weight_, has_bias_;
};

// inputs: x (..., T, D), offset (int32 scalar or one per batch entry),
// optional freqs (dims / 2).
class RoPE : public Fused {
 public:
  RoPE(Stream s, ArrayFun fb, int dims, bool traditional, float base, float scale,
       bool has_freqs)
      : Fused(s, std::move(fb)), dims_(dims), traditional_(traditional), base_(base),
        scale_(scale), has_freqs_(has_freqs) {}
  void eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) override;
  const char* name() const override { return "RoPE"; }
  EMBER_SAVE_RULE

 private:
  int dims_;
  bool traditional_;
  float base_, scale_;
  bool has_freqs_;
};

// inputs: q (B, Hq, Tq, D), k (B, Hkv, Tk, D), v (B, Hkv, Tk, Dv), then an
// optional mask broadcast to (B, Hq, Tq, Tk) and optional sinks (Hq).
class ScaledDotProductAttention : public Fused {
 public:
  enum class Mask { None, Causal, Bool, Additive };
  ScaledDotProductAttention(Stream s, ArrayFun fb, float scale, Mask mask, bool has_sinks)
      : Fused(s, std::move(fb)), scale_(scale), mask_(mask), has_sinks_(has_sinks) {}
  void eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) override;
  const char* name() const override { return "ScaledDotProductAttention"; }
  std::vector<array> vjp(const std::vector<array>& primals, const std::vector<array>& cotangents,
                         const std::vector<int>& argnums,
                         const std::vector<array>& outputs) override;
  EMBER_SAVE_RULE

 private:
  float scale_;
  Mask mask_;
  bool has_sinks_;
};

// The gradients of a float32 attention without sinks, mask none or causal,
// one (batch, key head) at a time. inputs: q, k, v, the forward's output o
// and its cotangent; outputs: dq, dk, dv.
class AttentionVJP : public Fused {
 public:
  AttentionVJP(Stream s, ArrayFun fb, float scale, bool causal)
      : Fused(s, std::move(fb)), scale_(scale), causal_(causal) {}
  void eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) override;
  const char* name() const override { return "AttentionVJP"; }
  EMBER_SAVE_RULE

 private:
  float scale_;
  bool causal_;
};

// inputs: q, k (B, T, Hk, Dk), v (B, T, Hv, Dv), gamma, beta (B, T, Hv),
// state (B, Hv, Dv, Dk) [, mask (B, T) bool]. Outputs: y (B, T, Hv, Dv)
// and the final state. The gated delta rule, one step per t:
//   S <- g S;  S <- S + beta (v - S k) k^T;  y = S q  (heads of q, k repeat).
class GatedDelta : public Fused {
 public:
  GatedDelta(Stream s, ArrayFun fb, bool has_mask)
      : Fused(s, std::move(fb)), has_mask_(has_mask) {}
  void eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) override;
  const char* name() const override { return "GatedDelta"; }
  EMBER_SAVE_RULE

 private:
  bool has_mask_;
};

std::vector<array> gated_delta_update(const array& q, const array& k, const array& v,
                                      const array& gamma, const array& beta,
                                      const std::optional<array>& initial_state,
                                      const std::optional<array>& mask, StreamOrDevice s = {});

array rms_norm(const array& x, const std::optional<array>& weight, float eps,
               StreamOrDevice s = {});
array layer_norm(const array& x, const std::optional<array>& weight,
                 const std::optional<array>& bias, float eps, StreamOrDevice s = {});
std::vector<array> norm_vjp(const array& x, const std::optional<array>& w, const array& g,
                            float eps, bool center, bool has_b, StreamOrDevice s = {});
array rope(const array& x, int dims, bool traditional, std::optional<float> base,
           float scale, const array& offset, const std::optional<array>& freqs,
           StreamOrDevice s = {});
using AttentionMask = std::variant<std::monostate, std::string, array>;
array scaled_dot_product_attention(const array& q, const array& k, const array& v,
                                   float scale, const AttentionMask& mask,
                                   const std::optional<array>& sinks,
                                   StreamOrDevice s = {});

std::vector<array> attention_vjp(const array& q, const array& k, const array& v,
                                 const array& o, const array& cotangent, float scale,
                                 bool causal, StreamOrDevice s = {});

// logsumexp(logits, -1) - logits[..., target] in float32, shaped like targets.
array cross_entropy(const array& logits, const array& targets, StreamOrDevice s = {});

}  // namespace ember::fast
