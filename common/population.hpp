// A population stored contiguously (genes row-major, fitness row-major), so that a
// batch of genomes goes on the wire and into HDF5 without per-individual copies.
#pragma once

#include <cmath>
#include <cstddef>
#include <limits>
#include <span>
#include <vector>

namespace evo::common {

inline constexpr double kNotEvaluated = std::numeric_limits<double>::quiet_NaN();

struct Population {
  std::size_t dimension = 0;
  std::size_t objectives = 1;
  std::vector<double> genes;    // size() * dimension
  std::vector<double> fitness;  // size() * objectives; NaN until evaluated

  Population() = default;
  Population(std::size_t count, std::size_t dim, std::size_t objs)
      : dimension(dim),
        objectives(objs),
        genes(count * dim, 0.0),
        fitness(count * objs, kNotEvaluated) {}

  std::size_t size() const { return dimension == 0 ? 0 : genes.size() / dimension; }
  std::span<double> genome(std::size_t i) { return {genes.data() + i * dimension, dimension}; }
  std::span<const double> genome(std::size_t i) const {
    return {genes.data() + i * dimension, dimension};
  }
  std::span<double> fitness_of(std::size_t i) {
    return {fitness.data() + i * objectives, objectives};
  }
  std::span<const double> fitness_of(std::size_t i) const {
    return {fitness.data() + i * objectives, objectives};
  }
  bool evaluated(std::size_t i) const { return !std::isnan(fitness[i * objectives]); }
  void invalidate(std::size_t i) {
    for (double& f : fitness_of(i)) f = kNotEvaluated;
  }
  // Appends individual i of `from` (genes and fitness).
  void push_back_from(const Population& from, std::size_t i) {
    genes.insert(genes.end(), from.genes.begin() + static_cast<std::ptrdiff_t>(i * dimension),
                 from.genes.begin() + static_cast<std::ptrdiff_t>((i + 1) * dimension));
    fitness.insert(fitness.end(),
                   from.fitness.begin() + static_cast<std::ptrdiff_t>(i * objectives),
                   from.fitness.begin() + static_cast<std::ptrdiff_t>((i + 1) * objectives));
  }
};

}  // namespace evo::common
