// The asynchronous steady-state GA (as ECJ's SteadyStateEvolutionState, with the variation
// operators every algorithm shares): there is no generation barrier. Individuals are
// numbered by birth; births 0 .. N-1 are the random initial population, every later one a
// child bred the moment a worker needs work. Each returned evaluation is inserted at once:
// appended while the population has fewer than N members, then by algorithm.replacement
// ("worst": replaces the worst member if strictly better; "tournament": replaces the worst
// of tournament_size members drawn at random, unconditionally). A "generation" is N
// insertions: the logbook and checkpoint cadence count those.
//
// The trajectory depends on the order results arrive in, so runs are not bit-reproducible
// (DESIGN.md, determinism contract 5); what is exact is the number of evaluations
// (N x (generations + 1)) and that no individual is lost or evaluated twice across a
// checkpoint: the in-flight ones are saved and handed out again first on resume.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <utility>
#include <vector>

#include "common/checkpoint.hpp"
#include "common/config.hpp"
#include "common/population.hpp"
#include "common/rng.hpp"
#include "master/variation.hpp"

namespace evo::master {

class SteadyState {
 public:
  explicit SteadyState(const common::Config& config);

  std::size_t population_size() const { return size_; }
  // Births in all, e.g. N x (generations + 1); the run is finished when that many are inserted.
  void set_total_births(std::int64_t total) { total_births_ = total; }
  std::int64_t total_births() const { return total_births_; }

  // The next individual to evaluate (its birth number): one saved in flight by a checkpoint
  // first, then a random one while births < N, then a child of the current population.
  // nullopt when every birth has been made, or when nothing can be bred yet (the population
  // is still empty: wait for a result).
  std::optional<std::uint64_t> next_birth(common::Rng& rng);
  // The genome of an individual in flight (born, not inserted yet).
  std::span<const double> genome(std::uint64_t birth) const;
  // Inserts an individual in flight with its fitness. Throws Error for an unknown birth.
  void insert(std::uint64_t birth, std::span<const double> fitness, common::Rng& rng);

  std::int64_t births() const { return static_cast<std::int64_t>(next_birth_); }
  std::int64_t insertions() const { return insertions_; }
  std::size_t in_flight_count() const { return in_flight_.size(); }
  bool finished() const { return insertions_ >= total_births_; }
  // The generation a birth belongs to (for its per-evaluation randomness): birth / N.
  std::uint64_t generation_of(std::uint64_t birth) const { return birth / size_; }
  // True right after the insertion that completed a generation (N, 2N, ... insertions).
  bool at_generation_end() const {
    return insertions_ > 0 && insertions_ % static_cast<std::int64_t>(size_) == 0;
  }

  const common::Population& population() const { return population_; }

  // Puts population, algorithm state and the in-flight individuals into a checkpoint.
  void save_into(common::CheckpointState& state) const;
  // Throws CheckpointError when the checkpoint does not belong to this algorithm/config.
  void restore_from(const common::CheckpointState& state);

 private:
  void breed_child(std::span<double> child, common::Rng& rng) const;
  std::size_t replacement_slot(double fitness, common::Rng& rng) const;

  std::size_t size_;
  std::size_t dimension_;
  std::size_t objectives_;
  common::AlgorithmConfig settings_;
  Variation variation_;
  common::Population population_;
  // (objective 0, index) of every member: the worst is the last.
  std::set<std::pair<double, std::size_t>> ranking_;
  std::map<std::uint64_t, std::vector<double>> in_flight_;  // birth -> genome
  std::deque<std::uint64_t> requeued_;  // in flight at the checkpoint resumed from
  std::uint64_t next_birth_ = 0;
  std::int64_t insertions_ = 0;
  std::int64_t total_births_ = 0;
};

}  // namespace evo::master
