// libFuzzer harness: any bytes as the HDF5 file behind a checkpoint's integrity header.
// The harness reseals the input with a valid header (as anyone can: the XXH3 checksum is
// unkeyed), so every input passes the checksum and reaches HDF5 parsing and the reader —
// what stands between a hostile file and the run. verify_checkpoint never throws;
// read_checkpoint returns a state or throws CheckpointError. The seed corpus holds the
// HDF5 part of real checkpoints (their first 512 bytes, the header, cut off).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "common/checkpoint.hpp"
#include "common/error.hpp"
#include "tests/fuzz/checkpoint_seal.hpp"

namespace {
const std::filesystem::path& scratch_file() {
  static const std::filesystem::path path = [] {
    const std::filesystem::path dir =
        std::filesystem::exists("/dev/shm") ? "/dev/shm" : std::filesystem::temp_directory_path();
    return dir / ("evo-checkpoint-fuzz-" + std::to_string(getpid()) + ".h5");
  }();
  return path;
}
struct RemoveAtExit {
  ~RemoveAtExit() { std::filesystem::remove(scratch_file()); }
} remove_at_exit;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::vector<unsigned char> file =
      evo::fuzz::sealed_checkpoint(std::span<const unsigned char>(data, size));
  std::FILE* out = std::fopen(scratch_file().c_str(), "wb");
  if (out == nullptr) __builtin_trap();
  if (std::fwrite(file.data(), 1, file.size(), out) != file.size()) __builtin_trap();
  std::fclose(out);
  (void)evo::common::verify_checkpoint(scratch_file());
  try {
    (void)evo::common::read_checkpoint(scratch_file());
  } catch (const evo::common::CheckpointError&) {
    // Refused with a message naming the file.
  }
  return 0;
}
