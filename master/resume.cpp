#include "master/resume.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>
#include <sstream>
#include <tuple>

#include "common/checkpoint_store.hpp"
#include "common/error.hpp"
#include "common/utc_time.hpp"

namespace evo::master {
namespace fs = std::filesystem;

fs::path job_directory(const fs::path& output, int job, int jobs) {
  return jobs > 1 ? output / fmt::format("job.{}", job) : output;
}

namespace {

// The "section.key = value" lines of a resolved config (common::to_toml writes one key per
// line under its [section] header), so that a difference names the whole key.
std::set<std::string> lines_of(const std::string& text) {
  std::set<std::string> lines;
  std::istringstream stream(text);
  std::string section;
  for (std::string line; std::getline(stream, line);) {
    if (line.empty()) continue;
    if (line.front() == '[' && line.back() == ']') {
      section = line.substr(1, line.size() - 2);
      continue;
    }
    lines.insert(section.empty() ? line : section + "." + line);
  }
  return lines;
}

// "section.key = value" lines of the resolved config that differ between the two texts.
std::string describe_differences(const std::string& now, const std::string& then) {
  const auto now_lines = lines_of(now);
  const auto then_lines = lines_of(then);
  std::string out;
  for (const auto& line : then_lines) {
    if (!now_lines.contains(line)) out += fmt::format("\n  checkpoint: {}", line);
  }
  for (const auto& line : now_lines) {
    if (!then_lines.contains(line)) out += fmt::format("\n  config now: {}", line);
  }
  return out;
}

// The result-shaping keys of a checkpoint's stored config, so that keys that may change on
// resume (run.generations, checkpoint.*, ...) are not listed as reasons; the whole text if
// it no longer parses (written by another version).
std::string result_shaping_text(const std::string& stored_config) {
  try {
    return common::result_text(common::parse_config(stored_config, "checkpoint config"));
  } catch (const common::Error&) {
    return stored_config;
  }
}

// The jobs whose directory exists, newest first: read from OUT rather than counted down from
// run.jobs, which may be in the billions (every job but 0 has its own OUT/job.J).
std::vector<int> jobs_present(const fs::path& output, int jobs) {
  if (jobs == 1) return {0};
  std::vector<int> present;
  std::error_code error;  // an unreadable OUT has no job directory to resume
  for (const auto& [job, directory] : common::job_directories(output, error)) {
    if (job < static_cast<std::uint64_t>(jobs)) present.push_back(static_cast<int>(job));
  }
  std::reverse(present.begin(), present.end());
  return present;
}

}  // namespace

void check_compatible(const common::Config& config, const common::CheckpointState& state,
                      const fs::path& path, bool allow_change) {
  const std::uint64_t expected = common::result_hash(config);
  if (state.config_hash == expected) return;
  const std::string differences =
      describe_differences(common::result_text(config), result_shaping_text(state.config_text));
  if (allow_change) {
    spdlog::warn(
        "--allow-config-change: resuming {} under a changed configuration; the run is "
        "no longer reproducible from either config alone. Differences:{}",
        path.string(), differences);
    return;
  }
  throw common::IncompatibleCheckpointError(fmt::format(
      "{} was written with another configuration (config hash {:016x}, now {:016x}). "
      "Only run.generations, the stopping rules (run.target_fitness, run.max_evaluations, "
      "run.stagnation_*), run.output, the batch limits (run.walltime, "
      "run.walltime_margin, run.max_restarts), checkpoint.*, dispatch.batch/in_flight and the "
      "command timeouts and scratch settings may change on resume; "
      "use --fresh to start a new run, or --allow-config-change to resume anyway. "
      "Differences:{}",
      path.string(), state.config_hash, expected, differences));
}

ResumePoint find_resume_point(const common::Config& config, const RunOptions& options) {
  if (options.resume) {
    const fs::path& path = *options.resume;
    std::error_code error;
    if (!fs::is_regular_file(path, error)) {
      throw common::NoCheckpointError(
          fmt::format("--resume {}: {}", path.string(),
                      fs::exists(path, error) ? "not a regular file" : "no such file"));
    }
    ResumePoint point;
    try {
      point.state = common::read_checkpoint(path);
    } catch (const common::IncompatibleCheckpointError&) {
      throw;
    } catch (const common::Error& e) {
      throw common::NoCheckpointError(fmt::format("--resume {}: {}", path.string(), e.what()));
    }
    check_compatible(config, *point.state, path, options.allow_config_change);
    if (point.state->job >= config.run.jobs) {
      throw common::IncompatibleCheckpointError(
          fmt::format("{} belongs to job {}, but run.jobs = {}", path.string(), point.state->job,
                      config.run.jobs));
    }
    point.job = point.state->job;
    point.path = path;
    return point;
  }
  // The newest job that has checkpoint files is the one that was running.
  for (const int job : jobs_present(options.output, config.run.jobs)) {
    common::CheckpointStore store(
        job_directory(options.output, job, config.run.jobs) / "checkpoints",
        config.checkpoint.keep);
    const auto files = store.list();
    if (files.empty()) continue;
    auto found = store.newest_intact([](const fs::path& path, const std::string& reason) {
      spdlog::warn("skipping damaged checkpoint {}: {}", path.string(), reason);
    });
    if (!found) {
      throw common::NoCheckpointError(fmt::format(
          "{} holds {} checkpoint file(s) but none is intact; refusing to start over silently "
          "(use --fresh to start a new run, or --resume CKPT)",
          store.directory().string(), files.size()));
    }
    check_compatible(config, found->state, found->path, options.allow_config_change);
    if (found->state.job != job) {
      // Intact and of this config, but another job's: a file copied into the wrong job
      // directory. An older file of the directory would not explain it either.
      throw common::IncompatibleCheckpointError(
          fmt::format("{} holds job {}, but it is in the directory of job {}", found->path.string(),
                      found->state.job, job));
    }
    return ResumePoint{job, std::move(found->state), found->path};
  }
  return ResumePoint{};
}

void refuse_rewind(const common::Config& config, const RunOptions& options,
                   const ResumePoint& named) {
  if (!named.state) return;
  RunOptions automatic = options;
  automatic.resume.reset();
  ResumePoint newest;
  try {
    newest = find_resume_point(config, automatic);
  } catch (const common::Error&) {
    // OUT's own checkpoints are damaged or of another config: naming a file is how one
    // recovers from that, so nothing newer is known to be lost.
    return;
  }
  if (!newest.state) return;
  std::error_code error;
  if (fs::equivalent(newest.path, named.path, error)) return;
  const auto progress = [](const ResumePoint& point) {
    return std::tuple(point.job, point.state->generation, point.state->final ? 1 : 0);
  };
  if (progress(newest) <= progress(named)) return;
  throw common::ConfigError(fmt::format(
      "--resume {}: job {} generation {} is older than {} (job {} generation {}{}) in {}; "
      "resuming it there would rewind the run: the later checkpoints would be pruned and "
      "logbook.csv cut back. Continue from it into another directory with --out DIR (the "
      "checkpoint is read where it is), or move {} aside first",
      named.path.string(), named.job, named.state->generation, newest.path.string(), newest.job,
      newest.state->generation, newest.state->final ? ", final" : "", options.output.string(),
      options.output.string()));
}

void archive_previous_results(const fs::path& output) {
  if (!fs::exists(output)) return;
  std::vector<fs::path> previous;
  for (const auto& entry : fs::directory_iterator(output)) {
    const std::string name = entry.path().filename().string();
    if (name == "checkpoints" || name == "logbook.csv" || name.starts_with("job.")) {
      previous.push_back(entry.path());
    }
  }
  if (previous.empty()) return;
  const fs::path archive = output / ("previous-" + common::utc_now("%Y%m%dT%H%M%SZ"));
  fs::create_directories(archive);
  for (const auto& path : previous) fs::rename(path, archive / path.filename());
  spdlog::info("--fresh: earlier results moved to {}", archive.string());
}

}  // namespace evo::master
