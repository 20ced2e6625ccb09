// MPI behind the Transport interface. Sends are non-blocking from a small pool of
// reusable buffers (fresh pages are slow on these machines: reuse them); completed
// sends are reaped on every call.
#include "common/mpi_transport.hpp"

#include <mpi.h>

#include <boost/mpi/communicator.hpp>
#include <boost/mpi/environment.hpp>
#include <chrono>
#include <thread>

#include "common/error.hpp"

namespace evo::common {
namespace {

// Longest sleep between two polls of try_receive_any.
constexpr std::chrono::microseconds kMaxPollPause{250};

struct PendingSend {
  MPI_Request request = MPI_REQUEST_NULL;
  std::vector<std::byte> buffer;
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

  PendingSend& free_slot() {
    reap_completed_sends();
    for (auto& send : in_flight) {
      if (send.request == MPI_REQUEST_NULL) return send;
    }
    in_flight.emplace_back();
    return in_flight.back();
  }

  Message receive(const MPI_Status& status) {
    int count = 0;
    MPI_Get_count(&status, MPI_BYTE, &count);
    Message message;
    message.source = status.MPI_SOURCE;
    message.tag = static_cast<Tag>(status.MPI_TAG);
    message.payload.resize(static_cast<std::size_t>(count));
    MPI_Recv(message.payload.data(), count, MPI_BYTE, status.MPI_SOURCE, status.MPI_TAG, comm,
             MPI_STATUS_IGNORE);
    return message;
  }

  boost::mpi::environment environment;
  boost::mpi::communicator world;
  boost::mpi::communicator comm;
  std::vector<PendingSend> in_flight;
};

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

void MpiTransport::send(int rank, Tag tag, std::span<const std::byte> payload) {
  PendingSend& slot = impl_->free_slot();
  slot.buffer.assign(payload.begin(), payload.end());
  int rc = MPI_Isend(slot.buffer.data(), static_cast<int>(slot.buffer.size()), MPI_BYTE, rank,
                     static_cast<int>(tag), impl_->comm, &slot.request);
  if (rc != MPI_SUCCESS) throw Error("MPI_Isend to rank " + std::to_string(rank) + " failed");
}

Message MpiTransport::receive_any() {
  impl_->reap_completed_sends();
  MPI_Status status;
  MPI_Probe(MPI_ANY_SOURCE, MPI_ANY_TAG, impl_->comm, &status);
  return impl_->receive(status);
}

std::optional<Message> MpiTransport::try_receive_any(double timeout_seconds) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::chrono::duration<double>(timeout_seconds);
  auto pause = std::chrono::microseconds(10);
  for (;;) {
    impl_->reap_completed_sends();
    int found = 0;
    MPI_Status status;
    MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, impl_->comm, &found, &status);
    if (found) return impl_->receive(status);
    if (Clock::now() >= deadline) return std::nullopt;
    // Back off: polling flat out would take a core from oversubscribed workers. But never
    // for long: a master asleep while results wait is a master that starves its workers
    // (with 5 ms pauses, cheap fitness ran at a tenth of the speed).
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, kMaxPollPause);
  }
}

int MpiTransport::rank() const { return impl_->comm.rank(); }

int MpiTransport::size() const { return impl_->comm.size(); }

void MpiTransport::abort(int exit_code) {
  MPI_Abort(impl_->world, exit_code);
  std::abort();  // MPI_Abort does not return; this only satisfies [[noreturn]]
}

}  // namespace evo::common
