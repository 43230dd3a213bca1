// The C++ op builders. Each validates its arguments, works out the output
// shape and dtype and returns a lazy array; nothing is computed here.
#pragma once
#include <optional>
#include <variant>
#include <vector>

#include "core/array.h"

namespace ember {

using StreamOrDevice = std::variant<std::monostate, Stream, Device>;
Stream to_stream(StreamOrDevice s);
using Axes = std::vector<int64_t>;

// ---- elementwise (unary.def / binary.def generate most of these)
#define UNARY(Class, name, rule, cplx, ...) \
  array name(const array& a, StreamOrDevice s = {});
#include "ops/unary.def"
#undef UNARY
#define BINARY(Class, name, rule, cplx, ...) \
  array name(const array& a, const array& b, StreamOrDevice s = {});
#include "ops/binary.def"
#undef BINARY
array round(const array& a, int decimals, StreamOrDevice s = {});
array conjugate(const array& a, StreamOrDevice s = {});
array isfinite(const array& a, StreamOrDevice s = {});
// Real and imaginary parts (float32 for complex64 input).
array real(const array& a, StreamOrDevice s = {});
array imag(const array& a, StreamOrDevice s = {});
array where(const array& cond, const array& x, const array& y,
            StreamOrDevice s = {});
array isclose(const array& a, const array& b, double rtol, double atol,
              bool equal_nan, StreamOrDevice s = {});
array allclose(const array& a, const array& b, double rtol, double atol,
               bool equal_nan, StreamOrDevice s = {});
array array_equal(const array& a, const array& b, bool equal_nan,
                  StreamOrDevice s = {});
std::vector<array> divmod(const array& a, const array& b, StreamOrDevice s = {});

// ---- dtype and copies
array astype(const array& a, Dtype dtype, StreamOrDevice s = {});
array view(const array& a, Dtype dtype, StreamOrDevice s = {});
array contiguous(const array& a, bool allow_col_major = false,
                 StreamOrDevice s = {});
// Promotes the inputs to one dtype (MLX's type rules).
Dtype result_type(const std::vector<array>& arrays);

// ---- creation
array full(const Shape& shape, const array& vals, std::optional<Dtype> dtype,
           StreamOrDevice s = {});
array zeros(const Shape& shape, Dtype dtype, StreamOrDevice s = {});
array ones(const Shape& shape, Dtype dtype, StreamOrDevice s = {});
array zeros_like(const array& a, StreamOrDevice s = {});
array ones_like(const array& a, StreamOrDevice s = {});
array arange(double start, double stop, double step, Dtype dtype,
             StreamOrDevice s = {});
array linspace(double start, double stop, int64_t num, Dtype dtype,
               StreamOrDevice s = {});
array eye(int64_t n, int64_t m, int64_t k, Dtype dtype, StreamOrDevice s = {});
array tri(int64_t n, int64_t m, int64_t k, Dtype dtype, StreamOrDevice s = {});

// ---- shapes (views where the layout allows)
array reshape(const array& a, Shape shape, StreamOrDevice s = {});
array flatten(const array& a, int64_t start_axis = 0, int64_t end_axis = -1,
              StreamOrDevice s = {});
array unflatten(const array& a, int64_t axis, Shape shape,
                StreamOrDevice s = {});
array transpose(const array& a, std::vector<int64_t> axes,
                StreamOrDevice s = {});
array transpose(const array& a, StreamOrDevice s = {});
array swapaxes(const array& a, int64_t axis1, int64_t axis2,
               StreamOrDevice s = {});
array moveaxis(const array& a, int64_t source, int64_t destination,
               StreamOrDevice s = {});
array squeeze(const array& a, const Axes& axes, StreamOrDevice s = {});
array squeeze(const array& a, StreamOrDevice s = {});
array expand_dims(const array& a, const Axes& axes, StreamOrDevice s = {});
array broadcast_to(const array& a, const Shape& shape, StreamOrDevice s = {});
std::vector<array> broadcast_arrays(const std::vector<array>& arrays,
                                    StreamOrDevice s = {});
// Pads with `value` (cast to x's dtype): lo[i] before and hi[i] after axis i.
array pad_constant(const array& x, const Shape& lo, const Shape& hi, const array& value,
                   StreamOrDevice s = {});
array slice(const array& a, Shape start, Shape stop, Shape strides,
            StreamOrDevice s = {});
// `a` with `update` (broadcast to the slice's shape) written into the slice.
array slice_update(const array& a, const array& update, Shape start,
                   Shape stop, Shape strides, StreamOrDevice s = {});
array as_strided(const array& a, Shape shape, Strides strides, int64_t offset,
                 StreamOrDevice s = {});
array concatenate(const std::vector<array>& arrays, int64_t axis,
                  StreamOrDevice s = {});
array concatenate(const std::vector<array>& arrays, StreamOrDevice s = {});
array stack(const std::vector<array>& arrays, int64_t axis,
            StreamOrDevice s = {});
std::vector<array> split(const array& a, int64_t num_splits, int64_t axis,
                         StreamOrDevice s = {});
std::vector<array> split(const array& a, const Shape& indices, int64_t axis,
                         StreamOrDevice s = {});

// ---- reductions (empty axes reduce nothing; all_axes(a) reduces everything)
// Result dtype of sums and products (and their cumulative forms): small
// integers widen as in numpy.
Dtype sum_dtype(Dtype t);
array sum(const array& a, const Axes& axes, bool keepdims, StreamOrDevice s = {});
array prod(const array& a, const Axes& axes, bool keepdims, StreamOrDevice s = {});
array max(const array& a, const Axes& axes, bool keepdims, StreamOrDevice s = {});
array min(const array& a, const Axes& axes, bool keepdims, StreamOrDevice s = {});
array all(const array& a, const Axes& axes, bool keepdims, StreamOrDevice s = {});
array any(const array& a, const Axes& axes, bool keepdims, StreamOrDevice s = {});
array mean(const array& a, const Axes& axes, bool keepdims, StreamOrDevice s = {});
array var(const array& a, const Axes& axes, bool keepdims, int ddof,
          StreamOrDevice s = {});
array std(const array& a, const Axes& axes, bool keepdims, int ddof,
          StreamOrDevice s = {});
array logsumexp(const array& a, const Axes& axes, bool keepdims,
                StreamOrDevice s = {});
array argmax(const array& a, std::optional<int64_t> axis, bool keepdims,
             StreamOrDevice s = {});
array argmin(const array& a, std::optional<int64_t> axis, bool keepdims,
             StreamOrDevice s = {});
array softmax(const array& a, const Axes& axes, bool precise,
              StreamOrDevice s = {});
// All axes of a, for the "axis=None" forms.
Axes all_axes(const array& a);

// ---- linear algebra
array matmul(const array& a, const array& b, StreamOrDevice s = {});

}  // namespace ember
