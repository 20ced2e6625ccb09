// One run per output directory at a time. A restarted job can overlap with ranks of the
// killed launch that have not died yet (Open MPI takes up to ~2 s to reap orphaned ranks):
// two masters writing the same checkpoints would be a disaster. The lock is an flock on
// OUT/.evocluster.lock, released by the kernel whenever the holder dies, kill -9 included.
#pragma once

#include <filesystem>

namespace evo::common {

class DirectoryLock {
 public:
  // Waits up to `wait_seconds` for another holder to go away; then throws Error naming the
  // directory and the holder's pid.
  DirectoryLock(const std::filesystem::path& directory, double wait_seconds);
  ~DirectoryLock();
  DirectoryLock(const DirectoryLock&) = delete;
  DirectoryLock& operator=(const DirectoryLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace evo::common
