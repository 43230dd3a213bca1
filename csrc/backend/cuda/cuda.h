// What every file of the CUDA backend shares: error checks, the stream a
// kernel runs on, output allocation and the kernel table.
#pragma once
#include <cuda_runtime.h>

#include <string>
#include <typeinfo>
#include <vector>

#include "core/array.h"
#include "core/primitive.h"

namespace ember::cuda {

// Raises RuntimeError "[what] <CUDA's message>" (MemoryError when out of
// memory).
void check(cudaError_t err, const char* what);
// After a launch: a bad configuration or an earlier asynchronous fault.
inline void check_launch(const char* what) { check(cudaGetLastError(), what); }

// Where a kernel runs: the CUDA stream of the Ember stream being evaluated.
struct Context {
  Stream stream;
  cudaStream_t cu;
};

// Fresh device memory for an output, row-contiguous (or laid out like
// `like`), used by the context's stream.
void alloc_out(array& out, const Context& ctx);
void alloc_out(array& out, const array& like, const Context& ctx);
// Device pointer of an array's data (counting its offset); null for an
// array without memory (kernels of empty arrays return before using it).
template <typename T>
const T* dptr(const array& a) {
  if (!a.buffer()) return nullptr;
  return reinterpret_cast<const T*>(static_cast<const char*>(a.buffer()->device_data()) +
                                    a.offset() * a.itemsize());
}
template <typename T>
T* mptr(array& a) {
  if (!a.buffer()) return nullptr;
  return reinterpret_cast<T*>(static_cast<char*>(a.buffer()->device_data()) +
                              a.offset() * a.itemsize());
}

// Multiprocessors of the current device (sizes grids of reductions).
int sm_count();

// A kernel of one primitive class; `p` is that class.
using Kernel = void (*)(Primitive& p, const std::vector<array>& inputs,
                        std::vector<array>& outputs, const Context& ctx);
void register_kernel(const std::type_info& type, Kernel k);

// Registers a single-output kernel `f(const P&, inputs, out, ctx)` for P.
template <typename P, void (*F)(const P&, const std::vector<array>&, array&,
                                const Context&)>
void register_unary_output() {
  register_kernel(typeid(P), [](Primitive& p, const std::vector<array>& in,
                                std::vector<array>& out, const Context& ctx) {
    F(static_cast<const P&>(p), in, out[0], ctx);
  });
}

// Each kernel family registers its kernels (called once, at backend start).
void register_copy_kernels();
void register_shape_kernels();
void register_unary_kernels();
void register_binary_kernels();
void register_reduce_kernels();
void register_matmul_kernels();
void register_fast_kernels();
void register_random_kernels();

}  // namespace ember::cuda
