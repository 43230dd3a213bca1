// The type caster of std::vector arguments, in place of nanobind's: a list
// or tuple converts as before; any other sequence is read by index, exactly
// len() items. nanobind's caster turns it into a tuple by iteration, which
// never ends for an object whose __getitem__ never raises IndexError, and
// follows a __len__ that lies. Include this, never nanobind/stl/vector.h.
#pragma once
#include <nanobind/nanobind.h>
#include <nanobind/stl/detail/nb_list.h>

#include <vector>

NAMESPACE_BEGIN(NB_NAMESPACE)
NAMESPACE_BEGIN(detail)

// More elements than any shape, axis list or list of arrays has.
constexpr Py_ssize_t kMaxSequenceLength = Py_ssize_t(1) << 26;

template <typename List, typename Entry>
struct bounded_list_caster : list_caster<List, Entry> {
  using Base = list_caster<List, Entry>;

  bool from_python(handle src, uint32_t flags, cleanup_list* cleanup) noexcept {
    PyObject* p = src.ptr();
    if (PyList_CheckExact(p) || PyTuple_CheckExact(p)) {
      return Base::from_python(src, flags, cleanup);
    }
    if (PyUnicode_Check(p) || PyBytes_Check(p) || !PySequence_Check(p)) return false;
    Py_ssize_t n = PySequence_Size(p);
    if (n < 0 || n > kMaxSequenceLength) {
      PyErr_Clear();
      return false;
    }
    PyObject* items = PyTuple_New(n);
    if (!items) {
      PyErr_Clear();
      return false;
    }
    for (Py_ssize_t i = 0; i < n; ++i) {
      PyObject* o = PySequence_GetItem(p, i);
      if (!o) {
        PyErr_Clear();
        Py_DECREF(items);
        return false;
      }
      PyTuple_SET_ITEM(items, i, o);
    }
    bool ok = Base::from_python(handle(items), flags, cleanup);
    // Entries may borrow from the items: keep them for the call when possible.
    if (cleanup) {
      cleanup->append(items);
    } else {
      Py_DECREF(items);
    }
    return ok;
  }
};

template <typename Type, typename Alloc>
struct type_caster<std::vector<Type, Alloc>>
    : bounded_list_caster<std::vector<Type, Alloc>, Type> {};

NAMESPACE_END(detail)
NAMESPACE_END(NB_NAMESPACE)
