// Kernel of RandomBits: Threefry-2x32 with 20 rounds, counters laid out as
// in MLX.
#include "backend/cpu/strided.h"
#include "core/errors.h"
#include "random/random.h"
#include "random/threefry.h"

namespace ember {

namespace {

// Offset of element c (0 or 1) of key j, for keys of shape (..., 2) in any
// layout (rows of split keys, a batch axis moved by vmap).
int64_t key_offset(const array& keys, int64_t j, int c) {
  const Shape& shape = keys.shape();
  const Strides& strides = keys.strides();
  int64_t off = c * strides.back();
  for (size_t d = shape.size() - 1; d-- > 0;) {
    off += (j % shape[d]) * strides[d];
    j /= shape[d];
  }
  return off;
}

// MLX's layout of n words from one key: word i and word i + half + odd
// come from the counter (i, i + half + odd); an odd middle word takes the
// first output of the counter (half, 0).
void fill_words(uint32_t k0, uint32_t k1, uint32_t* d, int64_t n) {
  int64_t half = n / 2, odd = n % 2;
  cpu::run_flat(half, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      uint32_t second = static_cast<uint32_t>(i + half + odd);
      threefry2x32(k0, k1, static_cast<uint32_t>(i), second, d[i],
                   d[i + half + odd]);
    }
  });
  if (odd) {
    uint32_t unused;
    threefry2x32(k0, k1, static_cast<uint32_t>(half), 0, d[half], unused);
  }
}

}  // namespace

void RandomBits::eval_cpu(const std::vector<array>& inputs, array& out) {
  const array& keys = inputs[0];
  if (keys.dtype() != uint32 || keys.ndim() == 0 || keys.shape().back() != 2) {
    throw ValueError("[random] A key must be a uint32 array of shape (2,).");
  }
  // One key, or a batch of keys (vmap) each filling its block of the output.
  out.set_data(allocate(out.nbytes()));
  uint32_t* d = out.data<uint32_t>();
  const uint32_t* kp = keys.data<uint32_t>();
  int64_t num_keys = keys.size() / 2;
  if (num_keys == 0) return;
  int64_t per_key = out.size() / num_keys;
  for (int64_t j = 0; j < num_keys; ++j) {
    fill_words(kp[key_offset(keys, j, 0)], kp[key_offset(keys, j, 1)],
               d + j * per_key, per_key);
  }
}

std::vector<array> RandomBits::vjp(const std::vector<array>& primals,
                                   const std::vector<array>&,
                                   const std::vector<int>&,
                                   const std::vector<array>&) {
  return {zeros_like(primals[0], stream())};
}

}  // namespace ember
