// Durable writes to the output directory, in one place: an owned file descriptor, write-all,
// fsync of a file and of its directory, atomic replace (tmp + rename) and an append that
// never leaves half a record. Every failure throws StorageError naming the file, the step
// and the system error, and leaves what was durable before untouched: a replace that fails
// removes its tmp file, an append that fails cuts the file back to its previous length.
// A failed fsync is never retried: Linux may drop the unwritten pages and report success
// the second time.
#pragma once

#include <cstddef>
#include <filesystem>
#include <span>
#include <string_view>
#include <utility>

namespace evo::common {

// Owns one file descriptor (or none: -1); closes it on destruction, never throwing.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  bool open() const { return fd_ >= 0; }
  void reset();
  // Closes now; returns 0 or the errno of close() (a write error may surface only here).
  int close();

 private:
  int fd_ = -1;
};

// Opens `path` with open(2) `flags` (O_CLOEXEC added) and `mode`; throws StorageError.
UniqueFd open_file(const std::filesystem::path& path, int flags, unsigned mode = 0644);

// Writes every byte (retrying EINTR and short writes); returns 0 or the errno of the failing
// write (ENOSPC when the device accepts nothing more).
int write_all(int fd, std::span<const std::byte> bytes);
// write_all, throwing StorageError naming `path` on failure.
void write_all_or_throw(int fd, std::span<const std::byte> bytes,
                        const std::filesystem::path& path);

// fsync of `fd` (the file `path`); throws StorageError.
void sync_file(int fd, const std::filesystem::path& path);
// fsync of a directory, so that names created, renamed or removed in it are durable.
// EINVAL (a file system that cannot sync directories) is not an error.
void sync_directory(const std::filesystem::path& directory);
// Creates `directory` and its missing parents; each new entry is made durable.
void create_directories_durably(const std::filesystem::path& directory);

// Replaces `path` by `contents` atomically: writes path.tmp, fsyncs and closes it, renames
// it over `path`, fsyncs the directory. Before the rename any failure removes path.tmp and
// leaves `path` as it was; after it, `path` holds `contents` but may not be durable yet.
void replace_file_durably(const std::filesystem::path& path, std::span<const std::byte> contents);

// Appends `contents` to `path` (created if missing) with one write loop; on failure the file
// is cut back to its previous length, so no partial record stays. Not fsync'd: the callers'
// files (logbook.csv, workers.csv) are rebuilt or continued from checkpoints.
void append_to_file(const std::filesystem::path& path, std::span<const std::byte> contents);

// The bytes of a text, for the calls above.
inline std::span<const std::byte> bytes_of(std::string_view text) {
  return std::as_bytes(std::span(text.data(), text.size()));
}

}  // namespace evo::common
