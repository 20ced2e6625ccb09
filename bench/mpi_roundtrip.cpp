// Reference for scripts/bench.sh: the raw cost of farming out evaluations over MPI with
// nothing of evocluster in between. Rank 0 sends batches of `batch` genomes (packed in one
// message, `in_flight` batches outstanding per worker) and stores each returned fitness by
// task index; workers compute nothing and answer at once. The messages carry what
// evocluster's do (common/messages.cpp), in the classic packed layout, so the comparison
// is like for like:
//   task:   40-byte header, then per task an 8-byte index and `dimension` doubles
//           (evocluster sends runs of consecutive indices instead of one index per task,
//           and the genes of a block of members, gaps included: about as many bytes);
//   result: 112-byte header (counts, busy time and the worker's 8-word RNG state), then per
//           task an 8-byte index, `objectives` doubles and a 1-byte status (the same).
// Prints
//   mpi_roundtrip_ns_per_eval: <ns>
//   mpi_roundtrip_evals_per_s: <rate>
//   mpi_roundtrip_bytes_per_eval: <task bytes> out, <result bytes> back
// With `rounds` > 1, the evaluations are sent `rounds` times over, each round drained before
// the next starts (as a generation barrier does), and the first round (cold buffers) is
// left out of the figures.
// Usage: mpirun -np N mpi_roundtrip [evaluations] [dimension] [batch] [in_flight] [objectives]
//                                   [rounds]
#include <mpi.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

constexpr int kTagWork = 1;
constexpr int kTagResult = 2;
constexpr int kTagStop = 3;
constexpr std::size_t kTaskHeader = 5 * 8;
constexpr std::size_t kResultHeader = (6 + 8) * 8;

struct Shape {
  std::size_t dimension;
  std::size_t objectives;
  std::size_t task_bytes(std::size_t count) const {
    return kTaskHeader + count * (8 + dimension * 8);
  }
  std::size_t result_bytes(std::size_t count) const {
    return kResultHeader + count * (8 + objectives * 8 + 1);
  }
};

void worker(const Shape& shape, std::size_t batch) {
  std::vector<std::byte> tasks(shape.task_bytes(batch));
  std::vector<std::byte> results(shape.result_bytes(batch));
  for (;;) {
    MPI_Status status;
    MPI_Recv(tasks.data(), static_cast<int>(tasks.size()), MPI_BYTE, 0, MPI_ANY_TAG, MPI_COMM_WORLD,
             &status);
    if (status.MPI_TAG == kTagStop) return;
    std::uint64_t count = 0;
    std::memcpy(&count, tasks.data() + 32, sizeof count);
    std::memcpy(results.data() + 16, &count, sizeof count);
    std::byte* indices = results.data() + kResultHeader;
    std::byte* fitness = indices + count * 8;
    std::byte* statuses = fitness + count * shape.objectives * 8;
    const std::byte* genes = tasks.data() + kTaskHeader + count * 8;
    std::memcpy(indices, tasks.data() + kTaskHeader, count * 8);
    for (std::size_t k = 0; k < count; ++k) {
      for (std::size_t o = 0; o < shape.objectives; ++o) {
        std::memcpy(fitness + (k * shape.objectives + o) * 8, genes + k * shape.dimension * 8, 8);
      }
    }
    std::memset(statuses, 0, count);
    MPI_Send(results.data(), static_cast<int>(shape.result_bytes(count)), MPI_BYTE, 0, kTagResult,
             MPI_COMM_WORLD);
  }
}

void master(int ranks, long evaluations, const Shape& shape, std::size_t batch, int in_flight,
            int rounds) {
  const int workers = ranks - 1;
  const auto total = static_cast<std::size_t>(evaluations);
  std::vector<double> genes(total * shape.dimension, 0.5);
  std::vector<double> fitness(total * shape.objectives, 0.0);
  // One send buffer per outstanding batch: header, indices, genes, packed.
  const auto slots = static_cast<std::size_t>(workers * in_flight);
  std::vector<std::vector<std::byte>> buffers(slots,
                                              std::vector<std::byte>(shape.task_bytes(batch)));
  std::vector<MPI_Request> requests(slots, MPI_REQUEST_NULL);
  std::vector<std::byte> results(shape.result_bytes(batch));
  std::size_t next = 0;
  long received = 0;
  int outstanding = 0;
  std::vector<int> next_slot(static_cast<std::size_t>(ranks), 0);
  // Each worker's buffers are used in turn; a send waits for its buffer's previous send.
  auto send = [&](int worker_rank) {
    int& turn = next_slot[static_cast<std::size_t>(worker_rank)];
    turn = (turn + 1) % in_flight;
    const auto slot = static_cast<std::size_t>((worker_rank - 1) * in_flight + turn);
    const std::size_t count = std::min(batch, total - next);
    MPI_Wait(&requests[slot], MPI_STATUS_IGNORE);
    std::byte* buffer = buffers[slot].data();
    const std::array<std::uint64_t, 5> header = {0x314b5341544f5645ULL, 0, 0, shape.dimension,
                                                 count};
    std::memcpy(buffer, header.data(), sizeof header);
    for (std::size_t k = 0; k < count; ++k) {
      const std::uint64_t index = next + k;
      std::memcpy(buffer + kTaskHeader + k * 8, &index, 8);
    }
    std::memcpy(buffer + kTaskHeader + count * 8, genes.data() + next * shape.dimension,
                count * shape.dimension * sizeof(double));
    MPI_Isend(buffer, static_cast<int>(shape.task_bytes(count)), MPI_BYTE, worker_rank, kTagWork,
              MPI_COMM_WORLD, &requests[slot]);
    next += count;
    ++outstanding;
  };
  auto start = std::chrono::steady_clock::now();
  for (int generation = 0; generation < rounds; ++generation) {
    if (generation == 1) {
      start = std::chrono::steady_clock::now();
      received = 0;
    }
    next = 0;
    for (int round = 0; round < in_flight; ++round) {
      for (int w = 1; w <= workers && next < total; ++w) {
        send(w);
      }
    }
    while (outstanding > 0) {
      MPI_Status status;
      MPI_Recv(results.data(), static_cast<int>(results.size()), MPI_BYTE, MPI_ANY_SOURCE,
               kTagResult, MPI_COMM_WORLD, &status);
      std::uint64_t count = 0;
      std::memcpy(&count, results.data() + 16, sizeof count);
      // Stored by task index, as evocluster does.
      const std::byte* indices = results.data() + kResultHeader;
      const std::byte* values = indices + count * 8;
      for (std::size_t k = 0; k < count; ++k) {
        std::uint64_t index = 0;
        std::memcpy(&index, indices + k * 8, 8);
        std::memcpy(fitness.data() + index * shape.objectives, values + k * shape.objectives * 8,
                    shape.objectives * 8);
      }
      received += static_cast<long>(count);
      --outstanding;
      if (next < total) {
        const int w = status.MPI_SOURCE;
        send(w);
      }
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (auto& request : requests) MPI_Wait(&request, MPI_STATUS_IGNORE);
  for (int w = 1; w <= workers; ++w) MPI_Send(nullptr, 0, MPI_BYTE, w, kTagStop, MPI_COMM_WORLD);
  std::printf("mpi_roundtrip_ns_per_eval: %.1f\n", seconds * 1e9 / static_cast<double>(received));
  std::printf("mpi_roundtrip_evals_per_s: %.0f\n", static_cast<double>(received) / seconds);
  std::printf("mpi_roundtrip_bytes_per_eval: %zu out, %zu back (+ %zu and %zu per message)\n",
              8 + shape.dimension * 8, 8 + shape.objectives * 8 + 1, kTaskHeader, kResultHeader);
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0;
  int ranks = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  const long evaluations = argc > 1 ? std::atol(argv[1]) : 1000000;
  const Shape shape{argc > 2 ? static_cast<std::size_t>(std::atol(argv[2])) : 10,
                    argc > 5 ? static_cast<std::size_t>(std::atol(argv[5])) : 1};
  const auto batch = static_cast<std::size_t>(argc > 3 ? std::atol(argv[3]) : 64);
  const int in_flight = argc > 4 ? std::atoi(argv[4]) : 2;
  const int rounds = argc > 6 ? std::atoi(argv[6]) : 1;
  if (ranks < 2 || evaluations < 1 || batch < 1 || in_flight < 1 || shape.objectives < 1 ||
      rounds < 1) {
    std::fprintf(stderr,
                 "usage: mpirun -np N (N >= 2) mpi_roundtrip [evaluations >= 1] [dimension] "
                 "[batch >= 1] [in_flight >= 1] [objectives >= 1] [rounds >= 1]\n");
    MPI_Finalize();
    return 2;
  }
  if (rank == 0) {
    master(ranks, evaluations, shape, batch, in_flight, rounds);
  } else {
    worker(shape, batch);
  }
  MPI_Finalize();
  return 0;
}
