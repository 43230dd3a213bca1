// The interface between the glue (.cpp, which sees arrays) and the kernels
// (.cu, which see pointers, dtype codes and layouts). Plain C++ only.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

namespace ember::cuda {

// Dtype codes, in the order of Dtype::Val (core/dtype.h).
enum TypeCode : int {
  kBool,
  kUInt8,
  kUInt16,
  kUInt32,
  kUInt64,
  kInt8,
  kInt16,
  kInt32,
  kInt64,
  kFloat16,
  kFloat32,
  kFloat64,
  kBFloat16,
  kComplex64,
};

// A strided view, in elements, passed to kernels by value. Layouts of
// more dimensions are first collapsed (contiguous runs merged).
constexpr int kMaxDims = 10;
struct Layout {
  int ndim = 0;
  int64_t shape[kMaxDims];
  int64_t strides[kMaxDims];
};

// One element passed by value into a kernel (a host scalar needs no upload).
struct Scalar {
  alignas(8) unsigned char bytes[16];
};

// out[i] = cast(in[i]) over n elements; a null layout means contiguous.
void launch_copy(const void* in, int in_code, const Layout* in_layout, void* out,
                 int out_code, const Layout* out_layout, int64_t n, cudaStream_t s);
// Every element of out = the single value at `value` (device memory), or
// the host value `host` when `value` is null.
void launch_fill(void* out, int out_code, const void* value, int value_code, int64_t n,
                 cudaStream_t s, const Scalar* host = nullptr);
void launch_arange(void* out, int code, double start, double step, int64_t n,
                   cudaStream_t s);

// Elementwise table ops, named by their row in ops/unary.def or
// ops/binary.def (kUnaryExp, kBinaryAdd, ...).
enum UnaryOp : int {
#define UNARY(Class, ...) kUnary##Class,
#include "ops/unary.def"
#undef UNARY
  kUnaryConjugate,
};
enum BinaryOp : int {
#define BINARY(Class, ...) kBinary##Class,
#include "ops/binary.def"
#undef BINARY
};
// Inputs are contiguous when their layout is null, else strided over the
// output's (row-major) shape.
void launch_unary(int op, const void* in, int in_code, const Layout* in_layout,
                  void* out, int out_code, int64_t n, cudaStream_t s);
// A single-value operand (layout ndim -1) whose pointer is null is read
// from its Scalar instead.
void launch_binary(int op, const void* a, const Layout* a_layout, const void* b,
                   const Layout* b_layout, int in_code, void* out, int out_code,
                   int64_t n, cudaStream_t s, const Scalar* a_value = nullptr,
                   const Scalar* b_value = nullptr);
// out = cond ? x : y (cond bool, x and y of out's dtype).
void launch_select(const void* cond, const Layout* c_layout, const void* x,
                   const Layout* x_layout, const void* y, const Layout* y_layout,
                   void* out, int code, int64_t n, cudaStream_t s);

}  // namespace ember::cuda
