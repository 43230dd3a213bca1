// Bindings of einsum and einsum_path.
#include "bindings/common.h"
#include "ops/einsum.h"

namespace ember::py {

void init_einsum(nb::module_& m) {
  def_op(m, "einsum",
        [](const std::string& subscripts, nb::args operands, StreamArg s) {
          std::vector<array> ops;
          for (auto h : operands) ops.push_back(to_array(h));
          return einsum(subscripts, ops, to_sod(s));
        },
        "subscripts"_a, "operands"_a, nb::kw_only(), "stream"_a.none() = nb::none(),
        "Einstein summation.\n\n"
        "Each operand's axes are labelled by letters in ``subscripts``, "
        "e.g. ``\"ij,jk->ik\"`` for a matrix product. Labels missing "
        "from the output (after ``->``) are summed over; without ``->`` "
        "the output has the labels that appear once, in alphabetical "
        "order. ``...`` stands for broadcast axes. The contraction order "
        "is chosen as :func:`einsum_path` reports.\n\n"
        "Args:\n"
        "    subscripts (str): The labels of the operands and the output.\n"
        "    *operands (array): The input arrays.\n"
        "    stream (Stream, optional): Stream or device to run on.\n\n"
        "Returns:\n"
        "    array: The result.");
  def_op(m, "einsum_path",
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
        "The order in which :func:`einsum` contracts its operands.\n\n"
        "Args:\n"
        "    subscripts (str): The labels of the operands and the output, "
        "as for :func:`einsum`.\n"
        "    *operands (array): The input arrays (only their shapes "
        "matter).\n\n"
        "Returns:\n"
        "    tuple(list(tuple(int, ...)), str): The contraction path, one "
        "tuple of operand positions per step, and a readable description "
        "of it.");
}

}  // namespace ember::py
