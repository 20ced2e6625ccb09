// Logbook: per-generation statistics and their CSV mirror. Doubles are written in the
// shortest form that reads back to the same value (fmt "{}"), so a CSV written by a
// resumed run compares byte for byte with one from an uninterrupted run.
#include "common/logbook.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <system_error>

#include "common/durable_file.hpp"

namespace evo::common {
namespace {

std::string header_line(const LogRecord& row) {
  std::string line;
  for (const std::string& column : logbook_columns_of(row)) {
    if (!line.empty()) line += ',';
    line += column;
  }
  line += '\n';
  return line;
}

// Same column order as logbook_columns().
std::string row_line(const LogRecord& row) {
  std::string line =
      fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}", row.gen, row.evals, row.min,
                  row.avg, row.max, row.std, row.failed, row.retried, row.wall_s, row.evals_per_s,
                  row.status_failed, row.status_non_zero_exit, row.status_signaled,
                  row.status_timeout, row.status_garbage, row.status_non_finite);
  for (double value : row.objective_stats) line += fmt::format(",{}", value);
  if (!std::isnan(row.hypervolume)) line += fmt::format(",{}", row.hypervolume);
  line += '\n';
  return line;
}

}  // namespace

const std::vector<std::string>& logbook_columns() {
  static const std::vector<std::string> columns = {"gen",
                                                   "evals",
                                                   "min",
                                                   "avg",
                                                   "max",
                                                   "std",
                                                   "failed",
                                                   "retried",
                                                   "wall_s",
                                                   "evals_per_s",
                                                   "status_failed",
                                                   "status_non_zero_exit",
                                                   "status_signaled",
                                                   "status_timeout",
                                                   "status_garbage",
                                                   "status_non_finite"};
  return columns;
}

std::vector<std::string> logbook_columns_of(const LogRecord& row) {
  std::vector<std::string> columns = logbook_columns();
  for (std::size_t k = 0; k < row.objective_stats.size() / 3; ++k) {
    for (const char* stat : {"min", "avg", "max"}) columns.push_back(fmt::format("{}_{}", stat, k));
  }
  if (!std::isnan(row.hypervolume)) columns.emplace_back("hypervolume");
  return columns;
}

bool holds_failure_fitness(const Population& population, std::size_t i, double failure_fitness) {
  const auto fitness = population.fitness_of(i);
  return std::all_of(fitness.begin(), fitness.end(),
                     [&](double value) { return value == failure_fitness; });
}

LogRecord summarize(const Population& population, std::int64_t gen, std::int64_t evals,
                    double failure_fitness) {
  LogRecord row;
  row.gen = gen;
  row.evals = evals;
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  row.min = row.avg = row.max = row.std = kNaN;
  if (population.objectives == 0) return row;

  const std::size_t objectives = population.objectives;
  std::size_t evaluated = 0;
  for (std::size_t i = 0; i < population.size(); ++i) {
    const double value = population.fitness[i * objectives];
    if (std::isnan(value)) continue;
    ++evaluated;
    if (holds_failure_fitness(population, i, failure_fitness)) ++row.failed;
  }
  // Statistics of the successful evaluations; when every one failed, those of the failures
  // (min = avg = max = the failure fitness, std 0): finite either way, and `failed` says it.
  const bool only_failures = evaluated > 0 && static_cast<std::size_t>(row.failed) == evaluated;
  const auto counted = [&](std::size_t i) {
    return !std::isnan(population.fitness[i * objectives]) &&
           (only_failures || !holds_failure_fitness(population, i, failure_fitness));
  };
  // Two passes (mean, then squared deviations) in index order: accurate and reproducible.
  std::size_t n = 0;
  double sum = 0;
  for (std::size_t i = 0; i < population.size(); ++i) {
    if (!counted(i)) continue;
    const double value = population.fitness[i * objectives];
    if (n == 0 || value < row.min) row.min = value;
    if (n == 0 || value > row.max) row.max = value;
    sum += value;
    ++n;
  }
  if (n == 0) return row;
  const double count = static_cast<double>(n);
  row.avg = sum / count;
  double squares = 0;
  for (std::size_t i = 0; i < population.size(); ++i) {
    if (!counted(i)) continue;
    const double value = population.fitness[i * objectives];
    squares += (value - row.avg) * (value - row.avg);
  }
  row.std = std::sqrt(squares / count);  // population standard deviation
  if (objectives > 1) {
    for (std::size_t k = 0; k < objectives; ++k) {
      double low = kNaN;
      double high = kNaN;
      double total = 0;
      for (std::size_t i = 0; i < population.size(); ++i) {
        if (!counted(i)) continue;
        const double value = population.fitness[i * objectives + k];
        if (std::isnan(low) || value < low) low = value;
        if (std::isnan(high) || value > high) high = value;
        total += value;
      }
      row.objective_stats.insert(row.objective_stats.end(), {low, total / count, high});
    }
  }
  return row;
}

void Logbook::write_csv(const std::filesystem::path& path) const {
  std::string text = rows.empty() ? std::string() : header_line(rows.front());
  for (const LogRecord& row : rows) text += row_line(row);
  replace_file_durably(path, bytes_of(text));
}

void Logbook::append_csv(const std::filesystem::path& path, const LogRecord& row) {
  // A missing or empty file gets its header first, so the file is always a complete CSV.
  std::error_code ec;
  const bool empty =
      !std::filesystem::exists(path, ec) || std::filesystem::file_size(path, ec) == 0;
  std::string text;
  if (empty) text = header_line(row);
  text += row_line(row);
  append_to_file(path, bytes_of(text));
}

}  // namespace evo::common
