#include "master/size_limits.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <optional>
#include <sstream>
#include <string_view>

#include "common/algorithm_catalog.hpp"
#include "common/error.hpp"
#include "common/logbook.hpp"
#include "common/messages.hpp"
#include "common/transport.hpp"
#include "master/dispatcher.hpp"

namespace evo::master {
namespace {

constexpr ByteCount kSaturated = ~ByteCount{0};
constexpr ByteCount kDoubleBytes = sizeof(double);

// Saturating: a product that does not fit in 128 bits is kSaturated, never wrapped.
ByteCount product(std::initializer_list<ByteCount> factors) {
  ByteCount result = 1;
  for (const ByteCount factor : factors) {
    if (__builtin_mul_overflow(result, factor, &result)) return kSaturated;
  }
  return result;
}

ByteCount sum(ByteCount a, ByteCount b) {
  ByteCount result = 0;
  return __builtin_add_overflow(a, b, &result) ? kSaturated : result;
}

std::string decimal(ByteCount value) {
  if (value == 0) return "0";
  std::string digits;
  for (; value > 0; value /= 10) digits.push_back(static_cast<char>('0' + value % 10));
  std::reverse(digits.begin(), digits.end());
  return digits;
}

// 2^exponent, kSaturated from 2^128 on.
ByteCount power_of_two(std::int64_t exponent) {
  return exponent >= 128 ? kSaturated : ByteCount{1} << exponent;
}

// Limits this large mean "none" (cgroup v1 reports 2^63 rounded down to a page).
constexpr std::uint64_t kNoLimit = std::uint64_t{1} << 62;

void consider(MemoryLimit& limit, std::uint64_t bytes, std::string source) {
  if (bytes == 0 || bytes >= kNoLimit || bytes >= limit.bytes) return;
  limit.bytes = bytes;
  limit.source = std::move(source);
}

std::optional<std::uint64_t> read_limit_file(const std::string& path) {
  std::ifstream file(path);
  std::string text;
  if (!(file >> text) || text == "max") return std::nullopt;
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// The memory limit of the cgroup `relative` (a path from /proc/self/cgroup) and of each
// of its ancestors: a parent's limit binds its children too.
void consider_cgroup(MemoryLimit& limit, const std::string& mount, std::string relative,
                     const std::string& file_name) {
  for (;;) {
    const std::string path = mount + relative + (relative.ends_with('/') ? "" : "/") + file_name;
    if (const auto bytes = read_limit_file(path)) {
      consider(limit, *bytes, fmt::format("the cgroup memory limit ({})", path));
    }
    if (relative.empty() || relative == "/") return;
    const auto slash = relative.find_last_of('/');
    relative = slash == std::string::npos || slash == 0 ? "/" : relative.substr(0, slash);
  }
}

}  // namespace

MemoryLimit cgroup_memory_limit(std::string_view proc_self_cgroup, const std::string& root) {
  MemoryLimit limit;
  std::istringstream lines{std::string(proc_self_cgroup)};
  for (std::string line; std::getline(lines, line);) {
    // "ID:CONTROLLERS:PATH"; cgroup v2 is "0::PATH".
    const auto first = line.find(':');
    const auto second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    const std::string controllers = line.substr(first + 1, second - first - 1);
    const std::string path = line.substr(second + 1);
    if (controllers.empty()) {
      consider_cgroup(limit, root, path, "memory.max");
      consider_cgroup(limit, root + "/unified", path, "memory.max");
    }
    std::istringstream names(controllers);
    for (std::string name; std::getline(names, name, ',');) {
      if (name == "memory") {
        consider_cgroup(limit, root + "/memory", path, "memory.limit_in_bytes");
      }
    }
  }
  return limit;
}

namespace {

std::string individuals(ByteCount count, std::uint64_t dimension, std::uint64_t objectives) {
  return fmt::format("{} individuals x ({} genes + {} objective value{}) x 8 bytes", decimal(count),
                     dimension, objectives, objectives == 1 ? "" : "s");
}

}  // namespace

std::uint32_t max_dimension() {
  return static_cast<std::uint32_t>(
      (common::kMaxMessageBytes - common::single_task_message_bytes(0)) / sizeof(double));
}

std::string describe_bytes(ByteCount bytes) {
  constexpr std::array<std::string_view, 6> kUnits = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  auto scaled = static_cast<double>(bytes);
  std::string_view unit;
  for (std::size_t i = 0; i < kUnits.size() && scaled >= 1024; ++i) {
    scaled /= 1024;
    unit = kUnits[i];
  }
  if (unit.empty()) return fmt::format("{} bytes", decimal(bytes));
  return fmt::format("{} bytes ({:.1f} {})", decimal(bytes), scaled, unit);
}

MemoryLimit memory_limit() {
  MemoryLimit limit;
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page_size = sysconf(_SC_PAGE_SIZE);
  if (pages > 0 && page_size > 0) {
    consider(limit, static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page_size),
             "the physical memory of this machine");
  }
  for (const auto& [resource, name] : {std::pair{RLIMIT_AS, "RLIMIT_AS (ulimit -v)"},
                                       std::pair{RLIMIT_DATA, "RLIMIT_DATA (ulimit -d)"}}) {
    rlimit value{};
    if (getrlimit(resource, &value) == 0 && value.rlim_cur != RLIM_INFINITY) {
      consider(limit, static_cast<std::uint64_t>(value.rlim_cur), name);
    }
  }
  std::ifstream file("/proc/self/cgroup");
  const std::string cgroups{std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
  const MemoryLimit cgroup = cgroup_memory_limit(cgroups, "/sys/fs/cgroup");
  consider(limit, cgroup.bytes, cgroup.source);
  return limit;
}

std::vector<MemoryPart> master_memory(const common::Config& config) {
  const common::AlgorithmConfig& a = config.algorithm;
  const auto d = static_cast<std::uint64_t>(config.problem.dimension);
  const auto objectives = static_cast<std::uint64_t>(common::objective_count(config));
  const ByteCount individual = product({d + objectives, kDoubleBytes});
  const auto population = static_cast<std::uint64_t>(a.population);
  std::vector<MemoryPart> parts;
  const auto add = [&](std::string what, std::string keys, ByteCount bytes) {
    parts.push_back({std::move(what), std::move(keys), bytes});
  };
  // The most individuals one generation holds (what the hall of fame can fill up from).
  ByteCount generation = population;
  const common::AlgorithmInfo& info = common::algorithm_info(a.name);
  switch (info.kind) {
    case common::AlgorithmKind::kSimple:
    case common::AlgorithmKind::kDe: {
      const ByteCount count = product({2, population});
      add("population and offspring: " + individuals(count, d, objectives),
          "algorithm.population, problem.dimension", product({count, individual}));
      break;
    }
    case common::AlgorithmKind::kSteadyState:
      add("population: " + individuals(population, d, objectives),
          "algorithm.population, problem.dimension", product({population, individual}));
      break;
    case common::AlgorithmKind::kMuPlusLambda:
    case common::AlgorithmKind::kMuCommaLambda: {
      // master/mu_lambda.cpp: mu defaults to the population, lambda to 2 mu.
      const std::uint64_t mu = a.mu > 0 ? static_cast<std::uint64_t>(a.mu) : population;
      const ByteCount lambda =
          a.lambda > 0 ? ByteCount{static_cast<std::uint64_t>(a.lambda)} : product({2, mu});
      const ByteCount count = sum(mu, lambda);
      generation = std::max<ByteCount>(mu, lambda);
      add(fmt::format("parents and offspring (mu {} + lambda {}): {}", mu, decimal(lambda),
                      individuals(count, d, objectives)),
          "algorithm.population, algorithm.mu, algorithm.lambda, problem.dimension",
          product({count, individual}));
      break;
    }
    case common::AlgorithmKind::kNsga2: {
      const ByteCount count = product({2, population});
      add("parents and offspring: " + individuals(count, d, objectives),
          "algorithm.population, problem.dimension", product({count, individual}));
      // Deb's fast non-dominated sort over parents + offspring: for each, the list of
      // those it dominates and a count (the lists' contents, up to n^2, not counted).
      add(fmt::format("non-dominated sorting of {} individuals", decimal(count)),
          "algorithm.population",
          product({count, sizeof(std::vector<std::size_t>) + sizeof(std::size_t)}));
      break;
    }
    case common::AlgorithmKind::kCmaes: {
      // master/cmaes.cpp: lambda = 4 + floor(3 ln n) by default, doubled by each IPOP
      // restart; the last restart's samples must fit too.
      const ByteCount base =
          a.lambda > 0
              ? static_cast<std::uint64_t>(a.lambda)
              : 4 + static_cast<std::uint64_t>(std::floor(3.0 * std::log(static_cast<double>(d))));
      const ByteCount lambda = product({base, power_of_two(a.cmaes_restarts)});
      generation = lambda;
      add(fmt::format("samples (lambda {} after {} IPOP restart{}): {}", decimal(lambda),
                      a.cmaes_restarts, a.cmaes_restarts == 1 ? "" : "s",
                      individuals(lambda, d, objectives)),
          "algorithm.lambda, algorithm.cmaes_restarts, problem.dimension",
          product({lambda, individual}));
      add(fmt::format("covariance matrix, its eigenvectors and C^-1/2: 3 matrices of {} x {} "
                      "doubles",
                      d, d),
          "problem.dimension", product({3, d, d, kDoubleBytes}));
      break;
    }
  }
  if (!info.multi_objective) {
    const ByteCount kept =
        std::min<ByteCount>(static_cast<std::uint64_t>(config.run.hall_of_fame), generation);
    add("hall of fame: " + individuals(kept, d, objectives), "run.hall_of_fame, problem.dimension",
        product({kept, individual}));
  }
  // One row per generation (gen 0 included), kept for every checkpoint; per-objective
  // statistics (min, avg, max) for several objectives.
  const ByteCount rows = static_cast<std::uint64_t>(config.run.generations) + 1;
  const ByteCount row = sizeof(common::LogRecord) + (objectives > 1 ? 3 * objectives * 8 : 0);
  add(fmt::format("logbook: {} rows", decimal(rows)), "run.generations", product({rows, row}));
  return parts;
}

std::vector<std::string> size_violations(const common::Config& config, const MemoryLimit& limit) {
  std::vector<std::string> violations;
  const auto d = static_cast<std::uint32_t>(config.problem.dimension);
  if (d > max_dimension()) {
    violations.push_back(fmt::format(
        "problem.dimension = {}: one genome is a task message of {}, over MPI's limit of {} "
        "per message (genes travel as 8-byte doubles, whatever genome.type); problem.dimension "
        "can be at most {}",
        d, describe_bytes(common::single_task_message_bytes(d)),
        describe_bytes(common::kMaxMessageBytes), max_dimension()));
  }
  // The dispatcher's largest batch (an explicit dispatch.batch or its own cap, never more
  // than largest_batch allows for the genome) comes back as one message of results.
  const auto objectives = static_cast<std::uint32_t>(common::objective_count(config));
  const std::size_t batch = std::min(
      config.dispatch.batch > 0 ? static_cast<std::size_t>(config.dispatch.batch) : kMaxBatch,
      largest_batch(d));
  const ByteCount results = sum(common::result_header_bytes(),
                                product({batch, common::result_bytes_per_task(objectives)}));
  if (results > common::kMaxMessageBytes) {
    violations.push_back(fmt::format(
        "{} objectives per result{}: the largest batch, {} results, is a message of {}, over "
        "MPI's limit of {} per message; lower dispatch.batch to at most {} (or the number of "
        "objectives)",
        objectives,
        config.dispatch.batch > 0 ? fmt::format(" and dispatch.batch = {}", config.dispatch.batch)
                                  : "",
        batch, describe_bytes(results), describe_bytes(common::kMaxMessageBytes),
        (common::kMaxMessageBytes - common::result_header_bytes()) /
            common::result_bytes_per_task(objectives)));
  }
  const std::vector<MemoryPart> parts = master_memory(config);
  ByteCount total = 0;
  for (const MemoryPart& part : parts) total = sum(total, part.bytes);
  if (total > limit.bytes) {
    std::vector<MemoryPart> by_size = parts;
    std::stable_sort(by_size.begin(), by_size.end(),
                     [](const MemoryPart& x, const MemoryPart& y) { return x.bytes > y.bytes; });
    std::string detail;
    for (const MemoryPart& part : by_size) {
      if (part.bytes == 0) continue;
      detail += fmt::format("\n  {} for {} [{}]", describe_bytes(part.bytes), part.what, part.keys);
    }
    violations.push_back(fmt::format(
        "the master (rank 0) needs at least {} of memory, more than the {} of {}; lower {}:{}",
        describe_bytes(total), describe_bytes(limit.bytes), limit.source, by_size.front().keys,
        detail));
  }
  return violations;
}

void check_sizes(const common::Config& config, const MemoryLimit& limit) {
  const std::vector<std::string> violations = size_violations(config, limit);
  if (violations.empty()) return;
  // The sizes may come from the file or from --set: name both, as the reader does per key.
  const std::string source =
      config.overrides.empty()
          ? config.source
          : fmt::format("{} with {}", config.source, fmt::join(config.overrides, " "));
  throw common::ConfigError(
      fmt::format("{}: sizes that cannot fit:\n{}", source, fmt::join(violations, "\n")));
}

}  // namespace evo::master
