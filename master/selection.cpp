// Selection methods. Roulette and SUS walk the individuals best first (as DEAP sorts them
// before walking), so the same weights and the same draws pick the same individuals
// whatever order the population happens to be stored in.
#include "master/selection.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <utility>

#include "common/error.hpp"

namespace evo::master {
namespace {

// Objective 0 ascending, NaN (unevaluated or failed) last, ties by the lower index.
bool better(const common::Population& population, std::size_t i, std::size_t j) {
  const double fi = population.fitness[i * population.objectives];
  const double fj = population.fitness[j * population.objectives];
  const bool nan_i = std::isnan(fi);
  const bool nan_j = std::isnan(fj);
  if (nan_i != nan_j) return nan_j;
  if (!nan_i && fi != fj) return fi < fj;
  return i < j;
}

void check_population(const common::Population& population, const char* op) {
  if (population.size() == 0) throw common::Error(fmt::format("{}: empty population", op));
  if (population.objectives == 0) throw common::Error(fmt::format("{}: no objectives", op));
}

// Every index, best first.
std::vector<std::size_t> ranking(const common::Population& population) {
  std::vector<std::size_t> order(population.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(),
            [&](std::size_t i, std::size_t j) { return better(population, i, j); });
  return order;
}

// The first individual (in `order`) whose cumulative weight exceeds `point`; the last one
// with a positive weight when rounding leaves `point` at or past the total.
std::size_t pick_at(double point, const std::vector<std::size_t>& order,
                    const std::vector<double>& weights, std::size_t& position, double& cumulative) {
  while (position < order.size()) {
    const double next = cumulative + weights[order[position]];
    if (point < next) return order[position];
    cumulative = next;
    ++position;
  }
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    if (weights[*it] > 0) return *it;
  }
  return order.back();
}

}  // namespace

// Draws: for each of `count` selections, `tournament_size` x below(population size).
std::vector<std::size_t> select_tournament(const common::Population& population, std::size_t count,
                                           int tournament_size, common::Rng& rng) {
  std::vector<std::size_t> chosen;
  if (count == 0) return chosen;
  check_population(population, "select_tournament");
  if (tournament_size < 1) {
    throw common::Error(
        fmt::format("select_tournament: tournament size must be >= 1, got {}", tournament_size));
  }
  const std::size_t n = population.size();
  chosen.reserve(count);
  for (std::size_t k = 0; k < count; ++k) {
    auto best = static_cast<std::size_t>(rng.below(n));
    for (int t = 1; t < tournament_size; ++t) {
      const auto aspirant = static_cast<std::size_t>(rng.below(n));
      if (better(population, aspirant, best)) best = aspirant;
    }
    chosen.push_back(best);
  }
  return chosen;
}

std::vector<double> selection_weights(const common::Population& population) {
  const std::size_t n = population.size();
  double worst = -std::numeric_limits<double>::infinity();
  double scale = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double f = population.fitness[i * population.objectives];
    if (!std::isfinite(f)) continue;
    worst = std::max(worst, f);
    scale = std::max(scale, std::abs(f));
  }
  std::vector<double> weights(n, 0.0);
  double total = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double f = population.fitness[i * population.objectives];
    if (!std::isfinite(f) || scale == 0) continue;
    weights[i] = worst / scale - f / scale;
    total += weights[i];
  }
  if (!(total > 0)) std::fill(weights.begin(), weights.end(), 1.0);
  return weights;
}

// Draws: for each of `count` selections, one uniform01().
std::vector<std::size_t> select_roulette(const common::Population& population, std::size_t count,
                                         common::Rng& rng) {
  std::vector<std::size_t> chosen;
  if (count == 0) return chosen;
  check_population(population, "select_roulette");
  const std::vector<double> weights = selection_weights(population);
  const std::vector<std::size_t> order = ranking(population);
  double total = 0;
  for (std::size_t i : order) total += weights[i];
  chosen.reserve(count);
  for (std::size_t k = 0; k < count; ++k) {
    const double point = rng.uniform01() * total;
    std::size_t position = 0;
    double cumulative = 0;
    chosen.push_back(pick_at(point, order, weights, position, cumulative));
  }
  return chosen;
}

// Draws: one uniform01() for the first pointer; the others follow at equal distances.
std::vector<std::size_t> select_sus(const common::Population& population, std::size_t count,
                                    common::Rng& rng) {
  std::vector<std::size_t> chosen;
  if (count == 0) return chosen;
  check_population(population, "select_sus");
  const std::vector<double> weights = selection_weights(population);
  const std::vector<std::size_t> order = ranking(population);
  double total = 0;
  for (std::size_t i : order) total += weights[i];
  const double distance = total / static_cast<double>(count);
  const double start = rng.uniform01() * distance;
  chosen.reserve(count);
  std::size_t position = 0;
  double cumulative = 0;
  for (std::size_t k = 0; k < count; ++k) {
    const double point = start + static_cast<double>(k) * distance;
    chosen.push_back(pick_at(point, order, weights, position, cumulative));
  }
  return chosen;
}

std::vector<std::size_t> select_best(const common::Population& population, std::size_t count) {
  std::vector<std::size_t> chosen;
  if (count == 0) return chosen;
  check_population(population, "select_best");
  const std::vector<std::size_t> order = ranking(population);
  chosen.reserve(count);
  for (std::size_t k = 0; k < count; ++k) chosen.push_back(order[k % order.size()]);
  return chosen;
}

// Draws: for each of `count` selections, one below(population size).
std::vector<std::size_t> select_random(const common::Population& population, std::size_t count,
                                       common::Rng& rng) {
  std::vector<std::size_t> chosen;
  if (count == 0) return chosen;
  check_population(population, "select_random");
  chosen.reserve(count);
  for (std::size_t k = 0; k < count; ++k) {
    chosen.push_back(static_cast<std::size_t>(rng.below(population.size())));
  }
  return chosen;
}

std::vector<std::size_t> best_indices(const common::Population& population, std::size_t count) {
  const std::size_t n = population.size();
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  count = std::min(count, n);
  if (count == 0 || population.objectives == 0) return {};
  // A total order (index breaks every tie), so partial_sort is as stable as a full sort.
  const auto less = [&](std::size_t i, std::size_t j) { return better(population, i, j); };
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(count), order.end(),
                    less);
  order.resize(count);
  return order;
}

Selection::Selection(const common::AlgorithmConfig& settings)
    : Selection(settings.selection, settings.tournament_size) {}

Selection::Selection(std::string method, int tournament_size)
    : method_(std::move(method)), tournament_size_(tournament_size) {
  if (method_ != "tournament" && method_ != "roulette" && method_ != "sus" && method_ != "best" &&
      method_ != "random") {
    throw common::ConfigError(fmt::format("selection: unknown method '{}'", method_));
  }
}

std::vector<std::size_t> Selection::select(const common::Population& population, std::size_t count,
                                           common::Rng& rng) const {
  if (method_ == "roulette") return select_roulette(population, count, rng);
  if (method_ == "sus") return select_sus(population, count, rng);
  if (method_ == "best") return select_best(population, count);
  if (method_ == "random") return select_random(population, count, rng);
  return select_tournament(population, count, tournament_size_, rng);
}

}  // namespace evo::master
