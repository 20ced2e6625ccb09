// Byte buffers for messages and journal records that grow without zero-filling: whoever
// sizes one writes every byte right after, and zero-filling first cost as much as the
// packing itself on the hot path (a reused buffer grows whenever a batch is larger than
// the last one that used it).
#pragma once

#include <cstddef>
#include <memory>
#include <new>
#include <vector>

namespace evo::common {

// std::allocator, except that value-initialisation (resize(n), vector(n)) default-
// initialises, which for std::byte leaves the memory as it is.
template <class T>
class DefaultInitAllocator : public std::allocator<T> {
 public:
  template <class U>
  struct rebind {
    using other = DefaultInitAllocator<U>;
  };
  using std::allocator<T>::allocator;

  template <class U>
  void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    std::construct_at(p, std::forward<Args>(args)...);
  }
};

using Bytes = std::vector<std::byte, DefaultInitAllocator<std::byte>>;

}  // namespace evo::common
