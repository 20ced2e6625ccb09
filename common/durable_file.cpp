// Durable writes: the one implementation of write-all, fsync and atomic replace that the
// logbook, the checkpoint store and the evaluation journal share.
#include "common/durable_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>
#include <vector>

#include "common/error.hpp"

namespace evo::common {
namespace {

[[noreturn]] void fail(std::string_view step, const std::filesystem::path& path, int error) {
  throw StorageError(fmt::format("{}: {}: {}", path.string(), step, std::strerror(error)), error);
}

std::filesystem::path directory_of(const std::filesystem::path& path) {
  return path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
}

}  // namespace

void UniqueFd::reset() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

int UniqueFd::close() {
  const int fd = std::exchange(fd_, -1);
  if (fd < 0) return 0;
  // Linux releases the descriptor even when close() fails: never close it twice.
  return ::close(fd) == 0 ? 0 : errno;
}

UniqueFd open_file(const std::filesystem::path& path, int flags, unsigned mode) {
  UniqueFd fd(::open(path.c_str(), flags | O_CLOEXEC, static_cast<mode_t>(mode)));
  if (!fd.open()) fail("open", path, errno);
  return fd;
}

int write_all(int fd, std::span<const std::byte> bytes) {
  while (!bytes.empty()) {
    const ssize_t put = ::write(fd, bytes.data(), bytes.size());
    if (put < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (put == 0) return ENOSPC;  // no progress: a full device rather than a spin
    bytes = bytes.subspan(static_cast<std::size_t>(put));
  }
  return 0;
}

void write_all_or_throw(int fd, std::span<const std::byte> bytes,
                        const std::filesystem::path& path) {
  if (const int error = write_all(fd, bytes); error != 0) fail("write", path, error);
}

void sync_file(int fd, const std::filesystem::path& path) {
  if (::fsync(fd) != 0) fail("fsync", path, errno);
}

void sync_directory(const std::filesystem::path& directory) {
  UniqueFd fd(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.open()) fail("open directory to fsync it", directory, errno);
  if (::fsync(fd.get()) != 0 && errno != EINVAL) fail("fsync directory", directory, errno);
}

void create_directories_durably(const std::filesystem::path& directory) {
  std::vector<std::filesystem::path> missing;
  std::error_code error;
  for (std::filesystem::path p = directory; !p.empty(); p = p.parent_path()) {
    if (std::filesystem::exists(p, error)) break;
    missing.push_back(p);
    if (p == p.parent_path()) break;
  }
  if (missing.empty()) return;
  std::filesystem::create_directories(directory, error);
  if (error) fail("create directory", directory, error.value());
  for (const std::filesystem::path& created : missing) sync_directory(directory_of(created));
}

void replace_file_durably(const std::filesystem::path& path, std::span<const std::byte> contents) {
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  // Every failure before the rename: no tmp file stays behind, `path` is untouched.
  const auto fail_and_remove_tmp = [&](std::string_view step, int error) {
    ::unlink(tmp.c_str());
    fail(step, tmp, error);
  };
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd.open()) fail_and_remove_tmp("open for writing", errno);
  if (const int error = write_all(fd.get(), contents); error != 0) {
    fail_and_remove_tmp("write", error);
  }
  if (::fsync(fd.get()) != 0) fail_and_remove_tmp("fsync", errno);
  if (const int error = fd.close(); error != 0) fail_and_remove_tmp("close", error);
  if (::rename(tmp.c_str(), path.c_str()) != 0) fail_and_remove_tmp("rename into place", errno);
  sync_directory(directory_of(path));
}

void append_to_file(const std::filesystem::path& path, std::span<const std::byte> contents) {
  UniqueFd fd = open_file(path, O_WRONLY | O_CREAT | O_APPEND);
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) fail("stat", path, errno);
  const int error = write_all(fd.get(), contents);
  if (error != 0) {
    // Half a row would be read as a row: cut back to what was there.
    if (::ftruncate(fd.get(), info.st_size) != 0) {
      fail(
          fmt::format("append, then cut back to {} bytes ({})", info.st_size, std::strerror(errno)),
          path, error);
    }
    fail("append", path, error);
  }
  if (const int close_error = fd.close(); close_error != 0) fail("close", path, close_error);
}

}  // namespace evo::common
