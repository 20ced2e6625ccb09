#include "common/directory_lock.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>

#include "common/error.hpp"

namespace evo::common {

DirectoryLock::DirectoryLock(const std::filesystem::path& directory, double wait_seconds) {
  const std::filesystem::path file = directory / ".evocluster.lock";
  fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    throw ConfigError(fmt::format("run.output: cannot create lock file '{}': {}", file.string(),
                                  std::strerror(errno)));
  }
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::duration<double>(wait_seconds);
  bool announced = false;
  while (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    std::array<char, 32> holder{};
    [[maybe_unused]] const ssize_t got = ::pread(fd_, holder.data(), holder.size() - 1, 0);
    if (std::chrono::steady_clock::now() >= deadline) {
      ::close(fd_);
      throw Error(
          fmt::format("output directory {} is in use by another evocluster run (pid {}); "
                      "waited {:.0f} s",
                      directory.string(), holder.data(), wait_seconds));
    }
    if (!announced) {
      spdlog::warn(
          "output directory {} is locked by pid {} (a previous launch still exiting?); "
          "waiting up to {:.0f} s",
          directory.string(), holder.data(), wait_seconds);
      announced = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd_, 0) == 0) {
    [[maybe_unused]] const ssize_t put = ::pwrite(fd_, pid.data(), pid.size(), 0);
  }
}

DirectoryLock::~DirectoryLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

}  // namespace evo::common
