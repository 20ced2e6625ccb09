// libFuzzer harness: any bytes as the evaluation journal of a fixed generation (job 0,
// generation 3, 8 candidates of 3 genes and 2 objectives), recovered as a relaunch would.
// recover() never throws and fills only unevaluated members; the seed corpus holds a real
// journal of these candidates (tests/fuzz/make_fuzz_seeds.cpp) so mutations reach the
// records behind the header.
#include <cstddef>
#include <cstdint>
#include <filesystem>

#include "common/evaluation_journal.hpp"
#include "common/population.hpp"
#include "tests/fuzz/journal_candidates.hpp"
#include "tests/fuzz/scratch_file.hpp"

namespace {
const std::filesystem::path& scratch_path() {
  static const std::filesystem::path path = evo::fuzz::scratch_name("journal", ".bin");
  return path;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const evo::fuzz::ScratchFile scratch(scratch_path(), data, size);
  evo::common::Population candidates = evo::fuzz::journal_candidates();
  const std::size_t filled =
      evo::common::EvaluationJournal::recover(scratch.path(), 0, 3, candidates);
  if (filled > candidates.size()) __builtin_trap();
  return 0;
}
