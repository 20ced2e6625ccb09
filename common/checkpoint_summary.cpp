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
#include <utility>
#include <vector>

#include "common/config.hpp"
#include "common/error.hpp"
#include "common/stopping_rules.hpp"

namespace evo::common {
namespace {

// The value column starts here unless a label is longer (an algorithm's array names).
constexpr std::size_t kValueColumn = 18;

// Lines are collected first so that every value starts in the same column.
struct Lines {
  std::vector<std::pair<std::string, std::string>> rows;
  void add(std::string label, std::string value) {
    rows.emplace_back(std::move(label), std::move(value));
  }
  std::string text() const {
    std::size_t width = kValueColumn;
    for (const auto& row : rows) width = std::max(width, row.first.size() + 2);
    std::string out;
    for (const auto& [label, value] : rows) out += fmt::format("{:<{}}{}\n", label, width, value);
    return out;
  }
};

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

std::string best_line(const Population& population, std::size_t genes_shown) {
  const std::optional<std::size_t> best = best_index(population);
  if (!best) return population.size() == 0 ? "-" : "none evaluated";
  return fmt::format("fitness {} (individual {}), genome {}",
                     numbers(population.fitness_of(*best), population.objectives), *best,
                     numbers(population.genome(*best), genes_shown));
}

// A stopping rule's reason with what made it hold ("target_fitness (best 0.009 <= ...)"),
// judged again on the file's own config and logbook, as the validator did.
std::string stop_reason_line(const CheckpointState& state) {
  if (state.stop_reason.empty()) return "-";
  if (!is_stopping_rule(state.stop_reason)) return state.stop_reason;
  try {
    const Config config = parse_config(state.config_text, "/config/text");
    if (const auto verdict = stopping_rule_verdict(state.stop_reason, config.run, state.logbook,
                                                   state.evaluations)) {
      return fmt::format("{} ({})", state.stop_reason, verdict->detail);
    }
  } catch (const ConfigError&) {
    // Shown as it is: verify names what is wrong with the file.
  }
  return state.stop_reason;
}

}  // namespace

std::string describe_checkpoint(const std::filesystem::path& path, const CheckpointState& state,
                                std::size_t genes_shown) {
  Lines out;
  std::error_code error;
  const std::uintmax_t size = std::filesystem::file_size(path, error);
  out.add("file", error ? fmt::format("{} (size unknown: {})", path.string(), error.message())
                        : fmt::format("{} ({} bytes)", path.string(), size));
  out.add("format version", fmt::format("{}", state.format_version));
  out.add("job", fmt::format("{}", state.job));
  out.add("generation", fmt::format("{} completed{}", state.generation,
                                    state.final ? " (final: the job is finished)" : ""));
  out.add("final", state.final ? "yes" : "no");
  out.add("trigger", state.trigger.empty() ? "-" : state.trigger);
  if (state.final) out.add("stop reason", stop_reason_line(state));
  out.add("ranks", state.ranks_history.empty()
                       ? fmt::format("{}", state.ranks)
                       : fmt::format("{} (launches so far: {})", state.ranks,
                                     fmt::join(state.ranks_history, ", ")));
  out.add("seed", fmt::format("{}", state.seed));
  out.add("config hash", fmt::format("{:016x}", state.config_hash));
  out.add("evaluations", fmt::format("{}", state.evaluations));
  out.add("population", population_line(state.population));
  out.add("objectives", fmt::format("{}", state.population.objectives));
  out.add("best", best_line(state.population, genes_shown));
  if (state.in_progress.size() == 0) {
    out.add("in progress", "- (taken at a generation boundary)");
  } else {
    std::size_t evaluated = 0;
    for (std::size_t i = 0; i < state.in_progress.size(); ++i) {
      if (state.in_progress.fitness.size() >= (i + 1) * state.in_progress.objectives &&
          state.in_progress.evaluated(i)) {
        ++evaluated;
      }
    }
    out.add("in progress",
            fmt::format("generation {}: {} of {} candidates evaluated ({} evaluations needed)",
                        state.in_progress_generation, evaluated, state.in_progress.size(),
                        state.in_progress_evaluations));
  }
  out.add("hall of fame", fmt::format("{} individuals; best {}", state.hall_of_fame.size(),
                                      best_line(state.hall_of_fame, genes_shown)));
  if (state.logbook.rows.empty()) {
    out.add("logbook", "0 rows");
  } else {
    const LogRecord& last = state.logbook.rows.back();
    out.add("logbook",
            fmt::format("{} rows; last: gen={} evals={} min={:.6g} avg={:.6g} max={:.6g} "
                        "std={:.6g} wall_s={:.3f} evals_per_s={:.1f}",
                        state.logbook.rows.size(), last.gen, last.evals, last.min, last.avg,
                        last.max, last.std, last.wall_s, last.evals_per_s));
  }
  out.add("rng", fmt::format("{}, {} stream{}", Rng::kEngineName, state.rng.size(),
                             state.rng.size() == 1 ? "" : "s"));
  for (std::size_t rank = 0; rank < state.rng.size(); ++rank) {
    std::vector<std::string> words;
    for (std::uint64_t word : state.rng[rank]) words.push_back(fmt::format("{:016x}", word));
    out.add(fmt::format("  rank {}{}", rank, rank == 0 ? " (master)" : ""),
            fmt::format("{}", fmt::join(words, " ")));
  }
  out.add("algorithm", state.algorithm.name.empty() ? "-" : state.algorithm.name);
  for (const auto& [name, values] : state.algorithm.reals) {
    out.add(fmt::format("  {}", name), fmt::format("float64[{}]", values.size()));
  }
  for (const auto& [name, values] : state.algorithm.integers) {
    out.add(fmt::format("  {}", name), fmt::format("int64[{}]", values.size()));
  }
  out.add("config", fmt::format("{} bytes of TOML", state.config_text.size()));
  out.add("created",
          fmt::format("{} by evocluster {}", state.created_utc.empty() ? "?" : state.created_utc,
                      state.software_version.empty() ? "?" : state.software_version));
  return out.text();
}

}  // namespace evo::common
