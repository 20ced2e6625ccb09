#include "master/retry_book.hpp"

#include <algorithm>

namespace evo::master {

void RetryBook::clear() {
  entries_.clear();
  queue_.clear();
}

int RetryBook::note_failure(std::uint64_t id, int rank) {
  Entry& entry = entries_[id];
  entry.last_rank = rank;
  return ++entry.failed_attempts;
}

std::deque<std::uint64_t>::const_iterator RetryBook::find_for(int worker, int workers) const {
  if (workers <= 1) return queue_.begin();
  return std::find_if(queue_.begin(), queue_.end(), [&](std::uint64_t id) {
    const auto entry = entries_.find(id);
    return entry == entries_.end() || entry->second.last_rank != worker;
  });
}

bool RetryBook::has_retry_for(int worker, int workers) const {
  return find_for(worker, workers) != queue_.end();
}

std::optional<std::uint64_t> RetryBook::take_for(int worker, int workers) {
  const auto it = find_for(worker, workers);
  if (it == queue_.end()) return std::nullopt;
  const std::uint64_t id = *it;
  queue_.erase(it);
  return id;
}

}  // namespace evo::master
