// Devices, streams, memory statistics and the metal/cuda namespaces.
#include <exception>
#include <string>
#include <utility>
#include <variant>

#include "bindings/common.h"
#include "core/backend.h"
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

// `with mx.stream(s):` makes s (or a device's default stream) this
// thread's default until the block ends.
struct StreamContext {
  Stream stream;
  std::optional<Stream> saved;
};

std::string stream_str(const char* kind, Device d, int index) {
  return std::string(kind) + "(" + device_str(d) + ", " + std::to_string(index) +
         ")";
}

nb::dict info_dict(const DeviceInfo& info) {
  nb::dict d;
  for (auto& [key, value] : info) {
    std::visit([&](auto& v) { d[key.c_str()] = v; }, value);
  }
  return d;
}

}  // namespace

StreamOrDevice to_sod(nb::handle h) {
  if (!h.is_valid() || h.is_none()) return std::monostate{};
  if (nb::isinstance<Stream>(h)) return nb::cast<Stream>(h);
  if (nb::isinstance<Device>(h)) return nb::cast<Device>(h);
  if (nb::isinstance<Device::Type>(h)) return to_device(h);
  if (nb::isinstance<ThreadLocalStream>(h)) {
    return resolve(nb::cast<ThreadLocalStream>(h));
  }
  throw nb::type_error("[stream] Expected a Stream, a ThreadLocalStream, a "
                       "Device or None.");
}

void init_device(nb::module_& m) {
  nb::enum_<Device::Type>(m, "DeviceType")
      .value("cpu", Device::Type::cpu)
      .value("gpu", Device::Type::gpu);
  m.attr("cpu") = nb::cast(Device::Type::cpu);
  m.attr("gpu") = nb::cast(Device::Type::gpu);

  nb::class_<Device>(m, "Device",
                     "A device to run operations on.\n\n"
                     "Args:\n"
                     "    type (DeviceType): ``mx.cpu`` or ``mx.gpu``.\n"
                     "    index (int, optional): Which device of that type. "
                     "Default: ``0``.")
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
      .def("__repr__",
           [](const Stream& s) { return stream_str("Stream", s.device, s.index); })
      .def("__eq__", [](const Stream& s, nb::handle o) {
        return nb::isinstance<Stream>(o) && s == nb::cast<Stream>(o);
      });
  nb::class_<ThreadLocalStream>(
      m, "ThreadLocalStream",
      "A stream that is a different Stream on each thread that uses it.")
      .def_ro("device", &ThreadLocalStream::device)
      .def("__repr__",
           [](const ThreadLocalStream& s) {
             return stream_str("ThreadLocalStream", s.device, s.id);
           })
      .def("__eq__", [](const ThreadLocalStream& s, nb::handle o) {
        return nb::isinstance<ThreadLocalStream>(o) &&
               s == nb::cast<ThreadLocalStream>(o);
      });

  def_op(m, "default_device", &default_device,
        "The device that operations run on when no stream is given.\n\n"
        "Returns:\n"
        "    Device: The default device (the CPU in this build).");
  def_op(m, "set_default_device",
        [](nb::handle d) { set_default_device(to_device(d)); }, "device"_a,
        "Set the device that operations run on when no stream is given.\n\n"
        "Args:\n"
        "    device (Device or DeviceType): The new default; it must be "
        "available.\n\n"
        "Returns:\n"
        "    None");
  def_op(m, "default_stream",
        [](nb::handle d) { return default_stream(to_device(d)); }, "device"_a,
        "The stream that operations on a device use by default.\n\n"
        "Args:\n"
        "    device (Device or DeviceType): The device.\n\n"
        "Returns:\n"
        "    Stream: Its default stream.");
  def_op(m, "set_default_stream", &set_default_stream, "stream"_a,
        "Make a stream the default for operations on this thread.\n\n"
        "It takes precedence over the default device until "
        ":func:`clear_streams` is called. Other threads are not affected."
        "\n\n"
        "Args:\n"
        "    stream (Stream): The new default stream.\n\n"
        "Returns:\n"
        "    None");
  def_op(m, "new_stream", [](nb::handle d) { return new_stream(to_device(d)); },
        "device"_a,
        "Create a new stream on a device.\n\n"
        "Args:\n"
        "    device (Device or DeviceType): The device it runs on.\n\n"
        "Returns:\n"
        "    Stream: The new stream.");
  def_op(m, "new_thread_local_stream",
        [](nb::handle d) { return new_thread_local_stream(to_device(d)); },
        "device"_a,
        "Make a stream that each thread using it sees as its own Stream.\n\n"
        "Args:\n"
        "    device (Device): The device the stream runs on.\n\n"
        "Returns:\n"
        "    ThreadLocalStream: usable wherever a stream is accepted.");
  def_op(m, "new_thread_unsafe_stream", [](nb::handle d) { return new_stream(to_device(d)); },
        "device"_a,
        "Make a stream that may be used from any thread (in Ember every "
        "stream may).\n\n"
        "Args:\n"
        "    device (Device): The device the stream runs on.\n\n"
        "Returns:\n"
        "    Stream: the new stream.");
  def_op(m, "clear_streams", &clear_streams,
        "Forget this thread's default stream.\n\n"
        "Operations then use the default stream of the default device "
        "again.\n\n"
        "Returns:\n"
        "    None");
  def_op(m, "is_available", [](nb::handle d) { return is_available(to_device(d)); },
        "device"_a,
        "Whether a device can run operations in this build.\n\n"
        "Args:\n"
        "    device (Device or DeviceType): The device to check.\n\n"
        "Returns:\n"
        "    bool: ``True`` for the CPU; ``False`` for the GPU, which this "
        "build lacks.");
  def_op(m, "device_count", [](Device::Type t) { return device_count(t); },
        "device_type"_a,
        "The number of available devices of a type.\n\n"
        "Args:\n"
        "    device_type (DeviceType): ``mx.cpu`` or ``mx.gpu``.\n\n"
        "Returns:\n"
        "    int: How many there are (1 CPU, 0 GPUs here).");
  def_op(m, "device_info",
        [](nb::handle d) {
          Device dev = d.is_none() ? default_device() : to_device(d);
          return info_dict(backend(dev.type, "device_info").device_info(dev.index));
        },
        "d"_a.none() = nb::none(),
        "Information about a device.\n\n"
        "Args:\n"
        "    d (Device, optional): The device (default: the default device).\n\n"
        "Returns:\n"
        "    dict: ``device_name``, ``architecture`` and ``memory_size`` "
        "(bytes); for a GPU also its compute capability and multiprocessor "
        "count.");
  def_op(m, "synchronize",
        [](nb::handle s) {
          // CPU work is done when eval returns; a device stream is waited for.
          Stream st = to_stream(to_sod(s));
          backend(st.device.type, "synchronize").synchronize(st);
          std::exception_ptr e = std::exchange(pending_async_error(), nullptr);
          if (e) std::rethrow_exception(e);
        },
        "stream"_a.none() = nb::none(),
        "Wait for the work queued on a stream to finish.\n\n"
        "An error from an earlier :func:`async_eval` is raised here.\n\n"
        "Args:\n"
        "    stream (Stream, optional): The stream to wait for. By default "
        "the default stream.\n\n"
        "Returns:\n"
        "    None");

  nb::class_<StreamContext>(m, "StreamContext",
                            "A context manager setting the default stream.")
      .def("__init__",
           [](StreamContext* self, StreamArg s) {
             new (self) StreamContext{to_stream(to_sod(s)), std::nullopt};
           },
           "s"_a)
      .def("__enter__",
           [](StreamContext& c) {
             c.saved = thread_default_stream();
             set_default_stream(c.stream);
           })
      .def("__exit__",
           [](StreamContext& c, nb::handle, nb::handle, nb::handle) {
             restore_thread_default_stream(c.saved);
           },
           "exc_type"_a.none() = nb::none(), "exc_value"_a.none() = nb::none(),
           "traceback"_a.none() = nb::none());
  def_op(m, "stream",
        [](StreamArg s) {
          return StreamContext{to_stream(to_sod(s)), std::nullopt};
        },
        "s"_a,
        "A context manager that makes a stream (or a device's default stream) "
        "the default inside its block, on this thread.\n\n"
        "Args:\n"
        "    s (Stream | ThreadLocalStream | Device | DeviceType): What to run on.\n\n"
        "Returns:\n"
        "    StreamContext: use it in a ``with`` statement.");

  def_op(m, "get_active_memory", &get_active_memory,
        "The memory currently held by arrays.\n\n"
        "Memory kept in the allocator's cache for reuse is not included "
        "(see :func:`get_cache_memory`).\n\n"
        "Returns:\n"
        "    int: The number of bytes.");
  def_op(m, "get_peak_memory", &get_peak_memory,
        "The largest amount of memory held by arrays at any one time.\n\n"
        "Counted since the program started or since the last "
        ":func:`reset_peak_memory`.\n\n"
        "Returns:\n"
        "    int: The number of bytes.");
  def_op(m, "reset_peak_memory", &reset_peak_memory,
        "Reset the peak memory count to zero.\n\n"
        "Returns:\n"
        "    None");
  def_op(m, "get_cache_memory", &get_cache_memory,
        "The memory the allocator keeps cached for reuse.\n\n"
        "Returns:\n"
        "    int: The number of bytes.");
  def_op(m, "get_memory_limit", &get_memory_limit,
        "The memory limit (a guideline, not a hard cap).\n\n"
        "Returns:\n"
        "    int: The limit in bytes.");
  def_op(m, "set_memory_limit", &set_memory_limit, "limit"_a,
        "Set the memory limit.\n\n"
        "The limit is a guideline for how much memory arrays should use, "
        "not a hard cap.\n\n"
        "Args:\n"
        "    limit (int): The new limit in bytes.\n\n"
        "Returns:\n"
        "    int: The previous limit in bytes.");
  def_op(m, "set_cache_limit", &set_cache_limit, "limit"_a,
        "Set how much freed memory the allocator may keep for reuse.\n\n"
        "The cache is trimmed to the new limit at once; 0 turns caching "
        "off.\n\n"
        "Args:\n"
        "    limit (int): The new cache limit in bytes.\n\n"
        "Returns:\n"
        "    int: The previous limit in bytes.");
  def_op(m, "set_wired_limit", &set_wired_limit, "limit"_a,
        "Set the wired memory limit.\n\n"
        "On Apple silicon this bounds memory kept resident for the GPU; "
        "here the value is only recorded.\n\n"
        "Args:\n"
        "    limit (int): The new limit in bytes.\n\n"
        "Returns:\n"
        "    int: The previous limit in bytes.");
  def_op(m, "clear_cache", &clear_cache,
        "Release the memory held in the allocator's cache.\n\n"
        "Returns:\n"
        "    None");

  auto metal = m.def_submodule("metal", "Apple's Metal backend (not on Linux).");
  metal.def("is_available", [] { return false; },
            "Whether the Metal backend is available.\n\n"
            "Returns:\n"
            "    bool: Always ``False``: Metal exists only on Apple "
            "platforms.");
  metal.def("device_info", [] { return nb::dict(); },
            "Information about the Metal device.\n\n"
            "Returns:\n"
            "    dict: An empty dict, as there is no Metal device.");
  // MLX keeps the memory functions under mx.metal too: the same objects.
  for (const char* name : {"get_active_memory", "get_peak_memory", "reset_peak_memory",
                           "get_cache_memory", "set_memory_limit", "set_cache_limit",
                           "set_wired_limit", "clear_cache"}) {
    metal.attr(name) = m.attr(name);
  }
  metal.def("start_capture",
            [](const std::string&) {
              throw std::runtime_error("[metal.start_capture] Metal is not "
                                 "available on this machine.");
            },
            "path"_a,
            "Start recording a Metal GPU trace.\n\n"
            "Always raises ``RuntimeError`` here, as there is no Metal.\n\n"
            "Args:\n"
            "    path (str): Where the trace would be written.\n\n"
            "Returns:\n"
            "    None");
  metal.def("stop_capture", [] {},
            "Stop recording a Metal GPU trace (nothing to stop here).\n\n"
            "Returns:\n"
            "    None");
  auto cuda = m.def_submodule("cuda", "The CUDA backend.");
  cuda.def("is_available", [] { return gpu_backend() != nullptr; },
           "Whether the CUDA backend is available.\n\n"
           "True when this build has the CUDA backend and a GPU is visible "
           "(``CUDA_VISIBLE_DEVICES`` is honoured).\n\n"
           "Returns:\n"
           "    bool: Whether arrays can be computed on an NVIDIA GPU.");
}

}  // namespace ember::py
