// Builders of scaled_dot_product_attention and of its gradient node, and
// the composition of ordinary ops their transforms go through.
#include <algorithm>
#include <limits>

#include "core/errors.h"
#include "fast/fast.h"
#include "ops/arrange.h"
#include "ops/autodiff.h"

namespace ember::fast {

namespace {

using MaskKind = ScaledDotProductAttention::Mask;

// (..., H, T, D) -> (..., H * rep, T, D), each head repeated rep times.
array repeat_heads(const array& x, int64_t rep, Stream st) {
  int nd = x.ndim();
  Shape sh = x.shape();
  Shape ex = sh;
  ex.insert(ex.begin() + (nd - 2), rep);
  array y = broadcast_to(expand_dims(x, {nd - 2}, st), ex, st);
  sh[nd - 3] *= rep;
  return reshape(y, sh, st);
}

// softmax(scale * q k^T + mask) v by ordinary ops, heads grouped for GQA.
std::vector<array> attention_composed(const std::vector<array>& in, float scale,
                                      MaskKind kind, bool has_sinks, Dtype t, Stream st) {
  Dtype a = accum_type(t);
  array q = astype(in[0], a, st), k = astype(in[1], a, st), v = astype(in[2], a, st);
  int nd = q.ndim();
  int64_t hq = q.shape()[nd - 3], hk = k.shape()[nd - 3];
  int64_t tq = q.shape()[nd - 2], tk = k.shape()[nd - 2];
  int64_t rep = hq / hk;
  // Repeat each key/value head for its group of query heads.
  if (rep > 1) {
    k = repeat_heads(k, rep, st);
    v = repeat_heads(v, rep, st);
  }
  array scores = multiply(matmul(q, swapaxes(k, -1, -2, st), st), array::scalar(scale, a), st);
  array lowest = array::scalar(std::numeric_limits<float>::lowest(), a);
  size_t next = 3;
  if (kind == MaskKind::Causal) {
    array qi = reshape(add(arange(0, tq, 1, int32, st), array::scalar(tk - tq, int32), st),
                       {tq, 1}, st);
    array keep = greater_equal(qi, arange(0, tk, 1, int32, st), st);
    scores = where(keep, scores, lowest, st);
  } else if (kind == MaskKind::Bool) {
    scores = where(in[next++], scores, lowest, st);
  } else if (kind == MaskKind::Additive) {
    scores = add(scores, astype(in[next++], a, st), st);
  }
  if (has_sinks) {
    Shape ss = scores.shape();
    ss.back() = 1;
    array sink = astype(in[next], a, st);
    Shape sh(nd, 1);
    sh[nd - 3] = hq;
    sink = broadcast_to(reshape(sink, sh, st), ss, st);
    scores = concatenate({sink, scores}, -1, st);
  }
  array p = softmax(scores, {-1}, true, st);
  if (has_sinks) {
    Shape b0(nd, 0), e0 = p.shape(), stp(nd, 1);
    b0.back() = 1;
    p = slice(p, b0, e0, stp, st);
  }
  return {astype(matmul(p, v, st), t, st)};
}

}  // namespace

array scaled_dot_product_attention(const array& q, const array& k, const array& v,
                                   float scale, const AttentionMask& mask,
                                   const std::optional<array>& sinks, StreamOrDevice s) {
  const char* op = "[scaled_dot_product_attention] ";
  if (q.ndim() != 4 || k.ndim() != 4 || v.ndim() != 4) {
    throw ValueError(std::string(op) + "q, k and v must have 4 dimensions (B, N, T, D).");
  }
  int64_t b = q.shape()[0], hq = q.shape()[1], tq = q.shape()[2], dq = q.shape()[3];
  int64_t hk = k.shape()[1], tk = k.shape()[2];
  if (k.shape()[0] != b || v.shape()[0] != b || v.shape()[1] != hk || v.shape()[2] != tk) {
    throw ValueError(std::string(op) + "Batch sizes, key/value heads or key/value lengths "
                     "do not match: q " + shape_str(q.shape()) + ", k " +
                     shape_str(k.shape()) + ", v " + shape_str(v.shape()) + ".");
  }
  if (k.shape()[3] != dq) {
    throw ValueError(std::string(op) + "q and k must have the same head dimension.");
  }
  if (hk == 0 || hq % hk != 0) {
    throw ValueError(std::string(op) + "The number of query heads " + std::to_string(hq) +
                     " must be a multiple of the key/value heads " + std::to_string(hk) + ".");
  }
  Dtype t = float_type(promote_types(promote_types(q.dtype(), k.dtype()), v.dtype()));
  Stream st = to_stream(s);
  std::vector<array> inputs{astype(q, t, s), astype(k, t, s), astype(v, t, s)};
  MaskKind kind = MaskKind::None;
  if (auto* name = std::get_if<std::string>(&mask)) {
    if (*name != "causal") {
      throw ValueError(std::string(op) + "The only mask name is 'causal'; got '" + *name + "'.");
    }
    kind = MaskKind::Causal;
  } else if (auto* m = std::get_if<array>(&mask)) {
    if (m->ndim() > 4) throw ValueError(std::string(op) + "A mask has at most 4 dimensions.");
    Shape full{b, hq, tq, tk};
    if (broadcast_shapes(m->shape(), full, "scaled_dot_product_attention") != full) {
      throw ValueError(std::string(op) + "The mask of shape " + shape_str(m->shape()) +
                       " does not broadcast to " + shape_str(full) + ".");
    }
    if (m->dtype() == bool_) {
      kind = MaskKind::Bool;
      inputs.push_back(broadcast_to(*m, full, s));
    } else {
      if (promote_types(m->dtype(), t) != t) {
        throw ValueError(std::string(op) + "An additive mask must promote to the type of "
                         "q, k and v.");
      }
      kind = MaskKind::Additive;
      inputs.push_back(broadcast_to(astype(*m, t, s), full, s));
    }
  }
  if (sinks) {
    if (sinks->ndim() != 1 || sinks->shape()[0] != hq) {
      throw ValueError(std::string(op) + "sinks must have one entry per query head.");
    }
    inputs.push_back(astype(*sinks, t, s));
  }
  bool has_sinks = sinks.has_value();
  ArrayFun fallback = [=](const std::vector<array>& in) {
    return attention_composed(in, scale, kind, has_sinks, t, st);
  };
  return array({b, hq, tq, v.shape()[3]}, t,
               std::make_shared<ScaledDotProductAttention>(st, fallback, scale, kind,
                                                           has_sinks),
               inputs);
}

std::vector<array> ScaledDotProductAttention::vjp(const std::vector<array>& primals,
                                                  const std::vector<array>& cotangents,
                                                  const std::vector<int>& argnums,
                                                  const std::vector<array>& outputs) {
  // One AttentionVJP node where it applies: float32, no sinks, no mask
  // array (whose gradient the node does not give), keys present.
  bool only_qkv = std::all_of(argnums.begin(), argnums.end(), [](int i) { return i < 3; });
  bool fused = !has_sinks_ && (mask_ == Mask::None || mask_ == Mask::Causal) && only_qkv &&
               !outputs.empty() && primals[0].dtype() == float32 &&
               primals[1].shape()[2] > 0;
  if (!fused) return Fused::vjp(primals, cotangents, argnums, outputs);
  return pick(attention_vjp(primals[0], primals[1], primals[2], outputs[0], cotangents[0],
                            scale_, mask_ == Mask::Causal, stream()),
              argnums);
}

std::vector<array> attention_vjp(const array& q, const array& k, const array& v,
                                 const array& o, const array& cotangent, float scale,
                                 bool causal, StreamOrDevice s) {
  const char* op = "[attention_vjp] ";
  for (const array* a : {&q, &k, &v, &o, &cotangent}) {
    if (a->ndim() != 4 || a->dtype() != float32) {
      throw ValueError(std::string(op) + "Inputs must be float32 arrays (B, N, T, D).");
    }
  }
  int64_t b = q.shape()[0], hq = q.shape()[1], tq = q.shape()[2], hk = k.shape()[1];
  int64_t tk = k.shape()[2];
  Shape out_shape{b, hq, tq, v.shape()[3]};
  if (k.shape()[0] != b || k.shape()[3] != q.shape()[3] || v.shape()[0] != b ||
      v.shape()[1] != hk || v.shape()[2] != tk || hk == 0 || hq % hk != 0 ||
      o.shape() != out_shape || cotangent.shape() != out_shape) {
    throw ValueError(std::string(op) + "The shapes of q, k, v, the output and its "
                     "cotangent do not match.");
  }
  Stream st = to_stream(s);
  MaskKind kind = causal ? MaskKind::Causal : MaskKind::None;
  ArrayFun fallback = [=](const std::vector<array>& in) {
    ArrayFun attend = [=](const std::vector<array>& p) {
      return attention_composed(p, scale, kind, false, float32, st);
    };
    return ember::vjp(attend, {in[0], in[1], in[2]}, {in[4]}).second;
  };
  return array::make_arrays({q.shape(), k.shape(), v.shape()}, {float32, float32, float32},
                            std::make_shared<AttentionVJP>(st, fallback, scale, causal),
                            {q, k, v, o, cotangent});
}

}  // namespace ember::fast
