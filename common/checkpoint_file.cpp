#include "common/checkpoint_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstddef>
#include <string_view>
#include <utility>

#include "common/checkpoint_failure.hpp"
#include "common/crash_points.hpp"

namespace evo::common {
namespace {

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  // Returns 0 or the errno of close().
  int close() {
    const int fd = std::exchange(fd_, -1);
    return ::close(fd) == 0 ? 0 : errno;
  }

 private:
  int fd_;
};

// Returns 0 or the errno of the failing write().
int write_fully(int fd, std::span<const unsigned char> bytes) {
  while (!bytes.empty()) {
    const ssize_t put = ::write(fd, bytes.data(), bytes.size());
    if (put < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (put == 0) return ENOSPC;  // no progress: treat as a full device rather than spin
    bytes = bytes.subspan(static_cast<std::size_t>(put));
  }
  return 0;
}

}  // namespace

std::vector<unsigned char> read_checkpoint_file(const std::filesystem::path& path,
                                                const std::string& file) {
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (fd.get() < 0) fail_checkpoint_errno(file, "open", errno);
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) fail_checkpoint_errno(file, "stat", errno);
  if (!S_ISREG(info.st_mode)) fail_checkpoint(file, "not a regular file");
  // One read loop straight into a buffer of the size fstat gave (each fresh page costs
  // a fault, so no intermediate buffer); a file that shrinks or grows meanwhile is read
  // to its end all the same, and the integrity check judges what was read.
  std::vector<unsigned char> bytes(static_cast<std::size_t>(info.st_size));
  std::size_t filled = 0;
  auto read_some = [&](unsigned char* into, std::size_t room) -> std::size_t {
    for (;;) {
      const ssize_t got = ::read(fd.get(), into, room);
      if (got >= 0) return static_cast<std::size_t>(got);
      if (errno != EINTR) fail_checkpoint_errno(file, "read", errno);
    }
  };
  while (filled < bytes.size()) {
    const std::size_t got = read_some(bytes.data() + filled, bytes.size() - filled);
    if (got == 0) break;
    filled += got;
  }
  bytes.resize(filled);
  if (filled == static_cast<std::size_t>(info.st_size)) {
    std::array<unsigned char, 4096> chunk{};
    for (;;) {
      const std::size_t got = read_some(chunk.data(), chunk.size());
      if (got == 0) break;
      bytes.insert(bytes.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(got));
    }
  }
  return bytes;
}

void commit_checkpoint_image(const std::filesystem::path& path,
                             std::span<const unsigned char> image, const std::string& file) {
  const std::string tmp = path.string() + ".tmp";
  auto fail_and_remove_tmp = [&](std::string_view step, int error) {
    ::unlink(tmp.c_str());
    fail_checkpoint_errno(file, fmt::format("{} {}", step, tmp), error);
  };
  FileDescriptor fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (fd.get() < 0) fail_and_remove_tmp("open for writing", errno);
  crash_point("tmp_open");
  const std::size_t half = image.size() / 2;
  if (const int error = write_fully(fd.get(), image.first(half)); error != 0) {
    fail_and_remove_tmp("write", error);
  }
  crash_point("tmp_partial");
  if (const int error = write_fully(fd.get(), image.subspan(half)); error != 0) {
    fail_and_remove_tmp("write", error);
  }
  crash_point("tmp_written");
  // No retry: after a failed fsync the kernel may have dropped the dirty pages, and a
  // second fsync would report success for data that never reached the disk.
  if (::fsync(fd.get()) != 0) fail_and_remove_tmp("fsync", errno);
  if (const int error = fd.close(); error != 0) fail_and_remove_tmp("close", error);
  crash_point("tmp_synced");
  if (::rename(tmp.c_str(), path.c_str()) != 0) fail_and_remove_tmp("rename", errno);
  crash_point("renamed");

  std::filesystem::path directory = path.parent_path();
  if (directory.empty()) directory = ".";
  FileDescriptor dir(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() < 0) {
    fail_checkpoint_errno(
        file,
        fmt::format("open directory {} to fsync it (checkpoint renamed into place, "
                    "durability not confirmed)",
                    directory.string()),
        errno);
  }
  // EINVAL: the file system cannot sync directories at all; nothing more can be done.
  if (::fsync(dir.get()) != 0 && errno != EINVAL) {
    fail_checkpoint_errno(file,
                          fmt::format("fsync directory {} (checkpoint renamed into place, "
                                      "durability not confirmed)",
                                      directory.string()),
                          errno);
  }
}

}  // namespace evo::common
