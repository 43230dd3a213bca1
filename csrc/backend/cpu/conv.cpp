// Convolution kernel. float32 with one group on AVX-512 runs Winograd
// F(2x2, 3x3) for 3x3 stride-1 2-D kernels where conv_winograd.cpp takes the
// channel counts, else the direct kernel (conv_direct.cpp) for one or two
// spatial dimensions; both read the padding in place. Otherwise the input is
// padded into a copy, then per sample the receptive fields are gathered into
// a matrix (im2col) and multiplied with the kernel by gemm, one product per
// group. 1x1 stride-1 convolutions skip the gather.
#include <algorithm>
#include <cstring>

#include "backend/cpu/conv_direct.h"
#include "backend/cpu/conv_winograd.h"
#include "backend/cpu/copy.h"
#include "backend/cpu/gemm.h"
#include "backend/cpu/strided.h"
#include "core/errors.h"
#include "ops/conv.h"

namespace ember {

namespace {

template <typename T>
void gemm_nt(int64_t m, int64_t n, int64_t k, const T* a, int64_t lda, const T* b,
             int64_t ldb, T* c, int64_t ldc) {
  cpu::gemm<T>(false, true, m, n, k, T(1), a, lda, b, ldb, c, ldc);
}

template <typename T>
void conv_typed(const array& x, const array& w, array& out, const Shape& stride,
                const Shape& dilation, int groups) {
  int d = x.ndim() - 2;
  int64_t n = x.shape()[0], cin = x.shape().back(), cout = w.shape()[0];
  int64_t cg = cin / groups, cog = cout / groups;
  Shape in_sp(x.shape().begin() + 1, x.shape().end() - 1);
  Shape k_sp(w.shape().begin() + 1, w.shape().end() - 1);
  Shape o_sp(out.shape().begin() + 1, out.shape().end() - 1);
  int64_t o_total = shape_size(o_sp), k_total = shape_size(k_sp);
  int64_t in_total = shape_size(in_sp);
  int64_t kcols = k_total * cg;
  if (std::max({o_total, cout, kcols, cin}) > INT32_MAX) {
    throw ValueError("[conv] Dimensions above 2^31 are not supported.");
  }
  const T* xd = x.data<T>();
  const T* wd = w.data<T>();
  T* od = out.data<T>();
  bool pointwise = k_total == 1;
  for (int i = 0; i < d && pointwise; ++i) pointwise = stride[i] == 1;
  if (pointwise) {
    // Each output position is a matrix row of the input itself.
    for (int gi = 0; gi < groups; ++gi) {
      gemm_nt<T>(n * o_total, cog, cg, xd + gi * cg, cin, wd + gi * cog * cg, cg,
                 od + gi * cog, cout);
    }
    return;
  }
  // Row strides of the spatial dims of x (in elements, channels innermost).
  Strides xs(d);
  int64_t acc = cin;
  for (int i = d - 1; i >= 0; --i) {
    xs[i] = acc;
    acc *= in_sp[i];
  }
  // Several samples share one gemm (bigger matrices run faster) while the
  // gathered matrix stays around 8M elements.
  int64_t per_sample = o_total * kcols;
  int64_t chunk = std::clamp<int64_t>((int64_t(8) << 20) / std::max<int64_t>(per_sample, 1),
                                      1, n);
  // From the allocator's cache: no zero fill, and warm pages on reuse.
  auto cols_buf = allocate(static_cast<size_t>(chunk * per_sample) * sizeof(T));
  T* cols = static_cast<T*>(cols_buf->data());
  for (int64_t b0 = 0; b0 < n; b0 += chunk) {
    int64_t nb = std::min(chunk, n - b0);
    T* ob = od + b0 * o_total * cout;
    for (int gi = 0; gi < groups; ++gi) {
      // One row of cols per (sample, output position), filled in parallel.
      cpu::run_flat(nb * o_total, [&](int64_t r0, int64_t r1) {
        std::vector<int64_t> o_idx(d), k_idx(d);
        for (int64_t r = r0; r < r1; ++r) {
          int64_t sample = r / o_total, rem = r % o_total;
          for (int i = d - 1; i >= 0; --i) {
            o_idx[i] = rem % o_sp[i];
            rem /= o_sp[i];
          }
          const T* xb = xd + (b0 + sample) * in_total * cin;
          T* row = cols + r * kcols;
          std::fill(k_idx.begin(), k_idx.end(), 0);
          for (int64_t kk = 0; kk < k_total; ++kk) {
            int64_t off = gi * cg;
            for (int i = 0; i < d; ++i) {
              off += (o_idx[i] * stride[i] + k_idx[i] * dilation[i]) * xs[i];
            }
            std::memcpy(row + kk * cg, xb + off, sizeof(T) * cg);
            for (int i = d - 1; i >= 0; --i) {
              if (++k_idx[i] < k_sp[i]) break;
              k_idx[i] = 0;
            }
          }
        }
      });
      gemm_nt<T>(nb * o_total, cog, kcols, cols, kcols, wd + gi * cog * kcols,
                 kcols, ob + gi * cog, cout);
    }
  }
}

// x with lo / hi zeros around each spatial dimension, row-contiguous.
array pad_spatial(const array& x, const Shape& lo, const Shape& hi) {
  Shape shape = x.shape();
  for (size_t i = 0; i < lo.size(); ++i) shape[i + 1] += lo[i] + hi[i];
  array padded = array::empty(shape, x.dtype());
  std::memset(padded.raw_data(), 0, padded.nbytes());
  Strides st = row_strides(shape);
  int64_t offset = 0;
  for (size_t i = 0; i < lo.size(); ++i) offset += lo[i] * st[i + 1];
  cpu::copy_into(x, padded, st, offset);
  return padded;
}

}  // namespace

void Convolution::eval_cpu(const std::vector<array>& inputs, array& out) {
  array x = cpu::ensure_row_contiguous(inputs[0]);
  array w = cpu::ensure_row_contiguous(inputs[1]);
  out.set_data(allocate(out.nbytes()));
  if (out.size() == 0) return;
  if (x.size() == 0 || w.size() == 0) {
    std::memset(out.raw_data(), 0, out.nbytes());
    return;
  }
  int d = x.ndim() - 2;
  int64_t cin = x.shape().back(), cout = w.shape()[0];
  bool f32 = out.dtype() == float32 && groups_ == 1;
  if (f32 && d == 2 && w.shape()[1] == 3 && w.shape()[2] == 3 && stride_ == Shape{1, 1} &&
      dilation_ == Shape{1, 1} &&
      cpu::winograd_conv_supported(cin, cout, out.shape()[1], out.shape()[2], x.shape()[0])) {
    cpu::winograd_conv_f32(x.data<float>(), w.data<float>(), out.data<float>(), x.shape()[0],
                           x.shape()[1], x.shape()[2], cin, out.shape()[1], out.shape()[2],
                           cout, pad_lo_[0], pad_lo_[1]);
    return;
  }
  if (f32 && d <= 2 && cpu::direct_conv_supported()) {
    // Reads the padding in place.
    Shape in_sp(x.shape().begin() + 1, x.shape().end() - 1);
    Shape k_sp(w.shape().begin() + 1, w.shape().end() - 1);
    Shape o_sp(out.shape().begin() + 1, out.shape().end() - 1);
    cpu::direct_conv_f32(x.data<float>(), w.data<float>(), out.data<float>(), x.shape()[0],
                         in_sp, k_sp, o_sp, cin, cout, stride_,
                         dilation_, pad_lo_);
    return;
  }
  bool padded = false;
  for (int i = 0; i < d; ++i) padded = padded || pad_lo_[i] > 0 || pad_hi_[i] > 0;
  if (padded) x = pad_spatial(x, pad_lo_, pad_hi_);
  if (out.dtype() == float64) {
    conv_typed<double>(x, w, out, stride_, dilation_, groups_);
  } else {
    conv_typed<float>(x, w, out, stride_, dilation_, groups_);
  }
}

}  // namespace ember
