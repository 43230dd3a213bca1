// Argument conversions shared by the binding files of the op families.
#pragma once
#include "bindings/common.h"

namespace ember::py {

inline Shape to_shape(nb::handle h) {
  if (PyLong_Check(h.ptr())) return {nb::cast<int64_t>(h)};
  return nb::cast<Shape>(h);
}

// Shape from `a.reshape(2, 3)` or `a.reshape((2, 3))`.
inline Shape shape_from_args(const nb::args& args) {
  if (args.size() == 1 && !PyLong_Check(args[0].ptr())) return to_shape(args[0]);
  Shape s;
  for (auto h : args) s.push_back(nb::cast<int64_t>(h));
  return s;
}

inline std::optional<array> opt_array(nb::handle h) {
  if (h.is_none()) return std::nullopt;
  return to_array(h);
}

// An int or a sequence of ints; None gives nullopt.
inline std::optional<Axes> opt_axes(nb::handle h) {
  if (h.is_none()) return std::nullopt;
  return to_shape(h);
}

inline nb::tuple tuple_of(const std::vector<array>& v) {
  nb::list l;
  for (auto& a : v) l.append(a);
  return nb::tuple(l);
}

// Through the bounded sequence caster: exactly len() items, read by index.
inline std::vector<array> to_array_list(nb::handle seq) {
  std::vector<array> out;
  for (const nb::object& h : nb::cast<std::vector<nb::object>>(seq)) out.push_back(to_array(h));
  return out;
}

// Arrays (and other objects) inside nested Python containers. The walk
// holds references, so a callback cannot free a container mid-walk.
inline void collect_arrays(nb::handle obj, std::vector<array>& out,
                           const char* op = "eval") {
  std::vector<std::pair<nb::object, size_t>> stack{{nb::borrow(obj), 0}};
  while (!stack.empty()) {
    auto [h, depth] = std::move(stack.back());
    stack.pop_back();
    if (nb::isinstance<array>(h)) {
      out.push_back(nb::cast<array>(h));
    } else if (PyList_Check(h.ptr()) || PyTuple_Check(h.ptr())) {
      check_nesting(depth + 1, op);
      for (nb::handle c : nb::borrow<nb::sequence>(h)) stack.emplace_back(nb::borrow(c), depth + 1);
    } else if (PyDict_Check(h.ptr())) {
      check_nesting(depth + 1, op);
      for (auto [k, v] : nb::borrow<nb::dict>(h)) stack.emplace_back(nb::borrow(v), depth + 1);
    }
  }
}


#define ARR(a) to_array(a)
#define SOD to_sod(s)

}  // namespace ember::py
