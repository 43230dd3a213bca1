// The loops a fused Compiled kernel runs over one tile, one per (op, dtype).
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "ops/compiled.h"

namespace ember::cpu {

// One fused op over a tile: args[k] points at n elements of argument k, or
// at its single value when bit k of `scalars` is set; out points at n
// elements of the result.
using TileFn = void (*)(const void* const* args, unsigned scalars, void* out, int64_t n);

// The tile loop of an op on these argument dtypes, or nullptr when this
// build has none (the op then stays unfused). scalars[k] points at
// argument k's value when it is the same for every element, which allows
// specializations such as small integer powers; it may be empty.
TileFn tile_function(const Primitive& p, FusedOp::Kind kind, std::span<const Dtype> args,
                     Dtype out, std::span<const char* const> scalars);

// The eager kernels' fast path for dense float32 (same-layout or single
// value) arguments with a float32 result (or bool, for comparisons): the
// tile loop of p, built for the widest ISA the CPU has, over the flat data.
// False (nothing done) for other cases.
bool vector_unary(const Primitive& p, const array& in, array& out);
bool vector_binary(const Primitive& p, const array& a, const array& b, array& out);

// Copies a tile of elements of dtype d.
TileFn copy_tile_function(Dtype d);

}  // namespace ember::cpu
