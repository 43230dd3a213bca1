// Exception types that the bindings translate to Python exceptions. Every
// message starts with "[op_name]".
#pragma once
#include <new>
#include <stdexcept>
#include <string>

namespace ember {

// ValueError: bad shapes, axes and arguments.
struct ValueError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};
// An axis, or an index argument, that does not fit the array: Python sees
// an exception that is both a ValueError and an IndexError (numpy's
// AxisError; MLX raises IndexError for axes and ValueError for indices).
struct AxisError : ValueError {
  using ValueError::ValueError;
};
// TypeError: unsupported dtypes.
struct TypeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// IndexError: out-of-range indices.
struct IndexError : std::out_of_range {
  using std::out_of_range::out_of_range;
};
// MemoryError: a failed allocation.
struct MemoryError : std::bad_alloc {
  explicit MemoryError(std::string msg) : msg_(std::move(msg)) {}
  const char* what() const noexcept override { return msg_.c_str(); }

 private:
  std::string msg_;
};

}  // namespace ember
