#include "bindings/common.h"
#include <typeinfo>

#include "core/errors.h"

namespace ember::py {

void rethrow_named(const std::string& op) {
  try {
    throw;
  } catch (const nb::python_error&) {
    throw;
  } catch (const nb::builtin_exception&) {
    throw;  // nanobind's own (next_overload, stop_iteration, ...)
  } catch (const std::bad_cast&) {
    throw nb::type_error(("[" + op + "] An argument is not of a kind this op accepts "
                          "(its docstring lists the accepted types).").c_str());
  }
  // Everything else already names its op (or keeps MLX's exact wording).
}

}  // namespace ember::py

NB_MODULE(core, m) {
  using namespace ember;
  m.doc() = "Ember: the MLX array API on a fast CPU runtime.";
  // Dtype objects stored as module attributes outlive nanobind's shutdown
  // check; they are not leaks of the running program.
  nb::set_leak_warnings(false);
  // Unsupported dtypes raise an error that is a TypeError (Python's
  // convention), a ValueError and a RuntimeError (what MLX raises, by op).
  static nb::object dtype_error = nb::module_::import_("builtins").attr("type")(
      "DtypeError",
      nb::make_tuple(nb::handle(PyExc_TypeError), nb::handle(PyExc_ValueError),
                     nb::handle(PyExc_RuntimeError)),
      nb::dict());
  dtype_error.attr("__module__") = "mlx.core";
  m.attr("DtypeError") = dtype_error;
  // Axes and index arguments that do not fit the array: both a ValueError
  // (Ember's rule for bad arguments) and an IndexError (what MLX raises).
  static nb::object axis_error = nb::module_::import_("builtins").attr("type")(
      "AxisError",
      nb::make_tuple(nb::handle(PyExc_ValueError), nb::handle(PyExc_IndexError)),
      nb::dict());
  axis_error.attr("__module__") = "mlx.core";
  m.attr("AxisError") = axis_error;
  nb::register_exception_translator([](const std::exception_ptr& p, void*) {
    try {
      std::rethrow_exception(p);
    } catch (const TypeError& e) {
      PyErr_SetString(dtype_error.ptr(), e.what());
    } catch (const AxisError& e) {
      PyErr_SetString(axis_error.ptr(), e.what());
    } catch (const std::bad_cast& e) {
      PyErr_SetString(PyExc_TypeError, e.what());
    } catch (const MemoryError& e) {
      PyErr_SetString(PyExc_MemoryError, e.what());
    }
  });
  py::init_dtype(m);
  py::init_device(m);
  py::init_array(m);
  py::init_ops(m);
  py::init_printoptions(m);
  py::init_transforms(m);
  py::init_random(m);
  py::init_arrange(m);
  py::init_conv(m);
  py::init_einsum(m);
  py::init_linalg(m);
  py::init_fft(m);
  py::init_quantized(m);
  py::init_fast(m);
  py::init_export(m);
  py::init_compile(m);
  py::init_io(m);
}
