// The Transport over MPI. Owns MPI's lifetime (init in create(), finalize in the
// destructor) and works on a duplicate of the world communicator, so an evaluator's own
// MPI traffic can never match our messages. The only file that sees MPI is its .cpp.
#pragma once

#include <cstddef>
#include <memory>

#include "common/transport.hpp"

namespace evo::common {

// Throws Error unless a message of `bytes` bytes can go to `rank` whole: MPI counts are int,
// so a larger one would be cut short or garbled.
void check_message_size(std::size_t bytes, int rank);

class MpiTransport : public Transport {
 public:
  // Initialises MPI (once per process).
  static std::unique_ptr<MpiTransport> create(int& argc, char**& argv);
  ~MpiTransport() override;

  // Sends return at once: the buffer goes out in the background (MPI_Isend), so master and
  // worker can never block each other by sending at the same time.
  Bytes& next_send_buffer() override;
  void send_buffer(int rank, Tag tag) override;
  void receive_any(Message& into) override;
  // Polls flat out for a few tens of microseconds (cheap fitness answers within that), then
  // yields between polls for up to a millisecond, then backs off with short sleeps so that
  // oversubscribed workers keep their core.
  bool try_receive_any(double timeout_seconds, Message& into) override;
  bool message_waiting(int source, Tag tag) override;
  using Transport::receive_any;
  int rank() const override;
  int size() const override;
  [[noreturn]] void abort(int exit_code) override;

 private:
  struct Impl;
  explicit MpiTransport(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace evo::common
