#include "master/variation.hpp"

#include <fmt/format.h>

#include <cmath>

#include "common/error.hpp"
#include "master/permutation_operators.hpp"

namespace evo::master {
namespace {

[[noreturn]] void unfitting(std::string_view key, const std::string& value,
                            const std::string& type) {
  throw common::Error(fmt::format("Variation: algorithm.{} '{}' on a {} genome", key, value, type));
}

}  // namespace

Variation::Variation(const common::Config& config)
    : genome_type_(config.genome.type),
      settings_(config.algorithm),
      bounds_{config.genome.lower, config.genome.upper},
      int_bounds_{static_cast<std::int64_t>(std::llround(config.genome.lower)),
                  static_cast<std::int64_t>(std::llround(config.genome.upper))},
      mutation_indpb_(config.algorithm.mutation_indpb > 0
                          ? config.algorithm.mutation_indpb
                          : 1.0 / static_cast<double>(config.problem.dimension)) {
  if (genome_type_ != "real" && genome_type_ != "binary" && genome_type_ != "integer" &&
      genome_type_ != "permutation") {
    throw common::Error(fmt::format("Variation: unknown genome type '{}'", genome_type_));
  }
}

// Draws per gene: real uniform(lower, upper); integer below(upper - lower + 1); binary
// below(2); permutation: see initialize_permutation.
common::Population Variation::random_population(std::size_t size, std::size_t dimension,
                                                std::size_t objectives, common::Rng& rng) const {
  common::Population population(size, dimension, objectives);
  for (std::size_t i = 0; i < size; ++i) initialize(population.genome(i), rng);
  return population;
}

void Variation::initialize(std::span<double> genome, common::Rng& rng) const {
  if (genome_type_ == "permutation") {
    initialize_permutation(genome, rng);
  } else if (genome_type_ == "binary") {
    for (double& gene : genome) gene = static_cast<double>(rng.below(2));
  } else if (genome_type_ == "integer") {
    const auto span = static_cast<std::uint64_t>(int_bounds_.upper - int_bounds_.lower) + 1;
    for (double& gene : genome) {
      gene = static_cast<double>(int_bounds_.lower + static_cast<std::int64_t>(rng.below(span)));
    }
  } else {
    for (double& gene : genome) gene = rng.uniform(bounds_.lower, bounds_.upper);
  }
}

void Variation::crossover(std::span<double> a, std::span<double> b, common::Rng& rng) const {
  const std::string& op = settings_.crossover;
  const bool permutation = genome_type_ == "permutation";
  if (op == "ordered" || op == "pmx") {
    if (!permutation) unfitting("crossover", op, genome_type_);
    if (op == "ordered") {
      crossover_ordered(a, b, rng);
    } else {
      crossover_pmx(a, b, rng);
    }
    return;
  }
  if (permutation) unfitting("crossover", op, genome_type_);
  if (op == "one_point") {
    crossover_one_point(a, b, rng);
  } else if (op == "two_point") {
    crossover_two_point(a, b, rng);
  } else if (op == "uniform") {
    crossover_uniform(a, b, settings_.crossover_indpb, rng);
  } else if (genome_type_ != "real") {
    unfitting("crossover", op, genome_type_);
  } else if (op == "blend") {
    crossover_blend(a, b, settings_.blend_alpha, bounds_, rng);
  } else {
    crossover_sbx(a, b, settings_.crossover_eta, bounds_, rng);
  }
}

void Variation::mutate(std::span<double> genome, common::Rng& rng) const {
  const std::string& op = settings_.mutation;
  if (genome_type_ == "permutation") {
    if (op == "swap") {
      mutate_swap(genome, rng);
    } else if (op == "inversion") {
      mutate_inversion(genome, rng);
    } else if (op == "shuffle_indexes") {
      mutate_shuffle_indexes(genome, mutation_indpb_, rng);
    } else {
      unfitting("mutation", op, genome_type_);
    }
  } else if (genome_type_ == "binary") {
    if (op != "flip_bit") unfitting("mutation", op, genome_type_);
    mutate_flip_bit(genome, mutation_indpb_, rng);
  } else if (genome_type_ == "integer") {
    if (op == "uniform_int") {
      mutate_uniform_int(genome, int_bounds_, mutation_indpb_, rng);
    } else if (op == "creep") {
      mutate_creep(genome, int_bounds_, settings_.creep_step, mutation_indpb_, rng);
    } else {
      unfitting("mutation", op, genome_type_);
    }
  } else if (op == "gaussian") {
    const double sigma = settings_.mutation_sigma * (bounds_.upper - bounds_.lower);
    mutate_gaussian(genome, sigma, mutation_indpb_, bounds_, rng);
  } else if (op == "polynomial") {
    mutate_polynomial(genome, settings_.mutation_eta, mutation_indpb_, bounds_, rng);
  } else {
    unfitting("mutation", op, genome_type_);
  }
}

}  // namespace evo::master
