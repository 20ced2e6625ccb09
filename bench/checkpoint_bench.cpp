// Checkpoint benchmark: how long writing and resuming a checkpoint takes for 10,000 x 100
// and 100,000 x 100 genomes, against the raw sequential write speed of the same disk,
// measured in the same run (target: a checkpoint writes at >= 50% of raw speed).
//
//   checkpoint_bench [DIR]   DIR: where to write (default: the current directory, not /tmp,
//                            which may be tmpfs); a fresh sub-directory is made there and
//                            removed again, with everything written in it.
//
// Each figure is the median of kRepeats runs; prints one `name: value unit` line per
// figure (MB = 10^6 bytes), and `# ...` notes.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "common/checkpoint.hpp"
#include "common/logbook.hpp"
#include "common/population.hpp"
#include "common/rng.hpp"

namespace {

namespace fs = std::filesystem;
using evo::common::CheckpointState;
using evo::common::LogRecord;
using evo::common::Population;
using evo::common::Rng;

constexpr int kRepeats = 3;
constexpr std::size_t kDimension = 100;
constexpr std::size_t kObjectives = 1;
constexpr std::size_t kHallOfFame = 10;
constexpr std::size_t kLogbookRows = 1000;
constexpr int kRanks = 8;
constexpr std::size_t kConfigBytes = 4096;
constexpr double kTargetRatio = 0.5;
constexpr double kBytesPerMb = 1e6;

[[noreturn]] void fail_errno(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

// Owns a directory made for this run and removes it, with its contents, at the end.
class ScratchDirectory {
 public:
  explicit ScratchDirectory(const fs::path& parent) {
    std::string name = (parent / "evo-checkpoint-bench.XXXXXX").string();
    if (::mkdtemp(name.data()) == nullptr) fail_errno("create a directory in " + parent.string());
    path_ = name;
  }
  ScratchDirectory(const ScratchDirectory&) = delete;
  ScratchDirectory& operator=(const ScratchDirectory&) = delete;
  ~ScratchDirectory() {
    std::error_code error;
    fs::remove_all(path_, error);
    if (error)
      std::fprintf(stderr, "cannot remove %s: %s\n", path_.c_str(), error.message().c_str());
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// Removes `path` and lets the file system settle (journal commit, discards), so that
// freeing one run's blocks is not billed to the next run.
void remove_and_settle(const fs::path& path) {
  fs::remove(path);
  const int fd = ::open(path.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) fail_errno("open " + path.parent_path().string());
  ::syncfs(fd);
  ::close(fd);
}

// The baseline: what the disk does for the same bytes with the same durability (write,
// fsync), without HDF5, hashing or framing.
void write_raw(const fs::path& path, std::span<const unsigned char> bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail_errno("open " + path.string());
  while (!bytes.empty()) {
    const ssize_t put = ::write(fd, bytes.data(), bytes.size());
    if (put < 0) {
      if (errno == EINTR) continue;
      fail_errno("write " + path.string());
    }
    bytes = bytes.subspan(static_cast<std::size_t>(put));
  }
  if (::fsync(fd) != 0) fail_errno("fsync " + path.string());
  if (::close(fd) != 0) fail_errno("close " + path.string());
}

Population random_population(std::size_t count, Rng& rng) {
  Population population(count, kDimension, kObjectives);
  for (double& gene : population.genes) gene = rng.uniform(-5.12, 5.12);
  for (double& fitness : population.fitness) fitness = rng.uniform(0.0, 1000.0);
  return population;
}

std::string config_text() {
  std::string text =
      "[run]\nseed = 1\ngenerations = 100\njobs = 1\noutput = \"runs/bench\"\n\n"
      "[problem]\nname = \"rastrigin\"\ndimension = 100\n\n"
      "[algorithm]\nname = \"simple\"\npopulation = 10000\n\n"
      "[checkpoint]\nevery_generations = 10\nkeep = 3\n\n[bench]\n";
  for (int key = 0; text.size() < kConfigBytes; ++key) {
    text += "padding_key_" + std::to_string(key) + " = \"a few kilobytes of configuration\"\n";
  }
  return text;
}

CheckpointState random_state(std::size_t individuals) {
  Rng rng = Rng::for_master(/*seed=*/individuals, /*job=*/0);
  CheckpointState state;
  state.generation = 1000;
  state.ranks = kRanks;
  state.seed = individuals;
  state.config_hash = rng.next_u64();
  state.config_text = config_text();
  state.evaluations = static_cast<std::int64_t>(individuals) * 1000;
  state.created_utc = "2024-01-01T00:00:00Z";
  state.software_version = "checkpoint_bench";
  state.ranks_history = {kRanks};
  state.trigger = "generations";
  state.population = random_population(individuals, rng);
  state.hall_of_fame = random_population(kHallOfFame, rng);
  for (std::size_t gen = 0; gen < kLogbookRows; ++gen) {
    LogRecord row;
    row.gen = static_cast<std::int64_t>(gen);
    row.evals = static_cast<std::int64_t>(individuals);
    row.min = rng.uniform01();
    row.avg = row.min + rng.uniform01();
    row.max = row.avg + rng.uniform01();
    row.std = rng.uniform01();
    row.wall_s = rng.uniform01();
    row.evals_per_s = rng.uniform(1e3, 1e6);
    state.logbook.rows.push_back(row);
  }
  for (int rank = 0; rank < kRanks; ++rank) {
    state.rng.push_back(rank == 0 ? rng.state() : Rng::for_worker(state.seed, 0, rank).state());
  }
  state.algorithm.name = "simple";
  return state;
}

template <class F>
double seconds(F&& run) {
  const auto start = std::chrono::steady_clock::now();
  std::forward<F>(run)();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

void print(const std::string& name, double value, const char* unit, int decimals) {
  std::printf("%s: %.*f %s\n", name.c_str(), decimals, value, unit);
  std::fflush(stdout);
}

// Returns checkpoint MB/s / raw MB/s for this size.
double bench_size(const fs::path& directory, std::size_t individuals) {
  const std::string label = std::to_string(individuals) + "x" + std::to_string(kDimension);
  const CheckpointState state = random_state(individuals);
  const fs::path checkpoint = directory / ("ckpt-" + label + ".h5");
  const fs::path raw = directory / ("raw-" + label + ".bin");

  // Untimed warm-up: learns the file size, and takes first-use costs (HDF5 start-up,
  // allocator growth, first touch of the raw buffer) out of the measurements.
  evo::common::write_checkpoint(checkpoint, state);
  const auto bytes = static_cast<std::size_t>(fs::file_size(checkpoint));
  remove_and_settle(checkpoint);
  std::vector<unsigned char> raw_bytes(bytes);
  Rng fill = Rng::for_master(bytes, 1);
  for (std::size_t i = 0; i < bytes; i += 8) {
    const std::uint64_t word = fill.next_u64();
    std::memcpy(raw_bytes.data() + i, &word, std::min<std::size_t>(8, bytes - i));
  }
  write_raw(raw, raw_bytes);
  remove_and_settle(raw);

  // Interleaved, so that drift in the disk's speed affects both alike.
  std::vector<double> raw_s;
  std::vector<double> write_s;
  std::vector<double> read_s;
  for (int repeat = 0; repeat < kRepeats; ++repeat) {
    raw_s.push_back(seconds([&] { write_raw(raw, raw_bytes); }));
    remove_and_settle(raw);
    write_s.push_back(seconds([&] { evo::common::write_checkpoint(checkpoint, state); }));
    CheckpointState resumed;
    read_s.push_back(seconds([&] { resumed = evo::common::read_checkpoint(checkpoint); }));
    if (resumed.population.genes != state.population.genes) {
      throw std::runtime_error(checkpoint.string() + ": read back different genes");
    }
    remove_and_settle(checkpoint);
  }

  const double mb = static_cast<double>(bytes) / kBytesPerMb;
  const double raw_time = median(raw_s);
  const double write_time = median(write_s);
  const double read_time = median(read_s);
  const double ratio = raw_time / write_time;  // same bytes, so the ratio of the speeds
  print("checkpoint_size_" + label, mb, "MB", 1);
  print("raw_write_" + label + "_s", raw_time, "s", 3);
  print("raw_write_" + label + "_mb_per_s", mb / raw_time, "MB/s", 0);
  print("checkpoint_write_" + label + "_s", write_time, "s", 3);
  print("checkpoint_write_" + label + "_mb_per_s", mb / write_time, "MB/s", 0);
  print("checkpoint_write_vs_raw_" + label, ratio, "ratio", 2);
  print("resume_read_" + label + "_s", read_time, "s", 3);
  print("resume_read_" + label + "_mb_per_s", mb / read_time, "MB/s", 0);
  return ratio;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 2 ||
      (argc == 2 && (std::strcmp(argv[1], "-h") == 0 || std::strcmp(argv[1], "--help") == 0))) {
    std::fprintf(stderr, "usage: %s [DIR]   (default DIR: the current directory)\n", argv[0]);
    return argc > 2 ? 2 : 0;
  }
  try {
    const fs::path parent = argc == 2 ? fs::path(argv[1]) : fs::current_path();
    const ScratchDirectory scratch(parent);
    std::printf("# checkpoint benchmark in %s: median of %d runs, MB = 10^6 bytes\n",
                scratch.path().c_str(), kRepeats);
    std::printf("# raw write = open, write, fsync, close of the same number of bytes;\n");
    std::printf("# checkpoint write = write_checkpoint (build in memory, hash, write, fsync,\n");
    std::printf("#   rename, fsync directory)\n");
    std::printf(
        "# resume read = read_checkpoint (read, verify checksum, parse); the file comes from\n"
        "#   the page cache (dropping it needs root), so this is the CPU cost of a resume\n");
    std::fflush(stdout);
    bool met = true;
    for (const std::size_t individuals : {std::size_t{10'000}, std::size_t{100'000}}) {
      met = bench_size(scratch.path(), individuals) >= kTargetRatio && met;
    }
    std::printf("target_write_vs_raw_ge_0.5: %s\n", met ? "met" : "NOT met");
    return 0;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "checkpoint_bench: %s\n", error.what());
    return 1;
  }
}
