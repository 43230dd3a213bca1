// def_op(m, "name", fn, ...) and def_method(cls, "name", fn, ...): m.def and
// cls.def with errors that name the op. A failed nb::cast inside a binding
// (an argument of the wrong kind, such as a list where an int belongs)
// would otherwise reach Python as a bare "TypeError: std::bad_cast".
#pragma once
#include <nanobind/nanobind.h>

#include <string>
#include <typeinfo>
#include <utility>

#include "core/errors.h"

namespace ember::py {

namespace nb = nanobind;

// Rethrows the exception in flight; a failed cast becomes a TypeError
// naming `op`.
[[noreturn]] void rethrow_named(const std::string& op);

template <typename F, typename R, typename C, typename... A>
auto name_errors_impl(std::string op, F f, R (C::*)(A...) const) {
  return [op = std::move(op), f = std::move(f)](A... args) -> R {
    try {
      return f(std::forward<A>(args)...);
    } catch (...) {
      rethrow_named(op);
    }
  };
}

template <typename F, typename R, typename C, typename... A>
auto name_errors_impl(std::string op, F f, R (C::*)(A...)) {
  return [op = std::move(op), f = std::move(f)](A... args) mutable -> R {
    try {
      return f(std::forward<A>(args)...);
    } catch (...) {
      rethrow_named(op);
    }
  };
}

template <typename R, typename... A>
auto name_errors(std::string op, R (*f)(A...)) {
  return [op = std::move(op), f](A... args) -> R {
    try {
      return f(std::forward<A>(args)...);
    } catch (...) {
      rethrow_named(op);
    }
  };
}

template <typename F>
auto name_errors(std::string op, F f) {
  return name_errors_impl(std::move(op), std::move(f), &F::operator());
}

template <typename Func, typename... Extra>
nb::module_& def_op(nb::module_& m, const char* name, Func&& f, const Extra&... extra) {
  return m.def(name, name_errors(name, std::forward<Func>(f)), extra...);
}

// The same for a method of a bound class.
template <typename Cls, typename Func, typename... Extra>
Cls& def_method(Cls& cls, const char* name, Func&& f, const Extra&... extra) {
  return cls.def(name, name_errors(name, std::forward<Func>(f)), extra...);
}

}  // namespace ember::py
