// The lazy half of mx.load (python/mlx/_io.py parses the files): an array
// whose bytes a Python callable writes when the array is evaluated.
#include "bindings/args.h"
#include "ops/load.h"

namespace ember::py {

namespace {

// Calls reader(view) with a writable memoryview of nbytes at dst. Eval runs
// with the GIL released, so it is taken here; the view is released after
// the call, since the memory belongs to the array being evaluated.
void call_reader(const PyRef& reader, void* dst, size_t nbytes) {
  static char no_bytes = 0;
  nb::gil_scoped_acquire gil;
  char* data = dst ? static_cast<char*>(dst) : &no_bytes;
  nb::object view = nb::steal(PyMemoryView_FromMemory(
      data, static_cast<Py_ssize_t>(nbytes), PyBUF_WRITE));
  if (!view.is_valid()) throw nb::python_error();
  try {
    reader.obj(view);
  } catch (...) {
    // The reader's own error is the one to report.
    nb::object done =
        nb::steal(PyObject_CallMethod(view.ptr(), "release", nullptr));
    if (!done.is_valid()) PyErr_Clear();
    throw;
  }
  view.attr("release")();
}

}  // namespace

void init_io(nb::module_& m) {
  def_op(m, "_lazy_load",
        [](IntsArg shape, const Dtype& dtype, nb::callable reader,
           std::optional<nb::callable> check, StreamArg s) {
          LoadReader r;
          auto read = std::make_shared<PyRef>(reader);
          r.read = [read](void* dst, size_t nbytes) {
            call_reader(*read, dst, nbytes);
          };
          if (check) {
            auto f = std::make_shared<PyRef>(*check);
            r.check = [f]() {
              nb::gil_scoped_acquire gil;
              f->obj();
            };
          }
          return load(to_shape(shape), dtype, std::move(r), to_sod(s));
        },
        "shape"_a, "dtype"_a, "reader"_a, nb::kw_only(),
        "check"_a.none() = nb::none(), "stream"_a.none() = nb::none(),
        "An array whose data a Python callable writes when it is evaluated "
        "(mx.load from a path).\n\n"
        "Args:\n"
        "    shape (Sequence[int]): Shape of the array.\n"
        "    dtype (Dtype): Dtype of the array.\n"
        "    reader (Callable): reader(view) writes the array's bytes, "
        "row-major, into view, a writable memoryview that must not outlive "
        "the call.\n"
        "    check (Callable, optional): Called first, before the memory is "
        "allocated, to fail early.\n"
        "    stream (Stream, optional): Stream or device.\n\n"
        "Returns:\n"
        "    array: The lazy array; what the callables raise, eval raises.");
}

}  // namespace ember::py
