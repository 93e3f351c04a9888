// Cache-line-aligned storage for the classifier's flat arrays.
#pragma once

#include <cstddef>
#include <new>
#include <vector>

namespace lacl::detail {

inline constexpr std::size_t kCacheLine = 64;

/// Allocates every array on a cache-line boundary, so a row never straddles two lines because of
/// where its array happened to start.
template <class T>
struct CacheAlignedAllocator {
  using value_type = T;
  CacheAlignedAllocator() noexcept = default;
  template <class U>
  CacheAlignedAllocator(const CacheAlignedAllocator<U>&) noexcept {}  // NOLINT
  T* allocate(std::size_t n) {
    return static_cast<T*>(::operator new (n * sizeof(T), std::align_val_t{kCacheLine}));
  }
  void deallocate(T* p, std::size_t) noexcept {
    ::operator delete (p, std::align_val_t{kCacheLine});
  }
  template <class U>
  bool operator==(const CacheAlignedAllocator<U>&) const noexcept {
    return true;
  }
};

template <class T>
using AlignedVector = std::vector<T, CacheAlignedAllocator<T>>;

/// Bytes held by a vector's elements (its size, not its capacity: the compiler shrinks them).
template <class V>
std::size_t bytes_of(const V& v) noexcept {
  return v.size() * sizeof(typename V::value_type);
}

}  // namespace lacl::detail
