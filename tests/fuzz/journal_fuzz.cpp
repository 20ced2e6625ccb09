// libFuzzer harness: any bytes as the evaluation journal of a fixed generation (job 0,
// generation 3, 8 candidates of 3 genes and 2 objectives), recovered as a relaunch would.
// recover() never throws and fills only unevaluated members; the seed corpus holds a real
// journal of these candidates (tests/fuzz/make_fuzz_seeds.cpp) so mutations reach the
// records behind the header.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>

#include "common/evaluation_journal.hpp"
#include "common/population.hpp"
#include "tests/fuzz/journal_candidates.hpp"

namespace {
// One scratch file per process, in memory when /dev/shm exists.
const std::filesystem::path& scratch_file() {
  static const std::filesystem::path path = [] {
    const std::filesystem::path dir =
        std::filesystem::exists("/dev/shm") ? "/dev/shm" : std::filesystem::temp_directory_path();
    return dir / ("evo-journal-fuzz-" + std::to_string(getpid()) + ".bin");
  }();
  return path;
}
struct RemoveAtExit {
  ~RemoveAtExit() { std::filesystem::remove(scratch_file()); }
} remove_at_exit;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::FILE* file = std::fopen(scratch_file().c_str(), "wb");
  if (file == nullptr) __builtin_trap();
  if (size > 0 && std::fwrite(data, 1, size, file) != size) __builtin_trap();
  std::fclose(file);
  evo::common::Population candidates = evo::fuzz::journal_candidates();
  const std::size_t filled =
      evo::common::EvaluationJournal::recover(scratch_file(), 0, 3, candidates);
  if (filled > candidates.size()) __builtin_trap();
  return 0;
}
