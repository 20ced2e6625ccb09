// libFuzzer harness: any bytes as the HDF5 file behind a checkpoint's integrity header.
// The harness reseals the input with a valid header (as anyone can: the XXH3 checksum is
// unkeyed), so every input passes the checksum and reaches HDF5 parsing and the reader —
// what stands between a hostile file and the run. verify_checkpoint never throws;
// read_checkpoint returns a state or throws CheckpointError. The seed corpus holds the
// HDF5 part of real checkpoints (their first 512 bytes, the header, cut off).
//
// By default HDF5 parses each input in a child process first, exactly as every command
// does (common/isolated_parse.hpp), so what is fuzzed is what a user runs: HDF5's own faults
// on hostile files are contained and refused, and a fault left in our code is a crash. With
// EVO_FUZZ_IN_PROCESS=1 (scripts/fuzz.sh --in-process) HDF5 parses in the harness itself:
// libFuzzer then sees HDF5's coverage and ASan its faults, which is how the global-heap
// faults of HDF5 1.10.8 that the isolation contains were found.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <span>
#include <string_view>
#include <vector>

#include "common/checkpoint.hpp"
#include "common/error.hpp"
#include "tests/fuzz/checkpoint_seal.hpp"
#include "tests/fuzz/scratch_file.hpp"

namespace {
const std::filesystem::path& scratch_path() {
  static const std::filesystem::path path = evo::fuzz::scratch_name("checkpoint", ".h5");
  return path;
}
}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* in_process = std::getenv("EVO_FUZZ_IN_PROCESS");
  if (in_process != nullptr && std::string_view(in_process) == "1") {
    evo::common::set_checkpoint_parse_isolation(false);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::vector<unsigned char> file =
      evo::fuzz::sealed_checkpoint(std::span<const unsigned char>(data, size));
  const evo::fuzz::ScratchFile scratch(scratch_path(), file.data(), file.size());
  (void)evo::common::verify_checkpoint(scratch.path());
  try {
    (void)evo::common::read_checkpoint(scratch.path());
  } catch (const evo::common::CheckpointError&) {
    // Refused with a message naming the file.
  }
  return 0;
}
