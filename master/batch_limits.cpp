#include "master/batch_limits.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <memory>
#include <sstream>
#include <vector>

#include "common/error.hpp"

namespace evo::master {
namespace {

// The last checkpoint must fit before the limit even if the disk is slower than before.
constexpr double kCheckpointSafetyFactor = 3;

std::optional<double> parse_number(std::string_view text) {
  double value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, error] = std::from_chars(text.data(), end, value);
  if (error != std::errc() || ptr != end || text.empty() || value < 0) return std::nullopt;
  return value;
}

std::optional<long> parse_count(std::string_view text) {
  long value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, error] = std::from_chars(text.data(), end, value);
  if (error != std::errc() || ptr != end || text.empty() || value < 0) return std::nullopt;
  return value;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  for (;;) {
    const auto at = text.find(separator);
    parts.push_back(text.substr(0, at));
    if (at == std::string_view::npos) return parts;
    text.remove_prefix(at + 1);
  }
}

// What `command` prints on stdout, trimmed; nullopt when it cannot run or fails.
std::optional<std::string> command_output(const std::string& command) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  if (!pipe) return std::nullopt;
  std::string output;
  char buffer[256];
  while (std::fgets(buffer, sizeof buffer, pipe.get()) != nullptr) output += buffer;
  if (pclose(pipe.release()) != 0) return std::nullopt;
  while (!output.empty() && (output.back() == '\n' || output.back() == ' ')) output.pop_back();
  return output;
}

// How long this process has been running (Linux /proc; 0 elsewhere). MPI start-up on a busy
// machine can take seconds, and they count against a wall-time limit.
double seconds_since_process_start() {
  std::ifstream uptime_file("/proc/uptime");
  std::ifstream stat_file("/proc/self/stat");
  double uptime = 0;
  std::string stat;
  if (!(uptime_file >> uptime) || !std::getline(stat_file, stat)) return 0;
  // Field 22 is the start time in clock ticks after boot; fields after the command name,
  // which is in parentheses and may hold spaces, are counted from its closing one.
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));
  std::string field;
  for (int index = 3; index <= 22 && fields >> field; ++index) {
  }
  const auto ticks = parse_count(field);
  const long ticks_per_second = sysconf(_SC_CLK_TCK);
  if (!ticks || ticks_per_second <= 0) return 0;
  return std::max(0.0,
                  uptime - static_cast<double>(*ticks) / static_cast<double>(ticks_per_second));
}

// Seconds left in the Slurm job this process belongs to, if it is one and Slurm says.
// squeue's end time (%e) is the current one: Slurm moves it when the limit is changed and
// when the job is preempted with a GraceTime (the time left, %L, does not follow the
// latter). $SLURM_JOB_END_TIME (newer Slurm; 22.05 has none) is fixed at start, so it only
// stands in when squeue cannot be asked.
std::optional<double> slurm_seconds_left(std::string& source, bool quiet) {
  const char* job_id = std::getenv("SLURM_JOB_ID");
  if (job_id == nullptr || !parse_count(job_id)) return std::nullopt;
  const auto now = std::chrono::system_clock::now();
  // "%l %e": the time limit, then the end time. Slurm gives a job without a limit (a
  // partition with MaxTime=INFINITE) one of 365 days, shown as UNLIMITED or 365-00:00:00,
  // and an end time a year ahead: that is no limit to announce or guard.
  if (const auto answer =
          command_output(fmt::format("squeue -h -j {} -o '%l %e' 2>/dev/null", job_id))) {
    const auto space = answer->find(' ');
    const std::string limit = answer->substr(0, space);
    const std::string end = space == std::string::npos ? "" : answer->substr(space + 1);
    constexpr double kSlurmInfiniteSeconds = 365.0 * 24 * 3600;
    const auto limit_seconds = parse_duration(limit);
    if (limit == "UNLIMITED" || limit == "INFINITE" ||
        (limit_seconds && *limit_seconds >= kSlurmInfiniteSeconds)) {
      return std::nullopt;
    }
    source = fmt::format("Slurm job {} (squeue: ends {})", job_id, end);
    return seconds_until_local_time(end, now);  // "NONE" for a job without a limit
  }
  if (const char* end = std::getenv("SLURM_JOB_END_TIME")) {
    if (const auto end_epoch = parse_count(end)) {
      source = fmt::format("Slurm job {} ($SLURM_JOB_END_TIME)", job_id);
      return std::max(0.0, static_cast<double>(*end_epoch) -
                               std::chrono::duration<double>(now.time_since_epoch()).count());
    }
  }
  if (!quiet) {
    spdlog::warn(
        "wall-time guard: cannot ask Slurm for the end time of job {} (squeue failed); "
        "relying on run.walltime and on signals",
        job_id);
  }
  return std::nullopt;
}

}  // namespace

std::optional<double> seconds_until_local_time(std::string_view text,
                                               std::chrono::system_clock::time_point now) {
  const std::string copy(text);
  std::tm parts{};
  const char* end = strptime(copy.c_str(), "%Y-%m-%dT%H:%M:%S", &parts);
  if (end == nullptr || *end != '\0') return std::nullopt;
  parts.tm_isdst = -1;  // let the time zone rules say
  const std::time_t at = std::mktime(&parts);
  if (at == static_cast<std::time_t>(-1)) return std::nullopt;
  return std::max(
      0.0, std::chrono::duration<double>(std::chrono::system_clock::from_time_t(at) - now).count());
}

std::optional<double> parse_duration(std::string_view text) {
  if (text.find_first_of("-:") == std::string_view::npos) return parse_number(text);
  long days = 0;
  std::string_view clock = text;
  if (const auto dash = text.find('-'); dash != std::string_view::npos) {
    const auto parsed_days = parse_count(text.substr(0, dash));
    if (!parsed_days) return std::nullopt;
    days = *parsed_days;
    clock = text.substr(dash + 1);
  }
  const auto parts = split(clock, ':');
  if (parts.size() > 3) return std::nullopt;
  std::vector<long> values;
  for (const auto part : parts) {
    const auto value = parse_count(part);
    if (!value) return std::nullopt;
    values.push_back(*value);
  }
  long hours = 0;
  long minutes = 0;
  long seconds = 0;
  const bool with_days = clock.size() != text.size();
  if (with_days) {
    // D-H, D-H:MM, D-H:MM:SS
    hours = values[0];
    if (values.size() > 1) minutes = values[1];
    if (values.size() > 2) seconds = values[2];
  } else if (values.size() == 3) {
    hours = values[0];
    minutes = values[1];
    seconds = values[2];
  } else {
    // MM:SS (a single number was handled above)
    minutes = values[0];
    seconds = values[1];
  }
  return static_cast<double>(((days * 24 + hours) * 60 + minutes) * 60 + seconds);
}

std::optional<Deadline> find_deadline(const common::Config& config, bool quiet) {
  const auto now = BatchClock::now();
  std::optional<Deadline> deadline;
  const auto consider = [&](double seconds, std::string source) {
    const auto at = now + std::chrono::duration_cast<BatchClock::duration>(
                              std::chrono::duration<double>(seconds));
    if (!deadline || at < deadline->at) deadline = Deadline{at, std::move(source)};
  };
  if (config.run.walltime > 0) {
    consider(config.run.walltime - seconds_since_process_start(), "run.walltime");
  }
  std::string slurm_source;
  if (const auto left = slurm_seconds_left(slurm_source, quiet)) consider(*left, slurm_source);
  return deadline;
}

WalltimeGuard::WalltimeGuard(std::optional<BatchClock::time_point> deadline, double margin_seconds,
                             Refresh refresh, double refresh_seconds)
    : deadline_(deadline),
      margin_seconds_(margin_seconds),
      refresh_(std::move(refresh)),
      refresh_seconds_(refresh_seconds) {}

void WalltimeGuard::refresh_if_due(BatchClock::time_point now) {
  if (!refresh_) return;
  const double since = std::chrono::duration<double>(now - last_refresh_).count();
  if (refresh_seconds_ > 0 && since < refresh_seconds_) return;
  last_refresh_ = now;
  const auto fresh = refresh_();
  if (!fresh) return;  // Slurm did not answer: keep what we knew
  const auto moved = deadline_ ? std::chrono::duration<double>(fresh->at - *deadline_).count() : 0;
  if (!deadline_ || std::abs(moved) >= 1) {
    spdlog::warn("wall-time limit moved: now in {:.0f} s, from {}",
                 std::chrono::duration<double>(fresh->at - now).count(), fresh->source);
  }
  deadline_ = fresh->at;
}

void WalltimeGuard::record_checkpoint(double seconds) {
  longest_checkpoint_seconds_ = std::max(longest_checkpoint_seconds_, seconds);
}

double WalltimeGuard::reserve_seconds() const {
  return std::max(margin_seconds_, kCheckpointSafetyFactor * longest_checkpoint_seconds_);
}

bool WalltimeGuard::must_stop(BatchClock::time_point now) {
  refresh_if_due(now);
  if (!deadline_) return false;
  return std::chrono::duration<double>(*deadline_ - now).count() <= reserve_seconds();
}

WalltimeGuard make_walltime_guard(const common::Config& config, std::optional<Deadline> initial) {
  std::optional<BatchClock::time_point> at;
  if (initial) at = initial->at;
  WalltimeGuard::Refresh refresh;
  if (std::getenv("SLURM_JOB_ID") != nullptr) {
    refresh = [&config] { return find_deadline(config, /*quiet=*/true); };
  }
  return WalltimeGuard(at, config.run.walltime_margin, std::move(refresh), kSlurmRefreshSeconds);
}

void check_restart_count(const common::Config& config, const char* restart_count) {
  if (restart_count == nullptr || *restart_count == '\0') return;
  const auto restarts = parse_count(restart_count);
  if (!restarts) {
    spdlog::warn("SLURM_RESTART_COUNT='{}' is not a count; the restart-count guard is off",
                 restart_count);
    return;
  }
  if (*restarts > config.run.max_restarts) {
    throw common::RestartLimitError(fmt::format(
        "the batch system has restarted this job {} time(s) (SLURM_RESTART_COUNT), more than "
        "run.max_restarts = {}: not starting again, so that a job that makes no progress is "
        "not requeued forever. The checkpoints in '{}' are intact: resubmit the job (its "
        "count starts again at 0) or raise run.max_restarts",
        *restarts, config.run.max_restarts, config.run.output));
  }
  spdlog::info("Slurm restart {} of at most {} (run.max_restarts)", *restarts,
               config.run.max_restarts);
}

}  // namespace evo::master
