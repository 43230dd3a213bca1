// The transform entry points Python builds on (python/mlx/_transforms.py
// handles argument trees, argnums and aux outputs).
#include <nanobind/stl/function.h>
#include <nanobind/stl/pair.h>

#include "bindings/common.h"
#include "core/errors.h"
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
    for (nb::handle h : nb::borrow<nb::sequence>(out)) {
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

}  // namespace

void init_transforms(nb::module_& m) {
  m.def("_vjp_flat",
        [](nb::callable f, std::vector<array> primals, std::vector<array> cts) {
          auto [outs, grads] = vjp(wrap(f), primals, cts);
          return nb::make_tuple(to_list(outs), to_list(grads));
        },
        "fun"_a, "primals"_a, "cotangents"_a,
        "vjp of a function from a list of arrays to a list of arrays; empty "
        "cotangents mean ones for every output.");
  m.def("_jvp_flat",
        [](nb::callable f, std::vector<array> primals, std::vector<array> tans) {
          auto [outs, t] = jvp(wrap(f), primals, tans);
          return nb::make_tuple(to_list(outs), to_list(t));
        },
        "fun"_a, "primals"_a, "tangents"_a,
        "jvp of a function from a list of arrays to a list of arrays.");
  m.def("_vmap_flat",
        [](nb::callable f, std::vector<array> inputs, std::vector<int> in_axes) {
          auto [outs, axes] = vmap_outputs(wrap(f), inputs, in_axes);
          nb::list ax;
          for (int a : axes) ax.append(a);
          return nb::make_tuple(to_list(outs), ax);
        },
        "fun"_a, "inputs"_a, "in_axes"_a,
        "vmap of a function from a list of arrays to a list of arrays; returns "
        "the outputs and their batch axes (-1: not batched).");
  m.def("_in_transform", &in_transform,
        "Whether a transform is tracing on this thread.");
}

}  // namespace ember::py
