// Python objects to arrays (scalars, nested sequences, buffers) and back
// (item, tolist).
#include <complex>
#include <functional>
#include <cstring>

#include "bindings/common.h"
#include "core/errors.h"
#include "core/scalar_cast.h"

namespace ember::py {

namespace {

enum class Kind { Bool, Int, Float, Complex };

// MLX's exact wording, without an op name: its tests compare the whole
// message, and user code may too.
constexpr const char* kNonUniform =
    "Initialization encountered non-uniform length.";

// A nested sequence flattened: its shape, widest element kind and values.
struct Flat {
  Shape shape;
  // Set at the first scalar: deeper nesting after that is non-uniform.
  bool frozen = false;
  Kind kind = Kind::Bool;
  bool wide_int = false;
  std::vector<std::complex<double>> values;
  std::vector<int64_t> ints;
};

bool is_array(nb::handle h) { return nb::isinstance<array>(h); }

// Whether a nested sequence holds an mx.array (or numpy array) anywhere.
bool holds_arrays(nb::handle obj) {
  std::vector<std::pair<nb::handle, size_t>> stack{{obj, 0}};
  while (!stack.empty()) {
    auto [h, depth] = stack.back();
    stack.pop_back();
    if (PyList_Check(h.ptr()) || PyTuple_Check(h.ptr())) {
      check_nesting(depth + 1, "array");
      for (nb::handle c : nb::borrow<nb::sequence>(h)) stack.emplace_back(c, depth + 1);
    } else if (is_array(h) || nb::hasattr(h, "__array__")) {
      return true;
    }
  }
  return false;
}

void flatten_into(nb::handle obj, size_t depth, Flat& f) {
  bool seq = PyList_Check(obj.ptr()) || PyTuple_Check(obj.ptr());
  if (seq) {
    check_nesting(depth + 1, "array");
    nb::sequence s = nb::borrow<nb::sequence>(obj);
    int64_t n = static_cast<int64_t>(nb::len(s));
    if (depth == f.shape.size() && !f.frozen) {
      f.shape.push_back(n);
    } else if (depth >= f.shape.size() || f.shape[depth] != n) {
      throw ValueError(kNonUniform);
    }
    for (nb::handle item : s) flatten_into(item, depth + 1, f);
    return;
  }
  if (depth != f.shape.size()) throw ValueError(kNonUniform);
  f.frozen = true;
  PyObject* p = obj.ptr();
  if (PyBool_Check(p)) {
    f.values.emplace_back(p == Py_True ? 1.0 : 0.0);
    f.ints.push_back(p == Py_True);
  } else if (PyLong_Check(p)) {
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(p, &overflow);
    if (overflow) {  // no Python error is set: raise one of ours
      throw ValueError("[array] Integer " + nb::cast<std::string>(nb::str(obj)) +
                       " does not fit in int64.");
    }
    f.kind = std::max(f.kind, Kind::Int);
    if (v > INT32_MAX || v < INT32_MIN) f.wide_int = true;
    f.values.emplace_back(static_cast<double>(v));
    f.ints.push_back(v);
  } else if (PyFloat_Check(p)) {
    f.kind = std::max(f.kind, Kind::Float);
    f.values.emplace_back(PyFloat_AsDouble(p));
    f.ints.push_back(0);
  } else if (PyComplex_Check(p)) {
    f.kind = Kind::Complex;
    f.values.emplace_back(PyComplex_RealAsDouble(p), PyComplex_ImagAsDouble(p));
    f.ints.push_back(0);
  } else if (nb::hasattr(obj, "__float__")) {
    // numpy scalars and other number-like objects.
    f.kind = std::max(f.kind, Kind::Float);
    f.values.emplace_back(nb::cast<double>(obj.attr("__float__")()));
    f.ints.push_back(0);
  } else {
    throw ValueError("[array] Invalid type " +
                     nb::cast<std::string>(nb::str(obj.type().attr("__name__"))) +
                     " received in array initialization.");
  }
}

Dtype default_dtype(const Flat& f) {
  if (f.values.empty()) return float32;
  switch (f.kind) {
    case Kind::Bool: return bool_;
    case Kind::Int: return f.wide_int ? int64 : int32;
    case Kind::Float: return float32;
    default: return complex64;
  }
}

array from_flat(const Flat& f, Dtype dtype) {
  array out = array::empty(f.shape, dtype);
  bool exact_int = f.kind <= Kind::Int;
  dispatch_all(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* d = out.data<T>();
    for (size_t i = 0; i < f.values.size(); ++i) {
      if constexpr (is_complex_v<T>) {
        d[i] = T(static_cast<float>(f.values[i].real()),
                 static_cast<float>(f.values[i].imag()));
      } else {
        d[i] = exact_int ? cast_to<T>(f.ints[i]) : cast_to<T>(f.values[i].real());
      }
    }
  });
  return out;
}

bool buffer_dtype(const Py_buffer& view, Dtype& out) {
  std::string fmt = view.format ? view.format : "B";
  if (!fmt.empty() && std::strchr("@=<>!", fmt[0])) fmt = fmt.substr(1);
  int size = static_cast<int>(view.itemsize);
  if (fmt == "?") out = bool_;
  else if (fmt == "e") out = float16;
  else if (fmt == "f") out = float32;
  else if (fmt == "d") out = float64;
  else if (fmt == "Zf") out = complex64;
  else if (fmt.size() == 1 && std::strchr("bhilq", fmt[0])) {
    out = size == 1 ? int8 : size == 2 ? int16 : size == 4 ? int32 : int64;
  } else if (fmt.size() == 1 && std::strchr("BHILQ", fmt[0])) {
    out = size == 1 ? uint8 : size == 2 ? uint16 : size == 4 ? uint32 : uint64;
  } else {
    return false;
  }
  return true;
}

// Reads a buffer-protocol object; nullopt if its format is not ours.
std::optional<array> from_buffer(nb::handle obj) {
  Py_buffer view;
  if (PyObject_GetBuffer(obj.ptr(), &view, PyBUF_RECORDS_RO) != 0) {
    PyErr_Clear();
    return std::nullopt;
  }
  struct Release {
    Py_buffer* v;
    ~Release() { PyBuffer_Release(v); }
  } release{&view};
  Dtype dt = float32;
  if (!buffer_dtype(view, dt)) return std::nullopt;
  Shape shape(view.shape, view.shape + view.ndim);
  bool c_contig = PyBuffer_IsContiguous(&view, 'C');
  if (!c_contig) return std::nullopt;
  return array::from_data(view.buf, shape, dt);
}

nb::object numpy() { return nb::module_::import_("numpy"); }

std::string class_name(nb::handle obj) {
  return nb::cast<std::string>(nb::str(obj.type().attr("__name__")));
}

array from_numpy_like(nb::handle obj) {
  nb::object np = numpy();
  nb::object arr;
  try {
    arr = np.attr("asarray")(obj);
  } catch (nb::python_error& e) {
    // numpy's refusal (an __array__ that returns no array, a bad buffer
    // format) names no op; a user's own exception passes unchanged.
    if (!e.matches(PyExc_ValueError) && !e.matches(PyExc_TypeError)) throw;
    throw ValueError("[array] Cannot convert an object of type " + class_name(obj) +
                     " through numpy: " + nb::cast<std::string>(nb::str(e.value())));
  }
  std::string name = nb::cast<std::string>(arr.attr("dtype").attr("name"));
  // ascontiguousarray makes 0-d arrays 1-d; the original shape is restored.
  Shape shape = nb::cast<Shape>(arr.attr("shape"));
  if (name == "bfloat16") {
    nb::object bits = np.attr("ascontiguousarray")(arr).attr("view")(np.attr("uint16"));
    return reshape(view(*from_buffer(bits), bfloat16), shape);
  }
  if (name == "complex128") arr = arr.attr("astype")(np.attr("complex64"));
  arr = np.attr("ascontiguousarray")(arr);
  auto a = from_buffer(arr);
  if (!a) {
    throw ValueError("[array] Cannot convert numpy dtype " + name + ".");
  }
  return reshape(*a, shape);
}

}  // namespace

array to_array(nb::handle obj, std::optional<Dtype> dtype) {
  if (is_array(obj)) {
    const array& a = nb::cast<const array&>(obj);
    return dtype ? astype(a, *dtype) : a;
  }
  PyObject* p = obj.ptr();
  bool scalar_like = PyBool_Check(p) || PyLong_Check(p) || PyFloat_Check(p) ||
                     PyComplex_Check(p);
  if (scalar_like || PyList_Check(p) || PyTuple_Check(p)) {
    // Sequences holding arrays stack their converted elements.
    if ((PyList_Check(p) || PyTuple_Check(p)) && holds_arrays(obj)) {
      std::vector<array> parts;
      for (nb::handle item : nb::borrow<nb::sequence>(obj)) {
        parts.push_back(to_array(item, dtype));
      }
      for (auto& part : parts) {
        if (part.shape() != parts[0].shape()) throw ValueError(kNonUniform);
      }
      return stack(parts, 0);
    }
    Flat f;
    flatten_into(obj, 0, f);
    return from_flat(f, dtype.value_or(default_dtype(f)));
  }
  // MLX's ArrayLike protocol: an object that can produce an mx.array.
  if (nb::hasattr(obj, "__mlx_array__")) {
    nb::object r = obj.attr("__mlx_array__")();
    if (!is_array(r)) {
      throw ValueError("[array] __mlx_array__ must return an mlx.core.array.");
    }
    const array& a = nb::cast<const array&>(r);
    return dtype ? astype(a, *dtype) : a;
  }
  if (nb::hasattr(obj, "__array__") || PyObject_CheckBuffer(p)) {
    std::optional<array> a = from_buffer(obj);
    array out = a ? *a : from_numpy_like(obj);
    if (dtype) return astype(out, *dtype);
    // Like MLX, float64 data from numpy becomes float32 unless asked for.
    return out.dtype() == float64 ? astype(out, float32) : out;
  }
  throw ValueError("[array] Cannot convert an object of type " + class_name(obj) +
                   " to an array.");
}

array scalar_to_array(nb::handle v, Dtype other) {
  PyObject* p = v.ptr();
  // The scalar is made in its final dtype: no int scalar and AsType node
  // per `x + 1`, which would double the graph of a chain of small ops.
  auto make = [&](auto value) {
    array a = array::empty({}, other);
    dispatch_all(other, [&](auto tag) {
      using T = typename decltype(tag)::type;
      *a.data<T>() = cast_to<T>(value);
    });
    return a;
  };
  if (PyBool_Check(p)) return make(p == Py_True);
  if (PyLong_Check(p)) {
    if (other == bool_) return to_array(v);
    int overflow = 0;
    long long x = PyLong_AsLongLongAndOverflow(p, &overflow);
    if (!is_integral(other)) {
      return overflow ? astype(to_array(v), other) : make(static_cast<int64_t>(x));
    }
    bool fits = !overflow;
    if (fits && other.size() < 8) {
      fits = dispatch_all(other, [&](auto tag) {
        using T = typename decltype(tag)::type;
        if constexpr (std::is_integral_v<T>) {
          return x >= static_cast<long long>(std::numeric_limits<T>::min()) &&
                 x <= static_cast<long long>(std::numeric_limits<T>::max());
        } else {
          return true;
        }
      });
    }
    if (!fits) {
      throw ValueError(std::string("[convert] Integer ") +
                       nb::cast<std::string>(nb::str(v)) +
                       " is out of range for dtype " + dtype_name(other) + ".");
    }
    return make(static_cast<int64_t>(x));
  }
  if (PyFloat_Check(p)) {
    double x = PyFloat_AsDouble(p);
    return array::scalar(x, is_inexact(other) ? other : float32);
  }
  return to_array(v);
}

std::pair<array, array> to_arrays(nb::handle a, nb::handle b) {
  bool aa = is_array(a), ba = is_array(b);
  if (aa && !ba) {
    const array& x = nb::cast<const array&>(a);
    return {x, scalar_to_array(b, x.dtype())};
  }
  if (ba && !aa) {
    const array& y = nb::cast<const array&>(b);
    return {scalar_to_array(a, y.dtype()), y};
  }
  return {to_array(a), to_array(b)};
}

Axes to_axes(nb::handle axis, const array& a) {
  if (axis.is_none()) return all_axes(a);
  if (PyLong_Check(axis.ptr())) return {nb::cast<int64_t>(axis)};
  return nb::cast<Axes>(axis);
}

namespace {

nb::object element(const array& a, int64_t offset) {
  return dispatch_all(a.dtype(), [&](auto tag) -> nb::object {
    using T = typename decltype(tag)::type;
    T v = a.data<T>()[offset];
    if constexpr (std::is_same_v<T, bool>) return nb::bool_(v);
    else if constexpr (std::is_integral_v<T>) return nb::int_(v);
    else if constexpr (is_complex_v<T>) {
      return nb::steal(PyComplex_FromDoubles(v.real(), v.imag()));
    } else {
      return nb::float_(static_cast<double>(v));
    }
  });
}

}  // namespace

nb::object to_scalar(array a) {
  if (a.size() != 1) {
    throw ValueError("[item] Only arrays with one element can be converted to "
                     "a Python scalar.");
  }
  {
    nb::gil_scoped_release release;
    a.eval();
  }
  return element(a, 0);
}

nb::object to_list(array a) {
  {
    nb::gil_scoped_release release;
    a.eval();
  }
  if (a.ndim() == 0) return element(a, 0);
  // Iterative over an index odometer; lists are built bottom-up per row.
  std::vector<nb::list> stack(a.ndim());
  std::vector<int64_t> idx(a.ndim(), 0);
  if (a.size() == 0) {
    std::function<nb::object(int)> empty = [&](int d) -> nb::object {
      nb::list l;
      if (d + 1 < a.ndim()) {
        for (int64_t i = 0; i < a.shape()[d]; ++i) l.append(empty(d + 1));
      }
      return l;
    };
    return empty(0);
  }
  int nd = a.ndim();
  int64_t offset = 0;
  while (true) {
    stack[nd - 1].append(element(a, offset));
    int d = nd - 1;
    while (d >= 0) {
      offset += a.strides()[d];
      if (++idx[d] < a.shape()[d]) break;
      offset -= idx[d] * a.strides()[d];
      idx[d] = 0;
      if (d == 0) return stack[0];
      stack[d - 1].append(stack[d]);
      stack[d] = nb::list();
      --d;
    }
  }
}

}  // namespace ember::py
