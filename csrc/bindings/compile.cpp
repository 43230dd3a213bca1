// Entry points for mx.compile. python/mlx/_compile.py handles argument
// trees, captured state and the cache; these make placeholders, mark the
// trace, and build and run programs.
#include <memory>

#include "bindings/common.h"
#include "core/errors.h"
#include "transforms/compile.h"

namespace ember::py {

namespace {

// Trace scopes opened from Python, innermost last (per thread).
std::vector<std::unique_ptr<CompileTraceScope>>& open_scopes() {
  thread_local std::vector<std::unique_ptr<CompileTraceScope>> scopes;
  return scopes;
}

}  // namespace

void init_compile(nb::module_& m) {
  nb::class_<CompiledProgram>(m, "_CompiledProgram")
      .def(nb::init<const std::vector<array>&, const std::vector<array>&,
                    const std::vector<array>&, bool>(),
           "placeholders"_a, "outputs"_a, "originals"_a, "shapeless"_a,
           "A program from a trace: its placeholder inputs, the outputs, and "
           "the caller's arrays the placeholders stand for.")
      .def("run", &CompiledProgram::run, "inputs"_a,
           "The outputs of the program on new inputs (lazy arrays).")
      .def_prop_ro("shape_specific", &CompiledProgram::shape_specific,
                   "Whether some operation fixes the traced shapes.")
      .def_prop_ro(
          "step_names",
          [](const CompiledProgram& p) {
            std::vector<std::string> names;
            for (auto& s : p.steps()) names.push_back(s.prim->name());
            return names;
          },
          "The primitive of each step, in order (for tests and debugging).")
      .def_prop_ro("num_constants", &CompiledProgram::num_constants,
                   "How many constant arrays the program holds.");
  def_op(m, 
      "_placeholder",
      [](const Shape& shape, Dtype dtype) {
        // Two Python objects for one node: in-place operations inside the
        // function (x[0] = v, x += 1) rebind the first, the program keeps
        // the second.
        array p = placeholder(shape, dtype);
        return nb::make_tuple(nb::cast(p), nb::cast(array(p)));
      },
      "shape"_a, "dtype"_a,
      "An input of a compile trace (shaped and typed, without data), twice: "
      "for the function and for the program.");
  def_op(m, 
      "_begin_compile_trace",
      [](bool shapeless) { open_scopes().push_back(std::make_unique<CompileTraceScope>(shapeless)); },
      "shapeless"_a, "Marks the start of a compile trace on this thread.");
  def_op(m, 
      "_end_compile_trace",
      [] {
        if (open_scopes().empty()) throw ValueError("[compile] No trace is open.");
        open_scopes().pop_back();
      },
      "Marks the end of the innermost compile trace on this thread.");
  def_op(m, "_compile_enabled", &compile_enabled, "Whether compile is enabled.");
  def_op(m, "disable_compile", [] { set_compile_enabled(false); },
        "Turn compilation off for the whole process.\n\n"
        "Functions wrapped by :func:`compile` then run their Python body "
        "on every call (handy for printing inside them). Starting Python "
        "with ``MLX_DISABLE_COMPILE`` set has the same effect.\n\n"
        "Returns:\n"
        "    None");
  def_op(m, "enable_compile", [] { set_compile_enabled(true); },
        "Turn compilation back on.\n\n"
        "This undoes :func:`disable_compile` and also overrides the "
        "``MLX_DISABLE_COMPILE`` environment variable.\n\n"
        "Returns:\n"
        "    None");
}

}  // namespace ember::py
