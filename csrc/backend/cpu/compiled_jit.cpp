// Lowering a fused float32 subgraph into the vector program of
// compiled_jit_ir.h. The math functions follow simd_math.h step by step
// (same reductions, polynomials and special cases), so generated and
// interpreted results agree to rounding.
#include "backend/cpu/compiled_jit.h"

#include <bit>
#include <cstdlib>
#include <cstring>
#include <string>
#include <typeindex>

#include "backend/cpu/compiled_jit_ir.h"
#include "backend/cpu/isa.h"
#include "backend/cpu/simd_math.h"
#include "ops/copy.h"
#include "ops/elementwise.h"

namespace ember::cpu {

namespace jit {

int Program::bits(uint32_t b) {
  auto it = const_value.find(b);
  if (it != const_value.end()) return it->second;
  consts.push_back(b);
  int v = emit(V::Const, -1, -1, -1, static_cast<int>(consts.size()) - 1);
  const_value[b] = v;
  return v;
}

int Program::f(float v) { return bits(std::bit_cast<uint32_t>(v)); }

namespace {

namespace fm = fmath;

// The simd_math.h functions over vector values.
struct Math {
  Program& p;

  int sign() { return p.bits(0x80000000u); }
  int abs(int x) { return p.emit(V::AndNot, sign(), x); }

  int expm1_poly(int r, const float* c) {
    int q = p.emit(V::Fma, p.f(c[4]), r, p.f(c[3]));
    for (int k = 2; k >= 0; --k) q = p.emit(V::Fma, q, r, p.f(c[k]));
    return p.emit(V::Fma, p.emit(V::Mul, r, r), q, r);
  }
  int expm1_reduced(int r) { return expm1_poly(r, fm::kExpm1Poly); }

  // n = round(y / ln 2) and r = y - n ln 2; t keeps n in its low bits.
  void reduce(int y, float shift, int& t, int& n, int& r) {
    t = p.emit(V::Fma, y, p.f(fm::kLog2e), p.f(shift));
    n = p.emit(V::Sub, t, p.f(shift));
    r = p.emit(V::Fnma, n, p.f(fm::kLn2Hi), y);
    r = p.emit(V::Fnma, n, p.f(fm::kLn2Lo), r);
  }

  int pow2i(int n) {
    int i = p.emit(V::IAdd, p.emit(V::Cvtt, n), p.bits(127));
    return p.emit(V::Shl, i, -1, -1, 23);
  }

  int exp(int x) {
    int c = p.emit(V::Max, p.f(-104.0f), p.emit(V::Min, p.f(89.0f), x));
    int t, n, r;
    reduce(c, fm::kRoundShift, t, n, r);
    int q = p.emit(V::Add, expm1_reduced(r), p.f(1.0f));
    int h = p.emit(V::Sub, p.emit(V::Fma, n, p.f(0.5f), p.f(fm::kRoundShift)), p.f(fm::kRoundShift));
    int y = p.emit(V::Mul, p.emit(V::Mul, q, pow2i(h)), pow2i(p.emit(V::Sub, n, h)));
    y = p.emit(V::Blend, p.emit(V::Cmp, x, p.f(fm::kExpOverflow), -1, kGt), y,
               p.bits(0x7f800000u));
    // A NaN x gives a NaN y already; the comparisons leave it alone.
    return p.emit(V::Blend, p.emit(V::Cmp, x, p.f(fm::kExpUnderflow), -1, kLt), y, p.f(0.0f));
  }

  int tanh(int x) {
    int c = p.emit(V::Min, p.f(fm::kTanhOne), abs(x));
    int t = p.emit(V::Fma, c, p.f(2.0f * fm::kLog2e), p.f(fm::kRoundShift128));
    int n = p.emit(V::Sub, t, p.f(fm::kRoundShift128));
    int h = p.emit(V::Fnma, n, p.f(0.5f * fm::kLn2), c);
    int s2 = p.emit(V::Shl, t, -1, -1, 23);
    int s_1 = p.emit(V::Fma, s2, p.f(0.5f), p.f(-1.0f));
    int em = p.emit(V::Fma, s2, expm1_poly(h, fm::kExpm1PolyHalf), s_1);
    int q = p.emit(V::Div, em, p.emit(V::Add, em, p.f(2.0f)));
    return p.emit(V::OrAnd, q, x, sign());
  }

  int sigmoid(int x) {
    int e = exp(p.emit(V::Xor, abs(x), sign()));
    int pos = p.emit(V::Div, p.f(1.0f), p.emit(V::Add, p.f(1.0f), e));
    int neg = p.emit(V::Mul, e, pos);
    return p.emit(V::Blend, p.emit(V::Cmp, x, p.f(0.0f), -1, kLt), pos, neg);
  }

  int log(int x) {
    int tiny = p.emit(V::Cmp, x, p.f(1.17549435e-38f), -1, kLt);
    int xs = p.emit(V::Blend, tiny, x, p.emit(V::Mul, x, p.f(8388608.0f)));
    int e = p.emit(V::Sar, p.emit(V::ISub, xs, p.bits(0x3f3504f3u)), -1, -1, 23);
    int m = p.emit(V::ISub, xs, p.emit(V::Shl, e, -1, -1, 23));
    int ef = p.emit(V::Sub, p.emit(V::Cvt, e), p.emit(V::Blend, tiny, p.f(0.0f), p.f(23.0f)));
    int f = p.emit(V::Sub, m, p.f(1.0f));
    int s = p.emit(V::Div, f, p.emit(V::Add, p.f(2.0f), f));
    int s2 = p.emit(V::Mul, s, s);
    int q = p.emit(V::Fma, p.f(1.0f / 13), s2, p.f(1.0f / 11));
    for (float k : {9.0f, 7.0f, 5.0f, 3.0f}) q = p.emit(V::Fma, q, s2, p.f(1.0f / k));
    int inner = p.emit(V::Fnma, p.emit(V::Mul, p.f(2.0f), s2), q, f);
    int logm = p.emit(V::Fnma, s, inner, f);
    int y = p.emit(V::Fma, ef, p.f(fm::kLn2Hi), p.emit(V::Fma, ef, p.f(fm::kLn2Lo), logm));
    y = p.emit(V::Blend, p.emit(V::Cmp, x, p.f(0.0f), -1, kEq), y, p.bits(0xff800000u));
    y = p.emit(V::Blend, p.emit(V::Cmp, x, p.f(0.0f), -1, kLt), y, p.bits(0x7fc00000u));
    y = p.emit(V::Blend, p.emit(V::Cmp, x, p.bits(0x7f800000u), -1, kEq), y, x);
    return p.emit(V::Blend, p.emit(V::Cmp, x, x, -1, kUnord), y, x);
  }

  // MLX's maximum/minimum: a NaN argument wins (a first), else the larger
  // (smaller), else a. So b is taken where a is not NaN and !(a >= b)
  // (maximum) or !(b >= a) (minimum).
  int pick(int a, int b, bool max) {
    int ordered = p.emit(V::Cmp, a, a, -1, kOrd);
    int take_b = max ? p.emit(V::CmpIf, a, b, ordered, kNge) : p.emit(V::CmpIf, b, a, ordered, kNge);
    return p.emit(V::Blend, take_b, a, b);
  }
};

template <class T>
bool is(const Primitive& prim) {
  return typeid(prim) == typeid(T);
}

// The exponent of a power whose exponent argument is a single value.
float single_exponent(int arg, const std::vector<char>& single,
                      const std::vector<const char*>& values) {
  // Only an input (not an op result) can be a single value.
  if (arg >= static_cast<int>(single.size()) || !single[arg] || !values[arg]) return 0.0f;
  float e;
  std::memcpy(&e, values[arg], sizeof e);
  return e;
}

// Lowers op `op` with argument values `a` (mask values for compares);
// returns its value, or -1 when it has no lowering.
int lower_op(Math& m, const FusedOp& op, const std::vector<int>& a, float exponent) {
  Program& p = m.p;
  const Primitive& prim = *op.prim;
  using K = FusedOp::Kind;
  // Masks (compare results) feed only a select's condition.
  for (size_t k = op.kind == K::Select ? 1 : 0; k < a.size(); ++k) {
    if (p.is_mask(a[k])) return -1;
  }
  if (op.kind == K::Select) return p.is_mask(a[0]) ? p.emit(V::Blend, a[0], a[2], a[1]) : -1;
  // Casts reach here only from float32 to float32 (the caller checks dtypes).
  if (op.kind == K::Broadcast || op.kind == K::Cast) return a[0];
  if (op.kind == K::Unary && is<StopGradient>(prim)) return a[0];
  if (op.kind == K::Unary) {
    int x = a[0];
    if (is<Abs>(prim)) return m.abs(x);
    if (is<Negative>(prim)) return p.emit(V::Xor, x, m.sign());
    if (is<Square>(prim)) return p.emit(V::Mul, x, x);
    if (is<Sqrt>(prim)) return p.emit(V::Sqrt, x);
    if (is<Rsqrt>(prim)) return p.emit(V::Div, p.f(1.0f), p.emit(V::Sqrt, x));
    if (is<Reciprocal>(prim)) return p.emit(V::Div, p.f(1.0f), x);
    if (is<Floor>(prim)) return p.emit(V::Round, x, -1, -1, 0x09);
    if (is<Ceil>(prim)) return p.emit(V::Round, x, -1, -1, 0x0A);
    if (is<Trunc>(prim)) return p.emit(V::Round, x, -1, -1, 0x0B);
    if (is<Round>(prim)) return p.emit(V::Round, x, -1, -1, 0x08);
    if (is<Exp>(prim)) return m.exp(x);
    if (is<Tanh>(prim)) return m.tanh(x);
    if (is<Sigmoid>(prim)) return m.sigmoid(x);
    if (is<Log>(prim)) return m.log(x);
    return -1;
  }
  int x = a[0], y = a[1];
  if (is<Add>(prim)) return p.emit(V::Add, x, y);
  if (is<Subtract>(prim)) return p.emit(V::Sub, x, y);
  if (is<Multiply>(prim)) return p.emit(V::Mul, x, y);
  if (is<Divide>(prim)) return p.emit(V::Div, x, y);
  if (is<Maximum>(prim)) return m.pick(x, y, true);
  if (is<Minimum>(prim)) return m.pick(x, y, false);
  if (is<Power>(prim)) {
    if (exponent != 2.0f && exponent != 3.0f) return -1;
    int sq = p.emit(V::Mul, x, x);
    return exponent == 2.0f ? sq : p.emit(V::Mul, sq, x);
  }
  if (is<Greater>(prim)) return p.emit(V::Cmp, x, y, -1, kGt);
  if (is<GreaterEqual>(prim)) return p.emit(V::Cmp, x, y, -1, kGe);
  if (is<Less>(prim)) return p.emit(V::Cmp, x, y, -1, kLt);
  if (is<LessEqual>(prim)) return p.emit(V::Cmp, x, y, -1, kLe);
  if (is<Equal>(prim)) return p.emit(V::Cmp, x, y, -1, kEq);
  if (is<NotEqual>(prim)) return p.emit(V::Cmp, x, y, -1, kNeq);
  return -1;
}

bool is_compare(const Primitive& prim) {
  return is<Greater>(prim) || is<GreaterEqual>(prim) || is<Less>(prim) ||
         is<LessEqual>(prim) || is<Equal>(prim) || is<NotEqual>(prim);
}

}  // namespace
}  // namespace jit

bool jit_enabled() {
  static const bool on = [] {
    const char* env = std::getenv("EMBER_JIT");
    if (env && std::string(env) == "0") return false;
    return cpu_isa() == Isa::Avx512;
  }();
  return on;
}

std::string jit_key(const Compiled& c, const std::vector<char>& single,
                    const std::vector<const char*>& values) {
  std::string key;
  for (char s : single) key += s ? 'S' : 'V';
  for (const FusedOp& op : c.ops()) {
    if (typeid(*op.prim) == typeid(Power) && op.args[1] < c.num_inputs()) {
      key.push_back(':');
      key.append(std::to_string(jit::single_exponent(op.args[1], single, values)));
    }
  }
  return key;
}

std::shared_ptr<JitKernel> jit_build(const Compiled& c, const std::vector<char>& single,
                                     const std::vector<const char*>& values) {
  using namespace jit;
  int n_in = c.num_inputs();
  Program p;
  Math m{p};
  auto kernel = std::make_shared<JitKernel>();
  std::vector<int> value(n_in + c.ops().size(), -1);
  kernel->load_at.assign(n_in, -1);
  kernel->store_at.assign(c.output_ops().size(), -1);
  for (int i = 0; i < n_in; ++i) {
    if (single[i]) {
      int slot = p.param_slot();
      kernel->params.push_back({i, slot});
      value[i] = p.emit(V::Const, -1, -1, -1, slot);
    }
  }
  for (size_t j = 0; j < c.ops().size(); ++j) {
    const FusedOp& op = c.ops()[j];
    bool mask_out = op.kind == FusedOp::Kind::Binary && is_compare(*op.prim);
    if (op.dtype != (mask_out ? bool_ : float32)) return nullptr;
    std::vector<int> args;
    for (int a : op.args) {
      if (value[a] < 0) {  // first use of an input
        kernel->load_at[a] = static_cast<int>(p.insts.size());
        value[a] = p.emit(V::Load, -1, -1, -1, a);
      }
      args.push_back(value[a]);
    }
    float exponent = op.args.size() == 2 ? single_exponent(op.args[1], single, values) : 0.0f;
    value[n_in + j] = lower_op(m, op, args, exponent);
    if (value[n_in + j] < 0) return nullptr;
    // Outputs are stored as soon as they exist, which frees their
    // registers after their last use.
    const auto& outs = c.output_ops();
    for (size_t k = 0; k < outs.size(); ++k) {
      if (outs[k] != static_cast<int>(j)) continue;
      if (p.is_mask(value[n_in + j])) return nullptr;
      kernel->store_at[k] = static_cast<int>(p.insts.size());
      p.emit(V::Store, value[n_in + j], -1, -1, static_cast<int>(k));
    }
  }
  std::vector<uint8_t> code = emit_program(p, n_in);
  if (code.empty()) return nullptr;
  kernel->code = std::make_unique<x86::ExecutableCode>(code);
  if (!kernel->code->ok()) return nullptr;
  kernel->fn = reinterpret_cast<JitFn>(const_cast<void*>(kernel->code->entry()));
  for (uint32_t b : p.consts) kernel->consts.push_back(std::bit_cast<float>(b));
  return kernel;
}

}  // namespace ember::cpu
