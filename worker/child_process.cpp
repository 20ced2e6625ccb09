// The worker's side of the guard: posix_spawn of evocluster-guard (vfork semantics: an MPI
// process's mappings are neither copied nor torn down per program) in a process group of
// its own, with the program's descriptors on 0, 1, 2 and the control socket on 3; every
// other descriptor closed. The guard's messages are in worker/guard_protocol.hpp.
#include "worker/child_process.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>
#include <filesystem>
#include <system_error>
#include <utility>

#include "worker/guard_protocol.hpp"

namespace evo::worker {
namespace {

std::string errno_text(int error) { return std::generic_category().message(error); }

bool executable(const std::filesystem::path& path) {
  struct stat status {};
  return ::stat(path.c_str(), &status) == 0 && S_ISREG(status.st_mode) &&
         ::access(path.c_str(), X_OK) == 0;
}

bool send_message(int fd, guard::Kind kind) {
  const guard::Message message{kind, 0};
  for (;;) {
    if (::send(fd, &message, sizeof message, MSG_NOSIGNAL) >= 0) return true;
    if (errno != EINTR) return false;
  }
}

// One message; nullopt at end-of-file (the guard is gone) or, with `wait` false, when none
// is there yet.
std::optional<guard::Message> receive_message(int fd, bool wait) {
  guard::Message message{};
  for (;;) {
    const ssize_t size = ::recv(fd, &message, sizeof message, wait ? 0 : MSG_DONTWAIT);
    if (size == static_cast<ssize_t>(sizeof message)) return message;
    if (size < 0 && errno == EINTR) continue;
    return std::nullopt;
  }
}

class SpawnAttributes {
 public:
  SpawnAttributes() {
    ::posix_spawnattr_init(&attributes_);
    sigset_t none;
    sigemptyset(&none);
    sigset_t all;
    sigfillset(&all);
    ::posix_spawnattr_setflags(
        &attributes_, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    ::posix_spawnattr_setpgroup(&attributes_, 0);
    ::posix_spawnattr_setsigmask(&attributes_, &none);
    ::posix_spawnattr_setsigdefault(&attributes_, &all);
  }
  SpawnAttributes(const SpawnAttributes&) = delete;
  SpawnAttributes& operator=(const SpawnAttributes&) = delete;
  ~SpawnAttributes() { ::posix_spawnattr_destroy(&attributes_); }
  const posix_spawnattr_t* get() const { return &attributes_; }

 private:
  posix_spawnattr_t attributes_{};
};

class SpawnFileActions {
 public:
  SpawnFileActions() { ::posix_spawn_file_actions_init(&actions_); }
  SpawnFileActions(const SpawnFileActions&) = delete;
  SpawnFileActions& operator=(const SpawnFileActions&) = delete;
  ~SpawnFileActions() { ::posix_spawn_file_actions_destroy(&actions_); }
  posix_spawn_file_actions_t* get() { return &actions_; }

 private:
  posix_spawn_file_actions_t actions_{};
};

}  // namespace

const std::string& guard_executable() {
  static const std::string path = [] {
    std::error_code error;
    const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", error);
    if (!error) {
      const auto beside = self.parent_path() / "evocluster-guard";
      if (executable(beside)) return beside.string();
    }
#ifdef EVO_INSTALL_BINDIR
    const auto installed = std::filesystem::path(EVO_INSTALL_BINDIR) / "evocluster-guard";
    if (executable(installed)) return installed.string();
#endif
    return std::string();
  }();
  return path;
}

std::optional<GuardedProcess> GuardedProcess::start(const ProgramLaunch& launch,
                                                    std::string& error) {
  const std::string& guard_path = guard_executable();
  if (guard_path.empty()) {
    error = "cannot find evocluster-guard (it belongs next to the evocluster executable)";
    return std::nullopt;
  }
  std::array<int, 2> sockets{};
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sockets.data()) != 0) {
    error = fmt::format("cannot create the guard's socket: {}", errno_text(errno));
    return std::nullopt;
  }
  common::UniqueFd ours(sockets[0]);
  common::UniqueFd theirs(sockets[1]);

  std::vector<char*> argv;
  argv.reserve(launch.argv.size() + 2);
  argv.push_back(const_cast<char*>(guard_path.c_str()));
  for (const std::string& arg : launch.argv) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);

  static const SpawnAttributes attributes;
  SpawnFileActions actions;
  posix_spawn_file_actions_t* const list = actions.get();
  int spawn_error = 0;
  // dup2 clears close-on-exec on 0..3; everything else the worker (or MPI) has open, with
  // or without O_CLOEXEC, is closed before the guard starts.
  for (const auto& [from, to] :
       {std::pair{launch.stdin_fd, STDIN_FILENO}, std::pair{launch.stdout_fd, STDOUT_FILENO},
        std::pair{launch.stderr_fd, STDERR_FILENO}, std::pair{theirs.get(), guard::kControlFd}}) {
    if (spawn_error == 0) spawn_error = ::posix_spawn_file_actions_adddup2(list, from, to);
  }
  if (spawn_error == 0) {
    spawn_error = ::posix_spawn_file_actions_addchdir_np(list, launch.directory.c_str());
  }
  if (spawn_error == 0) {
    spawn_error = ::posix_spawn_file_actions_addclosefrom_np(list, guard::kControlFd + 1);
  }
  if (spawn_error != 0) {
    error = fmt::format("cannot prepare the start: {}", errno_text(spawn_error));
    return std::nullopt;
  }
  pid_t guard_pid = 0;
  spawn_error = ::posix_spawn(&guard_pid, guard_path.c_str(), list, attributes.get(), argv.data(),
                              launch.env);
  if (spawn_error != 0) {
    // One errno for every step in the child; a directory we cannot enter is told apart here.
    const bool bad_directory = ::access(launch.directory.c_str(), X_OK) != 0;
    error = bad_directory ? fmt::format("cannot enter the scratch directory: {}", errno_text(errno))
                          : fmt::format("cannot start {}: {}", guard_path, errno_text(spawn_error));
    return std::nullopt;
  }
  theirs.reset();
  const std::optional<guard::Message> first = receive_message(ours.get(), /*wait=*/true);
  if (!first || first->kind != guard::Kind::kStarted) {
    int status = 0;
    while (::waitpid(guard_pid, &status, 0) < 0 && errno == EINTR) {
    }
    error = first && first->kind == guard::Kind::kCannotStart
                ? fmt::format("cannot execute: {}", errno_text(first->value))
                : std::string("the guard process ended before starting the program");
    return std::nullopt;
  }
  return GuardedProcess(guard_pid, std::move(ours), static_cast<pid_t>(first->value));
}

GuardedProcess::GuardedProcess(pid_t guard, common::UniqueFd control, pid_t program)
    : guard_(guard), control_(std::move(control)), program_(program) {}

GuardedProcess::GuardedProcess(GuardedProcess&& other) noexcept
    : guard_(std::exchange(other.guard_, -1)),
      control_(std::move(other.control_)),
      program_(other.program_),
      exit_status_(other.exit_status_),
      done_(std::exchange(other.done_, true)) {}

GuardedProcess::~GuardedProcess() {
  if (!done_) kill_all();
}

void GuardedProcess::update() {
  while (!exited()) {
    const std::optional<guard::Message> message = receive_message(control_.get(), false);
    if (!message) {
      // Nothing more for now, or the guard is gone (killed from outside): then the program
      // got its parent-death SIGKILL; count it as ended.
      char probe = 0;
      if (::recv(control_.get(), &probe, 1, MSG_DONTWAIT | MSG_PEEK) == 0) {
        exit_status_ = SIGKILL;
      }
      return;
    }
    if (message->kind == guard::Kind::kExited) exit_status_ = message->value;
  }
}

void GuardedProcess::terminate() { send_message(control_.get(), guard::Kind::kTerminate); }

int GuardedProcess::kill_all() {
  if (done_) return exit_status_.value_or(0);
  done_ = true;
  send_message(control_.get(), guard::Kind::kKillAll);
  // The guard answers once everything is dead; end-of-file if it died itself.
  while (const std::optional<guard::Message> message = receive_message(control_.get(), true)) {
    if (message->kind == guard::Kind::kExited && !exit_status_) exit_status_ = message->value;
    if (message->kind == guard::Kind::kAllGone) {
      exit_status_ = message->value;
      break;
    }
  }
  control_.reset();
  int status = 0;
  while (::waitpid(guard_, &status, 0) < 0 && errno == EINTR) {
  }
  if (!exit_status_) exit_status_ = SIGKILL;  // as the program's parent-death signal left it
  return *exit_status_;
}

}  // namespace evo::worker
