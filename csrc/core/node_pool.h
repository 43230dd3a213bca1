// Thread-local free lists for the small objects every op creates: graph
// nodes, primitives and buffer handles. A lazy graph of n ops allocates all
// of them before freeing any, which overflows glibc's per-thread cache
// (seven blocks a size) and sends each malloc and free down its slow path;
// these lists keep thousands of blocks of each size. Use make_pooled.
#pragma once
#include <cstddef>
#include <memory>
#include <new>
#include <utility>

namespace ember {

namespace pool_detail {

// Trivially destructible, so a block freed after its thread's Closer ran
// (by a thread_local destroyed later) still reads `closed` and is deleted.
struct FreeList {
  void* head;
  size_t count;
  bool closed;
};

struct Closer {
  FreeList* list;
  ~Closer() {
    while (list->head) {
      void* next = *static_cast<void**>(list->head);
      ::operator delete(list->head);
      list->head = next;
    }
    list->count = 0;
    list->closed = true;
  }
};

#ifdef EMBER_NO_NODE_POOL
constexpr size_t kMaxBlocks = 0;  // sanitizer builds: every block to delete
#else
constexpr size_t kMaxBlocks = 16384;
#endif

template <size_t Size>
FreeList& free_list() {
  thread_local FreeList list{nullptr, 0, false};
  thread_local Closer closer{&list};
  (void)closer;
  return list;
}

}  // namespace pool_detail

template <typename T>
struct PoolAllocator {
  using value_type = T;
  static_assert(sizeof(T) >= sizeof(void*) && alignof(T) <= alignof(std::max_align_t));

  PoolAllocator() = default;
  template <typename U>
  PoolAllocator(const PoolAllocator<U>&) {}

  T* allocate(size_t n) {
    auto& list = pool_detail::free_list<sizeof(T)>();
    if (n != 1 || !list.head) return static_cast<T*>(::operator new(n * sizeof(T)));
    void* p = list.head;
    list.head = *static_cast<void**>(p);
    --list.count;
    return static_cast<T*>(p);
  }

  void deallocate(T* p, size_t n) {
    auto& list = pool_detail::free_list<sizeof(T)>();
    if (n != 1 || list.closed || list.count >= pool_detail::kMaxBlocks) {
      ::operator delete(p);
      return;
    }
    *reinterpret_cast<void**>(p) = list.head;
    list.head = p;
    ++list.count;
  }

  template <typename U>
  bool operator==(const PoolAllocator<U>&) const { return true; }
};

template <typename T, typename... Args>
std::shared_ptr<T> make_pooled(Args&&... args) {
  return std::allocate_shared<T>(PoolAllocator<T>(), std::forward<Args>(args)...);
}

}  // namespace ember
