// MPI behind the Transport interface. Sends are non-blocking from a small pool of
// reusable buffers (fresh pages are slow on these machines: reuse them); completed
// sends are reaped on every call. Our communicator returns errors instead of aborting, and
// every call's return code is checked: a failure throws Error naming the call and MPI's
// reason, so main() reports it before it takes every rank down.
#include "common/mpi_transport.hpp"

#include <fmt/format.h>
#include <mpi.h>
#include <sched.h>

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

// Throws Error unless `rc` is MPI_SUCCESS.
void check(int rc, const char* call) {
  if (rc == MPI_SUCCESS) return;
  char reason[MPI_MAX_ERROR_STRING];
  int length = 0;
  if (MPI_Error_string(rc, reason, &length) != MPI_SUCCESS) length = 0;
  throw Error(fmt::format("{} failed: {}", call,
                          length > 0 ? std::string(reason, static_cast<std::size_t>(length))
                                     : fmt::format("MPI error {}", rc)));
}

// MPI's lifetime: initialised here unless someone (a plugin's host program) already did,
// finalised by whoever initialised it.
class MpiSession {
 public:
  MpiSession(int& argc, char**& argv) {
    int initialized = 0;
    check(MPI_Initialized(&initialized), "MPI_Initialized");
    if (initialized == 0) {
      int provided = 0;
      check(MPI_Init_thread(&argc, &argv, MPI_THREAD_SINGLE, &provided), "MPI_Init_thread");
      owned_ = true;
    }
  }
  ~MpiSession() {
    int finalized = 0;
    if (owned_ && MPI_Finalized(&finalized) == MPI_SUCCESS && finalized == 0) MPI_Finalize();
  }
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;

 private:
  bool owned_ = false;
};

struct PendingSend {
  MPI_Request request = MPI_REQUEST_NULL;
  Bytes buffer;
};

}  // namespace

struct MpiTransport::Impl {
  Impl(int& argc, char**& argv) : session(argc, argv) {
    check(MPI_Comm_dup(MPI_COMM_WORLD, &comm), "MPI_Comm_dup");
    check(MPI_Comm_set_errhandler(comm, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler");
    check(MPI_Comm_rank(comm, &rank), "MPI_Comm_rank");
    check(MPI_Comm_size(comm, &size), "MPI_Comm_size");
  }
  ~Impl() {
    // Every send must be complete before the communicator goes (and MPI_Finalize).
    for (auto& send : in_flight) {
      if (send.request != MPI_REQUEST_NULL) MPI_Wait(&send.request, MPI_STATUS_IGNORE);
    }
    MPI_Comm_free(&comm);
  }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  // Frees the buffers of sends that have completed.
  void reap_completed_sends() {
    for (auto& send : in_flight) {
      if (send.request == MPI_REQUEST_NULL) continue;
      int done = 0;
      check(MPI_Test(&send.request, &done, MPI_STATUS_IGNORE), "MPI_Test");
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
    check(MPI_Get_count(&status, MPI_BYTE, &count), "MPI_Get_count");
    into.source = status.MPI_SOURCE;
    into.tag = static_cast<Tag>(status.MPI_TAG);
    into.payload.resize(static_cast<std::size_t>(count));
    check(MPI_Recv(into.payload.data(), count, MPI_BYTE, status.MPI_SOURCE, status.MPI_TAG, comm,
                   MPI_STATUS_IGNORE),
          "MPI_Recv");
  }

  bool poll(Message& into) {
    int found = 0;
    MPI_Status status;
    check(MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, comm, &found, &status), "MPI_Iprobe");
    if (found) receive(status, into);
    return found != 0;
  }

  MpiSession session;
  MPI_Comm comm = MPI_COMM_NULL;  // our duplicate of MPI_COMM_WORLD
  int rank = 0;
  int size = 1;
  static constexpr std::size_t kNoSlot = static_cast<std::size_t>(-1);
  std::deque<PendingSend> in_flight;
  std::size_t next_slot = kNoSlot;  // handed out by next_send_buffer(), not sent yet
};

void check_message_size(std::size_t bytes, int rank) {
  if (bytes > kMaxMessageBytes) {
    throw Error(fmt::format(
        "a message of {} bytes to rank {} is over MPI's limit of {} bytes: lower dispatch.batch",
        bytes, rank, kMaxMessageBytes));
  }
}

std::unique_ptr<MpiTransport> MpiTransport::create(int& argc, char**& argv) {
  return std::unique_ptr<MpiTransport>(new MpiTransport(std::make_unique<Impl>(argc, argv)));
}

MpiTransport::MpiTransport(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

MpiTransport::~MpiTransport() = default;

Bytes& MpiTransport::next_send_buffer() { return impl_->free_slot().buffer; }

void MpiTransport::send_buffer(int rank, Tag tag) {
  PendingSend& slot = impl_->free_slot();
  check_message_size(slot.buffer.size(), rank);
  impl_->next_slot = Impl::kNoSlot;
  check(MPI_Isend(slot.buffer.data(), static_cast<int>(slot.buffer.size()), MPI_BYTE, rank,
                  static_cast<int>(tag), impl_->comm, &slot.request),
        "MPI_Isend");
}

void MpiTransport::receive_any(Message& into) {
  impl_->reap_completed_sends();
  MPI_Status status;
  check(MPI_Probe(MPI_ANY_SOURCE, MPI_ANY_TAG, impl_->comm, &status), "MPI_Probe");
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

bool MpiTransport::message_waiting(int source, Tag tag) {
  int found = 0;
  check(MPI_Iprobe(source, static_cast<int>(tag), impl_->comm, &found, MPI_STATUS_IGNORE),
        "MPI_Iprobe");
  return found != 0;
}

int MpiTransport::rank() const { return impl_->rank; }

int MpiTransport::size() const { return impl_->size; }

void MpiTransport::abort(int exit_code) {
  MPI_Abort(MPI_COMM_WORLD, exit_code);
  std::abort();  // MPI_Abort does not return; this only satisfies [[noreturn]]
}

}  // namespace evo::common
