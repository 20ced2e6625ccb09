// The retry book of the job queue: which failed evaluations wait for another attempt, how
// many of each one's attempts have failed, and on which rank it failed last. The
// generational and the streaming paths of the dispatcher share it, so a retry goes to
// another worker than the one it failed on in both, whenever there is another worker.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <unordered_map>

namespace evo::master {

class RetryBook {
 public:
  void clear();
  // A failed attempt of task `id` on `rank`; returns how many of its attempts have failed.
  int note_failure(std::uint64_t id, int rank);
  // Queues `id` for another attempt (after note_failure).
  void queue(std::uint64_t id) { queue_.push_back(id); }
  // Forgets `id`: it succeeded or failed for good.
  void settle(std::uint64_t id) { entries_.erase(id); }
  bool empty() const { return queue_.empty(); }
  // The oldest queued retry that did not last fail on `worker` (of `workers` worker ranks),
  // taken off the queue; with a single worker the oldest of all. nullopt when none fits.
  std::optional<std::uint64_t> take_for(int worker, int workers);
  bool has_retry_for(int worker, int workers) const;

 private:
  struct Entry {
    int failed_attempts = 0;
    int last_rank = -1;
  };
  std::deque<std::uint64_t>::const_iterator find_for(int worker, int workers) const;

  std::unordered_map<std::uint64_t, Entry> entries_;
  std::deque<std::uint64_t> queue_;
};

}  // namespace evo::master
