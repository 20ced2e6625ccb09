// Logbook: per-generation statistics and their CSV mirror. Doubles are written in the
// shortest form that reads back to the same value (fmt "{}"), so a CSV written by a
// resumed run compares byte for byte with one from an uninterrupted run.
#include "common/logbook.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string_view>

#include "common/error.hpp"

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

[[noreturn]] void io_failure(const std::string& action, const std::filesystem::path& path,
                             int error) {
  throw Error(
      fmt::format("logbook: cannot {} {}: {}", action, path.string(), std::strerror(error)));
}

void write_all(int fd, std::string_view text, const std::filesystem::path& path) {
  while (!text.empty()) {
    const ssize_t written = ::write(fd, text.data(), text.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      const int error = errno;
      ::close(fd);
      io_failure("write", path, error);
    }
    text.remove_prefix(static_cast<std::size_t>(written));
  }
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

LogRecord summarize(const Population& population, std::int64_t gen, std::int64_t evals) {
  LogRecord row;
  row.gen = gen;
  row.evals = evals;
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  row.min = row.avg = row.max = row.std = kNaN;
  if (population.objectives == 0) return row;

  // Two passes (mean, then squared deviations) in index order: accurate and reproducible.
  std::size_t n = 0;
  double sum = 0;
  for (std::size_t i = 0; i < population.size(); ++i) {
    const double value = population.fitness[i * population.objectives];
    if (std::isnan(value)) continue;
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
    const double value = population.fitness[i * population.objectives];
    if (std::isnan(value)) continue;
    squares += (value - row.avg) * (value - row.avg);
  }
  row.std = std::sqrt(squares / count);  // population standard deviation
  if (population.objectives > 1) {
    for (std::size_t k = 0; k < population.objectives; ++k) {
      double low = kNaN;
      double high = kNaN;
      double total = 0;
      for (std::size_t i = 0; i < population.size(); ++i) {
        const double value = population.fitness[i * population.objectives + k];
        if (std::isnan(value)) continue;
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

  std::filesystem::path tmp = path;
  tmp += ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) io_failure("create", tmp, errno);
  write_all(fd, text, tmp);
  if (::fsync(fd) != 0) {
    const int error = errno;
    ::close(fd);
    io_failure("fsync", tmp, error);
  }
  if (::close(fd) != 0) io_failure("close", tmp, errno);
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    throw Error(fmt::format("logbook: cannot rename {} to {}: {}", tmp.string(), path.string(),
                            ec.message()));
  }
  // Make the rename itself durable; best effort, as a logbook is rebuilt from checkpoints.
  const std::filesystem::path directory =
      path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  const int dir_fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
}

void Logbook::append_csv(const std::filesystem::path& path, const LogRecord& row) {
  // A missing or empty file gets its header first, so the file is always a complete CSV.
  std::error_code ec;
  const bool empty =
      !std::filesystem::exists(path, ec) || std::filesystem::file_size(path, ec) == 0;
  std::FILE* file = std::fopen(path.c_str(), "ab");
  if (file == nullptr) io_failure("open", path, errno);
  std::string text;
  if (empty) text = header_line(row);
  text += row_line(row);
  const bool written =
      std::fwrite(text.data(), 1, text.size(), file) == text.size() && std::fflush(file) == 0;
  const int error = errno;
  if (std::fclose(file) != 0 || !written) io_failure("append to", path, written ? errno : error);
}

}  // namespace evo::common
