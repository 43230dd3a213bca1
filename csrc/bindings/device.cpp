// Devices, streams, memory statistics and the metal/cuda namespaces.
#include <exception>
#include <utility>

#include "bindings/common.h"
#include "core/errors.h"

namespace ember::py {

namespace {

std::string device_str(const Device& d) {
  return std::string("Device(") + (d.type == Device::Type::cpu ? "cpu" : "gpu") +
         ", " + std::to_string(d.index) + ")";
}

Device to_device(nb::handle h) {
  if (nb::isinstance<Device>(h)) return nb::cast<Device>(h);
  return Device{nb::cast<Device::Type>(h), 0};
}

// `with mx.stream(s):` makes s (or a device's default stream) the default.
struct StreamContext {
  Stream stream;
  Device old_device = cpu_device;
  Stream old_stream;
};

}  // namespace

StreamOrDevice to_sod(nb::handle h) {
  if (!h.is_valid() || h.is_none()) return std::monostate{};
  if (nb::isinstance<Stream>(h)) return nb::cast<Stream>(h);
  if (nb::isinstance<Device>(h)) return nb::cast<Device>(h);
  if (nb::isinstance<Device::Type>(h)) return to_device(h);
  throw nb::type_error("[stream] Expected a Stream, a Device or None.");
}

void init_device(nb::module_& m) {
  nb::enum_<Device::Type>(m, "DeviceType")
      .value("cpu", Device::Type::cpu)
      .value("gpu", Device::Type::gpu);
  m.attr("cpu") = nb::cast(Device::Type::cpu);
  m.attr("gpu") = nb::cast(Device::Type::gpu);

  nb::class_<Device>(m, "Device", "A device to run operations on.")
      .def("__init__",
           [](Device* self, Device::Type t, int index) {
             new (self) Device{t, index};
           },
           "type"_a, "index"_a = 0)
      .def_ro("type", &Device::type)
      .def("__repr__", &device_str)
      .def("__eq__", [](const Device& d, nb::handle o) {
        if (nb::isinstance<Device>(o)) return d == nb::cast<Device>(o);
        if (nb::isinstance<Device::Type>(o)) {
          return d.type == nb::cast<Device::Type>(o) && d.index == 0;
        }
        return false;
      });

  nb::class_<Stream>(m, "Stream", "A stream of operations on a device.")
      .def_ro("device", &Stream::device)
      .def_ro("index", &Stream::index)
      .def("__repr__", [](const Stream& s) {
        return "Stream(" + device_str(s.device) + ", " + std::to_string(s.index) +
               ")";
      })
      .def("__eq__", [](const Stream& s, nb::handle o) {
        return nb::isinstance<Stream>(o) && s == nb::cast<Stream>(o);
      });

  m.def("default_device", &default_device, "The default device.");
  m.def("set_default_device",
        [](nb::handle d) { set_default_device(to_device(d)); }, "device"_a,
        "Set the default device.");
  m.def("default_stream",
        [](nb::handle d) { return default_stream(to_device(d)); }, "device"_a,
        "The default stream of a device.");
  m.def("set_default_stream", &set_default_stream, "stream"_a,
        "Set the default stream (and device).");
  m.def("new_stream", [](nb::handle d) { return new_stream(to_device(d)); },
        "device"_a, "Make a new stream on a device.");
  for (const char* name : {"new_thread_local_stream", "new_thread_unsafe_stream"}) {
    m.def(name, [](nb::handle d) { return new_stream(to_device(d)); }, "device"_a,
          "Make a new stream on a device (evaluation here is synchronous, so "
          "every stream is safe to use from any thread).");
  }
  m.def("clear_streams", &clear_streams, "Reset the streams to the defaults.");
  m.def("is_available", [](nb::handle d) { return is_available(to_device(d)); },
        "device"_a, "Whether a device is available.");
  m.def("device_count", [](Device::Type t) { return device_count(t); },
        "device_type"_a, "Number of devices of a type.");
  m.def("device_info",
        [](nb::handle) {
          nb::dict info;
          info["device_name"] = "cpu";
          info["architecture"] = "x86_64";
          return info;
        },
        "device"_a.none() = nb::none(), "Information about a device.");
  m.def("synchronize",
        [](nb::handle) {
          // Evaluation on the CPU is synchronous; report an async_eval failure.
          std::exception_ptr e = std::exchange(pending_async_error(), nullptr);
          if (e) std::rethrow_exception(e);
        },
        "stream"_a.none() = nb::none(),
        "Wait for the work on a stream to finish, raising any error of an "
        "earlier async_eval.");

  nb::class_<StreamContext>(m, "stream", "Context manager setting the default stream.")
      .def("__init__",
           [](StreamContext* self, nb::handle s) {
             auto sod = to_sod(s);
             new (self) StreamContext{to_stream(sod)};
           },
           "s"_a)
      .def("__enter__",
           [](StreamContext& c) {
             c.old_device = default_device();
             c.old_stream = default_stream(c.old_device);
             set_default_stream(c.stream);
           })
      .def("__exit__", [](StreamContext& c, nb::args) {
        set_default_stream(c.old_stream);
        set_default_device(c.old_device);
      });

  m.def("get_active_memory", &get_active_memory, "Bytes in use by arrays.");
  m.def("get_peak_memory", &get_peak_memory, "Peak bytes in use.");
  m.def("reset_peak_memory", &reset_peak_memory, "Reset the peak to zero.");
  m.def("get_cache_memory", &get_cache_memory, "Bytes held in the cache.");
  m.def("get_memory_limit", &get_memory_limit, "The memory limit in bytes.");
  m.def("set_memory_limit", &set_memory_limit, "limit"_a,
        "Set the memory limit (a guideline); returns the previous one.");
  m.def("set_cache_limit", &set_cache_limit, "limit"_a,
        "Set the cache limit; returns the previous one.");
  m.def("set_wired_limit", &set_wired_limit, "limit"_a,
        "Set the wired limit (no effect on Linux); returns the previous one.");
  m.def("clear_cache", &clear_cache, "Free the cached buffers.");

  for (const char* name : {"metal", "cuda"}) {
    auto sub = m.def_submodule(name, "GPU backend status.");
    sub.def("is_available", [] { return false; },
            "Whether this backend is available (not in this build).");
  }
}

}  // namespace ember::py
