#include "common/activity.hpp"

#include <string>

namespace evo::common {
namespace detail {

std::array<char, kActivityBytes>& activity_buffer() {
  static std::array<char, kActivityBytes> buffer{};
  return buffer;
}

std::size_t& activity_length() {
  static std::size_t length = 0;
  return length;
}

}  // namespace detail

std::string_view current_activity() {
  const std::size_t length = detail::activity_length();
  if (length == 0) return "starting";
  return {detail::activity_buffer().data(), length};
}

std::string out_of_memory_message() {
  // Built after the failed allocation was unwound, so this small string can be had.
  return fmt::format(
      "out of memory while {}: this rank needs more memory than it may use; lower "
      "algorithm.population or problem.dimension, or give it more memory",
      current_activity());
}

}  // namespace evo::common
