// Permutation operators. Where DEAP's operator needs more elements than there are
// (two distinct positions of a 1-element permutation), the genome is left unchanged and
// nothing is drawn.
#include "master/permutation_operators.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <utility>
#include <vector>

#include "common/error.hpp"

namespace evo::master {
namespace {

// The genome as indices; throws unless it holds each of 0 .. n-1 exactly once.
std::vector<std::size_t> as_permutation(std::span<const double> genome, const char* op) {
  const std::size_t n = genome.size();
  std::vector<std::size_t> elements(n);
  std::vector<bool> seen(n, false);
  for (std::size_t i = 0; i < n; ++i) {
    const double gene = genome[i];
    if (!(gene >= 0 && gene < static_cast<double>(n)) ||
        gene != static_cast<double>(static_cast<std::size_t>(gene)) ||
        seen[static_cast<std::size_t>(gene)]) {
      throw common::Error(fmt::format("{}: genome is not a permutation of 0..{}: gene {} is {}", op,
                                      n - 1, i, gene));
    }
    elements[i] = static_cast<std::size_t>(gene);
    seen[elements[i]] = true;
  }
  return elements;
}

void store(const std::vector<std::size_t>& elements, std::span<double> genome) {
  for (std::size_t i = 0; i < elements.size(); ++i) genome[i] = static_cast<double>(elements[i]);
}

void check_pair(std::span<double> a, std::span<double> b, const char* op) {
  if (a.size() != b.size()) {
    throw common::Error(fmt::format("{}: parents of {} and {} genes", op, a.size(), b.size()));
  }
}

// Two distinct positions in [0, n) as DEAP draws them for random.sample(range(n), 2):
// first = below(n), second = below(n - 1), moved up by one if >= first. n >= 2.
std::pair<std::size_t, std::size_t> two_distinct(std::size_t n, common::Rng& rng) {
  const auto first = static_cast<std::size_t>(rng.below(n));
  auto second = static_cast<std::size_t>(rng.below(n - 1));
  if (second >= first) ++second;
  return {first, second};
}

}  // namespace

// Draws: for i = n-1 down to 1, j = below(i + 1), then elements i and j are exchanged.
void initialize_permutation(std::span<double> genome, common::Rng& rng) {
  const std::size_t n = genome.size();
  for (std::size_t i = 0; i < n; ++i) genome[i] = static_cast<double>(i);
  for (std::size_t i = n; i-- > 1;) {
    const auto j = static_cast<std::size_t>(rng.below(i + 1));
    std::swap(genome[i], genome[j]);
  }
}

// Draws: two distinct positions (below(n), below(n - 1)); a, b = the smaller, the larger.
void crossover_ordered(std::span<double> a, std::span<double> b, common::Rng& rng) {
  check_pair(a, b, "crossover_ordered");
  const std::vector<std::size_t> parent1 = as_permutation(a, "crossover_ordered");
  const std::vector<std::size_t> parent2 = as_permutation(b, "crossover_ordered");
  const std::size_t n = parent1.size();
  if (n < 2) return;
  auto [lo, hi] = two_distinct(n, rng);
  if (lo > hi) std::swap(lo, hi);
  // DEAP's formulation: holes1[x] is true when x lies in parent2's kept segment, so child 1
  // takes parent1's elements outside those, in order from hi + 1, then the segment.
  std::vector<bool> holes1(n, true);
  std::vector<bool> holes2(n, true);
  for (std::size_t i = 0; i < n; ++i) {
    if (i < lo || i > hi) {
      holes1[parent2[i]] = false;
      holes2[parent1[i]] = false;
    }
  }
  std::vector<std::size_t> child1 = parent1;
  std::vector<std::size_t> child2 = parent2;
  std::size_t k1 = hi + 1;
  std::size_t k2 = hi + 1;
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t from = (i + hi + 1) % n;
    if (!holes1[parent1[from]]) child1[k1++ % n] = parent1[from];
    if (!holes2[parent2[from]]) child2[k2++ % n] = parent2[from];
  }
  for (std::size_t i = lo; i <= hi; ++i) std::swap(child1[i], child2[i]);
  store(child1, a);
  store(child2, b);
}

// Draws: p1 = below(n + 1), p2 = below(n); if p2 >= p1 then p2 += 1, else the two are
// swapped; positions [p1, p2) are matched.
void crossover_pmx(std::span<double> a, std::span<double> b, common::Rng& rng) {
  check_pair(a, b, "crossover_pmx");
  std::vector<std::size_t> child1 = as_permutation(a, "crossover_pmx");
  std::vector<std::size_t> child2 = as_permutation(b, "crossover_pmx");
  const std::size_t n = child1.size();
  if (n == 0) return;
  auto p1 = static_cast<std::size_t>(rng.below(n + 1));
  auto p2 = static_cast<std::size_t>(rng.below(n));
  if (p2 >= p1) {
    ++p2;
  } else {
    std::swap(p1, p2);
  }
  // position1[x]: where element x sits in child1 (and likewise for child2).
  std::vector<std::size_t> position1(n);
  std::vector<std::size_t> position2(n);
  for (std::size_t i = 0; i < n; ++i) {
    position1[child1[i]] = i;
    position2[child2[i]] = i;
  }
  for (std::size_t i = p1; i < p2; ++i) {
    const std::size_t x1 = child1[i];
    const std::size_t x2 = child2[i];
    // Put x2 at i in child1 by exchanging it with where it was; likewise x1 in child2.
    child1[i] = x2;
    child1[position1[x2]] = x1;
    child2[i] = x1;
    child2[position2[x1]] = x2;
    std::swap(position1[x1], position1[x2]);
    std::swap(position2[x1], position2[x2]);
  }
  store(child1, a);
  store(child2, b);
}

// Draws: two distinct positions (below(n), below(n - 1)).
void mutate_swap(std::span<double> genome, common::Rng& rng) {
  as_permutation(genome, "mutate_swap");
  if (genome.size() < 2) return;
  const auto [i, j] = two_distinct(genome.size(), rng);
  std::swap(genome[i], genome[j]);
}

// Draws: i = below(n), j = below(n); the slice [min, max) is reversed (DEAP: an empty or
// one-element slice leaves the genome unchanged).
void mutate_inversion(std::span<double> genome, common::Rng& rng) {
  as_permutation(genome, "mutate_inversion");
  const std::size_t n = genome.size();
  if (n == 0) return;
  const auto i = static_cast<std::size_t>(rng.below(n));
  const auto j = static_cast<std::size_t>(rng.below(n));
  std::reverse(genome.begin() + static_cast<std::ptrdiff_t>(std::min(i, j)),
               genome.begin() + static_cast<std::ptrdiff_t>(std::max(i, j)));
}

// Draws per position i, in order: u = uniform01(); if u < indpb: j = below(n - 1), moved
// up by one if >= i.
void mutate_shuffle_indexes(std::span<double> genome, double indpb, common::Rng& rng) {
  as_permutation(genome, "mutate_shuffle_indexes");
  const std::size_t n = genome.size();
  if (n < 2) return;
  for (std::size_t i = 0; i < n; ++i) {
    if (!(rng.uniform01() < indpb)) continue;
    auto j = static_cast<std::size_t>(rng.below(n - 1));
    if (j >= i) ++j;
    std::swap(genome[i], genome[j]);
  }
}

}  // namespace evo::master
