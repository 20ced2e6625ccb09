// MPI behind the Transport interface. Sends are non-blocking from a small pool of
// reusable buffers (fresh pages are slow on these machines: reuse them); completed
// sends are reaped on every call.
#include "common/mpi_transport.hpp"

#include <fmt/format.h>
#include <mpi.h>
#include <sched.h>

#include <boost/mpi/communicator.hpp>
#include <boost/mpi/environment.hpp>
#include <chrono>
#include <deque>
#include <limits>
#include <thread>

#include "common/error.hpp"

namespace evo::common {
namespace {

// try_receive_any polls without pause for this long, then polls and yields the core (to an
// oversubscribed worker, if one is runnable) until kYieldBeforeSleep, and only then sleeps:
// a cheap fitness batch comes back within a few hundred microseconds, and a sleep costs
// ~60 us of timer slack and a context switch (a 10 us first pause made the master wait on
// every batch).
constexpr std::chrono::microseconds kSpinBeforeYield{50};
constexpr std::chrono::microseconds kYieldBeforeSleep{1000};
// Longest sleep between two polls of try_receive_any.
constexpr std::chrono::microseconds kMaxPollPause{250};

struct PendingSend {
  MPI_Request request = MPI_REQUEST_NULL;
  Bytes buffer;
};

}  // namespace

struct MpiTransport::Impl {
  Impl(int& argc, char**& argv)
      : environment(argc, argv, boost::mpi::threading::single, /*abort_on_exception=*/false),
        world(),
        comm(world, boost::mpi::comm_duplicate) {}

  // Frees the buffers of sends that have completed.
  void reap_completed_sends() {
    for (auto& send : in_flight) {
      if (send.request == MPI_REQUEST_NULL) continue;
      int done = 0;
      MPI_Test(&send.request, &done, MPI_STATUS_IGNORE);
    }
  }

  // The slot of the next send: one whose earlier send has completed, so its buffer (and
  // the capacity it grew to) can be reused.
  PendingSend& free_slot() {
    if (next_slot != kNoSlot) return in_flight[next_slot];
    reap_completed_sends();
    for (std::size_t i = 0; i < in_flight.size(); ++i) {
      if (in_flight[i].request == MPI_REQUEST_NULL) {
        next_slot = i;
        return in_flight[i];
      }
    }
    // A deque: slots never move, so the buffers of sends in progress stay put.
    in_flight.emplace_back();
    next_slot = in_flight.size() - 1;
    return in_flight.back();
  }

  void receive(const MPI_Status& status, Message& into) {
    int count = 0;
    MPI_Get_count(&status, MPI_BYTE, &count);
    into.source = status.MPI_SOURCE;
    into.tag = static_cast<Tag>(status.MPI_TAG);
    into.payload.resize(static_cast<std::size_t>(count));
    MPI_Recv(into.payload.data(), count, MPI_BYTE, status.MPI_SOURCE, status.MPI_TAG, comm,
             MPI_STATUS_IGNORE);
  }

  bool poll(Message& into) {
    int found = 0;
    MPI_Status status;
    MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, comm, &found, &status);
    if (found) receive(status, into);
    return found != 0;
  }

  boost::mpi::environment environment;
  boost::mpi::communicator world;
  boost::mpi::communicator comm;
  static constexpr std::size_t kNoSlot = static_cast<std::size_t>(-1);
  std::deque<PendingSend> in_flight;
  std::size_t next_slot = kNoSlot;  // handed out by next_send_buffer(), not sent yet
};

void check_message_size(std::size_t bytes, int rank) {
  if (bytes > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    throw Error(fmt::format(
        "a message of {} bytes to rank {} is over MPI's limit of {} bytes: lower dispatch.batch",
        bytes, rank, std::numeric_limits<int>::max()));
  }
}

std::unique_ptr<MpiTransport> MpiTransport::create(int& argc, char**& argv) {
  return std::unique_ptr<MpiTransport>(new MpiTransport(std::make_unique<Impl>(argc, argv)));
}

MpiTransport::MpiTransport(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

MpiTransport::~MpiTransport() {
  // Every send must be complete before MPI_Finalize (the environment's destructor).
  for (auto& send : impl_->in_flight) {
    if (send.request != MPI_REQUEST_NULL) MPI_Wait(&send.request, MPI_STATUS_IGNORE);
  }
}

Bytes& MpiTransport::next_send_buffer() { return impl_->free_slot().buffer; }

void MpiTransport::send_buffer(int rank, Tag tag) {
  PendingSend& slot = impl_->free_slot();
  check_message_size(slot.buffer.size(), rank);
  impl_->next_slot = Impl::kNoSlot;
  int rc = MPI_Isend(slot.buffer.data(), static_cast<int>(slot.buffer.size()), MPI_BYTE, rank,
                     static_cast<int>(tag), impl_->comm, &slot.request);
  if (rc != MPI_SUCCESS) throw Error("MPI_Isend to rank " + std::to_string(rank) + " failed");
}

void MpiTransport::receive_any(Message& into) {
  impl_->reap_completed_sends();
  MPI_Status status;
  MPI_Probe(MPI_ANY_SOURCE, MPI_ANY_TAG, impl_->comm, &status);
  impl_->receive(status, into);
}

bool MpiTransport::try_receive_any(double timeout_seconds, Message& into) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const Clock::time_point deadline =
      start + std::chrono::duration_cast<Clock::duration>(
                  std::chrono::duration<double>(std::max(0.0, timeout_seconds)));
  impl_->reap_completed_sends();
  // Flat out first: MPI_Iprobe also drives the progress of our own sends.
  const Clock::time_point spin_until = std::min(deadline, start + kSpinBeforeYield);
  do {
    if (impl_->poll(into)) return true;
  } while (Clock::now() < spin_until);
  const Clock::time_point yield_until = std::min(deadline, start + kYieldBeforeSleep);
  while (Clock::now() < yield_until) {
    sched_yield();
    if (impl_->poll(into)) return true;
  }
  auto pause = std::chrono::microseconds(10);
  for (;;) {
    if (Clock::now() >= deadline) return false;
    // Back off: polling flat out would take a core from oversubscribed workers. But never
    // for long: a master asleep while results wait is a master that starves its workers
    // (with 5 ms pauses, cheap fitness ran at a tenth of the speed).
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, kMaxPollPause);
    impl_->reap_completed_sends();
    if (impl_->poll(into)) return true;
  }
}

int MpiTransport::rank() const { return impl_->comm.rank(); }

int MpiTransport::size() const { return impl_->comm.size(); }

void MpiTransport::abort(int exit_code) {
  MPI_Abort(impl_->world, exit_code);
  std::abort();  // MPI_Abort does not return; this only satisfies [[noreturn]]
}

}  // namespace evo::common
