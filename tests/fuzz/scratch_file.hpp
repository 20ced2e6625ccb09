// A harness's scratch file for one input: the bytes are written to a per-process name (in
// /dev/shm when it exists, else the temporary directory) and the file is unlinked when the
// ScratchFile goes out of scope, so a campaign of millions of inputs leaves nothing behind —
// not even after a harness exits through libFuzzer's _exit (timeout, -max_total_time),
// which skips static destructors. Only a crash inside the parse itself can leave the file;
// scripts/fuzz.sh removes it then by the harness's process id (scratch_name).
#pragma once
#include <unistd.h>

#include <cstddef>
#include <cstdio>
#include <filesystem>
#include <string>
#include <system_error>

namespace evo::fuzz {

// evo-<stem>-fuzz-<pid><extension>: the name scripts/fuzz.sh cleans up after a crash.
inline std::filesystem::path scratch_name(const std::string& stem, const std::string& extension) {
  std::error_code error;
  const std::filesystem::path dir = std::filesystem::is_directory("/dev/shm", error)
                                        ? std::filesystem::path("/dev/shm")
                                        : std::filesystem::temp_directory_path();
  return dir / ("evo-" + stem + "-fuzz-" + std::to_string(getpid()) + extension);
}

class ScratchFile {
 public:
  // Writes `size` bytes from `data`; traps (a harness failure, not an input's) if it cannot.
  ScratchFile(const std::filesystem::path& path, const void* data, std::size_t size) : path_(path) {
    std::FILE* out = std::fopen(path_.c_str(), "wb");
    if (out == nullptr) __builtin_trap();
    if (size > 0 && std::fwrite(data, 1, size, out) != size) __builtin_trap();
    if (std::fclose(out) != 0) __builtin_trap();
  }
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;
  ~ScratchFile() { ::unlink(path_.c_str()); }

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace evo::fuzz
