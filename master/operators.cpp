// Variation operators on real genomes, after DEAP's definitions (deap/tools/crossover.py,
// mutation.py), with every random number taken from our Rng in a fixed
// order (documented per operator) so that the same state gives the same children on every
// machine. Children always lie in [lower, upper]: parent genes are clamped into the bounds
// before use (DEAP's formulas assume it) and every result gene is clamped after (NaN goes
// to `lower`). Bounds must satisfy lower <= upper.
//
// Deviation from DEAP: a per-gene probability p is decided by uniform01() < p (DEAP uses
// <= in some operators), so p = 0 never changes a gene and p = 1 always does.
#include "master/operators.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "common/error.hpp"

namespace evo::master {
namespace {

double clamp_to(double x, Bounds bounds) {
  if (!(x >= bounds.lower)) return bounds.lower;  // also NaN
  if (!(x <= bounds.upper)) return bounds.upper;
  return x;
}

void check_bounds(Bounds bounds, const char* op) {
  if (!(bounds.lower <= bounds.upper) || !std::isfinite(bounds.lower) ||
      !std::isfinite(bounds.upper)) {
    throw common::Error(fmt::format("{}: invalid bounds [{}, {}]", op, bounds.lower, bounds.upper));
  }
}

void check_pair(std::span<double> a, std::span<double> b, const char* op) {
  if (a.size() != b.size()) {
    throw common::Error(fmt::format("{}: parents of {} and {} genes", op, a.size(), b.size()));
  }
}

// DEAP's SBX spread factor for one side: `distance` is from the nearer parent to its bound.
double sbx_beta_q(double rand, double eta, double distance, double spread) {
  const double beta = 1.0 + 2.0 * distance / spread;
  const double alpha = 2.0 - std::pow(beta, -(eta + 1.0));
  if (rand <= 1.0 / alpha) return std::pow(rand * alpha, 1.0 / (eta + 1.0));
  return std::pow(1.0 / (2.0 - rand * alpha), 1.0 / (eta + 1.0));
}

}  // namespace

// Draws per gene i, in order: u = uniform01(); if u < 0.5 and the parents differ by more
// than 1e-14: rand = uniform01(), then swap = uniform01().
void crossover_sbx(std::span<double> a, std::span<double> b, double eta, Bounds bounds,
                   common::Rng& rng) {
  check_pair(a, b, "crossover_sbx");
  check_bounds(bounds, "crossover_sbx");
  const double xl = bounds.lower;
  const double xu = bounds.upper;
  for (std::size_t i = 0; i < a.size(); ++i) {
    a[i] = clamp_to(a[i], bounds);
    b[i] = clamp_to(b[i], bounds);
    if (!(rng.uniform01() < 0.5)) continue;
    if (!(std::abs(a[i] - b[i]) > 1e-14)) continue;
    const double x1 = std::min(a[i], b[i]);
    const double x2 = std::max(a[i], b[i]);
    const double spread = x2 - x1;
    const double rand = rng.uniform01();
    const double c1 = 0.5 * (x1 + x2 - sbx_beta_q(rand, eta, x1 - xl, spread) * spread);
    const double c2 = 0.5 * (x1 + x2 + sbx_beta_q(rand, eta, xu - x2, spread) * spread);
    if (rng.uniform01() < 0.5) {
      a[i] = clamp_to(c2, bounds);
      b[i] = clamp_to(c1, bounds);
    } else {
      a[i] = clamp_to(c1, bounds);
      b[i] = clamp_to(c2, bounds);
    }
  }
}

// Draws per gene i: gamma = (1 + 2 alpha) * uniform01() - alpha.
void crossover_blend(std::span<double> a, std::span<double> b, double alpha, Bounds bounds,
                     common::Rng& rng) {
  check_pair(a, b, "crossover_blend");
  check_bounds(bounds, "crossover_blend");
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double x1 = clamp_to(a[i], bounds);
    const double x2 = clamp_to(b[i], bounds);
    const double gamma = (1.0 + 2.0 * alpha) * rng.uniform01() - alpha;
    a[i] = clamp_to((1.0 - gamma) * x1 + gamma * x2, bounds);
    b[i] = clamp_to(gamma * x1 + (1.0 - gamma) * x2, bounds);
  }
}

// Draws per gene i, in order: u = uniform01(); if u < indpb: rand = uniform01().
void mutate_polynomial(std::span<double> genome, double eta, double indpb, Bounds bounds,
                       common::Rng& rng) {
  check_bounds(bounds, "mutate_polynomial");
  const double xl = bounds.lower;
  const double xu = bounds.upper;
  const double range = xu - xl;
  const double mut_pow = 1.0 / (eta + 1.0);
  for (double& gene : genome) {
    gene = clamp_to(gene, bounds);
    if (!(rng.uniform01() < indpb)) continue;
    const double rand = rng.uniform01();
    if (range == 0) continue;  // nowhere to go; the draws above are still taken
    const double x = gene;
    const double delta_1 = (x - xl) / range;
    const double delta_2 = (xu - x) / range;
    double delta_q = 0;
    if (rand < 0.5) {
      const double xy = 1.0 - delta_1;
      const double val = 2.0 * rand + (1.0 - 2.0 * rand) * std::pow(xy, eta + 1.0);
      delta_q = std::pow(val, mut_pow) - 1.0;
    } else {
      const double xy = 1.0 - delta_2;
      const double val = 2.0 * (1.0 - rand) + 2.0 * (rand - 0.5) * std::pow(xy, eta + 1.0);
      delta_q = 1.0 - std::pow(val, mut_pow);
    }
    gene = clamp_to(x + delta_q * range, bounds);
  }
}

// Draws per gene i, in order: u = uniform01(); if u < indpb: normal() (two uniform01()).
void mutate_gaussian(std::span<double> genome, double sigma, double indpb, Bounds bounds,
                     common::Rng& rng) {
  check_bounds(bounds, "mutate_gaussian");
  for (double& gene : genome) {
    gene = clamp_to(gene, bounds);
    if (!(rng.uniform01() < indpb)) continue;
    gene = clamp_to(gene + sigma * rng.normal(), bounds);
  }
}

}  // namespace evo::master
