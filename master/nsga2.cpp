#include "master/nsga2.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <numeric>
#include <utility>

#include "common/error.hpp"
#include "master/hypervolume.hpp"
#include "master/non_dominated.hpp"

namespace evo::master {
namespace {

std::vector<std::size_t> permutation(std::size_t n, common::Rng& rng) {
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  for (std::size_t k = n - 1; k > 0; --k) std::swap(order[k], order[rng.below(k + 1)]);
  return order;
}

}  // namespace

std::vector<std::size_t> select_tournament_dcd(const common::Population& population,
                                               std::span<const double> crowding, std::size_t count,
                                               common::Rng& rng) {
  const std::size_t n = population.size();
  if (n < 2 || crowding.size() != n) {
    throw common::Error(fmt::format(
        "select_tournament_dcd: needs >= 2 members with a crowding distance each, got {} and {}", n,
        crowding.size()));
  }
  const auto tournament = [&](std::size_t a, std::size_t b) {
    if (dominates(population.fitness_of(a), population.fitness_of(b))) return a;
    if (dominates(population.fitness_of(b), population.fitness_of(a))) return b;
    if (crowding[a] != crowding[b]) return crowding[a] > crowding[b] ? a : b;
    return rng.bernoulli(0.5) ? a : b;
  };
  const std::vector<std::size_t> first = permutation(n, rng);
  const std::vector<std::size_t> second = permutation(n, rng);
  std::vector<std::size_t> chosen;
  chosen.reserve(count);
  // As DEAP: tournaments of positions (i, i + 1) and (i + 2, i + 3) of the first
  // permutation, then of the second, for i = 0, 4, 8, ... (modulo n: neighbours stay
  // distinct for n >= 2).
  for (std::size_t i = 0; chosen.size() < count; i += 4) {
    const std::array<std::pair<const std::vector<std::size_t>*, std::size_t>, 4> pairs = {
        {{&first, i}, {&first, i + 2}, {&second, i}, {&second, i + 2}}};
    for (const auto& [order, at] : pairs) {
      if (chosen.size() == count) break;
      chosen.push_back(tournament((*order)[at % n], (*order)[(at + 1) % n]));
    }
  }
  return chosen;
}

Nsga2::Nsga2(const common::Config& config)
    : size_(static_cast<std::size_t>(config.algorithm.population)),
      dimension_(static_cast<std::size_t>(config.problem.dimension)),
      objectives_(static_cast<std::size_t>(common::objective_count(config))),
      crossover_prob_(config.algorithm.crossover_prob),
      reference_(config.algorithm.hv_reference),
      variation_(config) {
  if (reference_.empty()) reference_.assign(objectives_, kDefaultHvReference);
}

common::Population Nsga2::initial_population(common::Rng& rng) {
  return variation_.random_population(size_, dimension_, objectives_, rng);
}

common::Population Nsga2::breed(common::Rng& rng) {
  common::Population children(0, dimension_, objectives_);
  children.genes.reserve(size_ * dimension_);
  children.fitness.reserve(size_ * objectives_);
  for (std::size_t i : select_tournament_dcd(population_, crowding_, size_, rng)) {
    children.push_back_from(population_, i);
  }
  for (std::size_t i = 1; i < size_; i += 2) {
    if (rng.bernoulli(crossover_prob_)) {
      variation_.crossover(children.genome(i - 1), children.genome(i), rng);
    }
  }
  for (std::size_t i = 0; i < size_; ++i) {
    variation_.mutate(children.genome(i), rng);
    children.invalidate(i);
  }
  return children;
}

void Nsga2::select_survivors(const common::Population& pool) {
  common::Population next(0, dimension_, objectives_);
  std::vector<std::int64_t> ranks;
  std::vector<double> crowding;
  const auto fronts = non_dominated_fronts(pool);
  for (std::size_t f = 0; f < fronts.size() && next.size() < size_; ++f) {
    const std::vector<std::size_t>& front = fronts[f];
    const std::vector<double> distance = crowding_distances(pool, front);
    std::vector<std::size_t> order(front.size());
    std::iota(order.begin(), order.end(), 0);
    if (next.size() + front.size() > size_) {
      // The last front that fits only in part: the least crowded go first.
      std::stable_sort(order.begin(), order.end(),
                       [&](std::size_t a, std::size_t b) { return distance[a] > distance[b]; });
      order.resize(size_ - next.size());
    }
    for (std::size_t k : order) {
      next.push_back_from(pool, front[k]);
      ranks.push_back(static_cast<std::int64_t>(f));
      crowding.push_back(distance[k]);
    }
  }
  population_ = std::move(next);
  ranks_ = std::move(ranks);
  crowding_ = std::move(crowding);
}

void Nsga2::accept(common::Population evaluated, common::Rng& /*rng*/) {
  if (population_.size() == 0) {  // the initial population: ranked against itself
    select_survivors(evaluated);
    return;
  }
  common::Population pool = population_;
  for (std::size_t i = 0; i < evaluated.size(); ++i) pool.push_back_from(evaluated, i);
  select_survivors(pool);
}

std::optional<double> Nsga2::hypervolume() const {
  std::vector<std::vector<double>> front;
  for (std::size_t i = 0; i < population_.size(); ++i) {
    if (ranks_[i] != 0) continue;
    const auto fitness = population_.fitness_of(i);
    front.emplace_back(fitness.begin(), fitness.end());
  }
  return master::hypervolume(std::move(front), reference_);
}

common::AlgorithmState Nsga2::save_state() const {
  common::AlgorithmState state;
  state.name = name();
  state.integers["rank"] = ranks_;
  state.reals["crowding_distance"] = crowding_;
  return state;
}

void Nsga2::restore_state(const common::AlgorithmState& state, common::Population population) {
  check_state_owner(state, name());
  check_population_shape(population, size_, dimension_, objectives_);
  const auto ranks = state.integers.find("rank");
  const auto crowding = state.reals.find("crowding_distance");
  if (ranks == state.integers.end() || crowding == state.reals.end() ||
      ranks->second.size() != size_ || crowding->second.size() != size_) {
    throw common::CheckpointError(fmt::format(
        "/algorithm of nsga2 needs 'rank' and 'crowding_distance' with {} entries each", size_));
  }
  population_ = std::move(population);
  ranks_ = ranks->second;
  crowding_ = crowding->second;
}

}  // namespace evo::master
