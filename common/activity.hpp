// What this process is doing, in a few words, for the one message an out-of-memory
// failure gets: main catches std::bad_alloc at the top and reports "out of memory while
// <activity>" (exit 1) rather than "internal error: std::bad_alloc". The activity lives in
// a fixed buffer, so noting one never allocates (it may be the last thing done before
// memory runs out) and costs a formatted copy: note it per phase, not per individual.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <exception>
#include <string>
#include <string_view>
#include <utility>

namespace evo::common {

namespace detail {
inline constexpr std::size_t kActivityBytes = 200;
std::array<char, kActivityBytes>& activity_buffer();
std::size_t& activity_length();
}  // namespace detail

// Replaces the current activity (truncated to 199 bytes), e.g.
// note_activity("breeding generation {} of job {}", gen, job).
template <typename... Args>
void note_activity(fmt::format_string<Args...> format, Args&&... args) {
  auto& buffer = detail::activity_buffer();
  const auto result =
      fmt::format_to_n(buffer.data(), buffer.size(), format, std::forward<Args>(args)...);
  detail::activity_length() = std::min(result.size, buffer.size());
}

// Notes an activity for a scope (e.g. writing a checkpoint in the middle of a generation)
// and puts the one before it back at the scope's end, unless an exception leaves the
// scope: then the message must name the activity that failed.
class ActivityScope {
 public:
  template <typename... Args>
  explicit ActivityScope(fmt::format_string<Args...> format, Args&&... args)
      : saved_(detail::activity_buffer()), saved_length_(detail::activity_length()) {
    note_activity(format, std::forward<Args>(args)...);
  }
  ~ActivityScope() {
    if (std::uncaught_exceptions() > exceptions_) return;
    detail::activity_buffer() = saved_;
    detail::activity_length() = saved_length_;
  }
  ActivityScope(const ActivityScope&) = delete;
  ActivityScope& operator=(const ActivityScope&) = delete;

 private:
  std::array<char, detail::kActivityBytes> saved_;
  std::size_t saved_length_;
  int exceptions_ = std::uncaught_exceptions();
};

// The last activity noted ("starting" before any).
std::string_view current_activity();

// "out of memory while <current_activity()>" and what to do about it.
std::string out_of_memory_message();

}  // namespace evo::common
