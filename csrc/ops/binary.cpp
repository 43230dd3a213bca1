// Binary and ternary elementwise builders, generated from binary.def, and
// the comparisons composed from them.
#include "core/errors.h"
#include "core/node_pool.h"
#include "ops/autodiff.h"
#include "ops/elementwise.h"
#include "ops/elementwise_rules.h"
#include "ops/ops.h"
#include "ops/replay.h"

namespace ember {

namespace {

constexpr bool C = true, R = false;

template <typename P>
array binary(const array& a, const array& b, Rule rule, bool allow_complex,
             const char* name, StreamOrDevice s) {
  Shape shape = broadcast_shapes(a.shape(), b.shape(), name);
  Dtype t = promote_types(a.dtype(), b.dtype());
  Dtype out = t;
  switch (rule) {
    case Rule::Arith:
      out = t;
      break;
    case Rule::Float:
      if (!is_inexact(t)) t = float32;
      out = t;
      break;
    case Rule::Compare:
      out = bool_;
      break;
    case Rule::Logical:
      t = bool_;
      out = bool_;
      break;
    case Rule::Bitwise:
      if (!is_integral(t) && t != bool_) {
        throw TypeError(std::string("[") + name +
                        "] Bitwise operations are only allowed on integer "
                        "and boolean types.");
      }
      out = t;
      break;
    default:  // the unary rules
      break;
  }
  if (t == complex64 && !allow_complex) {
    throw TypeError(std::string("[") + name +
                    "] Not supported for complex64 inputs.");
  }
  return array(std::move(shape), out, make_pooled<P>(to_stream(s)),
               {astype(a, t, s), astype(b, t, s)});
}

}  // namespace

#define NONDIFF array()
#define BINARY(Class, name_, rule, cplx, da, db)                          \
  array name_(const array& a, const array& b, StreamOrDevice s) {         \
    return binary<Class>(a, b, Rule::rule, cplx, #name_, s);              \
  }                                                                       \
  std::pair<array, array> Class::partials(const array& a, const array& b, \
                                          const array& y) const {         \
    StreamOrDevice s = stream();                                          \
    (void)s;                                                              \
    (void)y;                                                              \
    return {da, db};                                                      \
  }                                                                       \
  array Class::apply(const array& a, const array& b) const {              \
    return name_(a, b, stream());                                         \
  }
#include "ops/binary.def"
#undef BINARY
#undef NONDIFF

std::vector<array> BinaryElementwise::vjp(const std::vector<array>& primals,
                                          const std::vector<array>& cotangents,
                                          const std::vector<int>& argnums,
                                          const std::vector<array>& outputs) {
  auto [da, db] = partials(primals[0], primals[1], outputs[0]);
  std::vector<array> grads;
  for (int i : argnums) {
    const array& d = i == 0 ? da : db;
    const array& x = primals[i];
    if (!d.valid()) {
      grads.push_back(zeros_like(x, stream()));
    } else {
      array dc = is_complex(d.dtype()) ? conjugate(d, stream()) : d;
      array g = multiply(cotangents[0], dc, stream());
      grads.push_back(astype(unbroadcast(g, x.shape(), stream()), x.dtype(), stream()));
    }
  }
  return grads;
}

std::vector<array> BinaryElementwise::jvp(const std::vector<array>& primals,
                                          const std::vector<array>& tangents,
                                          const std::vector<int>& argnums) {
  array y = apply(primals[0], primals[1]);
  auto [da, db] = partials(primals[0], primals[1], y);
  if (!da.valid() && !db.valid()) {
    // No gradient: zero tangents, in the dtype of the incoming tangent.
    return {zeros(y.shape(), tangents[0].dtype(), stream())};
  }
  array out;
  for (size_t k = 0; k < argnums.size(); ++k) {
    const array& d = argnums[k] == 0 ? da : db;
    array term = d.valid() ? multiply(tangents[k], d, stream())
                           : zeros_like(tangents[k], stream());
    term = broadcast_to(term, y.shape(), stream());
    out = out.valid() ? add(out, term, stream()) : term;
  }
  return {astype(out, y.dtype(), stream())};
}

std::pair<std::vector<array>, std::vector<int>> BinaryElementwise::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  auto in = align_batched(inputs, axes, stream());
  return {{apply(in[0], in[1])}, {0}};
}

std::vector<array> Select::vjp(const std::vector<array>& primals,
                               const std::vector<array>& cotangents,
                               const std::vector<int>& argnums,
                               const std::vector<array>&) {
  const array& c = primals[0];
  const array& g = cotangents[0];
  std::vector<array> grads;
  for (int i : argnums) {
    const array& x = primals[i];
    if (i == 0) {
      grads.push_back(zeros_like(c, stream()));
      continue;
    }
    array zero = zeros_like(g, stream());
    array picked = i == 1 ? where(c, g, zero, stream()) : where(c, zero, g, stream());
    grads.push_back(unbroadcast(picked, x.shape(), stream()));
  }
  return grads;
}

std::vector<array> Select::jvp(const std::vector<array>& primals,
                               const std::vector<array>& tangents,
                               const std::vector<int>& argnums) {
  array tx = zeros_like(primals[1], stream()), ty = zeros_like(primals[2], stream());
  for (size_t k = 0; k < argnums.size(); ++k) {
    if (argnums[k] == 1) tx = tangents[k];
    if (argnums[k] == 2) ty = tangents[k];
  }
  return {where(primals[0], tx, ty, stream())};
}

std::pair<std::vector<array>, std::vector<int>> Select::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  auto in = align_batched(inputs, axes, stream());
  return {{where(in[0], in[1], in[2], stream())}, {0}};
}

array where(const array& cond, const array& x, const array& y,
            StreamOrDevice s) {
  Shape shape = broadcast_shapes(
      broadcast_shapes(cond.shape(), x.shape(), "where"), y.shape(), "where");
  Dtype t = promote_types(x.dtype(), y.dtype());
  return array(std::move(shape), t, std::make_shared<Select>(to_stream(s)),
               {astype(cond, bool_, s), astype(x, t, s), astype(y, t, s)});
}

std::vector<array> divmod(const array& a, const array& b, StreamOrDevice s) {
  return {floor_divide(a, b, s), remainder(a, b, s)};
}

array isclose(const array& a, const array& b, double rtol, double atol,
              bool equal_nan, StreamOrDevice s) {
  // |a - b| <= atol + rtol * |b|, with equal infinities counting as close.
  Dtype t = promote_types(a.dtype(), b.dtype());
  if (!is_inexact(t)) t = float32;
  array diff = abs(subtract(a, b, s), s);
  array tol = add(array::scalar(atol, t),
                  multiply(array::scalar(rtol, t), abs(b, s), s), s);
  // Infinities are close only to themselves (inf - inf would be NaN).
  array any_inf = logical_or(isinf(a, s), isinf(b, s), s);
  array close = where(any_inf, equal(a, b, s), less_equal(diff, tol, s), s);
  if (equal_nan) {
    close = logical_or(close, logical_and(isnan(a, s), isnan(b, s), s), s);
  }
  return close;
}

array allclose(const array& a, const array& b, double rtol, double atol,
               bool equal_nan, StreamOrDevice s) {
  array close = isclose(a, b, rtol, atol, equal_nan, s);
  return all(close, all_axes(close), false, s);
}

array array_equal(const array& a, const array& b, bool equal_nan,
                  StreamOrDevice s) {
  if (a.shape() != b.shape()) return array(false);
  array eq = equal(a, b, s);
  if (equal_nan && is_inexact(promote_types(a.dtype(), b.dtype()))) {
    eq = logical_or(eq, logical_and(isnan(a, s), isnan(b, s), s), s);
  }
  return all(eq, all_axes(eq), false, s);
}

}  // namespace ember

// ---- export

namespace ember {

void BinaryElementwise::save(Writer& w) const { w.str(name()); }
std::vector<Shape> BinaryElementwise::output_shapes(const std::vector<array>& in) {
  return {broadcast_shapes(in[0].shape(), in[1].shape(), name())};
}

void Select::save(Writer& w) const { w.str(name()); }
std::vector<Shape> Select::output_shapes(const std::vector<array>& in) {
  Shape s = broadcast_shapes(in[0].shape(), in[1].shape(), "where");
  return {broadcast_shapes(s, in[2].shape(), "where")};
}

bool load_binary(const std::string& tag, Reader&, const ReplayNode& node,
                 std::vector<array>& out) {
  Stream s = node.stream;
#define BINARY(Class, ...)                                  \
  if (tag == #Class) {                                      \
    out = node.make(std::make_shared<Class>(s));            \
    return true;                                            \
  }
#include "ops/binary.def"
#undef BINARY
  if (tag != "Select") return false;
  out = node.make(std::make_shared<Select>(s));
  return true;
}

}  // namespace ember
