// `evocluster inspect`: one labelled line per fact of a checkpoint, the arrays
// summarised (sizes, best individual, last logbook row) rather than dumped.
#include "common/checkpoint_summary.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <optional>
#include <span>
#include <string_view>
#include <system_error>
#include <vector>

namespace evo::common {
namespace {

constexpr std::size_t kGenesShown = 5;

void line(std::string& out, std::string_view label, std::string_view value) {
  out += fmt::format("{:<18}{}\n", label, value);
}

std::string numbers(std::span<const double> values, std::size_t shown) {
  std::vector<std::string> parts;
  for (std::size_t i = 0; i < values.size() && i < shown; ++i) {
    parts.push_back(fmt::format("{:.6g}", values[i]));
  }
  if (values.size() > shown) parts.push_back(fmt::format("... ({} in all)", values.size()));
  return fmt::format("[{}]", fmt::join(parts, ", "));
}

// Index of the evaluated individual with the lowest objective 0 (objectives are minimised).
std::optional<std::size_t> best_index(const Population& population) {
  std::optional<std::size_t> best;
  for (std::size_t i = 0; i < population.size(); ++i) {
    if (population.fitness.size() < (i + 1) * population.objectives) break;
    const double f = population.fitness_of(i)[0];
    if (std::isnan(f)) continue;
    if (!best || f < population.fitness_of(*best)[0]) best = i;
  }
  return best;
}

std::string population_line(const Population& population) {
  return fmt::format("{} individuals x {} genes, {} objective{}", population.size(),
                     population.dimension, population.objectives,
                     population.objectives == 1 ? "" : "s");
}

std::string best_line(const Population& population) {
  const std::optional<std::size_t> best = best_index(population);
  if (!best) return population.size() == 0 ? "-" : "none evaluated";
  return fmt::format("fitness {} (individual {}), genome {}",
                     numbers(population.fitness_of(*best), population.objectives), *best,
                     numbers(population.genome(*best), kGenesShown));
}

}  // namespace

std::string describe_checkpoint(const std::filesystem::path& path, const CheckpointState& state) {
  std::string out;
  std::error_code error;
  const std::uintmax_t size = std::filesystem::file_size(path, error);
  line(out, "file",
       error ? fmt::format("{} (size unknown: {})", path.string(), error.message())
             : fmt::format("{} ({} bytes)", path.string(), size));
  line(out, "format version", fmt::format("{}", state.format_version));
  line(out, "job", fmt::format("{}", state.job));
  line(out, "generation",
       fmt::format("{} completed{}", state.generation,
                   state.final ? " (final: the job is finished)" : ""));
  line(out, "final", state.final ? "yes" : "no");
  line(out, "trigger", state.trigger.empty() ? "-" : state.trigger);
  line(out, "ranks",
       state.ranks_history.empty() ? fmt::format("{}", state.ranks)
                                   : fmt::format("{} (launches so far: {})", state.ranks,
                                                 fmt::join(state.ranks_history, ", ")));
  line(out, "seed", fmt::format("{}", state.seed));
  line(out, "config hash", fmt::format("{:016x}", state.config_hash));
  line(out, "evaluations", fmt::format("{}", state.evaluations));
  line(out, "population", population_line(state.population));
  line(out, "objectives", fmt::format("{}", state.population.objectives));
  line(out, "best", best_line(state.population));
  if (state.in_progress.size() == 0) {
    line(out, "in progress", "- (taken at a generation boundary)");
  } else {
    std::size_t evaluated = 0;
    for (std::size_t i = 0; i < state.in_progress.size(); ++i) {
      if (state.in_progress.fitness.size() >= (i + 1) * state.in_progress.objectives &&
          state.in_progress.evaluated(i)) {
        ++evaluated;
      }
    }
    line(out, "in progress",
         fmt::format("generation {}: {} of {} candidates evaluated ({} evaluations needed)",
                     state.in_progress_generation, evaluated, state.in_progress.size(),
                     state.in_progress_evaluations));
  }
  line(out, "hall of fame",
       fmt::format("{} individuals; best {}", state.hall_of_fame.size(),
                   best_line(state.hall_of_fame)));
  if (state.logbook.rows.empty()) {
    line(out, "logbook", "0 rows");
  } else {
    const LogRecord& last = state.logbook.rows.back();
    line(out, "logbook",
         fmt::format("{} rows; last: gen={} evals={} min={:.6g} avg={:.6g} max={:.6g} "
                     "std={:.6g} wall_s={:.3f} evals_per_s={:.1f}",
                     state.logbook.rows.size(), last.gen, last.evals, last.min, last.avg, last.max,
                     last.std, last.wall_s, last.evals_per_s));
  }
  line(out, "rng",
       fmt::format("{}, {} stream{}", Rng::kEngineName, state.rng.size(),
                   state.rng.size() == 1 ? "" : "s"));
  for (std::size_t rank = 0; rank < state.rng.size(); ++rank) {
    std::vector<std::string> words;
    for (std::uint64_t word : state.rng[rank]) words.push_back(fmt::format("{:016x}", word));
    line(out, fmt::format("  rank {}{}", rank, rank == 0 ? " (master)" : ""),
         fmt::format("{}", fmt::join(words, " ")));
  }
  line(out, "algorithm", state.algorithm.name.empty() ? "-" : state.algorithm.name);
  for (const auto& [name, values] : state.algorithm.reals) {
    line(out, fmt::format("  {}", name), fmt::format("float64[{}]", values.size()));
  }
  for (const auto& [name, values] : state.algorithm.integers) {
    line(out, fmt::format("  {}", name), fmt::format("int64[{}]", values.size()));
  }
  line(out, "config", fmt::format("{} bytes of TOML", state.config_text.size()));
  line(out, "created",
       fmt::format("{} by evocluster {}", state.created_utc.empty() ? "?" : state.created_utc,
                   state.software_version.empty() ? "?" : state.software_version));
  return out;
}

}  // namespace evo::common
