// Bindings of einsum and einsum_path.
#include "bindings/common.h"
#include "ops/einsum.h"

namespace ember::py {

void init_einsum(nb::module_& m) {
  m.def("einsum",
        [](const std::string& subscripts, nb::args operands, StreamArg s) {
          std::vector<array> ops;
          for (auto h : operands) ops.push_back(to_array(h));
          return einsum(subscripts, ops, to_sod(s));
        },
        "subscripts"_a, "operands"_a, nb::kw_only(), "stream"_a.none() = nb::none(),
        "Einstein summation over the operands' subscripts.");
  m.def("einsum_path",
        [](const std::string& subscripts, nb::args operands) {
          std::vector<array> ops;
          for (auto h : operands) ops.push_back(to_array(h));
          auto [path, desc] = einsum_path(subscripts, ops);
          nb::list l;
          for (auto& step : path) {
            nb::list t;
            for (int i : step) t.append(i);
            l.append(nb::tuple(t));
          }
          return nb::make_tuple(l, desc);
        },
        "subscripts"_a, "operands"_a,
        "The contraction order einsum uses, and a description of it.");
}

}  // namespace ember::py
