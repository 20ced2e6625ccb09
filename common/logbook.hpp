// Per-generation statistics: kept in memory, stored in checkpoints, mirrored to
// OUT/logbook.csv. The CSV is rewritten from the checkpointed rows on resume, so rows
// written after the last checkpoint by a killed run never survive.
#pragma once

#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "common/population.hpp"

namespace evo::common {

struct LogRecord {
  std::int64_t gen = 0;
  std::int64_t evals = 0;  // evaluations in this generation
  double min = 0;          // of objective 0 over the successful individuals (summarize)
  double avg = 0;
  double max = 0;
  double std = 0;
  std::int64_t failed = 0;  // individuals holding the failure fitness (dispatch.failure_fitness)
  // Run-dependent, like the timing columns (excluded from determinism comparisons):
  std::int64_t retried = 0;  // failed evaluation attempts that were tried again
  double wall_s = 0;         // timing: excluded from determinism comparisons
  double evals_per_s = 0;    // timing
  // Failed evaluation attempts of this generation by class (common::status_name), retried
  // ones included. Run-dependent too: a timeout or a flaky program fails on one run only.
  std::int64_t status_failed = 0;
  std::int64_t status_non_zero_exit = 0;
  std::int64_t status_signaled = 0;
  std::int64_t status_timeout = 0;
  std::int64_t status_garbage = 0;
  std::int64_t status_non_finite = 0;
  // Multi-objective runs only (CSV columns after the timing ones, see logbook_columns_of):
  // min, avg and max of each objective, objective by objective; empty with one objective.
  std::vector<double> objective_stats = {};
  double hypervolume = std::numeric_limits<double>::quiet_NaN();  // nsga2: NaN = no column
};

// Column names in CSV order; the run-dependent columns (retried, wall_s, evals_per_s, then
// the status_* failure counts) come last.
const std::vector<std::string>& logbook_columns();
// The CSV columns of `row`: logbook_columns(), then min_k, avg_k, max_k for every
// objective k when there are several, then hypervolume when the algorithm reports one.
std::vector<std::string> logbook_columns_of(const LogRecord& row);

// Whether individual `i` failed for good: every objective holds `failure_fitness`
// (dispatch.failure_fitness), which is what the dispatcher writes for it. One definition
// for the logbook, the journal's recovery and the failure share.
bool holds_failure_fitness(const Population& population, std::size_t i, double failure_fitness);

// min, avg, max, std (and the per-objective columns) over the evaluated individuals that did
// not fail (holds_failure_fitness);
// `failed` counts the others. When every evaluated individual failed, the statistics are
// those of the failures: min = avg = max = failure_fitness, std = 0. NaN (not evaluated)
// individuals are skipped; with none evaluated at all the four are NaN.
LogRecord summarize(const Population& population, std::int64_t gen, std::int64_t evals,
                    double failure_fitness);

class Logbook {
 public:
  std::vector<LogRecord> rows;

  // Rewrites the whole file durably (tmp + rename); with no rows the file is empty (the
  // header, whose columns depend on the rows, comes with the first row).
  void write_csv(const std::filesystem::path& path) const;
  // Appends one row to an existing file (written by write_csv).
  static void append_csv(const std::filesystem::path& path, const LogRecord& row);
};

}  // namespace evo::common
