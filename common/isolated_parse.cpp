#include "common/isolated_parse.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <exception>
#include <fstream>
#include <new>

#include "common/error.hpp"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define EVO_ISOLATED_PARSE_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define EVO_ISOLATED_PARSE_ASAN 1
#endif
#ifdef EVO_ISOLATED_PARSE_ASAN
#include <sanitizer/common_interface_defs.h>
#endif

namespace evo::common {
namespace {

// The verdict on the pipe: one outcome byte, the exit code (4 bytes), then the message.
constexpr char kAccepted = 'A';
constexpr char kRefused = 'R';
constexpr char kOutOfMemory = 'M';
constexpr char kOtherException = 'X';

// Caps the child's address space at what it inherited plus the budget, so that a reservation
// of the size a damaged header declares fails (HDF5 then reports it) instead of succeeding.
void apply_memory_budget(std::size_t budget) noexcept {
#ifdef EVO_ISOLATED_PARSE_ASAN
  (void)budget;
#else
  if (budget == 0) return;
  std::ifstream statm("/proc/self/statm");
  std::size_t pages = 0;
  statm >> pages;
  const rlim_t cap = pages * static_cast<std::size_t>(sysconf(_SC_PAGESIZE)) + budget;
  const rlimit limit{cap, cap};
  (void)setrlimit(RLIMIT_AS, &limit);
#endif
}

void write_all(int fd, const char* data, std::size_t size) noexcept {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

[[noreturn]] void child_main(int fd, const std::function<void()>& parse,
                             const IsolatedParseLimits& limits) noexcept {
  apply_memory_budget(limits.memory_bytes);
  // A fault ends the child by its signal, whatever handler the caller installed.
  for (const int fault : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) std::signal(fault, SIG_DFL);
#ifdef EVO_ISOLATED_PARSE_ASAN
  // A sanitizer report in the child (an interceptor catching HDF5 copying past a buffer) ends
  // it with no verdict, which refuses the file. The caller's death callback must not run
  // there: under libFuzzer it would record the contained fault as the harness's crash.
  __sanitizer_set_death_callback(nullptr);
#endif
  // Nothing of the child reaches the terminal: its verdict goes through the pipe, and a
  // sanitizer's or HDF5's report of a fault it contains would only look like the caller's.
  if (const int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC); null >= 0) {
    ::dup2(null, STDERR_FILENO);
    ::dup2(null, STDOUT_FILENO);
  }
  char outcome = kAccepted;
  std::int32_t exit_code = 0;
  std::string message;
  try {
    parse();
  } catch (const Error& error) {
    outcome = kRefused;
    exit_code = error.exit_code();
    try {
      message = error.what();
    } catch (...) {
      outcome = kOutOfMemory;
    }
  } catch (const std::bad_alloc&) {
    outcome = kOutOfMemory;
  } catch (...) {
    outcome = kOtherException;
  }
  write_all(fd, &outcome, 1);
  write_all(fd, reinterpret_cast<const char*>(&exit_code), sizeof exit_code);
  write_all(fd, message.data(), message.size());
  ::_exit(0);
}

std::string describe_status(int status) {
  if (WIFSIGNALED(status)) {
    return fmt::format("the parse crashed (signal {}, {})", WTERMSIG(status),
                       strsignal(WTERMSIG(status)));
  }
  return fmt::format("the parse ended with exit status {} and no verdict", WEXITSTATUS(status));
}

}  // namespace

IsolatedParseResult run_isolated_parse(const std::function<void()>& parse,
                                       const IsolatedParseLimits& limits) {
  std::array<int, 2> fds{};
  if (::pipe2(fds.data(), O_CLOEXEC) != 0) {
    throw Error(fmt::format("cannot create a pipe for an isolated parse: {}", strerror(errno)));
  }
  const pid_t parent = ::getpid();
  const pid_t child = ::fork();
  if (child < 0) {
    const int error = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    throw Error(fmt::format("cannot fork an isolated parse: {}", strerror(error)));
  }
  if (child == 0) {
    // The child dies with its caller (kill -9 of a rank while HDF5 loops in the child must
    // not leave the loop running); the check catches a caller that died before the prctl.
    (void)::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(1);
    ::close(fds[0]);
    child_main(fds[1], parse, limits);
  }
  ::close(fds[1]);

  std::string verdict;
  const auto deadline = std::chrono::steady_clock::now() + limits.deadline;
  bool timed_out = false;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd ready{fds[0], POLLIN, 0};
    const int polled =
        ::poll(&ready, 1, static_cast<int>(std::min<std::int64_t>(left.count(), 1000)));
    if (polled < 0 && errno == EINTR) continue;
    if (polled <= 0) continue;
    std::array<char, 4096> buffer{};
    const ssize_t n = ::read(fds[0], buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // the child closed its end: it has exited
    verdict.append(buffer.data(), static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  if (timed_out) ::kill(child, SIGKILL);
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }

  IsolatedParseResult result;
  if (timed_out) {
    result.message = fmt::format("the parse did not finish within {:.0f} s",
                                 std::chrono::duration<double>(limits.deadline).count());
    return result;
  }
  const bool clean_exit = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  if (!clean_exit || verdict.size() < 1 + sizeof(std::int32_t)) {
    result.message = describe_status(status);
    return result;
  }
  std::int32_t exit_code = 0;
  std::memcpy(&exit_code, verdict.data() + 1, sizeof exit_code);
  switch (verdict[0]) {
    case kAccepted:
      result.outcome = IsolatedParseResult::Outcome::kAccepted;
      break;
    case kRefused:
      result.outcome = IsolatedParseResult::Outcome::kRefused;
      result.exit_code = exit_code;
      result.message = verdict.substr(1 + sizeof exit_code);
      break;
    case kOutOfMemory:
      result.message =
          fmt::format("the parse needed more than its {} MiB of memory", limits.memory_bytes >> 20);
      break;
    default:
      result.message = "the parse failed with an unexpected error";
      break;
  }
  return result;
}

}  // namespace evo::common
