// The names of the checkpoint schema (docs/checkpoint-format.md) that the writer, the
// reader and the structure check must agree on: root attributes, groups, and the logbook
// columns with the LogRecord field each one holds. No HDF5 here.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "common/logbook.hpp"

namespace evo::common {

// stop_reason is optional on read (files written before it existed lack it).
inline constexpr std::array<const char*, 12> kCheckpointRootAttributes = {
    "format_version", "generation",  "job",         "ranks",       "final",
    "seed",           "config_hash", "evaluations", "created_utc", "software_version",
    "trigger",        "stop_reason"};
inline constexpr std::array<const char*, 8> kCheckpointGroups = {
    "population", "hall_of_fame", "in_progress", "logbook", "rng", "algorithm", "config", "run"};

// Logbook columns: schema name -> LogRecord field.
struct LogColumn {
  std::string_view name;
  std::int64_t LogRecord::*integer = nullptr;
  double LogRecord::*real = nullptr;
};

inline constexpr std::array<LogColumn, 16> kLogColumns = {{
    {"gen", &LogRecord::gen, nullptr},
    {"evals", &LogRecord::evals, nullptr},
    {"min", nullptr, &LogRecord::min},
    {"avg", nullptr, &LogRecord::avg},
    {"max", nullptr, &LogRecord::max},
    {"std", nullptr, &LogRecord::std},
    {"failed", &LogRecord::failed, nullptr},
    {"retried", &LogRecord::retried, nullptr},
    {"wall_s", nullptr, &LogRecord::wall_s},
    {"evals_per_s", nullptr, &LogRecord::evals_per_s},
    {"status_failed", &LogRecord::status_failed, nullptr},
    {"status_non_zero_exit", &LogRecord::status_non_zero_exit, nullptr},
    {"status_signaled", &LogRecord::status_signaled, nullptr},
    {"status_timeout", &LogRecord::status_timeout, nullptr},
    {"status_garbage", &LogRecord::status_garbage, nullptr},
    {"status_non_finite", &LogRecord::status_non_finite, nullptr},
}};

inline const LogColumn* find_log_column(std::string_view name) {
  for (const LogColumn& column : kLogColumns) {
    if (column.name == name) return &column;
  }
  return nullptr;
}

}  // namespace evo::common
