// A CheckpointState that read_checkpoint's validator accepts, as a run of the "simple" GA on
// a 3-dimensional sphere with 4 individuals would write it after `generation` generations:
// for tests that need a checkpoint, not a particular one.
#pragma once

#include <cstdint>
#include <string>

#include "common/checkpoint.hpp"
#include "common/config.hpp"
#include "common/rng.hpp"

namespace evo::common {

inline CheckpointState make_valid_checkpoint_state(int job, std::int64_t generation,
                                                   int ranks = 2) {
  const Config config = parse_config(
      "[run]\nseed = 1\njobs = " + std::to_string(job + 1) +
          "\n[problem]\nname = \"sphere\"\ndimension = 3\n[algorithm]\npopulation = 4\n",
      "test config");
  CheckpointState state;
  state.job = job;
  state.generation = generation;
  state.ranks = ranks;
  state.seed = config.run.seed;
  state.config_text = to_toml(config);
  state.config_hash = result_hash(config);
  state.ranks_history = {ranks};
  state.rng.push_back(Rng::for_master(config.run.seed, job).state());
  for (int rank = 1; rank < ranks; ++rank) {
    state.rng.push_back(Rng::for_worker(config.run.seed, job, rank).state());
  }
  state.population = Population(4, 3, 1);
  state.population.genes = {0.5, -1, 2, 0, 0, 0, 1, 1, 1, -3, 2.5, 0.25};
  state.population.fitness = {1, 2, 3, 4};
  state.hall_of_fame = Population(0, 3, 1);
  for (std::int64_t g = 0; g <= generation; ++g) {
    LogRecord row;
    row.gen = g;
    row.evals = 4;
    state.logbook.rows.push_back(row);
  }
  state.evaluations = 4 * (generation + 1);
  state.algorithm.name = "simple";
  state.algorithm.integers["population_size"] = {4};
  return state;
}

}  // namespace evo::common
