// The external-program evaluator. One evaluation is one program, started under a guard:
//
//   scratch dir (mkdtemp) -> template file -> GuardedProcess::start (worker/child_process.hpp):
//   own process group, signals reset, stdin/stdout/stderr on pipes, cwd = scratch dir, other
//   descriptors closed -> parent: feeds stdin, reads stdout and stderr with poll() until both
//   reach EOF and the program has exited, enforcing the timeout (SIGTERM to the group, then
//   everything killed after the grace) -> kill_all: SIGKILL to the program and everything it
//   started, setsid and double forks included -> classify -> remove scratch dir.
//
// A grandchild that inherited stdout keeps the pipe open after the program exits; we read
// on for kDrainAfterExit only, then kill everything, so it cannot hang the worker. A stop of
// the run (common/cancellation.hpp) kills the program at once.
#include "worker/command_evaluator.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <climits>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "common/cancellation.hpp"
#include "common/durable_file.hpp"
#include "common/error.hpp"
#include "common/rng.hpp"
#include "worker/child_process.hpp"

extern char** environ;  // NOLINT(readability-identifier-naming): POSIX name

namespace evo::worker {
namespace {

using Clock = std::chrono::steady_clock;
using Seconds = std::chrono::duration<double>;

// How long we keep reading after the program exited while something (a grandchild) still
// holds its stdout or stderr open.
constexpr Seconds kDrainAfterExit{0.5};
constexpr std::size_t kStdoutKept = 65536;  // the tail of stdout we parse
constexpr std::size_t kStderrKept = 2048;   // the tail of stderr shown in failure details
constexpr std::size_t kLineShown = 200;     // offending output line, truncated to this

std::string errno_text(int error) { return std::generic_category().message(error); }

// The text of one double that reads back exactly (%.17g), as the program is promised.
std::string gene_text(double value) {
  std::array<char, 32> buffer{};
  const int length = std::snprintf(buffer.data(), buffer.size(), "%.17g", value);
  return {buffer.data(), static_cast<std::size_t>(std::max(length, 0))};
}

std::string shown(std::string_view text) {
  std::string out(text.substr(0, kLineShown));
  if (text.size() > kLineShown) out += "...";
  return fmt::format("\"{}\"", out);
}

// Appends `data` to `kept`, keeping only the last `limit` bytes (amortised).
void append_tail(std::string& kept, const char* data, std::size_t size, std::size_t limit) {
  kept.append(data, size);
  if (kept.size() > 2 * limit) kept.erase(0, kept.size() - limit);
}

std::string_view tail(std::string_view text, std::size_t limit) {
  return text.size() > limit ? text.substr(text.size() - limit) : text;
}

using common::UniqueFd;

struct Pipe {
  UniqueFd read;
  UniqueFd write;
};

// Close-on-exec on both ends: the child dup2()s the ends it needs onto 0, 1 and 2.
std::optional<Pipe> make_pipe() {
  std::array<int, 2> fds{};
  if (::pipe2(fds.data(), O_CLOEXEC) != 0) return std::nullopt;
  return Pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

// write() that turns a closed reader into EPIPE without killing the worker with SIGPIPE:
// SIGPIPE is blocked for this thread during the write, and one it raised is consumed.
ssize_t write_without_sigpipe(int fd, const char* data, std::size_t size) {
  sigset_t pipe_set;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  sigset_t pending;
  sigemptyset(&pending);
  sigpending(&pending);
  const bool already_pending = sigismember(&pending, SIGPIPE) == 1;
  sigset_t old_mask;
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old_mask);
  const ssize_t written = ::write(fd, data, size);
  const int error = errno;
  if (written < 0 && error == EPIPE && !already_pending) {
    const timespec no_wait{};
    while (sigtimedwait(&pipe_set, nullptr, &no_wait) < 0 && errno == EINTR) {
    }
  }
  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  errno = error;
  return written;
}

// What happened to one run of the program.
struct RunResult {
  bool started = false;
  std::string start_error;  // why it did not start
  bool timed_out = false;
  bool killed_after_grace = false;
  bool pipe_held_open = false;  // stopped reading: a leftover process held stdout/stderr
  bool abandoned = false;       // the run is stopping (common/cancellation.hpp): killed
  int wait_status = 0;
  std::string out;  // tail of stdout
  std::string err;  // tail of stderr
};

int poll_timeout_ms(std::optional<Clock::time_point> until, Clock::time_point now) {
  if (!until) return -1;
  if (*until <= now) return 0;
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(*until - now).count();
  return static_cast<int>(std::min<std::int64_t>(ms, INT_MAX));
}

// Runs the program under its guard (worker/child_process.hpp), feeding stdin and reading
// stdout and stderr with poll() until both reach EOF and the program has exited (the guard
// reports the exit on its socket, which wakes poll() at once), enforcing the timeout
// (SIGTERM to the group, then everything killed after the grace). Whatever the program
// left behind is killed before this returns, wherever it went. `env` is a null-terminated
// array.
RunResult run_program(const std::vector<std::string>& argv, char* const* env,
                      const std::string& directory, const std::string& input, double timeout_s,
                      double kill_grace_s) {
  RunResult result;
  auto in = make_pipe();
  auto out = make_pipe();
  auto err = make_pipe();
  if (!in || !out || !err) {
    result.start_error = fmt::format("cannot create pipes: {}", errno_text(errno));
    return result;
  }
  std::optional<GuardedProcess> process = GuardedProcess::start(
      {argv, env, directory, in->read.get(), out->write.get(), err->write.get()},
      result.start_error);
  if (!process) return result;
  in->read.reset();
  out->write.reset();
  err->write.reset();
  result.started = true;

  UniqueFd stdin_fd = std::move(in->write);
  UniqueFd stdout_fd = std::move(out->read);
  UniqueFd stderr_fd = std::move(err->read);
  ::fcntl(stdin_fd.get(), F_SETFL, O_NONBLOCK);
  if (input.empty()) stdin_fd.reset();

  const Clock::time_point start = Clock::now();
  std::optional<Clock::time_point> deadline;
  if (timeout_s > 0) {
    deadline = start + std::chrono::duration_cast<Clock::duration>(Seconds(timeout_s));
  }
  std::optional<Clock::time_point> kill_at;  // everything killed after SIGTERM and the grace
  std::optional<Clock::time_point> exited_at;
  std::size_t input_offset = 0;
  std::array<char, 65536> buffer{};
  const double check_interval = common::cancellation_check_interval();
  const auto cancellation_tick =
      std::chrono::duration_cast<Clock::duration>(Seconds(check_interval));

  for (;;) {
    Clock::time_point now = Clock::now();
    if (common::cancellation_requested()) {
      result.abandoned = true;
      break;
    }
    if (!exited_at && process->exited()) {
      exited_at = now;
      stdin_fd.reset();
    }
    if (!exited_at && deadline && !result.timed_out && now >= *deadline) {
      result.timed_out = true;
      process->terminate();
      kill_at = now + std::chrono::duration_cast<Clock::duration>(Seconds(kill_grace_s));
      stdin_fd.reset();
    }
    if (!exited_at && kill_at && now >= *kill_at) {
      result.killed_after_grace = true;
      break;
    }
    if (exited_at) {
      if (!stdout_fd.open() && !stderr_fd.open()) break;
      if (result.timed_out) break;  // its output is of no use any more
      if (now - *exited_at >= kDrainAfterExit) {
        result.pipe_held_open = true;
        break;
      }
    }

    // Woken at least every cancellation tick when a stop can come (on a worker it comes as
    // an MPI message, which no descriptor announces), so that a stop never waits for the
    // program; otherwise only by the program (its pipes, the guard's socket) or its own
    // deadlines.
    std::optional<Clock::time_point> wake;
    if (check_interval > 0) wake = now + cancellation_tick;
    const auto earliest = [&](Clock::time_point t) { wake = wake ? std::min(*wake, t) : t; };
    if (exited_at) {
      earliest(*exited_at + std::chrono::duration_cast<Clock::duration>(kDrainAfterExit));
    } else {
      if (deadline && !result.timed_out) earliest(*deadline);
      if (kill_at) earliest(*kill_at);
    }

    std::array<pollfd, 4> fds{};
    nfds_t count = 0;
    const auto watch = [&](int fd, short events) {
      if (fd >= 0) fds[count++] = pollfd{fd, events, 0};
    };
    watch(stdin_fd.get(), POLLOUT);
    watch(stdout_fd.get(), POLLIN);
    watch(stderr_fd.get(), POLLIN);
    if (!exited_at) watch(process->event_fd(), POLLIN);
    const int ready = ::poll(fds.data(), count, poll_timeout_ms(wake, now));
    if (ready < 0) {
      if (errno == EINTR) continue;
      break;  // cannot watch it any more; kill_all below makes sure it ends
    }
    for (nfds_t i = 0; i < count; ++i) {
      if (fds[i].revents == 0) continue;
      const int fd = fds[i].fd;
      if (fd == stdin_fd.get()) {
        const ssize_t written =
            write_without_sigpipe(fd, input.data() + input_offset, input.size() - input_offset);
        if (written > 0) input_offset += static_cast<std::size_t>(written);
        // EPIPE: the program does not read (all of) its input; that is its business.
        if ((written < 0 && errno != EAGAIN && errno != EINTR) || input_offset == input.size()) {
          stdin_fd.reset();
        }
      } else if (fd == stdout_fd.get() || fd == stderr_fd.get()) {
        const ssize_t got_bytes = ::read(fd, buffer.data(), buffer.size());
        if (got_bytes > 0) {
          const bool is_out = fd == stdout_fd.get();
          append_tail(is_out ? result.out : result.err, buffer.data(),
                      static_cast<std::size_t>(got_bytes), is_out ? kStdoutKept : kStderrKept);
        } else if (got_bytes == 0 || (errno != EINTR && errno != EAGAIN)) {
          (fd == stdout_fd.get() ? stdout_fd : stderr_fd).reset();
        }
      }
      if (fd == process->event_fd()) process->update();
    }
  }

  // Whatever the program left behind goes now, wherever it went.
  result.wait_status = process->kill_all();
  return result;
}

std::string signal_text(int sig) {
  const char* abbreviation = ::sigabbrev_np(sig);
  return abbreviation != nullptr ? fmt::format("{} (SIG{})", sig, abbreviation)
                                 : fmt::format("{}", sig);
}

// The last line of `text` with something other than whitespace, trimmed.
std::optional<std::string_view> last_nonempty_line(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\f\v";
  while (!text.empty()) {
    const std::size_t newline = text.find_last_of('\n');
    std::string_view line = newline == std::string_view::npos ? text : text.substr(newline + 1);
    const std::size_t first = line.find_first_not_of(kSpace);
    if (first != std::string_view::npos) {
      line = line.substr(first, line.find_last_not_of(kSpace) - first + 1);
      return line;
    }
    if (newline == std::string_view::npos) break;
    text = text.substr(0, newline);
  }
  return std::nullopt;
}

// Splits on blanks and parses every field as a double; nullopt if any is not a number.
std::optional<std::vector<double>> parse_numbers(std::string_view line) {
  std::vector<double> values;
  std::size_t position = 0;
  while (position < line.size()) {
    const std::size_t start = line.find_first_not_of(" \t", position);
    if (start == std::string_view::npos) break;
    std::size_t end = line.find_first_of(" \t", start);
    if (end == std::string_view::npos) end = line.size();
    std::string_view field = line.substr(start, end - start);
    if (field.size() > 1 && field.front() == '+') field.remove_prefix(1);
    double value = 0;
    const auto [ptr, error] = std::from_chars(field.data(), field.data() + field.size(), value);
    if (error != std::errc() || ptr != field.data() + field.size()) {
      // Out of range (e.g. 1e999) counts as a number, just not a finite one.
      if (error == std::errc::result_out_of_range && ptr == field.data() + field.size()) {
        value = field.front() == '-' ? -std::numeric_limits<double>::infinity()
                                     : std::numeric_limits<double>::infinity();
      } else {
        return std::nullopt;
      }
    }
    values.push_back(value);
    position = end;
  }
  return values;
}

class CommandEvaluator : public common::Evaluator {
 public:
  explicit CommandEvaluator(const common::Config& config)
      : command_(config.command),
        dimension_(static_cast<std::size_t>(config.problem.dimension)),
        objectives_(config.command.objectives) {
    if (!command_.template_path.empty()) {
      std::ifstream file(command_.template_path, std::ios::binary);
      if (!file) {
        throw common::ConfigError(fmt::format("{}: command.template: cannot read '{}': {}",
                                              config.source, command_.template_path,
                                              errno_text(errno)));
      }
      template_text_.assign(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
    }
    for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
      const std::string_view text(*entry);
      if (!ours(text) && !mpi_launcher_variable(text)) base_env_.emplace_back(text);
    }
  }

  int objectives() const override { return objectives_; }

  common::EvalOutcome evaluate(std::span<const double> genome, const common::EvalContext& context,
                               std::span<double> fitness) override {
    for (double& value : fitness) value = std::numeric_limits<double>::quiet_NaN();
    if (fitness.size() != static_cast<std::size_t>(objectives_)) {
      return fail(common::EvalStatus::kFailed,
                  fmt::format("room for {} objectives, command.objectives is {}", fitness.size(),
                              objectives_));
    }
    if (genome.size() != dimension_) {
      return fail(
          common::EvalStatus::kFailed,
          fmt::format("genome has {} genes, problem.dimension is {}", genome.size(), dimension_));
    }

    std::string scratch;
    if (auto error = make_scratch(context, scratch)) {
      return fail(common::EvalStatus::kFailed, *error);
    }
    common::EvalOutcome outcome = run_in(scratch, genome, context, fitness);
    const bool keep = outcome.status != common::EvalStatus::kOk && command_.keep_failed_scratch;
    if (keep) {
      outcome.detail += fmt::format(" [scratch kept: {}]", scratch);
    } else if (::rmdir(scratch.c_str()) != 0) {  // one call when the program left nothing
      std::error_code ignored;
      std::filesystem::remove_all(scratch, ignored);
    }
    return outcome;
  }

 private:
  static constexpr std::array<std::string_view, 6> kEnvNames = {
      "EVO_SEED", "EVO_JOB", "EVO_GENERATION", "EVO_INDEX", "EVO_EVAL_SEED", "EVO_SCRATCH"};
  // What mpirun / srun tell this rank about its MPI job (Open MPI, PMIx, PMI-1/2 as used by
  // Slurm and MPICH). A program that uses MPI itself would take them for its own and try to
  // join the worker's job (or connect to its PMI socket) instead of starting as a singleton.
  static constexpr std::array<std::string_view, 4> kMpiPrefixes = {"OMPI_", "PMIX_", "PMI_",
                                                                   "MPI_"};

  // Whether `entry` ("NAME=value") sets one of the EVO_* variables we set per evaluation.
  static bool ours(std::string_view entry) {
    return std::any_of(kEnvNames.begin(), kEnvNames.end(), [&](std::string_view name) {
      return entry.size() > name.size() && entry.starts_with(name) && entry[name.size()] == '=';
    });
  }
  static bool mpi_launcher_variable(std::string_view entry) {
    return std::any_of(kMpiPrefixes.begin(), kMpiPrefixes.end(),
                       [&](std::string_view prefix) { return entry.starts_with(prefix); });
  }

  common::EvalOutcome fail(common::EvalStatus status, const std::string& what,
                           std::string_view stderr_tail = {}) const {
    std::string detail = fmt::format("command '{}': {}: {}", command_.argv.front(),
                                     common::status_name(status), what);
    const std::size_t end = stderr_tail.find_last_not_of(" \t\r\n");
    if (end != std::string_view::npos) {
      detail += fmt::format("; stderr: {}", stderr_tail.substr(0, end + 1));
    }
    return {status, std::move(detail)};
  }

  // Creates a fresh directory evocluster-<pid>-<job>-<generation>-<index>-XXXXXX (the
  // suffix keeps a retried evaluation from meeting a kept directory); an error text if not.
  std::optional<std::string> make_scratch(const common::EvalContext& context,
                                          std::string& path) const {
    std::string base = command_.scratch_dir;
    if (base.empty()) {
      const char* tmpdir = std::getenv("TMPDIR");
      base = tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp";
    }
    std::string name = fmt::format("{}/evocluster-{}-{}-{}-{}-XXXXXX", base, ::getpid(),
                                   context.job, context.generation, context.index);
    if (::mkdtemp(name.data()) == nullptr) {
      return fmt::format("cannot create a scratch directory under '{}': {}", base,
                         errno_text(errno));
    }
    path = std::move(name);
    return std::nullopt;
  }

  std::string substitute(std::span<const double> genome, const common::EvalContext& context) const {
    std::string out;
    out.reserve(template_text_.size());
    std::size_t position = 0;
    while (position < template_text_.size()) {
      const std::size_t open = template_text_.find('{', position);
      if (open == std::string::npos) break;
      const std::size_t close = template_text_.find('}', open + 1);
      if (close == std::string::npos) break;
      const std::string_view name =
          std::string_view(template_text_).substr(open + 1, close - open - 1);
      std::optional<std::string> value = placeholder(name, genome, context);
      out.append(template_text_, position, open - position);
      if (value) {
        out += *value;
        position = close + 1;
      } else {  // not ours (e.g. a brace in the program's own syntax): leave it alone
        out += '{';
        position = open + 1;
      }
    }
    out.append(template_text_, std::min(position, template_text_.size()));
    return out;
  }

  static std::optional<std::string> placeholder(std::string_view name,
                                                std::span<const double> genome,
                                                const common::EvalContext& context) {
    if (name == "genome") {
      std::string text;
      for (double gene : genome) {
        if (!text.empty()) text += ' ';
        text += gene_text(gene);
      }
      return text;
    }
    if (name == "seed") return fmt::format("{}", context.seed);
    if (name == "job") return fmt::format("{}", context.job);
    if (name == "generation") return fmt::format("{}", context.generation);
    if (name == "index") return fmt::format("{}", context.index);
    if (name.size() > 1 && name[0] == 'x') {
      std::size_t gene = 0;
      const auto [ptr, error] = std::from_chars(name.data() + 1, name.data() + name.size(), gene);
      if (error == std::errc() && ptr == name.data() + name.size() && gene < genome.size()) {
        return gene_text(genome[gene]);
      }
    }
    return std::nullopt;
  }

  std::string stdin_text(std::span<const double> genome, const common::EvalContext& context) const {
    std::string text;
    if (command_.input == "lines") {
      for (double gene : genome) {
        text += gene_text(gene);
        text += '\n';
      }
    } else if (command_.input == "json") {
      text = "{\"genome\":[";
      for (std::size_t i = 0; i < genome.size(); ++i) {
        if (i > 0) text += ',';
        text += gene_text(genome[i]);
      }
      text += fmt::format("],\"seed\":{},\"generation\":{},\"index\":{},\"job\":{}}}\n",
                          context.seed, context.generation, context.index, context.job);
    }
    return text;
  }

  common::EvalOutcome run_in(const std::string& scratch, std::span<const double> genome,
                             const common::EvalContext& context, std::span<double> fitness) const {
    if (!command_.template_path.empty()) {
      const std::filesystem::path target =
          std::filesystem::path(scratch) / command_.template_target;
      std::error_code error;
      std::filesystem::create_directories(target.parent_path(), error);
      std::ofstream file(target, std::ios::binary);
      file << substitute(genome, context);
      file.close();
      if (!file) {
        return fail(common::EvalStatus::kFailed,
                    fmt::format("cannot write the template to '{}'", target.string()));
      }
    }

    common::Rng rng =
        common::Rng::for_evaluation(context.seed, context.job, context.generation, context.index);
    const std::array<std::string, kEnvNames.size()> evaluation_env = {
        fmt::format("EVO_SEED={}", context.seed),
        fmt::format("EVO_JOB={}", context.job),
        fmt::format("EVO_GENERATION={}", context.generation),
        fmt::format("EVO_INDEX={}", context.index),
        fmt::format("EVO_EVAL_SEED={}", rng.next_u64()),
        fmt::format("EVO_SCRATCH={}", scratch)};
    std::vector<char*> env;
    env.reserve(base_env_.size() + evaluation_env.size() + 1);
    for (const std::string& entry : base_env_) env.push_back(const_cast<char*>(entry.c_str()));
    for (const std::string& entry : evaluation_env) {
      env.push_back(const_cast<char*>(entry.c_str()));
    }
    env.push_back(nullptr);

    const RunResult run =
        run_program(command_.argv, env.data(), scratch, stdin_text(genome, context),
                    command_.timeout_s, command_.kill_grace_s);
    const std::string_view err = tail(run.err, kStderrKept);
    if (!run.started) return fail(common::EvalStatus::kFailed, run.start_error);
    if (run.abandoned) {
      return fail(common::EvalStatus::kFailed, common::kAbandonedDetail, err);
    }
    if (run.timed_out) {
      return fail(
          common::EvalStatus::kTimeout,
          fmt::format("still running after {} s; sent SIGTERM to its process group{}",
                      command_.timeout_s,
                      run.killed_after_grace
                          ? fmt::format(", then SIGKILL after {} s grace", command_.kill_grace_s)
                          : ""),
          err);
    }
    if (WIFSIGNALED(run.wait_status)) {
      return fail(common::EvalStatus::kSignaled,
                  fmt::format("killed by signal {}", signal_text(WTERMSIG(run.wait_status))), err);
    }
    if (WIFEXITED(run.wait_status) && WEXITSTATUS(run.wait_status) != 0) {
      return fail(common::EvalStatus::kNonZeroExit,
                  fmt::format("exit code {}", WEXITSTATUS(run.wait_status)), err);
    }
    const std::string expected =
        fmt::format("{} number{}", objectives_, objectives_ == 1 ? "" : "s");
    const std::optional<std::string_view> line = last_nonempty_line(run.out);
    if (!line) {
      return fail(common::EvalStatus::kGarbage,
                  fmt::format("no output on stdout (expected {} on its last line)", expected), err);
    }
    const std::optional<std::vector<double>> values = parse_numbers(*line);
    if (!values || values->size() != static_cast<std::size_t>(objectives_)) {
      return fail(common::EvalStatus::kGarbage,
                  fmt::format("the last non-empty line of stdout must be exactly {}, got {}",
                              expected, shown(*line)),
                  err);
    }
    for (std::size_t i = 0; i < values->size(); ++i) {
      if (!std::isfinite((*values)[i])) {
        return fail(
            common::EvalStatus::kNonFinite,
            fmt::format("objective {} of {} is not finite in {}", i + 1, objectives_, shown(*line)),
            err);
      }
    }
    std::copy(values->begin(), values->end(), fitness.begin());
    return {};
  }

  common::CommandConfig command_;
  std::size_t dimension_;
  int objectives_;
  std::string template_text_;
  // The worker's environment minus our EVO_* names and the MPI launcher's variables, taken
  // once at start-up.
  std::vector<std::string> base_env_;
};

}  // namespace

std::unique_ptr<common::Evaluator> make_command_evaluator(const common::Config& config) {
  if (config.command.argv.empty()) {
    throw common::ConfigError(
        fmt::format("{}: command.argv is required when problem.name = \"command\"", config.source));
  }
  if (guard_executable().empty()) {
    throw common::ConfigError(fmt::format(
        "{}: problem.name = \"command\" needs evocluster-guard, which makes sure no program "
        "outlives its worker; it was not found next to this executable nor in {}",
        config.source, EVO_INSTALL_BINDIR));
  }
  return std::make_unique<CommandEvaluator>(config);
}

}  // namespace evo::worker
