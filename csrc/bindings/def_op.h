// def_op(m, "name", fn, ...) and def_method(cls, "name", fn, ...): m.def and
// cls.def with errors that name the op. A failed nb::cast inside a binding
// (an argument of the wrong kind, such as a list where an int belongs)
// would otherwise reach Python as a bare "TypeError: std::bad_cast".
#pragma once
#include <nanobind/nanobind.h>

#include <string>
#include <utility>

namespace ember::py {

namespace nb = nanobind;

// Rethrows the exception in flight; a failed cast becomes a TypeError
// naming `op`.
[[noreturn]] void rethrow_named(const std::string& op);

// One wrapper for every callable kind (lambdas with a const call operator,
// function pointers): f called with the bound signature R(A...), its
// exceptions passed through rethrow_named.
template <typename R, typename... A, typename F>
auto named_call(std::string op, F f) {
  return [op = std::move(op), f = std::move(f)](A... args) -> R {
    try {
      return f(std::forward<A>(args)...);
    } catch (...) {
      rethrow_named(op);
    }
  };
}

template <typename F, typename R, typename C, typename... A>
auto name_errors_impl(std::string op, F f, R (C::*)(A...) const) {
  return named_call<R, A...>(std::move(op), std::move(f));
}

template <typename R, typename... A>
auto name_errors(std::string op, R (*f)(A...)) {
  return named_call<R, A...>(std::move(op), f);
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
