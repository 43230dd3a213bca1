// The Python `array` class: construction, properties, operators, methods,
// numpy interop (buffer protocol and __array__) and pickling.
#include <nanobind/ndarray.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/variant.h>

#include "bindings/common.h"
#include "core/errors.h"

namespace ember::py {

namespace {

// What a memoryview of an array keeps alive until it is released.
struct BufferKeep {
  array a;
  std::vector<Py_ssize_t> shape, strides;
  std::string format;
};

const char* buffer_format(Dtype d) {
  switch (d.val) {
    case Dtype::Val::bool_: return "?";
    case Dtype::Val::uint8: return "B";
    case Dtype::Val::uint16: return "H";
    case Dtype::Val::uint32: return "I";
    case Dtype::Val::uint64: return "Q";
    case Dtype::Val::int8: return "b";
    case Dtype::Val::int16: return "h";
    case Dtype::Val::int32: return "i";
    case Dtype::Val::int64: return "q";
    case Dtype::Val::float16: return "e";
    case Dtype::Val::float32: return "f";
    case Dtype::Val::float64: return "d";
    case Dtype::Val::complex64: return "Zf";
    // Not a PEP 3118 code: raw bytes stay readable, numpy refuses it (as in MLX).
    case Dtype::Val::bfloat16: return "bfloat16";
    default: return nullptr;
  }
}

int array_getbuffer(PyObject* obj, Py_buffer* view, int flags) {
  try {
    array a = nb::cast<array>(nb::handle(obj));
    const char* fmt = buffer_format(a.dtype());
    if (!fmt) {
      PyErr_SetString(PyExc_BufferError, "[buffer] This dtype has no buffer format.");
      return -1;
    }
    {
      nb::gil_scoped_release release;
      a.eval();
    }
    auto keep = new BufferKeep{a, {}, {}, fmt};
    for (int i = 0; i < a.ndim(); ++i) {
      keep->shape.push_back(a.shape()[i]);
      keep->strides.push_back(a.strides()[i] * a.itemsize());
    }
    view->buf = a.size() ? a.raw_data() : nullptr;
    view->obj = obj;
    Py_INCREF(obj);
    view->len = a.nbytes();
    view->readonly = 0;
    view->itemsize = a.itemsize();
    view->format = (flags & PyBUF_FORMAT) ? keep->format.data() : nullptr;
    view->ndim = a.ndim();
    view->shape = keep->shape.data();
    view->strides = keep->strides.data();
    view->suboffsets = nullptr;
    view->internal = keep;
    return 0;
  } catch (nb::python_error& e) {
    e.restore();
    return -1;
  } catch (const MemoryError& e) {
    // Evaluating the array could not allocate: numpy, savez and the other
    // buffer consumers must see MemoryError, not BufferError.
    PyErr_SetString(PyExc_MemoryError, e.what());
    return -1;
  } catch (const std::bad_alloc&) {
    PyErr_SetString(PyExc_MemoryError, "[buffer] Out of memory.");
    return -1;
  } catch (const std::exception& e) {
    PyErr_SetString(PyExc_BufferError, e.what());
    return -1;
  }
}

void array_releasebuffer(PyObject*, Py_buffer* view) {
  delete static_cast<BufferKeep*>(view->internal);
}

PyType_Slot array_slots[] = {
    {Py_bf_getbuffer, reinterpret_cast<void*>(array_getbuffer)},
    {Py_bf_releasebuffer, reinterpret_cast<void*>(array_releasebuffer)},
    {0, nullptr}};

// numpy conversion through the buffer protocol. numpy has no bfloat16.
nb::object to_numpy(const array& a, nb::handle dtype, nb::handle copy) {
  if (a.dtype() == bfloat16) {
    throw ValueError("[array] numpy has no bfloat16 dtype; convert with "
                     "astype(mx.float32) first.");
  }
  nb::object np = nb::module_::import_("numpy");
  nb::object src = nb::cast(a);
  nb::object view = nb::steal(PyMemoryView_FromObject(src.ptr()));
  if (!view.is_valid()) throw nb::python_error();
  nb::object out = np.attr("asarray")(view);
  if (dtype.is_valid() && !dtype.is_none()) out = out.attr("astype")(dtype);
  if (copy.is_valid() && !copy.is_none() && nb::cast<bool>(copy)) {
    out = out.attr("copy")();
  }
  return out;
}

// A DLPack capsule over the array's memory; its owner keeps the array (and
// so the buffer) alive.
nb::object dlpack_view(array a) {
  {
    nb::gil_scoped_release release;
    a.eval();
  }
  using Code = nb::dlpack::dtype_code;
  Code code = Code::Float;
  if (a.dtype() == bool_) code = Code::Bool;
  else if (a.dtype() == bfloat16) code = Code::Bfloat;
  else if (is_complex(a.dtype())) code = Code::Complex;
  else if (is_unsigned(a.dtype())) code = Code::UInt;
  else if (is_integral(a.dtype())) code = Code::Int;
  nb::dlpack::dtype dt{static_cast<uint8_t>(code),
                       static_cast<uint8_t>(a.itemsize() * 8), 1};
  std::vector<size_t> shape(a.shape().begin(), a.shape().end());
  std::vector<int64_t> strides(a.strides().begin(), a.strides().end());
  auto* keep = new array(a);
  nb::capsule owner(keep, [](void* p) noexcept { delete static_cast<array*>(p); });
  nb::ndarray<> nd(a.size() ? a.raw_data() : nullptr, shape.size(), shape.data(),
                   owner, strides.data(), dt, nb::device::cpu::value);
  return nb::cast(nd);
}

struct ArrayIterator {
  array a;
  int64_t i = 0;
};

using Bin = array (*)(const array&, const array&, StreamOrDevice);

template <Bin F>
array binop(const array& a, ArrayArg b) {
  auto [x, y] = to_arrays(nb::cast(a, nb::rv_policy::reference), b);
  return F(x, y, {});
}
template <Bin F>
array rbinop(const array& a, ArrayArg b) {
  auto [y, x] = to_arrays(b, nb::cast(a, nb::rv_policy::reference));
  return F(y, x, {});
}
template <Bin F>
array& ibinop(array& a, ArrayArg b) {
  auto [x, y] = to_arrays(nb::cast(a, nb::rv_policy::reference), b);
  array r = F(x, y, {});
  if (r.dtype() != a.dtype()) {
    throw ValueError(std::string("[inplace] Cannot update an array of dtype ") +
                     dtype_name(a.dtype()) + " in place with a result of dtype " +
                     dtype_name(r.dtype()) + ".");
  }
  a = r;
  return a;
}

array matmul_op(const array& a, const array& b, StreamOrDevice s) {
  return matmul(a, b, s);
}

// Comparisons with objects that are not array-like are plain False/True.
template <Bin F>
nb::object compare(const array& a, nb::handle b, bool fallback) {
  // MLX compares arrays with Python sequences as objects, not elementwise,
  // and refuses None.
  if (b.is_none()) {
    throw nb::type_error("[array] Cannot compare an array with None.");
  }
  if (PyList_Check(b.ptr()) || PyTuple_Check(b.ptr())) {
    return nb::bool_(fallback);
  }
  try {
    return nb::cast(binop<F>(a, nb::borrow<ArrayArg>(b)));
  } catch (const ValueError&) {
    if (nb::isinstance<array>(b) || PyFloat_Check(b.ptr()) ||
        PyLong_Check(b.ptr())) {
      throw;
    }
    return nb::bool_(fallback);
  }
}

}  // namespace

// An object standing for an array: anything with __mlx_array__ (MLX's
// ArrayLike protocol), kept so that it converts when an op needs it.
struct ArrayLike {
  nb::object obj;
};

void init_array(nb::module_& m) {
  nb::class_<ArrayLike>(m, "ArrayLike",
                        "Any Python object with an ``__mlx_array__`` method "
                        "returning an array.")
      .def("__init__",
           [](ArrayLike* self, nb::object o) { new (self) ArrayLike{o}; },
           "arg"_a)
      .def("__mlx_array__", [](const ArrayLike& a) { return to_array(a.obj); });

  nb::class_<ArrayIterator>(m, "ArrayIterator")
      .def("__iter__", [](ArrayIterator& it) -> ArrayIterator& { return it; },
           nb::rv_policy::reference)
      .def("__next__", [](ArrayIterator& it) {
        if (it.i >= it.a.shape()[0]) throw nb::stop_iteration();
        int64_t i = it.i++;
        Shape start(it.a.ndim(), 0), stop = it.a.shape(), step(it.a.ndim(), 1);
        start[0] = i;
        stop[0] = i + 1;
        return squeeze(slice(it.a, start, stop, step), {0});
      });

  nb::class_<array> cls(m, "array", nb::type_slots(array_slots),
                        nb::is_weak_referenceable(),
                        "An N-dimensional array, evaluated lazily.\n\n"
                        "Operations on arrays record a graph; values are "
                        "computed when needed (printing, :func:`eval`, "
                        "``item()``, conversion to numpy).\n\n"
                        "Args:\n"
                        "    val (scalar, list, tuple, array or buffer): The "
                        "data: a Python scalar, nested sequences, another "
                        "array, a numpy array or any object with the buffer "
                        "protocol or ``__mlx_array__``.\n"
                        "    dtype (Dtype, optional): The element type. By "
                        "default it is inferred: bool, int32 (int64 for "
                        "ints beyond its range), float32 or complex64 for "
                        "Python values; numpy arrays keep their dtype, "
                        "except that float64 becomes float32.");
  cls.def("__init__",
          name_errors("array", [](array* self, nb::handle val, DtypeArg dtype) {
            new (self) array(to_array(val, to_dtype(dtype)));
          }),
          "val"_a, "dtype"_a.none() = nb::none())
      .def_prop_ro("shape", [](const array& a) {
        nb::list l;
        for (auto d : a.shape()) l.append(d);
        return nb::tuple(l);
      }, "The array's dimensions as a tuple.")
      .def_prop_ro("ndim", &array::ndim, "Number of dimensions.")
      .def_prop_ro("size", &array::size, "Number of elements.")
      .def_prop_ro("dtype", &array::dtype, "The element type.")
      .def_prop_ro("itemsize", &array::itemsize, "Bytes per element.")
      .def_prop_ro("nbytes", &array::nbytes, "Bytes of all elements.")
      .def_prop_ro("T", [](const array& a) { return transpose(a); },
                   "The array with its axes reversed.")
      .def("item", [](const array& a) { return to_scalar(a); },
           nb::sig("def item(self) -> bool | int | float | complex"),
           "The value of a one-element array as a Python scalar.\n\n"
           "The array is evaluated first.\n\n"
           "Returns:\n"
           "    bool, int, float or complex: The value, in the Python type "
           "matching the dtype.")
      .def("tolist", [](const array& a) { return to_list(a); },
           nb::sig("def tolist(self) -> typing.Any"),
           "Convert the array to nested Python lists.\n\n"
           "The array is evaluated first. A 0-d array gives a plain "
           "scalar.\n\n"
           "Returns:\n"
           "    list or scalar: Nested lists of Python scalars, one level "
           "per axis.")
      .def("__repr__", [](const array& a) { return format_array(a); })
      .def("__format__", [](const array& a, const std::string& spec) {
        if (spec.empty()) return format_array(a);
        if (a.ndim() != 0 && a.size() != 1) {
          throw nb::type_error("[format] Only arrays with one element can be "
                               "formatted with a format spec.");
        }
        nb::object v = to_scalar(a);
        std::string fmt = "{:" + spec + "}";
        return nb::cast<std::string>(nb::str(fmt.c_str()).attr("format")(v));
      })
      .def("__len__", [](const array& a) {
        if (a.ndim() == 0) throw nb::type_error("len() of a 0-d array.");
        return a.shape()[0];
      })
      .def("__iter__", [](const array& a) {
        if (a.ndim() == 0) throw nb::type_error("Iteration over a 0-d array.");
        return ArrayIterator{a, 0};
      })
      .def("__bool__", [](const array& a) {
        if (a.size() != 1) {
          throw ValueError("The truth value of an array with more than one "
                           "element is ambiguous.");
        }
        return nb::cast<bool>(to_scalar(astype(a, bool_)));
      })
      .def("__int__", [](const array& a) { return to_scalar(astype(a, int64)); },
           nb::sig("def __int__(self) -> int"))
      .def("__float__",
           [](const array& a) { return to_scalar(astype(a, float64)); },
           nb::sig("def __float__(self) -> float"))
      .def("__complex__",
           [](const array& a) { return to_scalar(astype(a, complex64)); },
           nb::sig("def __complex__(self) -> complex"))
      .def("__index__", [](const array& a) {
        if (!is_integral(a.dtype())) {
          throw nb::type_error("Only integer arrays can be used as an index.");
        }
        // A TypeError (not ValueError) lets bytes(a) fall back to the buffer.
        if (a.size() != 1) {
          throw nb::type_error("[__index__] Only one-element integer arrays are an index.");
        }
        return to_scalar(astype(a, int64));
      }, nb::sig("def __index__(self) -> int"))
      .def("__bytes__",
           [](const array& a) {
             array c = contiguous(a);
             {
               nb::gil_scoped_release release;
               c.eval();
             }
             return nb::bytes(c.data<char>(), c.nbytes());
           },
           "The raw bytes of the elements in row-major order.")
      .def("__hash__", [](const array& a) { return static_cast<Py_ssize_t>(a.id()); })
      .def("__array__", &to_numpy, "dtype"_a.none() = nb::none(), "copy"_a.none() = nb::none())
      .def("__array_namespace__",
           [](const array&, nb::handle) { return nb::module_::import_("mlx.core"); },
           "api_version"_a.none() = nb::none(),
           "The array API namespace (mlx.core itself).")
      .def("__dlpack__",
           [](const array& a, nb::kwargs) { return dlpack_view(a); },
           "Export the array through the DLPack protocol (CPU memory).")
      .def("__dlpack_device__",
           [](const array&) { return nb::make_tuple(1, 0); })
      .def("__copy__", [](const array& a) { return contiguous(a); })
      .def("__deepcopy__", [](const array& a, nb::handle) { return contiguous(a); })
      .def("__getstate__", [](const array& a) {
        array c = contiguous(a);
        {
          nb::gil_scoped_release release;
          c.eval();
        }
        nb::list shape;
        for (auto d : c.shape()) shape.append(d);
        return nb::make_tuple(nb::bytes(c.data<char>(), c.nbytes()),
                              nb::tuple(shape), c.dtype());
      })
      .def("__setstate__", [](array& self, nb::tuple st) {
        nb::bytes data = nb::cast<nb::bytes>(st[0]);
        Shape shape = nb::cast<Shape>(st[1]);
        Dtype dt = nb::cast<Dtype>(st[2]);
        new (&self) array(array::from_data(data.c_str(), shape, dt));
      })
      .def("astype",
           [](const array& a, Dtype d, StreamArg s) { return astype(a, d, to_sod(s)); },
           "dtype"_a, "stream"_a.none() = nb::none(),
           "Convert the array to another dtype. See :func:`astype`.\n\n"
           "Args:\n"
           "    dtype (Dtype): The target element type.\n"
           "    stream (Stream, optional): Stream or device to run on.\n\n"
           "Returns:\n"
           "    array: The converted array.")
      .def("view",
           [](const array& a, Dtype d, StreamArg s) { return view(a, d, to_sod(s)); },
           "dtype"_a, "stream"_a.none() = nb::none(),
           "Reinterpret the array's bytes as another dtype. See "
           ":func:`view`.\n\n"
           "Args:\n"
           "    dtype (Dtype): The element type to read the bytes as.\n"
           "    stream (Stream, optional): Stream or device to run on.\n\n"
           "Returns:\n"
           "    array: The same bytes seen as ``dtype``.");

#define EMBER_BINARY_OPERATOR(py, fn)                                    \
  cls.def("__" py "__", &binop<fn>);                                     \
  cls.def("__r" py "__", &rbinop<fn>);                                   \
  cls.def("__i" py "__", &ibinop<fn>, nb::rv_policy::none);
  EMBER_BINARY_OPERATOR("add", add)
  EMBER_BINARY_OPERATOR("sub", subtract)
  EMBER_BINARY_OPERATOR("mul", multiply)
  EMBER_BINARY_OPERATOR("truediv", divide)
  EMBER_BINARY_OPERATOR("floordiv", floor_divide)
  EMBER_BINARY_OPERATOR("mod", remainder)
  EMBER_BINARY_OPERATOR("pow", power)
  EMBER_BINARY_OPERATOR("matmul", matmul_op)
  EMBER_BINARY_OPERATOR("and", bitwise_and)
  EMBER_BINARY_OPERATOR("or", bitwise_or)
  EMBER_BINARY_OPERATOR("xor", bitwise_xor)
  EMBER_BINARY_OPERATOR("lshift", left_shift)
  EMBER_BINARY_OPERATOR("rshift", right_shift)
#undef EMBER_BINARY_OPERATOR
  // Python 2's names for true division, which MLX keeps.
  cls.def("__div__", &binop<divide>);
  cls.def("__rdiv__", &rbinop<divide>);
  cls.def("__divmod__", [](const array& a, ArrayArg b) {
    auto [x, y] = to_arrays(nb::cast(a, nb::rv_policy::reference), b);
    auto r = divmod(x, y);
    return nb::make_tuple(r[0], r[1]);
  });
  cls.def("__lt__", &binop<less>);
  cls.def("__le__", &binop<less_equal>);
  cls.def("__gt__", &binop<greater>);
  cls.def("__ge__", &binop<greater_equal>);
  // Elementwise against array-likes, a plain bool against other objects.
  // The first overload takes every non-None object and only exists so the
  // signatures (and stubs) say that arrays and scalars give an array.
  cls.def("__eq__",
          [](const array& a, ArrayArg b) { return compare<equal>(a, b, false); },
          "other"_a,
          nb::sig("def __eq__(self, other: mlx.core.array | int | float | "
                  "complex | numpy.ndarray) -> mlx.core.array"));
  cls.def("__eq__",
          [](const array& a, nb::handle b) { return compare<equal>(a, b, false); },
          "other"_a.none(),
          nb::sig("def __eq__(self, other: object) -> mlx.core.array | bool"));
  cls.def("__ne__",
          [](const array& a, ArrayArg b) { return compare<not_equal>(a, b, true); },
          "other"_a,
          nb::sig("def __ne__(self, other: mlx.core.array | int | float | "
                  "complex | numpy.ndarray) -> mlx.core.array"));
  cls.def("__ne__",
          [](const array& a, nb::handle b) { return compare<not_equal>(a, b, true); },
          "other"_a.none(),
          nb::sig("def __ne__(self, other: object) -> mlx.core.array | bool"));
  cls.def("__neg__", [](const array& a) { return negative(a); });
  cls.def("__pos__", [](const array& a) { return a; });
  cls.def("__abs__", [](const array& a) { return abs(a); });
  cls.def("__invert__", [](const array& a) {
    return a.dtype() == bool_ ? logical_not(a) : bitwise_invert(a);
  });
  init_indexing(m, cls);
  init_array_methods(cls);
}

}  // namespace ember::py
