// Helpers shared by the binding files: argument conversion between Python
// objects and ember types.
#pragma once
#include <nanobind/nanobind.h>

#include <exception>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include "bindings/sequence_caster.h"

#include "bindings/def_op.h"
#include "core/errors.h"
#include "ops/ops.h"

namespace nb = nanobind;
using namespace nb::literals;

namespace ember::py {

// The deepest nesting of Python containers that conversions and tree walks
// follow. Deeper means a container that holds itself (or absurd input): it
// raises ValueError instead of looping forever or exhausting the C stack.
constexpr size_t kMaxNesting = 1000;

inline void check_nesting(size_t depth, const char* op) {
  if (depth > kMaxNesting) {
    throw ValueError(std::string("[") + op + "] Containers nested more than " +
                     std::to_string(kMaxNesting) +
                     " levels deep, or a container that holds itself.");
  }
}

// Argument types that take any object (the op converts and checks it, and
// raises its own error) but name what the op expects in signatures, help()
// and the generated .pyi stubs.
inline bool accepts_any(PyObject*) { return true; }
#define EMBER_ARG_TYPE(Name, text)                            \
  class Name : public nb::object {                            \
    NB_OBJECT_DEFAULT(Name, nb::object, text, accepts_any)    \
  };
EMBER_ARG_TYPE(ArrayArg,
               "mlx.core.array | int | float | complex | "
               "collections.abc.Sequence | numpy.ndarray")
EMBER_ARG_TYPE(StreamArg, "mlx.core.Stream | mlx.core.ThreadLocalStream | "
                          "mlx.core.Device | mlx.core.DeviceType")
EMBER_ARG_TYPE(DtypeArg, "mlx.core.Dtype")
EMBER_ARG_TYPE(IntsArg, "int | collections.abc.Sequence[int]")
#undef EMBER_ARG_TYPE

// A Python object owned from C++: the graph may drop it while evaluating
// with the GIL released, so the reference is released under the GIL (and
// left alone once the interpreter is gone).
struct PyRef {
  nb::object obj;
  explicit PyRef(nb::handle h) : obj(nb::borrow(h)) {}
  ~PyRef() {
    if (!Py_IsInitialized()) {
      obj.release();
      return;
    }
    nb::gil_scoped_acquire gil;
    obj.reset();
  }
};

// None, a Stream, a Device or a DeviceType.
StreamOrDevice to_sod(nb::handle h);
// Any array-like (array, scalar, nested sequence, buffer-protocol object).
array to_array(nb::handle obj, std::optional<Dtype> dtype = std::nullopt);
// A Python scalar takes its dtype from the array it meets (MLX's weak
// scalars); anything else converts normally.
array scalar_to_array(nb::handle v, Dtype other);
std::pair<array, array> to_arrays(nb::handle a, nb::handle b);
// axis=None means every axis.
Axes to_axes(nb::handle axis, const array& a);
std::optional<Dtype> to_dtype(nb::handle h);

nb::object to_list(array a);
nb::object to_scalar(array a);
std::string format_array(array a);

// The failure of the last async_eval, for synchronize to raise.
std::exception_ptr& pending_async_error();

void init_dtype(nb::module_& m);
void init_device(nb::module_& m);
void init_array(nb::module_& m);
void init_ops(nb::module_& m);
void init_printoptions(nb::module_& m);
void init_transforms(nb::module_& m);
void init_random(nb::module_& m);
void init_arrange(nb::module_& m);
void init_conv(nb::module_& m);
void init_einsum(nb::module_& m);
void init_linalg(nb::module_& m);
void init_fft(nb::module_& m);
void init_quantized(nb::module_& m);
void init_fast(nb::module_& m);
void init_export(nb::module_& m);
void init_compile(nb::module_& m);
void init_io(nb::module_& m);
void init_indexing(nb::module_& m, nb::class_<array>& cls);
void init_indexing_ops(nb::module_& m);
void init_array_methods(nb::class_<array>& cls);

}  // namespace ember::py
