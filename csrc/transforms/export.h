// Exported functions: a traced graph written as bytes and replayed on new
// inputs. Each op family saves its primitives' parameters (Primitive::save)
// and provides a loader (ops/replay.h), implemented in the family's own file.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "core/primitive.h"
#include "core/serialize.h"
#include "ops/replay.h"

namespace ember {

// A traced graph from `inputs` to `outputs`, as bytes. Leaves that are not
// inputs are constants: they are returned in `constants` (the bytes refer
// to them by position) for the caller to store.
std::string export_graph(const std::vector<array>& inputs,
                         const std::vector<array>& outputs,
                         std::vector<array>& constants);

// Replays a graph written by export_graph on new inputs.
std::vector<array> replay_graph(const std::string& bytes,
                                const std::vector<array>& inputs,
                                const std::vector<array>& constants);

// The graph behind outputs in Graphviz DOT format; `names` label arrays.
std::string graph_to_dot(const std::vector<array>& outputs,
                         const std::vector<std::pair<std::string, array>>& names);

}  // namespace ember
