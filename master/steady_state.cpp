#include "master/steady_state.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "common/error.hpp"
#include "master/algorithm.hpp"
#include "master/operators.hpp"

namespace evo::master {

SteadyState::SteadyState(const common::Config& config)
    : size_(static_cast<std::size_t>(config.algorithm.population)),
      dimension_(static_cast<std::size_t>(config.problem.dimension)),
      objectives_(static_cast<std::size_t>(common::objective_count(config))),
      settings_(config.algorithm),
      variation_(config),
      population_(0, dimension_, objectives_),
      total_births_(static_cast<std::int64_t>(size_) * (config.run.generations + 1)) {}

std::optional<std::uint64_t> SteadyState::next_birth(common::Rng& rng) {
  if (!requeued_.empty()) {
    const std::uint64_t birth = requeued_.front();
    requeued_.pop_front();
    return birth;
  }
  if (static_cast<std::int64_t>(next_birth_) >= total_births_) return std::nullopt;
  std::vector<double> genome(dimension_);
  if (next_birth_ < size_) {
    variation_.initialize(genome, rng);
  } else if (population_.size() == 0) {
    return std::nullopt;  // every initial individual is out and none is back yet
  } else {
    breed_child(genome, rng);
  }
  const std::uint64_t birth = next_birth_++;
  in_flight_.emplace(birth, std::move(genome));
  return birth;
}

void SteadyState::breed_child(std::span<double> child, common::Rng& rng) const {
  // Parents from the population as it is now, which may still be filling up.
  const auto parents = select_tournament(population_, 2, settings_.tournament_size, rng);
  std::vector<double> other(dimension_);
  std::copy_n(population_.genome(parents[0]).begin(), dimension_, child.begin());
  std::copy_n(population_.genome(parents[1]).begin(), dimension_, other.begin());
  if (rng.bernoulli(settings_.crossover_prob)) variation_.crossover(child, other, rng);
  if (rng.bernoulli(settings_.mutation_prob)) variation_.mutate(child, rng);
}

std::span<const double> SteadyState::genome(std::uint64_t birth) const {
  const auto it = in_flight_.find(birth);
  if (it == in_flight_.end()) {
    throw common::Error(fmt::format("steady state: individual {} is not in flight", birth));
  }
  return it->second;
}

std::size_t SteadyState::replacement_slot(double fitness, common::Rng& rng) const {
  if (settings_.replacement == "tournament") {
    // ECJ's deselection: the worst of a random tournament goes, whatever the newcomer is.
    std::size_t loser = rng.below(population_.size());
    for (int round = 1; round < settings_.tournament_size; ++round) {
      const std::size_t rival = rng.below(population_.size());
      const double a = population_.fitness_of(loser)[0];
      const double b = population_.fitness_of(rival)[0];
      if (b > a || (b == a && rival > loser)) loser = rival;
    }
    return loser;
  }
  // "worst": elitist, the best individual is never lost.
  const auto& worst = *ranking_.rbegin();
  return fitness < worst.first ? worst.second : population_.size();
}

void SteadyState::insert(std::uint64_t birth, std::span<const double> fitness, common::Rng& rng) {
  const auto it = in_flight_.find(birth);
  if (it == in_flight_.end()) {
    throw common::Error(
        fmt::format("steady state: a result for individual {}, which is not in flight", birth));
  }
  if (fitness.size() != objectives_) {
    throw common::EvaluationError(fmt::format("individual {}: {} objectives, expected {}", birth,
                                              fitness.size(), objectives_));
  }
  if (population_.size() < size_) {
    population_.genes.insert(population_.genes.end(), it->second.begin(), it->second.end());
    population_.fitness.insert(population_.fitness.end(), fitness.begin(), fitness.end());
    ranking_.emplace(fitness[0], population_.size() - 1);
  } else {
    const std::size_t slot = replacement_slot(fitness[0], rng);
    if (slot < population_.size()) {
      ranking_.erase({population_.fitness_of(slot)[0], slot});
      std::copy(it->second.begin(), it->second.end(), population_.genome(slot).begin());
      std::copy(fitness.begin(), fitness.end(), population_.fitness_of(slot).begin());
      ranking_.emplace(fitness[0], slot);
    }
  }
  in_flight_.erase(it);
  ++insertions_;
}

void SteadyState::save_into(common::CheckpointState& state) const {
  state.population = population_;
  state.algorithm = {};
  state.algorithm.name = "steady_state";
  state.algorithm.integers["population_size"] = {static_cast<std::int64_t>(size_)};
  state.algorithm.integers["births"] = {static_cast<std::int64_t>(next_birth_)};
  state.algorithm.integers["insertions"] = {insertions_};
  // The individuals in flight, in birth order: /in_progress row k is birth in_flight_births[k].
  auto& births = state.algorithm.integers["in_flight_births"];
  state.in_progress = common::Population(0, dimension_, objectives_);
  for (const auto& [birth, genome] : in_flight_) {
    births.push_back(static_cast<std::int64_t>(birth));
    state.in_progress.genes.insert(state.in_progress.genes.end(), genome.begin(), genome.end());
    state.in_progress.fitness.insert(state.in_progress.fitness.end(), objectives_,
                                     common::kNotEvaluated);
  }
  state.in_progress_generation =
      static_cast<std::int64_t>(static_cast<std::uint64_t>(insertions_) / size_);
  state.in_progress_evaluations = static_cast<std::int64_t>(in_flight_.size());
}

void SteadyState::restore_from(const common::CheckpointState& state) {
  const common::AlgorithmState& saved = state.algorithm;
  check_state_owner(saved, "steady_state");
  const auto integer = [&](const std::string& name) -> const std::vector<std::int64_t>& {
    const auto it = saved.integers.find(name);
    if (it == saved.integers.end()) {
      throw common::CheckpointError(
          fmt::format("steady_state checkpoint lacks /algorithm/{}", name));
    }
    return it->second;
  };
  const auto& size = integer("population_size");
  const auto& births = integer("births");
  const auto& insertions = integer("insertions");
  const auto& in_flight = integer("in_flight_births");
  const common::Population& population = state.population;
  if (size.size() != 1 || size[0] != static_cast<std::int64_t>(size_) ||
      population.dimension != dimension_ || population.objectives != objectives_ ||
      population.size() > size_) {
    throw common::IncompatibleCheckpointError(
        fmt::format("checkpoint population is {} (of {}) x {} with {} objectives, config "
                    "expects {} x {} with {}",
                    population.size(), size.empty() ? 0 : size[0], population.dimension,
                    population.objectives, size_, dimension_, objectives_));
  }
  if (births.size() != 1 || insertions.size() != 1 ||
      in_flight.size() != state.in_progress.size() ||
      births[0] != insertions[0] + static_cast<std::int64_t>(in_flight.size())) {
    throw common::CheckpointError(
        "steady_state checkpoint is inconsistent: births != insertions + individuals in flight");
  }
  population_ = population;
  ranking_.clear();
  for (std::size_t i = 0; i < population_.size(); ++i) {
    ranking_.emplace(population_.fitness_of(i)[0], i);
  }
  next_birth_ = static_cast<std::uint64_t>(births[0]);
  insertions_ = insertions[0];
  in_flight_.clear();
  requeued_.clear();
  for (std::size_t k = 0; k < in_flight.size(); ++k) {
    const auto genome = state.in_progress.genome(k);
    const auto birth = static_cast<std::uint64_t>(in_flight[k]);
    in_flight_.emplace(birth, std::vector<double>(genome.begin(), genome.end()));
    requeued_.push_back(birth);
  }
}

}  // namespace evo::master
