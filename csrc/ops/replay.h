// The replay side of export that op families implement: each family saves
// its primitives' parameters (Primitive::save) and provides a loader that
// rebuilds them on new inputs. The export/import walks are in
// transforms/export.cpp.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "core/primitive.h"
#include "core/serialize.h"

namespace ember {

// One node being replayed: its new inputs and what the trace recorded.
struct ReplayNode {
  std::vector<array> inputs;
  std::vector<Shape> in_shapes;  // recorded input shapes
  std::vector<Shape> shapes;     // recorded output shapes
  std::vector<Dtype> dtypes;  // recorded output dtypes
  bool same_shapes;           // the inputs have the recorded shapes
  Stream stream;

  // The outputs of prim on the inputs: recorded shapes when the input
  // shapes are unchanged, otherwise prim's output_shapes.
  std::vector<array> make(std::shared_ptr<Primitive> prim) const;
};

// Family loaders: each returns true and fills `out` when `tag` is one of
// its primitives, and false otherwise.
using Loader = bool (*)(const std::string& tag, Reader& r, const ReplayNode& node,
                        std::vector<array>& out);
bool load_copy_family(const std::string&, Reader&, const ReplayNode&, std::vector<array>&);
bool load_unary(const std::string&, Reader&, const ReplayNode&, std::vector<array>&);
bool load_binary(const std::string&, Reader&, const ReplayNode&, std::vector<array>&);
bool load_indexing(const std::string&, Reader&, const ReplayNode&, std::vector<array>&);
bool load_shape_family(const std::string&, Reader&, const ReplayNode&, std::vector<array>&);
bool load_conv(const std::string&, Reader&, const ReplayNode&, std::vector<array>&);
bool load_matmul(const std::string&, Reader&, const ReplayNode&, std::vector<array>&);
bool load_quantized(const std::string&, Reader&, const ReplayNode&, std::vector<array>&);
bool load_reduce(const std::string&, Reader&, const ReplayNode&, std::vector<array>&);
bool load_scan(const std::string&, Reader&, const ReplayNode&, std::vector<array>&);
bool load_fast(const std::string&, Reader&, const ReplayNode&, std::vector<array>&);
bool load_fft(const std::string&, Reader&, const ReplayNode&, std::vector<array>&);
bool load_linalg(const std::string&, Reader&, const ReplayNode&, std::vector<array>&);
bool load_random(const std::string&, Reader&, const ReplayNode&, std::vector<array>&);

}  // namespace ember
