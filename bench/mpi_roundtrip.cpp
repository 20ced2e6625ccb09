// Reference for scripts/bench.sh: the raw cost of farming out evaluations over MPI with
// nothing of evocluster in between. Rank 0 sends batches of `batch` genomes (dimension
// doubles each, packed in one message, with `in_flight` batches outstanding per worker);
// workers answer with one index and one double per genome, computing nothing. Prints
//   mpi_roundtrip_ns_per_eval: <ns>
//   mpi_roundtrip_evals_per_s: <rate>
// Usage: mpirun -np N mpi_roundtrip [evaluations] [dimension] [batch] [in_flight]
#include <mpi.h>

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

void worker(int dimension, int batch) {
  std::vector<double> genes(static_cast<std::size_t>(dimension * batch) + 1);
  std::vector<double> results(static_cast<std::size_t>(2 * batch));
  for (;;) {
    MPI_Status status;
    MPI_Recv(genes.data(), static_cast<int>(genes.size()), MPI_DOUBLE, 0, MPI_ANY_TAG,
             MPI_COMM_WORLD, &status);
    if (status.MPI_TAG == kTagStop) return;
    int count = 0;
    MPI_Get_count(&status, MPI_DOUBLE, &count);
    const int genomes = (count - 1) / dimension;
    for (int k = 0; k < genomes; ++k) {
      results[static_cast<std::size_t>(2 * k)] = genes[0] + k;  // the task index
      results[static_cast<std::size_t>(2 * k + 1)] =
          genes[static_cast<std::size_t>(1 + k * dimension)];
    }
    MPI_Send(results.data(), 2 * genomes, MPI_DOUBLE, 0, kTagResult, MPI_COMM_WORLD);
  }
}

void master(int ranks, long evaluations, int dimension, int batch, int in_flight) {
  const int workers = ranks - 1;
  std::vector<double> population(
      static_cast<std::size_t>(evaluations) * static_cast<std::size_t>(dimension), 0.5);
  // One send buffer per outstanding batch: index first, then the genes, packed.
  const auto slots = static_cast<std::size_t>(workers * in_flight);
  std::vector<std::vector<double>> buffers(
      slots, std::vector<double>(static_cast<std::size_t>(dimension * batch) + 1));
  std::vector<MPI_Request> requests(slots, MPI_REQUEST_NULL);
  std::vector<double> results(static_cast<std::size_t>(2 * batch));
  long next = 0;
  long received = 0;
  int outstanding = 0;
  auto send = [&](int worker_rank, std::size_t slot) {
    const long count = std::min<long>(batch, evaluations - next);
    MPI_Wait(&requests[slot], MPI_STATUS_IGNORE);
    std::vector<double>& buffer = buffers[slot];
    buffer[0] = static_cast<double>(next);
    std::memcpy(buffer.data() + 1, population.data() + next * dimension,
                static_cast<std::size_t>(count * dimension) * sizeof(double));
    MPI_Isend(buffer.data(), static_cast<int>(1 + count * dimension), MPI_DOUBLE, worker_rank,
              kTagWork, MPI_COMM_WORLD, &requests[slot]);
    next += count;
    ++outstanding;
  };
  const auto start = std::chrono::steady_clock::now();
  for (int round = 0; round < in_flight; ++round) {
    for (int w = 1; w <= workers && next < evaluations; ++w) {
      send(w, static_cast<std::size_t>((w - 1) * in_flight + round));
    }
  }
  std::vector<int> next_slot(static_cast<std::size_t>(ranks), 0);
  while (outstanding > 0) {
    MPI_Status status;
    MPI_Recv(results.data(), static_cast<int>(results.size()), MPI_DOUBLE, MPI_ANY_SOURCE,
             kTagResult, MPI_COMM_WORLD, &status);
    int count = 0;
    MPI_Get_count(&status, MPI_DOUBLE, &count);
    received += count / 2;
    --outstanding;
    if (next < evaluations) {
      const int w = status.MPI_SOURCE;
      int& slot = next_slot[static_cast<std::size_t>(w)];
      slot = (slot + 1) % in_flight;
      send(w, static_cast<std::size_t>((w - 1) * in_flight + slot));
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (auto& request : requests) MPI_Wait(&request, MPI_STATUS_IGNORE);
  double stop = 0;
  for (int w = 1; w <= workers; ++w) MPI_Send(&stop, 1, MPI_DOUBLE, w, kTagStop, MPI_COMM_WORLD);
  std::printf("mpi_roundtrip_ns_per_eval: %.1f\n", seconds * 1e9 / static_cast<double>(received));
  std::printf("mpi_roundtrip_evals_per_s: %.0f\n", static_cast<double>(received) / seconds);
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0;
  int ranks = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  const long evaluations = argc > 1 ? std::atol(argv[1]) : 1000000;
  const int dimension = argc > 2 ? std::atoi(argv[2]) : 10;
  const int batch = argc > 3 ? std::atoi(argv[3]) : 64;
  const int in_flight = argc > 4 ? std::atoi(argv[4]) : 2;
  if (ranks < 2) {
    std::fprintf(stderr, "mpi_roundtrip needs at least 2 ranks\n");
    MPI_Finalize();
    return 2;
  }
  if (rank == 0) {
    master(ranks, evaluations, dimension, batch, in_flight);
  } else {
    worker(dimension, batch);
  }
  MPI_Finalize();
  return 0;
}
