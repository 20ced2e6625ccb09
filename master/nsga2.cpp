#include "master/nsga2.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>

#include "common/error.hpp"
#include "master/hypervolume.hpp"
#include "master/non_dominated.hpp"

namespace evo::master {
namespace {

// The customary reference point for problems whose fronts lie in [0, 1]^m (ZDT, DTLZ2).
constexpr double kDefaultReference = 1.1;

}  // namespace

Nsga2::Nsga2(const common::Config& config)
    : size_(static_cast<std::size_t>(config.algorithm.population)),
      dimension_(static_cast<std::size_t>(config.problem.dimension)),
      objectives_(static_cast<std::size_t>(common::objective_count(config))),
      crossover_prob_(config.algorithm.crossover_prob),
      reference_(config.algorithm.hv_reference),
      variation_(config) {
  if (reference_.empty()) reference_.assign(objectives_, kDefaultReference);
}

common::Population Nsga2::initial_population(common::Rng& rng) {
  common::Population initial(size_, dimension_, objectives_);
  for (std::size_t i = 0; i < initial.size(); ++i) variation_.initialize(initial.genome(i), rng);
  return initial;
}

std::size_t Nsga2::crowded_tournament(std::size_t a, std::size_t b, common::Rng& rng) const {
  if (ranks_[a] != ranks_[b]) return ranks_[a] < ranks_[b] ? a : b;
  if (crowding_[a] != crowding_[b]) return crowding_[a] > crowding_[b] ? a : b;
  return rng.bernoulli(0.5) ? a : b;
}

common::Population Nsga2::breed(common::Rng& rng) {
  const std::size_t n = population_.size();
  common::Population children(0, dimension_, objectives_);
  children.genes.reserve(size_ * dimension_);
  children.fitness.reserve(size_ * objectives_);
  for (std::size_t k = 0; k < size_; ++k) {
    const std::size_t a = rng.below(n);
    std::size_t b = rng.below(n - 1);
    if (b >= a) ++b;  // two distinct contestants
    children.push_back_from(population_, crowded_tournament(a, b, rng));
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
  if (state.name != name()) {
    throw common::CheckpointError(
        fmt::format("checkpoint holds algorithm '{}', config asks for '{}'", state.name, name()));
  }
  if (population.dimension != dimension_ || population.objectives != objectives_ ||
      population.size() != size_) {
    throw common::IncompatibleCheckpointError(fmt::format(
        "checkpoint population is {} x {} with {} objectives, config expects {} x {} with {}",
        population.size(), population.dimension, population.objectives, size_, dimension_,
        objectives_));
  }
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
