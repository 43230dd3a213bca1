// The transform entry points Python builds on (python/mlx/_transforms.py
// handles argument trees, argnums and aux outputs).
#include <nanobind/stl/function.h>
#include <nanobind/stl/pair.h>

#include "bindings/args.h"
#include "core/errors.h"
#include "ops/copy.h"
#include "transforms/custom.h"
#include "transforms/transforms.h"

namespace ember::py {

namespace {

// A Python callable from a list of arrays to a list of arrays.
ArrayFun wrap(nb::callable f) {
  return [f](const std::vector<array>& xs) {
    nb::list args;
    for (auto& x : xs) args.append(x);
    nb::object out = f(args);
    std::vector<array> outs;
    for (const nb::object& h : nb::cast<std::vector<nb::object>>(out)) {
      if (!nb::isinstance<array>(h)) {
        throw ValueError("[transform] The function must return arrays only.");
      }
      outs.push_back(nb::cast<array>(h));
    }
    return outs;
  };
}

nb::list to_list(const std::vector<array>& v) {
  nb::list l;
  for (auto& a : v) l.append(a);
  return l;
}

std::vector<array> to_arrays_list(nb::handle seq, const char* what) {
  std::vector<array> out;
  for (const nb::object& h : nb::cast<std::vector<nb::object>>(seq)) {
    if (!nb::isinstance<array>(h)) {
      throw ValueError(std::string("[custom_function] ") + what +
                       " must be arrays.");
    }
    out.push_back(nb::cast<array>(h));
  }
  return out;
}

// Python callables (or None) as the C++ rules of a custom function.
CustomRules make_rules(nb::handle vjp_fn, nb::handle jvp_fn, nb::handle vmap_fn) {
  CustomRules rules;
  if (!vjp_fn.is_none()) {
    auto f = std::make_shared<PyRef>(vjp_fn);
    rules.vjp = [f](const std::vector<array>& p, const std::vector<array>& c,
                    const std::vector<array>& o) {
      nb::gil_scoped_acquire gil;
      return to_arrays_list(f->obj(to_list(p), to_list(c), to_list(o)), "vjp results");
    };
  }
  if (!jvp_fn.is_none()) {
    auto f = std::make_shared<PyRef>(jvp_fn);
    rules.jvp = [f](const std::vector<array>& p, const std::vector<array>& t) {
      nb::gil_scoped_acquire gil;
      return to_arrays_list(f->obj(to_list(p), to_list(t)), "jvp results");
    };
  }
  if (!vmap_fn.is_none()) {
    auto f = std::make_shared<PyRef>(vmap_fn);
    rules.vmap = [f](const std::vector<array>& in, const std::vector<int>& axes) {
      nb::gil_scoped_acquire gil;
      nb::list ax;
      for (int a : axes) ax.append(a);
      nb::tuple r = nb::cast<nb::tuple>(f->obj(to_list(in), ax));
      std::vector<array> outs = to_arrays_list(r[0], "vmap results");
      std::vector<int> out_axes = nb::cast<std::vector<int>>(r[1]);
      return std::make_pair(outs, out_axes);
    };
  }
  return rules;
}

}  // namespace

void init_transforms(nb::module_& m) {
  def_op(m, "_custom_outputs",
        [](std::vector<array> primals, std::vector<array> outputs,
           nb::handle vjp_fn, nb::handle jvp_fn, nb::handle vmap_fn) {
          return to_list(custom_outputs(primals, outputs,
                                        make_rules(vjp_fn, jvp_fn, vmap_fn)));
        },
        "primals"_a, "outputs"_a, "vjp"_a.none(), "jvp"_a.none(), "vmap"_a.none(),
        "Outputs of a function of primals with custom transform rules (each "
        "a callable on flat lists of arrays, or None).");
  def_op(m, "_untraced",
        [](const array& x) {
          // A constant copy: nothing computed from it is traced, so its
          // graph is freed at eval (checkpoint recomputes instead).
          array y = stop_gradient(x);
          y.node()->tracer = false;
          return y;
        },
        "x"_a, "A stop_gradient copy that transforms do not trace through.");
  def_op(m, "depends",
        [](nb::handle inputs, nb::handle deps) -> nb::object {
          auto as_list = [](nb::handle h) {
            return nb::isinstance<array>(h) ? std::vector<array>{nb::cast<array>(h)}
                                            : to_array_list(h);
          };
          auto out = depends(as_list(inputs), as_list(deps));
          if (nb::isinstance<array>(inputs)) return nb::cast(out[0]);
          return to_list(out);
        },
        "inputs"_a, "dependencies"_a,
        "Tie arrays to others they must be computed after.\n\n"
        "The returned arrays have the values of ``inputs``, but evaluating "
        "them also evaluates ``dependencies`` first. Useful to keep side "
        "effects (such as a distributed send) in the graph.\n\n"
        "Args:\n"
        "    inputs (array or list(array)): The arrays to return.\n"
        "    dependencies (array or list(array)): The arrays they should "
        "depend on.\n\n"
        "Returns:\n"
        "    array or list(array): The inputs (an array for an array, a "
        "list for a list), now depending on ``dependencies``.");
  def_op(m, "_vjp_flat",
        [](nb::callable f, std::vector<array> primals, std::vector<array> cts) {
          auto [outs, grads] = vjp(wrap(f), primals, cts);
          return nb::make_tuple(to_list(outs), to_list(grads));
        },
        "fun"_a, "primals"_a, "cotangents"_a,
        "vjp of a function from a list of arrays to a list of arrays; empty "
        "cotangents mean ones for every output.");
  def_op(m, "_jvp_flat",
        [](nb::callable f, std::vector<array> primals, std::vector<array> tans) {
          auto [outs, t] = jvp(wrap(f), primals, tans);
          return nb::make_tuple(to_list(outs), to_list(t));
        },
        "fun"_a, "primals"_a, "tangents"_a,
        "jvp of a function from a list of arrays to a list of arrays.");
  def_op(m, "_vmap_flat",
        [](nb::callable f, std::vector<array> inputs, std::vector<int> in_axes) {
          auto [outs, axes] = vmap_outputs(wrap(f), inputs, in_axes);
          nb::list ax;
          for (int a : axes) ax.append(a);
          return nb::make_tuple(to_list(outs), ax);
        },
        "fun"_a, "inputs"_a, "in_axes"_a,
        "vmap of a function from a list of arrays to a list of arrays; returns "
        "the outputs and their batch axes (-1: not batched).");
  def_op(m, "_in_transform", &in_transform,
        "Whether a transform is tracing on this thread.");
}

}  // namespace ember::py
