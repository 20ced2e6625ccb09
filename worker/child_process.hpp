// Starting an external program so that nothing it starts can outlive the worker. Every
// program runs under a guard process (evocluster-guard, worker/guard/evocluster_guard.cpp):
// a child subreaper that adopts everything the program leaves behind (setsid and double
// forks included) and kills all of it when the worker asks, or by itself when the worker
// dies, whatever killed it (kill -9, MPI_Abort, a lost node). The program has a process
// group of its own, default signal handling and an empty signal mask, and SIGKILL as its
// parent-death signal, in case the guard itself is killed.
//
// The command evaluator launches every program through GuardedProcess; the caller owns the
// pipes it hands over and reads the program's output.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "common/durable_file.hpp"

namespace evo::worker {

struct ProgramLaunch {
  std::vector<std::string> argv;  // argv[0] is looked up in PATH
  char* const* env = nullptr;     // null-terminated
  std::string directory;          // the program's working directory
  int stdin_fd = -1;              // become the program's 0, 1 and 2; the caller closes its
  int stdout_fd = -1;             // copies after start()
  int stderr_fd = -1;
};

class GuardedProcess {
 public:
  // Starts the program; nullopt with `error` set ("cannot execute: No such file or
  // directory", ...) when it could not be started.
  static std::optional<GuardedProcess> start(const ProgramLaunch& launch, std::string& error);

  GuardedProcess(GuardedProcess&& other) noexcept;
  GuardedProcess& operator=(GuardedProcess&&) = delete;
  GuardedProcess(const GuardedProcess&) = delete;
  GuardedProcess& operator=(const GuardedProcess&) = delete;
  ~GuardedProcess();  // kill_all() unless done

  // Readable (POLLIN) when the guard has news: call update() then.
  int event_fd() const { return control_.get(); }
  // Reads what the guard reported, without blocking.
  void update();
  // True once the program itself has exited (what it started may still run).
  bool exited() const { return exit_status_.has_value(); }
  // SIGTERM to the program's process group.
  void terminate();
  // SIGKILL to the program and to every process it started, wherever they went; returns
  // once all of them are gone and reaped, with the program's wait status.
  int kill_all();

 private:
  GuardedProcess(pid_t guard, common::UniqueFd control, pid_t program);

  pid_t guard_ = -1;
  common::UniqueFd control_;
  pid_t program_ = -1;
  std::optional<int> exit_status_;
  bool done_ = false;
};

// The guard executable: evocluster-guard next to this process's executable, else in the
// installation's bindir. Empty when neither exists.
const std::string& guard_executable();

}  // namespace evo::worker
