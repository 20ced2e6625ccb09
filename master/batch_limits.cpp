#include "master/batch_limits.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
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
std::optional<double> slurm_seconds_left(std::string& source) {
  const char* job_id = std::getenv("SLURM_JOB_ID");
  if (job_id == nullptr || !parse_count(job_id)) return std::nullopt;
  // Newer Slurm exports the end time; 22.05 does not, and squeue's %L is relative, so no
  // time zone is involved.
  if (const char* end = std::getenv("SLURM_JOB_END_TIME")) {
    if (const auto end_epoch = parse_count(end)) {
      source = fmt::format("Slurm job {} ($SLURM_JOB_END_TIME)", job_id);
      const auto now = std::chrono::system_clock::now().time_since_epoch();
      return std::max(0.0,
                      static_cast<double>(*end_epoch) - std::chrono::duration<double>(now).count());
    }
  }
  const auto left = command_output(fmt::format("squeue -h -j {} -o %L 2>/dev/null", job_id));
  if (!left) {
    spdlog::warn(
        "wall-time guard: cannot ask Slurm for the time left of job {} (squeue failed); "
        "relying on run.walltime and on signals",
        job_id);
    return std::nullopt;
  }
  source = fmt::format("Slurm job {} (squeue: {} left)", job_id, *left);
  return parse_duration(*left);
}

}  // namespace

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

std::optional<Deadline> find_deadline(const common::Config& config) {
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
  if (const auto left = slurm_seconds_left(slurm_source)) consider(*left, slurm_source);
  return deadline;
}

WalltimeGuard::WalltimeGuard(BatchClock::time_point deadline, double margin_seconds)
    : deadline_(deadline), margin_seconds_(margin_seconds) {}

void WalltimeGuard::record_checkpoint(double seconds) {
  longest_checkpoint_seconds_ = std::max(longest_checkpoint_seconds_, seconds);
}

double WalltimeGuard::reserve_seconds() const {
  return std::max(margin_seconds_, kCheckpointSafetyFactor * longest_checkpoint_seconds_);
}

bool WalltimeGuard::must_stop(BatchClock::time_point now) const {
  if (!deadline_) return false;
  return std::chrono::duration<double>(*deadline_ - now).count() <= reserve_seconds();
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
