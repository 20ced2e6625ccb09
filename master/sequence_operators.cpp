// Position-wise crossover and bit/integer mutation. Where DEAP's operator needs more genes
// than there are (one- and two-point crossover of 1-gene genomes), the genomes are left
// unchanged and nothing is drawn.
//
// Deviation from DEAP, as in operators.cpp: a per-gene probability p is decided by
// uniform01() < p, so p = 0 never changes a gene and p = 1 always does.
#include "master/sequence_operators.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <utility>

#include "common/error.hpp"

namespace evo::master {
namespace {

void check_pair(std::span<double> a, std::span<double> b, const char* op) {
  if (a.size() != b.size()) {
    throw common::Error(fmt::format("{}: parents of {} and {} genes", op, a.size(), b.size()));
  }
}

void check_bounds(IntBounds bounds, const char* op) {
  if (bounds.lower > bounds.upper) {
    throw common::Error(fmt::format("{}: invalid bounds [{}, {}]", op, bounds.lower, bounds.upper));
  }
}

void swap_range(std::span<double> a, std::span<double> b, std::size_t from, std::size_t to) {
  std::swap_ranges(a.begin() + static_cast<std::ptrdiff_t>(from),
                   a.begin() + static_cast<std::ptrdiff_t>(to),
                   b.begin() + static_cast<std::ptrdiff_t>(from));
}

// DEAP's random.randint(low, high), both ends included.
std::int64_t randint(std::int64_t low, std::int64_t high, common::Rng& rng) {
  const auto span = static_cast<std::uint64_t>(high - low) + 1;
  return low + static_cast<std::int64_t>(rng.below(span));
}

}  // namespace

// Draws: point = 1 + below(n - 1).
void crossover_one_point(std::span<double> a, std::span<double> b, common::Rng& rng) {
  check_pair(a, b, "crossover_one_point");
  const std::size_t n = a.size();
  if (n < 2) return;
  const auto point = static_cast<std::size_t>(randint(1, static_cast<std::int64_t>(n) - 1, rng));
  swap_range(a, b, point, n);
}

// Draws (as DEAP): p1 = 1 + below(n), p2 = 1 + below(n - 1); if p2 >= p1 then p2 += 1,
// else the two are swapped.
void crossover_two_point(std::span<double> a, std::span<double> b, common::Rng& rng) {
  check_pair(a, b, "crossover_two_point");
  const std::size_t n = a.size();
  if (n < 2) return;
  const auto size = static_cast<std::int64_t>(n);
  std::int64_t p1 = randint(1, size, rng);
  std::int64_t p2 = randint(1, size - 1, rng);
  if (p2 >= p1) {
    ++p2;
  } else {
    std::swap(p1, p2);
  }
  swap_range(a, b, static_cast<std::size_t>(p1), static_cast<std::size_t>(p2));
}

// Draws per gene i: one uniform01().
void crossover_uniform(std::span<double> a, std::span<double> b, double indpb, common::Rng& rng) {
  check_pair(a, b, "crossover_uniform");
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (rng.uniform01() < indpb) std::swap(a[i], b[i]);
  }
}

// Draws per gene i: one uniform01().
void mutate_flip_bit(std::span<double> genome, double indpb, common::Rng& rng) {
  for (double& gene : genome) {
    if (rng.uniform01() < indpb) gene = gene == 0 ? 1.0 : 0.0;
  }
}

// Draws per gene i, in order: u = uniform01(); if u < indpb: below(upper - lower + 1).
void mutate_uniform_int(std::span<double> genome, IntBounds bounds, double indpb,
                        common::Rng& rng) {
  check_bounds(bounds, "mutate_uniform_int");
  for (double& gene : genome) {
    if (rng.uniform01() < indpb) {
      gene = static_cast<double>(randint(bounds.lower, bounds.upper, rng));
    }
  }
}

// Draws per gene i, in order: u = uniform01(); if u < indpb: size = 1 + below(max_step),
// then below(2) (0: down, 1: up).
void mutate_creep(std::span<double> genome, IntBounds bounds, std::int64_t max_step, double indpb,
                  common::Rng& rng) {
  check_bounds(bounds, "mutate_creep");
  if (max_step < 1) {
    throw common::Error(fmt::format("mutate_creep: step must be >= 1, got {}", max_step));
  }
  for (double& gene : genome) {
    if (!(rng.uniform01() < indpb)) continue;
    const std::int64_t size = randint(1, max_step, rng);
    const std::int64_t step = rng.below(2) == 0 ? -size : size;
    const auto value = static_cast<std::int64_t>(std::llround(gene)) + step;
    gene = static_cast<double>(std::clamp(value, bounds.lower, bounds.upper));
  }
}

}  // namespace evo::master
