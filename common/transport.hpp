// How ranks talk: tagged byte messages. Only common/mpi_transport.cpp sees MPI, so the
// master can be unit-tested over an in-process transport.
#pragma once

#include <climits>
#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include "common/bytes.hpp"

namespace evo::common {

// The largest message a transport carries: MPI counts are `int`, so one message of bytes
// holds at most INT_MAX of them. master/size_limits refuses a config whose smallest
// message (one genome) would be larger.
inline constexpr std::size_t kMaxMessageBytes = INT_MAX;

enum class Tag : int {
  kConfig = 0,   // master -> worker at start: the resolved config text
  kTasks = 1,    // master -> worker: TaskBatch
  kResults,      // worker -> master: ResultBatch
  kRngState,     // master -> worker: set your RNG stream (each job start and resume)
  kStop,         // master -> worker: exit; payload empty or the exit code as text
  kWorkerError,  // worker -> master: a fatal error, WorkerError
  kReady,        // worker -> master at start: evaluator built, ready for tasks
};

struct Message {
  int source = -1;
  Tag tag = Tag::kStop;
  Bytes payload;
};

class Transport {
 public:
  virtual ~Transport() = default;
  // Copies `payload` into next_send_buffer() and sends it.
  void send(int rank, Tag tag, std::span<const std::byte> payload);
  // The hot path packs a message straight into a buffer the transport owns (its capacity is
  // reused from earlier sends), then send_buffer() sends it as it is: no copy in between.
  // The reference is valid until the next send; calling it twice without a send returns
  // the same buffer.
  virtual Bytes& next_send_buffer() = 0;
  virtual void send_buffer(int rank, Tag tag) = 0;
  // Blocks until a message arrives; `into`'s payload capacity is reused.
  virtual void receive_any(Message& into) = 0;
  // Waits at most `timeout_seconds` (0 = poll once); false when nothing arrived.
  virtual bool try_receive_any(double timeout_seconds, Message& into) = 0;
  // Whether a message with `tag` from `source` waits to be received, without receiving it
  // (messages before it stay where they are). Never blocks.
  virtual bool message_waiting(int source, Tag tag) = 0;
  Message receive_any() {
    Message message;
    receive_any(message);
    return message;
  }
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // Ends every rank now with `exit_code`; used when one rank cannot go on.
  [[noreturn]] virtual void abort(int exit_code) = 0;
};

inline void Transport::send(int rank, Tag tag, std::span<const std::byte> payload) {
  Bytes& buffer = next_send_buffer();
  buffer.assign(payload.begin(), payload.end());
  send_buffer(rank, tag);
}

}  // namespace evo::common
