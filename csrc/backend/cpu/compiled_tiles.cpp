// Tile loops of the fused kernel, built from the same scalar functors as
// the unary and binary kernels so fused and unfused results agree. Only
// the common element types get fused loops, which keeps this file's
// instantiations (and build time) small.
#include "backend/cpu/compiled_tiles.h"

#include <cstdlib>
#include <cstring>
#include <string>
#include <typeinfo>
#include <unordered_map>

#include "backend/cpu/binary_ops.h"
#include "backend/cpu/elementwise.h"
#include "backend/cpu/isa.h"
#include "backend/cpu/strided.h"
#include "core/allocator.h"
#include "core/scalar_cast.h"
#include "ops/copy.h"
#include "ops/elementwise.h"

namespace ember {

namespace cpu {

namespace {

constexpr bool C = true, R = false;

template <typename F>
bool fused_dispatch(Dtype d, F&& f) {
  switch (d.val) {
    case Dtype::Val::bool_: f(TypeTag<bool>{}); return true;
    case Dtype::Val::uint32: f(TypeTag<uint32_t>{}); return true;
    case Dtype::Val::int32: f(TypeTag<int32_t>{}); return true;
    case Dtype::Val::int64: f(TypeTag<int64_t>{}); return true;
    case Dtype::Val::float16: f(TypeTag<float16_t>{}); return true;
    case Dtype::Val::bfloat16: f(TypeTag<bfloat16_t>{}); return true;
    case Dtype::Val::float32: f(TypeTag<float>{}); return true;
    case Dtype::Val::float64: f(TypeTag<double>{}); return true;
    default: return false;
  }
}

// The loops, written once. Each is instantiated inside wrappers compiled
// for the baseline, AVX2 and AVX-512 targets (float32 only: the type that
// pays for it), and the best wrapper the running CPU supports is used.
// A loop over n elements where operand k reads element i, or element 0
// when bit k of `scalars` is set (a value shared by the whole tile).
#define EMBER_AT(ptr, k) ptr[(scalars >> (k)) & 1 ? 0 : i]

template <class Op, class In, class Out>
struct UnaryLoop {
  [[gnu::always_inline]] static inline void run(const void* const* a, unsigned scalars, void* o,
                                                int64_t n) {
    const In* x = static_cast<const In*>(a[0]);
    Out* y = static_cast<Out*>(o);
    Op op;
    if (scalars) {
      Out v = static_cast<Out>(op(static_cast<compute_t<In>>(x[0])));
      for (int64_t i = 0; i < n; ++i) y[i] = v;
      return;
    }
    for (int64_t i = 0; i < n; ++i) y[i] = static_cast<Out>(op(static_cast<compute_t<In>>(x[i])));
  }
};

// The common cases (one operand shared by the tile, or none) get their own
// loops, so the shared value stays in a register.
template <class Op, class In, class Out>
struct BinaryLoop {
  [[gnu::always_inline]] static inline void run(const void* const* a, unsigned scalars, void* o,
                                                int64_t n) {
    const In* x = static_cast<const In*>(a[0]);
    const In* z = static_cast<const In*>(a[1]);
    Out* y = static_cast<Out*>(o);
    Op op;
    using Cmp = compute_t<In>;
    if (scalars == 0) {
      for (int64_t i = 0; i < n; ++i) y[i] = static_cast<Out>(op(Cmp(x[i]), Cmp(z[i])));
    } else if (scalars == 2) {
      Cmp s = Cmp(z[0]);
      for (int64_t i = 0; i < n; ++i) y[i] = static_cast<Out>(op(Cmp(x[i]), s));
    } else if (scalars == 1) {
      Cmp s = Cmp(x[0]);
      for (int64_t i = 0; i < n; ++i) y[i] = static_cast<Out>(op(s, Cmp(z[i])));
    } else {
      Out v = static_cast<Out>(op(Cmp(x[0]), Cmp(z[0])));
      for (int64_t i = 0; i < n; ++i) y[i] = v;
    }
  }
};

template <class T>
struct SelectLoop {
  [[gnu::always_inline]] static inline void run(const void* const* a, unsigned scalars, void* o,
                                                int64_t n) {
    const bool* c = static_cast<const bool*>(a[0]);
    const T* x = static_cast<const T*>(a[1]);
    const T* z = static_cast<const T*>(a[2]);
    T* y = static_cast<T*>(o);
    if (scalars == 0) {
      for (int64_t i = 0; i < n; ++i) y[i] = c[i] ? x[i] : z[i];
    } else if (scalars == 6) {
      T u = x[0], v = z[0];
      for (int64_t i = 0; i < n; ++i) y[i] = c[i] ? u : v;
    } else {
      for (int64_t i = 0; i < n; ++i) y[i] = EMBER_AT(c, 0) ? EMBER_AT(x, 1) : EMBER_AT(z, 2);
    }
  }
};

template <class In, class Out>
struct CastLoop {
  [[gnu::always_inline]] static inline void run(const void* const* a, unsigned scalars, void* o,
                                                int64_t n) {
    const In* x = static_cast<const In*>(a[0]);
    Out* y = static_cast<Out*>(o);
    if (scalars) {
      Out v = cast_to<Out>(x[0]);
      for (int64_t i = 0; i < n; ++i) y[i] = v;
      return;
    }
    for (int64_t i = 0; i < n; ++i) y[i] = cast_to<Out>(x[i]);
  }
};

// x**2 and x**3 by multiplication when the exponent is a constant.
template <class T, int P>
struct IntPowerLoop {
  [[gnu::always_inline]] static inline void run(const void* const* a, unsigned scalars, void* o,
                                                int64_t n) {
    const T* x = static_cast<const T*>(a[0]);
    T* y = static_cast<T*>(o);
    if (scalars & 1) {
      T v = x[0];
      for (int64_t i = 0; i < n; ++i) y[i] = P == 2 ? v * v : v * v * v;
      return;
    }
    for (int64_t i = 0; i < n; ++i) y[i] = P == 2 ? x[i] * x[i] : x[i] * x[i] * x[i];
  }
};

template <int Size>
void copy_tile(const void* const* a, unsigned scalars, void* o, int64_t n) {
  if (scalars & 1) {
    for (int64_t i = 0; i < n; ++i) std::memcpy(static_cast<char*>(o) + i * Size, a[0], Size);
  } else {
    std::memcpy(o, a[0], static_cast<size_t>(n) * Size);
  }
}

#undef EMBER_AT

// The widest variant of a loop over elements of type T (float32 only: the
// type that pays for three builds).
template <class Loop, class T>
TileFn variant() {
  if constexpr (std::is_same_v<T, float>) {
    return isa_variant<Loop, const void* const*, unsigned, void*, int64_t>();
  }
  return &isa_base<Loop, const void* const*, unsigned, void*, int64_t>;
}

using Selector = TileFn (*)(Dtype in, Dtype out);

// The loop of a table row (Loop = UnaryLoop or BinaryLoop) for input
// dtype `in`, if the row allows it and produces `out`.
template <template <class, class, class> class Loop, class Op, Rule rule, bool cplx>
TileFn pick(Dtype in, Dtype out) {
  TileFn fn = nullptr;
  fused_dispatch(in, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (type_allowed<T, rule, cplx>()) {
      using O = out_type_t<T, rule>;
      if (dtype_of<O> == out) fn = variant<Loop<Op, T, O>, T>();
    }
  });
  return fn;
}

// Keyed by the type_info's address, unique within this one library: hashing
// a std::type_index hashes the type's name, a cost on every eager op.
using SelectorTable = std::unordered_map<const std::type_info*, Selector>;

const SelectorTable& unary_table() {
  static const SelectorTable table = {
#define UNARY(Class, name, rule, cplx, ...) {&typeid(Class), &pick<UnaryLoop, Class##Op, Rule::rule, cplx>},
#include "ops/unary.def"
#undef UNARY
  };
  return table;
}

const SelectorTable& binary_table() {
  static const SelectorTable table = {
#define BINARY(Class, name, rule, cplx, ...) {&typeid(Class), &pick<BinaryLoop, Class##Op, Rule::rule, cplx>},
#include "ops/binary.def"
#undef BINARY
  };
  return table;
}

TileFn pick_cast(Dtype in, Dtype out) {
  TileFn fn = nullptr;
  fused_dispatch(in, [&](auto from) {
    fused_dispatch(out, [&](auto to) {
      using In = typename decltype(from)::type;
      using Out = typename decltype(to)::type;
      // Casts to float32 too (masks as weights: ReLU's gradient).
      using Built = std::conditional_t<std::is_same_v<Out, float>, float, In>;
      fn = variant<CastLoop<In, Out>, Built>();
    });
  });
  return fn;
}

TileFn pick_power(Dtype d, const char* exponent) {
  double e = 0;
  if (d == float32) e = *reinterpret_cast<const float*>(exponent);
  else if (d == float64) e = *reinterpret_cast<const double*>(exponent);
  else return nullptr;
  if (e != 2.0 && e != 3.0) return nullptr;
  if (d == float32) {
    return e == 2.0 ? variant<IntPowerLoop<float, 2>, float>()
                    : variant<IntPowerLoop<float, 3>, float>();
  }
  return e == 2.0 ? &isa_base<IntPowerLoop<double, 2>, const void* const*, unsigned, void*, int64_t>
                 : &isa_base<IntPowerLoop<double, 3>, const void* const*, unsigned, void*, int64_t>;
}

}  // namespace

bool vector_unary(const Primitive& p, const array& in, array& out) {
  if (cpu_isa() == Isa::Base || in.dtype() != float32 || out.dtype() != float32 ||
      !in.flags().contiguous) {
    return false;
  }
  const Dtype f32[1] = {float32};
  TileFn fn = tile_function(p, FusedOp::Kind::Unary, f32, float32, {});
  if (!fn) return false;
  if (donatable(in, out)) out.copy_layout(in);
  else out.set_data(allocate(out.nbytes()), in);
  const float* src = in.data<float>();
  float* dst = out.data<float>();
  run_flat(in.data_size(), [&](int64_t b, int64_t e) {
    const void* args[1] = {src + b};
    fn(args, 0, dst + b, e - b);
  });
  return true;
}

namespace {

// Row-major strides of a fresh array of this shape.
Strides fresh_strides(const Shape& shape) {
  Strides st(shape.size());
  int64_t step = 1;
  for (size_t d = shape.size(); d-- > 0;) {
    st[d] = step;
    step *= shape[d];
  }
  return st;
}

// Operands broadcast along rows or columns ([n, d] with [d], [n, 1], ...):
// the tile loop runs along the last dimension wherever every operand
// steps by one element or not at all there, and the rows go to threads.
bool broadcast_binary(const Primitive& p, const array& a, const array& b, array& out) {
  const Shape& shape = out.shape();
  auto plan = make_plan<3>(shape, {fresh_strides(shape), broadcast_strides(a, shape),
                                   broadcast_strides(b, shape)});
  if (plan.shape.empty() || plan.inner() < 16) return false;
  size_t last = plan.shape.size() - 1;
  int64_t sa = plan.strides[1][last], sb = plan.strides[2][last];
  if (plan.strides[0][last] != 1 || (sa != 0 && sa != 1) || (sb != 0 && sb != 1)) return false;
  // No single-value specialization: a zero stride may hold a new value per row.
  const Dtype f32[2] = {float32, float32};
  TileFn fn = tile_function(p, FusedOp::Kind::Binary, f32, out.dtype(), {});
  if (!fn) return false;
  out.set_data(allocate(out.nbytes()));
  const float* pa = a.data<float>();
  const float* pb = b.data<float>();
  char* dst = out.data<char>();
  int64_t item = out.itemsize();
  unsigned scalars = (sa == 0 ? 1u : 0u) | (sb == 0 ? 2u : 0u);
  run_plan<3>(plan, [&](auto off, int64_t n, auto) {
    const void* args[2] = {pa + off[1], pb + off[2]};
    fn(args, scalars, dst + off[0] * item, n);
  });
  return true;
}

}  // namespace

bool vector_binary(const Primitive& p, const array& a, const array& b, array& out) {
  if (cpu_isa() == Isa::Base || a.dtype() != float32 || b.dtype() != float32 ||
      (out.dtype() != float32 && out.dtype() != bool_)) {
    return false;
  }
  auto dense = [&](const array& x) {
    return x.flags().row_contiguous && x.data_size() == x.size() && x.shape() == out.shape();
  };
  // A single value, possibly broadcast to the output's shape (as builders
  // do before a binary primitive), is read once.
  bool a_one = a.size() == 1 || a.data_size() == 1;
  bool b_one = b.size() == 1 || b.data_size() == 1;
  const float* pa = a.data<float>();
  const float* pb = b.data<float>();
  if (!((dense(a) || a_one) && (dense(b) || b_one))) return broadcast_binary(p, a, b, out);
  const char* single[2] = {a_one ? reinterpret_cast<const char*>(pa) : nullptr,
                           b_one ? reinterpret_cast<const char*>(pb) : nullptr};
  const Dtype f32[2] = {float32, float32};
  TileFn fn = tile_function(p, FusedOp::Kind::Binary, f32, out.dtype(), single);
  if (!fn) return false;
  if (!a_one && donatable(a, out)) out.copy_layout(a);
  else if (!b_one && donatable(b, out)) out.copy_layout(b);
  else out.set_data(allocate(out.nbytes()));
  char* dst = out.data<char>();
  int64_t item = out.itemsize();  // float32, or bool for comparisons
  unsigned scalars = (a_one ? 1u : 0u) | (b_one ? 2u : 0u);
  run_flat(out.size(), [&](int64_t lo, int64_t hi) {
    const void* args[2] = {a_one ? pa : pa + lo, b_one ? pb : pb + lo};
    fn(args, scalars, dst + lo * item, hi - lo);
  });
  return true;
}

TileFn copy_tile_function(Dtype d) {
  switch (d.size()) {
    case 1: return &copy_tile<1>;
    case 2: return &copy_tile<2>;
    case 4: return &copy_tile<4>;
    default: return &copy_tile<8>;
  }
}

TileFn tile_function(const Primitive& p, FusedOp::Kind kind, std::span<const Dtype> args,
                     Dtype out, std::span<const char* const> scalars) {
  switch (kind) {
    case FusedOp::Kind::Unary: {
      if (typeid(p) == typeid(StopGradient)) return copy_tile_function(out);
      auto it = unary_table().find(&typeid(p));
      return it == unary_table().end() ? nullptr : it->second(args[0], out);
    }
    case FusedOp::Kind::Binary: {
      if (typeid(p) == typeid(Power) && scalars.size() == 2 && scalars[1]) {
        if (TileFn fn = pick_power(args[0], scalars[1])) return fn;
      }
      auto it = binary_table().find(&typeid(p));
      if (it == binary_table().end() || args[0] != args[1]) return nullptr;
      return it->second(args[0], out);
    }
    case FusedOp::Kind::Select: {
      TileFn fn = nullptr;
      if (args[0] != bool_ || args[1] != args[2] || args[1] != out) return nullptr;
      fused_dispatch(out, [&](auto tag) {
        using T = typename decltype(tag)::type;
        fn = variant<SelectLoop<T>, T>();
      });
      return fn;
    }
    case FusedOp::Kind::Cast:
      return pick_cast(args[0], out);
    case FusedOp::Kind::Broadcast:
      return copy_tile_function(out);
  }
  return nullptr;
}

bool fuses(const FusedOp& op, const std::vector<Dtype>& in_dtypes) {
  if (op.kind == FusedOp::Kind::Broadcast) return in_dtypes[0] == op.dtype;
  return tile_function(*op.prim, op.kind, in_dtypes, op.dtype, {}) != nullptr;
}

}  // namespace cpu

}  // namespace ember
