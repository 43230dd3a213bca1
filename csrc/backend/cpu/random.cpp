// Kernel of RandomBits: Threefry-2x32 with 20 rounds over element indices.
#include "backend/cpu/strided.h"
#include "core/errors.h"
#include "random/random.h"

namespace ember {

namespace {

inline uint32_t rotl(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

// Threefry-2x32-20 (Salmon et al., "Parallel random numbers: as easy as
// 1, 2, 3"): a keyed bijection of the 64-bit counter (c0, c1).
inline void threefry2x32(uint32_t k0, uint32_t k1, uint32_t c0, uint32_t c1,
                         uint32_t& out0, uint32_t& out1) {
  constexpr int kRot[8] = {13, 15, 26, 6, 17, 29, 16, 24};
  const uint32_t ks[3] = {k0, k1, 0x1BD11BDAu ^ k0 ^ k1};
  uint32_t x0 = c0 + ks[0], x1 = c1 + ks[1];
  for (uint32_t group = 0; group < 5; ++group) {
    for (int j = 0; j < 4; ++j) {
      x0 += x1;
      x1 = rotl(x1, kRot[(group % 2) * 4 + j]);
      x1 ^= x0;
    }
    x0 += ks[(group + 1) % 3];
    x1 += ks[(group + 2) % 3] + group + 1;
  }
  out0 = x0;
  out1 = x1;
}

}  // namespace

void RandomBits::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& key = inputs[0];
  if (key.size() != 2 || key.dtype() != uint32) {
    throw ValueError("[random] A key must be a uint32 array of shape (2,).");
  }
  // The key may be a strided view (e.g. a row of split keys).
  const uint32_t* kp = key.data<uint32_t>();
  int64_t ks = key.ndim() ? key.strides().back() : 1;
  uint32_t k0 = kp[0], k1 = kp[ks];
  out.set_data(allocate(out.nbytes()));
  uint32_t* d = out.data<uint32_t>();
  int64_t n = out.size();
  int64_t pairs = (n + 1) / 2;
  cpu::run_flat(pairs, [&](int64_t b, int64_t e) {
    for (int64_t j = b; j < e; ++j) {
      uint32_t x0, x1;
      threefry2x32(k0, k1, static_cast<uint32_t>(uint64_t(j) >> 32),
                   static_cast<uint32_t>(j), x0, x1);
      d[2 * j] = x0;
      if (2 * j + 1 < n) d[2 * j + 1] = x1;
    }
  });
}

std::vector<array> RandomBits::vjp(const std::vector<array>& primals,
                                   const std::vector<array>&,
                                   const std::vector<int>&,
                                   const std::vector<array>&) {
  return {zeros_like(primals[0], stream())};
}

}  // namespace ember
