// evocluster-guard: the process between a worker and one external program, so that nothing
// the program starts can outlive the worker. Started by worker/child_process.cpp as
//
//   evocluster-guard PROGRAM [ARGS...]     fd 0, 1, 2: the program's; fd 3: control socket
//
// It makes itself a child subreaper (every process the program starts, even one that left
// the process group with setsid or a double fork, is re-parented to the guard when its own
// parent dies, instead of to init), starts the program in a process group of its own with
// PR_SET_PDEATHSIG = SIGKILL, reports to the worker (worker/guard_protocol.hpp), and kills
// every descendant it has when the worker asks (kKillAll) or when the worker is gone: its
// end of the control socket then reads end-of-file, whatever killed it (kill -9, MPI_Abort,
// a lost node's orted). SIGTERM, SIGINT and SIGHUP to the guard do the same.
//
// The guard sits in a process group of its own, so a signal to the worker's group does not
// take it down before it has cleaned up. Killing everything: SIGKILL to the program's group,
// then repeatedly SIGKILL to every child of the guard (listed from /proc) and reap, until
// the guard has no child left; a child's children become the guard's when it dies, so the
// whole tree is reached however deep it is.
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>

#include "worker/guard_protocol.hpp"

namespace {

namespace guard = evo::worker::guard;

bool send_message(guard::Kind kind, int value) {
  const guard::Message message{kind, value};
  for (;;) {
    if (::send(guard::kControlFd, &message, sizeof message, MSG_NOSIGNAL) >= 0) return true;
    if (errno != EINTR) return false;  // the worker is gone; we clean up all the same
  }
}

// The parent pid of process `pid` from /proc/PID/stat (field 4, after the command name,
// which is in parentheses and may hold anything); -1 if it cannot be read.
pid_t parent_of(const char* pid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%s/stat", pid);
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  char text[512];
  const ssize_t size = ::read(fd, text, sizeof text - 1);
  ::close(fd);
  if (size <= 0) return -1;
  text[size] = '\0';
  const char* close_paren = std::strrchr(text, ')');
  if (close_paren == nullptr) return -1;
  char state = 0;
  int parent = -1;
  if (std::sscanf(close_paren + 1, " %c %d", &state, &parent) != 2) return -1;
  return parent;
}

// SIGKILL to every live child of this process.
void kill_children() {
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return;
  const pid_t self = ::getpid();
  while (const dirent* entry = ::readdir(proc)) {
    if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
    if (parent_of(entry->d_name) == self) ::kill(std::atoi(entry->d_name), SIGKILL);
  }
  ::closedir(proc);
}

// Kills the program's group and every descendant, reaps them all; returns the program's
// wait status (0 if it was reaped without one).
int kill_everything(pid_t program) {
  int program_status = 0;
  ::kill(-program, SIGKILL);  // while the program (alive or a zombie) still holds the group id
  for (;;) {
    int status = 0;
    const pid_t reaped = ::waitpid(-1, &status, WNOHANG);
    if (reaped == program) program_status = status;
    if (reaped > 0) continue;
    if (reaped < 0 && errno == ECHILD) return program_status;
    if (reaped < 0 && errno == EINTR) continue;
    // Live children remain (adopted orphans among them): kill them and wait for one to go;
    // the children of the one that died are ours now and die in the next round.
    kill_children();
    const pid_t gone = ::waitpid(-1, &status, 0);
    if (gone == program) program_status = status;
  }
}

[[noreturn]] void start_program(char** argv, const sigset_t& original_mask, pid_t guard_pid,
                                int error_pipe) {
  ::setpgid(0, 0);
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != guard_pid) ::_exit(127);  // the guard died before the prctl
  for (int sig = 1; sig < NSIG; ++sig) ::signal(sig, SIG_DFL);
  ::sigprocmask(SIG_SETMASK, &original_mask, nullptr);
  ::close(guard::kControlFd);
  ::execvp(argv[0], argv);
  const int error = errno;
  ssize_t ignored = ::write(error_pipe, &error, sizeof error);
  (void)ignored;
  ::_exit(127);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr,
                 "evocluster-guard: started by evocluster's workers for each external program; "
                 "not meant to be run by hand\n");
    return 2;
  }
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  // Every signal we act on arrives through one descriptor, next to the control socket.
  sigset_t handled;
  sigemptyset(&handled);
  for (int sig : {SIGCHLD, SIGTERM, SIGINT, SIGHUP}) sigaddset(&handled, sig);
  sigset_t original_mask;
  ::sigprocmask(SIG_BLOCK, &handled, &original_mask);
  sigset_t none;
  sigemptyset(&none);
  const int signals = ::signalfd(-1, &handled, SFD_CLOEXEC);

  int error_pipe[2];
  if (signals < 0 || ::pipe2(error_pipe, O_CLOEXEC) != 0) {
    send_message(guard::Kind::kCannotStart, errno);
    return 1;
  }
  const pid_t guard_pid = ::getpid();
  const pid_t program = ::fork();
  if (program < 0) {
    send_message(guard::Kind::kCannotStart, errno);
    return 1;
  }
  if (program == 0) start_program(argv + 1, none, guard_pid, error_pipe[1]);
  ::setpgid(program, program);  // also here: whichever side runs first
  ::close(error_pipe[1]);
  int exec_error = 0;
  ssize_t got = 0;
  do {
    got = ::read(error_pipe[0], &exec_error, sizeof exec_error);
  } while (got < 0 && errno == EINTR);
  ::close(error_pipe[0]);
  if (got == static_cast<ssize_t>(sizeof exec_error)) {
    kill_everything(program);
    send_message(guard::Kind::kCannotStart, exec_error);
    return 1;
  }
  send_message(guard::Kind::kStarted, program);
  // The program's pipes are its own now: our copies would keep its stdout open after it
  // ends, and the worker waits for end-of-file there.
  const int null_fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  for (int fd : {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO}) {
    if (null_fd >= 0) ::dup2(null_fd, fd);
  }

  bool exit_reported = false;
  for (;;) {
    pollfd fds[2] = {{guard::kControlFd, POLLIN, 0}, {signals, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[1].revents != 0) {
      signalfd_siginfo info{};
      if (::read(signals, &info, sizeof info) == static_cast<ssize_t>(sizeof info) &&
          info.ssi_signo != SIGCHLD) {
        break;  // told to stop: nothing may outlive us
      }
      // Without reaping, so that the program keeps its pid and group id until kKillAll.
      siginfo_t exited{};
      if (!exit_reported &&
          ::waitid(P_PID, static_cast<id_t>(program), &exited, WEXITED | WNOHANG | WNOWAIT) == 0 &&
          exited.si_pid == program) {
        exit_reported = true;
        int status = 0;
        if (exited.si_code == CLD_EXITED) {
          status = W_EXITCODE(exited.si_status, 0);
        } else {
          status = exited.si_status | (exited.si_code == CLD_DUMPED ? WCOREFLAG : 0);
        }
        send_message(guard::Kind::kExited, status);
      }
    }
    if (fds[0].revents != 0) {
      guard::Message message{};
      const ssize_t size = ::recv(guard::kControlFd, &message, sizeof message, 0);
      if (size < 0 && errno == EINTR) continue;
      if (size != static_cast<ssize_t>(sizeof message)) break;  // the worker is gone
      if (message.kind == guard::Kind::kTerminate) {
        ::kill(-program, SIGTERM);
      } else if (message.kind == guard::Kind::kKillAll) {
        break;
      }
    }
  }
  const int status = kill_everything(program);
  send_message(guard::Kind::kAllGone, status);
  return 0;
}
