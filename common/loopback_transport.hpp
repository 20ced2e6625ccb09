// An in-process network of ranks for unit tests of the master's logic: every rank is a
// Transport endpoint with its own mailbox, so a test runs the real dispatcher against
// workers scripted in threads, without mpirun. It proves logic, not MPI: message order is
// first come first served per mailbox, as MPI's is per sender.
//
// Thread-safe: each endpoint may be used by its own thread. abort() does not end the
// process; it wakes every endpoint, and every later call on any endpoint throws
// LoopbackAborted carrying the exit code, so a test can assert on it.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <vector>

#include "common/transport.hpp"

namespace evo::common {

class LoopbackAborted : public std::runtime_error {
 public:
  explicit LoopbackAborted(int exit_code);
  int exit_code() const { return exit_code_; }

 private:
  int exit_code_;
};

class LoopbackNetwork {
 public:
  explicit LoopbackNetwork(int size);
  ~LoopbackNetwork();
  LoopbackNetwork(const LoopbackNetwork&) = delete;
  LoopbackNetwork& operator=(const LoopbackNetwork&) = delete;

  Transport& endpoint(int rank);
  int size() const { return static_cast<int>(endpoints_.size()); }
  // Set once any endpoint called abort().
  std::optional<int> abort_code() const;
  // Messages sent so far with `tag`, by every endpoint (for tests that count traffic).
  int sent_count(Tag tag) const;

 private:
  class Endpoint;
  friend class Endpoint;

  void deliver(int from, int to, Tag tag, const Bytes& payload);
  // Takes the next message for `rank`, waiting at most `timeout_seconds` (< 0: forever).
  bool take(int rank, double timeout_seconds, Message& into);
  // Whether `rank`'s mailbox holds a message from `source` with `tag` (left in place).
  bool waiting(int rank, int source, Tag tag) const;
  [[noreturn]] void abort_all(int exit_code);
  void throw_if_aborted() const;  // callers hold mutex_

  mutable std::mutex mutex_;
  std::condition_variable arrived_;
  std::vector<std::deque<Message>> mailboxes_;
  std::vector<std::unique_ptr<Endpoint>> endpoints_;
  std::vector<int> sent_by_tag_;
  std::optional<int> abort_code_;
};

}  // namespace evo::common
