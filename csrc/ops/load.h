// Arrays read from a file when they are evaluated (mx.load from a path):
// the header is parsed when the graph is built, the data is read here.
#pragma once
#include <cstddef>
#include <functional>

#include "core/primitive.h"
#include "ops/ops.h"

namespace ember {

// Where a Load gets its bytes, on the thread that evaluates it. `check`
// (optional) runs before the output is allocated, so that a file too short
// for what its header claims fails without allocating; `read` writes the
// array's nbytes bytes, row-major, to dst. Both throw on failure.
struct LoadReader {
  std::function<void()> check;
  std::function<void(void* dst, size_t nbytes)> read;
};

class Load : public UnaryOutputPrimitive {
 public:
  Load(Stream s, LoadReader reader)
      : UnaryOutputPrimitive(s), reader_(std::move(reader)) {}
  using UnaryOutputPrimitive::eval_cpu;
  void eval_cpu(const std::vector<array>& inputs, array& out) override;
  const char* name() const override { return "Load"; }

 private:
  LoadReader reader_;
};

// An array of shape and dtype whose data `reader` supplies at eval.
array load(Shape shape, Dtype dtype, LoadReader reader, StreamOrDevice s = {});

}  // namespace ember
