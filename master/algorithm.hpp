// The seam every generational algorithm fits: breed a population whose unevaluated
// members (NaN fitness) the dispatcher evaluates, then accept it. The algorithm's whole
// state (beyond the population, which checkpoints store on their own) round-trips
// through AlgorithmState, so any algorithm resumes bit-identically.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/checkpoint.hpp"
#include "common/config.hpp"
#include "common/population.hpp"
#include "common/rng.hpp"

namespace evo::master {

class Algorithm {
 public:
  virtual ~Algorithm() = default;
  virtual std::string name() const = 0;

  // Generation 0: the individuals to evaluate first.
  virtual common::Population initial_population(common::Rng& rng) = 0;
  // The next generation's candidates; members with NaN fitness still need evaluating.
  // Precondition: accept() has been called at least once.
  virtual common::Population breed(common::Rng& rng) = 0;
  // Takes fully evaluated candidates (from initial_population or breed). `rng` is the
  // master's, for a survivor selection that draws (mu_lambda); accept runs after the
  // generation's evaluations, so a checkpoint taken mid-generation holds the RNG before it.
  virtual void accept(common::Population evaluated, common::Rng& rng) = 0;
  virtual const common::Population& population() const = 0;
  // A quality indicator of the population for the logbook (nsga2: hypervolume), if any.
  virtual std::optional<double> hypervolume() const { return std::nullopt; }
  // Set once the algorithm cannot go on (cmaes: a termination criterion with no restart
  // left): the run ends cleanly after the generation just accepted, and breed() must not be
  // called again. `criterion` is a short name ("tolx"), `meaning` a sentence for the console.
  struct Termination {
    std::string criterion;
    std::string meaning;
  };
  virtual std::optional<Termination> termination() const { return std::nullopt; }

  virtual common::AlgorithmState save_state() const = 0;
  // Throws CheckpointError when the state does not belong to this algorithm/config.
  virtual void restore_state(const common::AlgorithmState& state,
                             common::Population population) = 0;
};

// For restore_state: throws IncompatibleCheckpointError (exit 4) unless `state` was saved
// by `algorithm` and `population` has the shape the config asks for.
void check_state_owner(const common::AlgorithmState& state, std::string_view algorithm);
void check_population_shape(const common::Population& population, std::size_t size,
                            std::size_t dimension, std::size_t objectives);

// nullptr for steady_state, which is not generational (master/steady_state.hpp). Throws
// ConfigError for an unknown name or a single-objective algorithm on several objectives.
std::unique_ptr<Algorithm> make_algorithm(const common::Config& config);

}  // namespace evo::master
