// The CPU kernel of Compiled: an interpreter over tiles. The flat output
// range is split across threads; each thread walks its part a tile at a
// time, running every fused op over the tile in a tight (vectorizable) loop.
// A tile of every intermediate stays in L1/L2, so each input is read once
// and each output written once, and no compiler is needed at run time.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "backend/cpu/binary_ops.h"
#include "backend/cpu/compiled_jit.h"
#include "backend/cpu/compiled_tiles.h"
#include "backend/cpu/strided.h"
#include "core/errors.h"
#include "ops/compiled.h"
#include "ops/elementwise.h"

namespace ember {

namespace cpu {
namespace {

constexpr int64_t kTile = 1024;

// How a kernel input reaches the tiles: its own memory, its single value,
// or a copy gathered per tile (broadcast, strided or donated inputs).
enum class Load { Direct, Scalar, Gather };

struct InputPlan {
  Load load;
  const char* base;
  int itemsize;
  LoopPlan<1> plan;  // Gather: strides over the output shape
};

struct OpPlan {
  TileFn fn = nullptr;  // nullptr: an alias of its first argument
  int output = -1;      // index of the output it writes, if any
  int slot = -1;        // scratch slot of its result
  unsigned scalars = 0;  // which arguments are single values
};

// Scratch slots hold one tile of a value and are reused once the value is
// dead. Inputs gathered per tile keep theirs. Returns the slot count.
int assign_slots(const Compiled& c, std::vector<OpPlan>& ops, const std::vector<InputPlan>& ins,
                 std::vector<int>& slot_of_input) {
  int n_in = c.num_inputs();
  const auto& fused = c.ops();
  int n_ops = static_cast<int>(fused.size());
  // Last op reading each value; aliases extend their argument's life.
  std::vector<int> last_use(n_in + n_ops, -1);
  for (int j = n_ops - 1; j >= 0; --j) {
    for (int a : fused[j].args) {
      int reader = ops[j].fn ? j : std::max(j, last_use[n_in + j]);
      last_use[a] = std::max(last_use[a], reader);
    }
  }
  int n_slots = 0;
  std::vector<int> free;
  auto take = [&] {
    if (free.empty()) return n_slots++;
    int s = free.back();
    free.pop_back();
    return s;
  };
  slot_of_input.assign(n_in, -1);
  for (int i = 0; i < n_in; ++i) {
    if (ins[i].load == Load::Gather) slot_of_input[i] = take();
  }
  std::vector<std::vector<int>> release_after(n_ops);
  for (int j = 0; j < n_ops; ++j) {
    if (ops[j].fn && ops[j].output < 0) {
      ops[j].slot = take();
      int last = last_use[n_in + j];
      if (last >= 0) release_after[last].push_back(ops[j].slot);
      else free.push_back(ops[j].slot);
    }
    for (int s : release_after[j]) free.push_back(s);
  }
  return n_slots;
}

void gather_tile(const InputPlan& in, int64_t b, int64_t e, char* dst) {
  int sz = in.itemsize;
  for_range<1>(in.plan, b, e, [&](auto off, int64_t n, auto st) {
    const char* src = in.base + off[0] * sz;
    if (st[0] == 1) {
      std::memcpy(dst, src, n * sz);
    } else {
      for (int64_t i = 0; i < n; ++i) std::memcpy(dst + i * sz, src + i * st[0] * sz, sz);
    }
    dst += n * sz;
  });
}

// Runs generated code over [0, n): direct inputs are read in place,
// gathered ones a tile at a time, and the last partial 16 lanes of each
// part go through zero-padded buffers.
void run_generated(const JitKernel& k, const std::vector<InputPlan>& ins,
                   const std::vector<char*>& out_base, int64_t n, int64_t grain) {
  std::vector<float> consts = k.consts;
  for (auto [i, slot] : k.params) std::memcpy(&consts[slot], ins[i].base, sizeof(float));
  int n_in = static_cast<int>(ins.size());
  int n_out = static_cast<int>(out_base.size());
  bool gathers = false;
  for (auto& in : ins) gathers = gathers || in.load == Load::Gather;
  constexpr int64_t kLanes = 16;
  parallel_for(n, grain, [&](int64_t begin, int64_t end) {
    int64_t step = gathers ? kTile : end - begin;
    std::vector<float> gathered(gathers ? n_in * kTile : 0);
    std::vector<float> tail((n_in + n_out) * kLanes);
    std::vector<const void*> ptrs(n_in + n_out), tail_ptrs(n_in + n_out);
    for (int64_t b = begin; b < end; b += step) {
      int64_t m = std::min(end, b + step) - b;
      int64_t full = m / kLanes * kLanes;
      for (int i = 0; i < n_in; ++i) {
        if (ins[i].load == Load::Direct) {
          ptrs[i] = ins[i].base + b * sizeof(float);
        } else if (ins[i].load == Load::Gather) {
          gather_tile(ins[i], b, b + m, reinterpret_cast<char*>(&gathered[i * kTile]));
          ptrs[i] = &gathered[i * kTile];
        }
      }
      for (int o = 0; o < n_out; ++o) ptrs[n_in + o] = out_base[o] + b * sizeof(float);
      if (full > 0) k.fn(ptrs.data(), consts.data(), full * sizeof(float));
      if (full == m) continue;
      size_t rest = (m - full) * sizeof(float);
      for (int s = 0; s < n_in + n_out; ++s) {
        tail_ptrs[s] = &tail[s * kLanes];
        if (s < n_in && ptrs[s]) {
          std::memcpy(&tail[s * kLanes], static_cast<const float*>(ptrs[s]) + full, rest);
        }
      }
      k.fn(tail_ptrs.data(), consts.data(), kLanes * sizeof(float));
      for (int o = 0; o < n_out; ++o) {
        std::memcpy(static_cast<float*>(const_cast<void*>(ptrs[n_in + o])) + full,
                    &tail[(n_in + o) * kLanes], rest);
      }
    }
  });
}

// Generated code for this subgraph and these inputs, if it has any.
std::shared_ptr<JitKernel> generated_code(const Compiled& c, const std::vector<array>& inputs,
                                          const std::vector<InputPlan>& ins) {
  if (!jit_enabled()) return nullptr;
  int n_in = c.num_inputs();
  std::vector<char> single(n_in);
  std::vector<const char*> values(n_in, nullptr);
  for (int i = 0; i < n_in; ++i) {
    // float32 code only; checked before the cache, whose key has no dtypes.
    if (inputs[i].dtype() != float32) return nullptr;
    single[i] = ins[i].load == Load::Scalar;
    if (single[i]) values[i] = ins[i].base;
  }
  auto code = c.backend_code("avx512:" + jit_key(c, single, values), [&] {
    return std::static_pointer_cast<void>(jit_build(c, single, values));
  });
  return std::static_pointer_cast<JitKernel>(code);
}

}  // namespace
}  // namespace cpu

void Compiled::eval_cpu(const std::vector<array>& inputs, std::vector<array>& outputs) {
  using namespace cpu;
  const Shape& shape = outputs[0].shape();
  int64_t n = outputs[0].size();
  int n_in = num_inputs();
  int n_ops = static_cast<int>(ops().size());

  // Outputs: reuse the memory of an input nobody else holds, else allocate.
  std::vector<char> donated(n_in, 0);
  std::vector<int> donor(outputs.size(), -1);  // the input each output took
  for (size_t o = 0; o < outputs.size(); ++o) {
    array& out = outputs[o];
    for (int i = 0; i < n_in && donor[o] < 0; ++i) {
      const array& x = inputs[i];
      if (!donated[i] && x.flags().row_contiguous && x.dtype() == out.dtype() &&
          donatable(x, out)) {
        out.copy_layout(x);
        donated[i] = 1;
        donor[o] = i;
      }
    }
    if (donor[o] < 0) out.set_data(allocate(out.nbytes()));
  }

  std::vector<InputPlan> ins(n_in);
  std::vector<char> single(n_in + n_ops, 0);  // values with one element for all
  for (int i = 0; i < n_in; ++i) {
    const array& x = inputs[i];
    InputPlan& p = ins[i];
    p.base = static_cast<const char*>(static_cast<const void*>(x.data<char>()));
    p.itemsize = x.itemsize();
    if (x.size() == 1) {
      p.load = Load::Scalar;
      single[i] = 1;
    } else if (x.flags().row_contiguous && x.shape() == shape && !donated[i]) {
      p.load = Load::Direct;
    } else {
      p.load = Load::Gather;
      p.plan = make_plan<1>(shape, {broadcast_strides(x, shape)});
    }
  }

  int64_t cost = std::max(1, n_ops);
  int64_t grain = std::max<int64_t>(kTile, kParallelGrain / cost);
  std::vector<char*> out_base;
  for (auto& o : outputs) out_base.push_back(o.data<char>());
  if (auto code = generated_code(*this, inputs, ins)) {
    // A donated input is read in place where the code loads it before
    // storing over it, instead of being copied a tile at a time first.
    for (size_t o = 0; o < outputs.size(); ++o) {
      int i = donor[o];
      if (i >= 0 && ins[i].load == Load::Gather && code->reads_before_writes(i, int(o))) {
        ins[i].load = Load::Direct;
      }
    }
    run_generated(*code, ins, out_base, n, grain);
    return;
  }

  std::vector<OpPlan> plan(n_ops);
  for (int j = 0; j < n_ops; ++j) {
    const FusedOp& op = ops()[j];
    if (op.kind == FusedOp::Kind::Broadcast) {  // an alias
      single[n_in + j] = single[op.args[0]];
      continue;
    }
    std::vector<Dtype> arg_dtypes;
    std::vector<const char*> scalar_args;
    for (size_t k = 0; k < op.args.size(); ++k) {
      int a = op.args[k];
      arg_dtypes.push_back(a < n_in ? inputs[a].dtype() : ops()[a - n_in].dtype);
      scalar_args.push_back(a < n_in && single[a] ? ins[a].base : nullptr);
      if (single[a]) plan[j].scalars |= 1u << k;
    }
    plan[j].fn = tile_function(*op.prim, op.kind, arg_dtypes, op.dtype, scalar_args);
    if (!plan[j].fn) {
      throw TypeError(std::string("[compile] No fused kernel for ") + op.prim->name() + ".");
    }
  }
  for (size_t k = 0; k < output_ops().size(); ++k) {
    int j = output_ops()[k];
    plan[j].output = static_cast<int>(k);
    // An alias that is an output copies (or fills) it.
    if (!plan[j].fn) {
      plan[j].fn = copy_tile_function(ops()[j].dtype);
      plan[j].scalars = single[ops()[j].args[0]] ? 1u : 0u;
    }
  }
  // Values computed into slots are full tiles, even from single arguments.
  std::vector<int> slot_of_input;
  int n_slots = assign_slots(*this, plan, ins, slot_of_input);

  int64_t tile = std::min<int64_t>(kTile, std::max<int64_t>(n, 1));
  // Slots are padded by 64 bytes so they do not all sit at the same offset
  // modulo 4 KiB, where loads would falsely wait on unrelated stores.
  int max_item = 1;
  for (auto& op : ops()) max_item = std::max(max_item, op.dtype.size());
  for (auto& x : inputs) max_item = std::max(max_item, x.itemsize());
  int64_t slot_bytes = tile * max_item + 64;
  parallel_for(n, grain, [&](int64_t begin, int64_t end) {
    std::unique_ptr<uint64_t[]> scratch(new uint64_t[(n_slots * slot_bytes + 7) / 8]);
    auto slot = [&](int s) { return reinterpret_cast<char*>(scratch.get()) + s * slot_bytes; };
    std::vector<const void*> value(n_in + n_ops);
    for (int i = 0; i < n_in; ++i) {
      if (ins[i].load == Load::Scalar) value[i] = ins[i].base;
    }
    std::vector<const void*> args;
    for (int64_t b = begin; b < end; b += tile) {
      int64_t e = std::min(end, b + tile);
      for (int i = 0; i < n_in; ++i) {
        if (ins[i].load == Load::Direct) {
          value[i] = ins[i].base + b * ins[i].itemsize;
        } else if (ins[i].load == Load::Gather) {
          gather_tile(ins[i], b, e, slot(slot_of_input[i]));
          value[i] = slot(slot_of_input[i]);
        }
      }
      for (int j = 0; j < n_ops; ++j) {
        const FusedOp& op = ops()[j];
        const OpPlan& p = plan[j];
        if (!p.fn) {
          value[n_in + j] = value[op.args[0]];
          continue;
        }
        args.clear();
        for (int a : op.args) args.push_back(value[a]);
        char* dst = p.output >= 0 ? out_base[p.output] + b * op.dtype.size() : slot(p.slot);
        p.fn(args.data(), p.scalars, dst, e - b);
        value[n_in + j] = dst;
      }
    }
  });
}

}  // namespace ember
