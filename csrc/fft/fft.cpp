// mx.fft builders and the FFT primitive's transform rules.
#include "fft/fft.h"

#include <cmath>

#include "core/errors.h"
#include "ops/replay.h"
#include "ops/arrange.h"

namespace ember {

namespace fft {

namespace {

double scale_for(const std::string& norm, int64_t n, bool inverse) {
  if (norm == "backward") return inverse ? 1.0 / static_cast<double>(n) : 1.0;
  if (norm == "forward") return inverse ? 1.0 : 1.0 / static_cast<double>(n);
  if (norm == "ortho") return 1.0 / std::sqrt(static_cast<double>(n));
  throw ValueError("[fft] norm must be 'backward', 'ortho' or 'forward'; got '" +
                   norm + "'.");
}

// x with `axis` cut or zero-padded to n.
array resize_axis(const array& x, int ax, int64_t n, StreamOrDevice s) {
  int64_t cur = x.shape()[ax];
  if (n == cur) return x;
  if (n < cur) {
    Shape st(x.ndim(), 0), en = x.shape(), step(x.ndim(), 1);
    en[ax] = n;
    return slice(x, st, en, step, s);
  }
  std::vector<std::pair<int64_t, int64_t>> widths(x.ndim(), {0, 0});
  widths[ax] = {0, n - cur};
  return pad(x, widths, "constant", array::scalar(0, x.dtype()), s);
}

array raw(const array& x, int ax, bool inverse, StreamOrDevice s) {
  return array(x.shape(), complex64,
               std::make_shared<FFT>(to_stream(s), ax, inverse), {x});
}

array scaled(const array& x, double scale) {
  return scale == 1.0 ? x : multiply(x, array::scalar(scale, x.dtype()));
}

}  // namespace

array fft(const array& a, std::optional<int64_t> n, int64_t axis, bool inverse,
          const std::string& norm, StreamOrDevice s) {
  if (a.ndim() == 0) throw ValueError("[fft] The input needs at least one dimension.");
  int ax = normalize_axis(axis, a.ndim(), "fft");
  int64_t len = n.value_or(a.shape()[ax]);
  if (len <= 0) throw ValueError("[fft] Invalid number of data points " +
                                 std::to_string(len) + ".");
  array x = resize_axis(astype(a, complex64, s), ax, len, s);
  return scaled(raw(x, ax, inverse, s), scale_for(norm, len, inverse));
}

array rfft(const array& a, std::optional<int64_t> n, int64_t axis,
           const std::string& norm, StreamOrDevice s) {
  if (a.ndim() == 0) throw ValueError("[rfft] The input needs at least one dimension.");
  // Documented behaviour: a complex input is cast to real (its real part).
  if (is_complex(a.dtype())) return rfft(real(a, s), n, axis, norm, s);
  int ax = normalize_axis(axis, a.ndim(), "rfft");
  int64_t len = n.value_or(a.shape()[ax]);
  array full = fft(resize_axis(a, ax, len, s), len, ax, false, norm, s);
  Shape st(full.ndim(), 0), en = full.shape(), step(full.ndim(), 1);
  en[ax] = len / 2 + 1;
  return slice(full, st, en, step, s);
}

array irfft(const array& a, std::optional<int64_t> n, int64_t axis,
            const std::string& norm, StreamOrDevice s) {
  if (a.ndim() == 0) throw ValueError("[irfft] The input needs at least one dimension.");
  int ax = normalize_axis(axis, a.ndim(), "irfft");
  int64_t len = n.value_or(2 * (a.shape()[ax] - 1));
  if (len <= 0) throw ValueError("[irfft] Invalid number of data points " +
                                 std::to_string(len) + ".");
  int64_t half = len / 2 + 1;
  array x = resize_axis(astype(a, complex64, s), ax, half, s);
  // Rebuild the Hermitian spectrum: X[n - k] = conj(X[k]).
  int64_t mirrored = len - half;
  array full = x;
  if (mirrored > 0) {
    Shape st(x.ndim(), 0), en = x.shape(), step(x.ndim(), 1);
    st[ax] = 1;
    en[ax] = 1 + mirrored;
    array tail = conjugate(flip(slice(x, st, en, step, s), Axes{ax}, s), s);
    full = concatenate({x, tail}, ax, s);
  }
  return real(scaled(raw(full, ax, true, s), scale_for(norm, len, true)), s);
}

array fftn(const array& a, const std::optional<Shape>& sizes,
           const std::optional<Axes>& axes_in, const std::string& kind,
           const std::string& norm, StreamOrDevice s) {
  Axes axes;
  if (axes_in) {
    axes = *axes_in;
  } else if (sizes) {
    for (size_t i = 0; i < sizes->size(); ++i) {
      axes.push_back(a.ndim() - static_cast<int64_t>(sizes->size()) + i);
    }
  } else {
    axes = all_axes(a);
  }
  if (sizes && sizes->size() != axes.size()) {
    throw ValueError("[fftn] s and axes must have the same length.");
  }
  normalize_axes(axes, a.ndim(), "fftn");  // checks range and duplicates
  auto size_at = [&](size_t i) -> std::optional<int64_t> {
    if (sizes) return (*sizes)[i];
    return std::nullopt;
  };
  array x = a;
  if (axes.empty()) {
    throw ValueError("[fftn] The input needs at least one axis to transform.");
  }
  size_t last = axes.size() - 1;
  if (kind == "rfft") {
    x = rfft(x, size_at(last), axes[last], norm, s);
    for (size_t i = 0; i < last; ++i) x = fft(x, size_at(i), axes[i], false, norm, s);
    return x;
  }
  if (kind == "irfft") {
    for (size_t i = 0; i < last; ++i) x = fft(x, size_at(i), axes[i], true, norm, s);
    return irfft(x, size_at(last), axes[last], norm, s);
  }
  bool inverse = kind == "ifft";
  for (size_t i = 0; i < axes.size(); ++i) x = fft(x, size_at(i), axes[i], inverse, norm, s);
  return x;
}

array fftfreq(int64_t n, double d, bool real_freqs, StreamOrDevice s) {
  if (n <= 0) throw ValueError("[fftfreq] n must be positive.");
  if (d == 0 || !std::isfinite(d)) {
    throw ValueError("[fftfreq] The sample spacing d must be finite and nonzero.");
  }
  double scale = 1.0 / (static_cast<double>(n) * d);
  if (real_freqs) {
    return multiply(arange(0, n / 2 + 1, 1, float32, s), array::scalar(scale, float32), s);
  }
  // 0, 1, ..., ceil(n/2)-1, -floor(n/2), ..., -1
  array k = arange(0, n, 1, int32, s);
  array wrapped = where(less(k, array((n + 1) / 2), s), k, subtract(k, array(static_cast<int32_t>(n)), s), s);
  return multiply(astype(wrapped, float32, s), array::scalar(scale, float32), s);
}

}  // namespace fft

// ---- transform rules: the DFT is linear.

std::vector<array> FFT::vjp(const std::vector<array>&,
                            const std::vector<array>& cotangents,
                            const std::vector<int>&, const std::vector<array>&) {
  // The pullback of y = F x is F^H g: the transform with the opposite sign.
  return {array(cotangents[0].shape(), complex64,
                std::make_shared<FFT>(stream(), axis_, !inverse_),
                {astype(cotangents[0], complex64, stream())})};
}

std::vector<array> FFT::jvp(const std::vector<array>&,
                            const std::vector<array>& tangents,
                            const std::vector<int>&) {
  return {array(tangents[0].shape(), complex64,
                std::make_shared<FFT>(stream(), axis_, inverse_),
                {astype(tangents[0], complex64, stream())})};
}

std::pair<std::vector<array>, std::vector<int>> FFT::vmap(
    const std::vector<array>& inputs, const std::vector<int>& axes) {
  array x = moveaxis(inputs[0], axes[0], 0, stream());
  return {{array(x.shape(), complex64,
                 std::make_shared<FFT>(stream(), axis_ + 1, inverse_), {x})},
          {0}};
}

}  // namespace ember

// ---- export

namespace ember {

void FFT::save(Writer& w) const {
  w.str("FFT");
  w.i64(axis_);
  w.flag(inverse_);
}

bool load_fft(const std::string& tag, Reader& r, const ReplayNode& node,
              std::vector<array>& out) {
  if (tag != "FFT") return false;
  if (node.inputs.size() != 1) Reader::corrupt();
  int axis = static_cast<int>(r.bounded(0, std::max(node.inputs[0].ndim() - 1, 0)));
  bool inverse = r.flag();
  out = node.make(std::make_shared<FFT>(node.stream, axis, inverse));
  return true;
}

}  // namespace ember
