// DFT kernel: each line along the axis is transformed in double precision,
// radix-2 for power-of-two lengths and Bluestein's chirp-z (a power-of-two
// convolution) for any other length, so every size costs O(n log n).
#include <cmath>
#include <complex>
#include <vector>

#include "backend/cpu/strided.h"
#include "fft/fft.h"

namespace ember {

namespace {

using cd = std::complex<double>;

// In-place iterative radix-2 transform; n is a power of two.
void radix2(std::vector<cd>& a, bool inverse) {
  size_t n = a.size();
  for (size_t i = 1, j = 0; i < n; ++i) {
    size_t bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) std::swap(a[i], a[j]);
  }
  for (size_t len = 2; len <= n; len <<= 1) {
    double ang = 2 * M_PI / static_cast<double>(len) * (inverse ? 1 : -1);
    cd wl(std::cos(ang), std::sin(ang));
    for (size_t i = 0; i < n; i += len) {
      cd w(1);
      for (size_t k = 0; k < len / 2; ++k) {
        cd u = a[i + k], v = a[i + k + len / 2] * w;
        a[i + k] = u + v;
        a[i + k + len / 2] = u - v;
        w *= wl;
      }
    }
  }
}

// Transforms of one length, with the Bluestein tables prepared once.
class LinePlan {
 public:
  LinePlan(size_t n, bool inverse) : n_(n), inverse_(inverse) {
    if (n == 0 || (n & (n - 1)) == 0) return;
    m_ = 1;
    while (m_ < 2 * n - 1) m_ <<= 1;
    chirp_.resize(n);
    for (size_t k = 0; k < n; ++k) {
      // k^2 mod 2n keeps the angle accurate for long lines.
      double k2 = static_cast<double>((k * k) % (2 * n));
      double ang = M_PI * k2 / static_cast<double>(n) * (inverse ? 1 : -1);
      chirp_[k] = cd(std::cos(ang), std::sin(ang));
    }
    kernel_.assign(m_, cd(0));
    for (size_t k = 0; k < n; ++k) {
      kernel_[k] = std::conj(chirp_[k]);
      if (k) kernel_[m_ - k] = std::conj(chirp_[k]);
    }
    radix2(kernel_, false);
  }

  void run(std::vector<cd>& x) const {
    if (n_ <= 1) return;
    if (m_ == 0) {
      radix2(x, inverse_);
      return;
    }
    std::vector<cd> a(m_, cd(0));
    for (size_t k = 0; k < n_; ++k) a[k] = x[k] * chirp_[k];
    radix2(a, false);
    for (size_t k = 0; k < m_; ++k) a[k] *= kernel_[k];
    radix2(a, true);
    double scale = 1.0 / static_cast<double>(m_);
    for (size_t k = 0; k < n_; ++k) x[k] = a[k] * scale * chirp_[k];
  }

 private:
  size_t n_;
  bool inverse_;
  size_t m_ = 0;
  std::vector<cd> chirp_, kernel_;
};

}  // namespace

void FFT::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& in = inputs[0];
  out.set_data(allocate(out.nbytes()));
  if (out.size() == 0) return;
  auto [plan, n, is, os] = cpu::lines_along(in, out, axis_);
  LinePlan line(static_cast<size_t>(n), inverse_);
  const complex64_t* src = in.data<complex64_t>();
  complex64_t* dst = out.data<complex64_t>();
  cpu::run_plan<2>(plan, [&](auto off, int64_t cnt, auto st) {
    std::vector<cd> buf(n);
    for (int64_t l = 0; l < cnt; ++l) {
      const complex64_t* s = src + off[1] + l * st[1];
      complex64_t* d = dst + off[0] + l * st[0];
      for (int64_t k = 0; k < n; ++k) buf[k] = cd(s[k * is].real(), s[k * is].imag());
      line.run(buf);
      for (int64_t k = 0; k < n; ++k) {
        d[k * os] = complex64_t(static_cast<float>(buf[k].real()),
                                static_cast<float>(buf[k].imag()));
      }
    }
  }, n * 16);
}

}  // namespace ember
