// Reference for scripts/bench.sh: a bare fork + exec + wait of a program, N times, with its
// stdout on a pipe that is read to the end (what any evaluator of an external program must
// at least do). Prints
//   fork_exec_us_per_call: <microseconds>
// Usage: fork_exec N program [args...]
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: fork_exec N program [args...]\n");
    return 2;
  }
  const long calls = std::atol(argv[1]);
  const auto start = std::chrono::steady_clock::now();
  for (long i = 0; i < calls; ++i) {
    int out[2];
    if (pipe(out) != 0) return 1;
    const pid_t child = fork();
    if (child == 0) {
      dup2(out[1], STDOUT_FILENO);
      close(out[0]);
      close(out[1]);
      execv(argv[2], argv + 2);
      _exit(127);
    }
    close(out[1]);
    char buffer[256];
    while (read(out[0], buffer, sizeof buffer) > 0) {
    }
    close(out[0]);
    int status = 0;
    waitpid(child, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      std::fprintf(stderr, "%s failed\n", argv[2]);
      return 1;
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("fork_exec_us_per_call: %.1f\n", seconds * 1e6 / static_cast<double>(calls));
  return 0;
}
