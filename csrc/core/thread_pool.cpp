#include "core/thread_pool.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace ember {

namespace {

// Workers spin for a short while after a job before they sleep, and the
// caller spins before it sleeps on the job's end: waking a sleeping thread
// costs tens of microseconds, as much as a whole mid-sized kernel.
constexpr auto kSpin = std::chrono::microseconds(200);
// The first part with pause, after which the spinner yields its core to
// any runnable thread (BLAS threads, say) instead of competing with it.
constexpr auto kPauseSpin = std::chrono::microseconds(30);

template <class Ready>
bool spin_until(Ready ready) {
  auto start = std::chrono::steady_clock::now();
  while (true) {
    if (ready()) return true;
    auto spent = std::chrono::steady_clock::now() - start;
    if (spent > kSpin) return ready();
    if (spent > kPauseSpin) {
      std::this_thread::yield();
    } else {
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#endif
    }
  }
}

class ThreadPool {
 public:
  explicit ThreadPool(int n) {
    for (int i = 0; i < n; ++i) workers_.emplace_back([this] { loop(); });
  }
  ~ThreadPool() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
      generation_.fetch_add(1);
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
  }
  int size() const { return static_cast<int>(workers_.size()) + 1; }

  // Runs task(i) for i in [0, count); the caller takes part.
  void run(int count, const std::function<void(int)>& task) {
    std::lock_guard job_lock(job_mutex_);
    bool wake;
    {
      std::lock_guard lock(mutex_);
      task_ = &task;
      count_ = count;
      pending_.store(count);
      error_ = nullptr;
      next_.store(0);
      generation_.fetch_add(1);
      wake = sleeping_ > 0;
    }
    if (wake) cv_.notify_all();
    work();
    if (!spin_until([&] { return pending_.load() == 0; })) {
      std::unique_lock lock(mutex_);
      done_cv_.wait(lock, [&] { return pending_.load() == 0; });
    }
    std::lock_guard lock(mutex_);
    task_ = nullptr;
    if (error_) std::rethrow_exception(error_);
  }

 private:
  // Takes task indices until none are left. Fields are read after the
  // index is taken, so a worker late from one job never runs another's
  // task with a stale pointer.
  void work() {
    while (true) {
      int i = next_.fetch_add(1);
      if (i >= count_) return;
      try {
        (*task_)(i);
      } catch (...) {
        std::lock_guard lock(mutex_);
        if (!error_) error_ = std::current_exception();
      }
      if (pending_.fetch_sub(1) == 1) {
        std::lock_guard lock(mutex_);
        done_cv_.notify_all();
      }
    }
  }
  void loop() {
    uint64_t seen = 0;
    while (true) {
      if (!spin_until([&] { return generation_.load() != seen; })) {
        std::unique_lock lock(mutex_);
        ++sleeping_;
        cv_.wait(lock, [&] { return generation_.load() != seen; });
        --sleeping_;
      }
      {
        std::lock_guard lock(mutex_);
        if (stop_) return;
        seen = generation_.load();
        if (!task_) continue;
      }
      work();
    }
  }

  std::vector<std::thread> workers_;
  std::mutex job_mutex_, mutex_;
  std::condition_variable cv_, done_cv_;
  const std::function<void(int)>* task_ = nullptr;
  int count_ = 0;
  std::atomic<int> next_{0};
  std::atomic<int> pending_{0};
  std::atomic<uint64_t> generation_{0};
  int sleeping_ = 0;
  bool stop_ = false;
  std::exception_ptr error_;
};

ThreadPool& pool() {
  // Leaked on purpose: joining threads during static destruction can hang.
  static auto* p = new ThreadPool(
      std::max(1u, std::thread::hardware_concurrency()) - 1);
  return *p;
}

thread_local bool inside_pool_task = false;

}  // namespace

int num_threads() { return pool().size(); }

void parallel_for(int64_t n, int64_t grain,
                  const std::function<void(int64_t, int64_t)>& fn) {
  int threads = num_threads();
  if (n < 2 * grain || threads == 1 || inside_pool_task) {
    if (n > 0) fn(0, n);
    return;
  }
  int64_t chunks = std::min<int64_t>(threads, n / grain);
  int64_t per = (n + chunks - 1) / chunks;
  std::function<void(int)> task = [&](int i) {
    int64_t b = i * per, e = std::min(n, b + per);
    // Reset on the way out, exception or not: a flag left set would make
    // every later call from this thread run inline.
    struct Inside {
      Inside() { inside_pool_task = true; }
      ~Inside() { inside_pool_task = false; }
    } inside;
    if (b < e) fn(b, e);
  };
  pool().run(static_cast<int>(chunks), task);
}

}  // namespace ember
