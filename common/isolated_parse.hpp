// Runs a parse of untrusted bytes in a forked child process, bounded in memory and time, and
// reports how it ended: accepted, refused with the parse's own error, or failed (the child
// crashed, ran out of its memory budget, or did not finish before the deadline).
//
// Why: HDF5 1.10.8 (Debian 12) is not safe against hostile files. Resealed checkpoints make
// its global-heap code loop forever (H5HG deserialisation), copy past its buffers (H5HG_read)
// and reserve gigabytes a damaged header declares (docs/checkpoint-format.md, "What a
// reader refuses"). Only a separate process contains all of these: a parse that ends in the
// child with a verdict is repeated in the caller, deterministic on the same bytes; one that
// does not is refused without the caller ever running it.
//
// The child never calls MPI, never logs and leaves with _exit, so it is safe to fork from an
// MPI rank with its progress threads running (Open MPI supports fork without MPI calls in the
// child). Under AddressSanitizer the memory budget is not applied (ASan reserves terabytes of
// shadow memory); the deadline is.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>

namespace evo::common {

struct IsolatedParseResult {
  enum class Outcome {
    kAccepted,  // `parse` returned
    kRefused,   // `parse` threw an evo::common::Error: message and exit_code are its own
    kFailed,    // no verdict: message says why (signal, deadline, memory, exit status)
  };
  Outcome outcome = Outcome::kFailed;
  std::string message;
  int exit_code = 0;
};

struct IsolatedParseLimits {
  std::size_t memory_bytes = 0;  // address space the child may add to what it inherits
  std::chrono::milliseconds deadline{0};
};

IsolatedParseResult run_isolated_parse(const std::function<void()>& parse,
                                       const IsolatedParseLimits& limits);

}  // namespace evo::common
