// A fixed pool of worker threads for large kernels. Small work runs inline
// on the calling thread: dispatch cost matters more than parallelism there.
#pragma once
#include <cstdint>
#include <functional>

namespace ember {

int num_threads();

// Calls fn(begin, end) over disjoint chunks covering [0, n), in parallel when
// n is at least 2 * grain. Exceptions from any chunk are rethrown.
void parallel_for(int64_t n, int64_t grain,
                  const std::function<void(int64_t, int64_t)>& fn);

}  // namespace ember
