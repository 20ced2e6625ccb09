#include "master/cmaes_termination.hpp"

#include <algorithm>
#include <cmath>

namespace evo::master {
namespace {

// Median of `values` (a copy: nth_element reorders).
double median_of(std::vector<double> values) {
  const std::size_t half = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(half),
                   values.end());
  const double upper = values[half];
  if (values.size() % 2 == 1) return upper;
  const double lower =
      *std::max_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(half));
  return (lower + upper) / 2;
}

// Median of values[first, first + count).
double median_of(const std::deque<double>& values, std::size_t first, std::size_t count) {
  const auto begin = values.begin() + static_cast<std::ptrdiff_t>(first);
  return median_of(std::vector<double>(begin, begin + static_cast<std::ptrdiff_t>(count)));
}

}  // namespace

std::string_view criterion_name(CmaesCriterion criterion) {
  switch (criterion) {
    case CmaesCriterion::kNone:
      return "none";
    case CmaesCriterion::kNonFinite:
      return "nonfinite";
    case CmaesCriterion::kTolFun:
      return "tolfun";
    case CmaesCriterion::kTolFunHist:
      return "tolfunhist";
    case CmaesCriterion::kTolX:
      return "tolx";
    case CmaesCriterion::kTolUpSigma:
      return "tolupsigma";
    case CmaesCriterion::kConditionCov:
      return "conditioncov";
    case CmaesCriterion::kNoEffectAxis:
      return "noeffectaxis";
    case CmaesCriterion::kNoEffectCoord:
      return "noeffectcoord";
    case CmaesCriterion::kTolStagnation:
      return "tolstagnation";
  }
  return "unknown";
}

std::string_view criterion_meaning(CmaesCriterion criterion) {
  switch (criterion) {
    case CmaesCriterion::kNone:
      return "no criterion holds";
    case CmaesCriterion::kNonFinite:
      return "the update gave a non-finite value and was discarded";
    case CmaesCriterion::kTolFun:
      return "the fitness of this and the recent generations varies by less than 1e-12";
    case CmaesCriterion::kTolFunHist:
      return "the best fitness of the recent generations varies by less than 1e-13";
    case CmaesCriterion::kTolX:
      return "every coordinate's step is below 1e-11 sigma0";
    case CmaesCriterion::kTolUpSigma:
      return "sigma grew beyond 1e20 sigma0 times the largest axis of C";
    case CmaesCriterion::kConditionCov:
      return "the condition number of C exceeds 1e14";
    case CmaesCriterion::kNoEffectAxis:
      return "a step of 0.1 sigma along a principal axis no longer changes the mean";
    case CmaesCriterion::kNoEffectCoord:
      return "a step of 0.2 sigma in a coordinate no longer changes the mean";
    case CmaesCriterion::kTolStagnation:
      return "the best and the median fitness stopped improving";
  }
  return "unknown";
}

void FitnessHistory::clear() {
  best_.clear();
  median_.clear();
}

void FitnessHistory::push(double best, double median) {
  best_.push_back(best);
  median_.push_back(median);
  if (best_.size() > kMaxFitnessHistory) {
    best_.pop_front();
    median_.pop_front();
  }
}

void FitnessHistory::assign(std::span<const double> best, std::span<const double> median) {
  best_.assign(best.begin(), best.end());
  median_.assign(median.begin(), median.end());
}

std::size_t FitnessHistory::short_window(std::size_t n, std::size_t lambda) {
  return static_cast<std::size_t>(
      10 + std::ceil(30.0 * static_cast<double>(n) / static_cast<double>(lambda)));
}

double FitnessHistory::recent_best_range(std::size_t count) const {
  const auto recent = best_.end() - static_cast<std::ptrdiff_t>(count);
  const auto [low, high] = std::minmax_element(recent, best_.end());
  return *high - *low;
}

bool FitnessHistory::stagnates(std::size_t n, std::size_t lambda, std::int64_t iteration) const {
  constexpr std::size_t kEnds = 20;  // values at each end of the window compared
  const double minimum =
      std::ceil(120.0 + 30.0 * static_cast<double>(n) / static_cast<double>(lambda));
  const double wanted = std::max(minimum, std::ceil(0.2 * static_cast<double>(iteration)));
  const auto window =
      static_cast<std::size_t>(std::min(wanted, static_cast<double>(kMaxFitnessHistory)));
  if (best_.size() < window) return false;
  const std::size_t first = best_.size() - window;
  const std::size_t newest = best_.size() - kEnds;
  return median_of(best_, newest, kEnds) >= median_of(best_, first, kEnds) &&
         median_of(median_, newest, kEnds) >= median_of(median_, first, kEnds);
}

CmaesCriterion first_criterion(const CmaesSnapshot& now) {
  const std::size_t window = FitnessHistory::short_window(now.n, now.lambda);
  if (now.history.size() >= window) {
    const double range = now.history.recent_best_range(window);
    if (range < kTolFun && now.fitness.back() - now.fitness.front() < kTolFun) {
      return CmaesCriterion::kTolFun;
    }
    if (range < kTolFunHist) return CmaesCriterion::kTolFunHist;
  }
  const double tolx = kTolXFactor * now.sigma0;
  if ((now.sigma * now.pc.cwiseAbs()).maxCoeff() < tolx &&
      (now.sigma * now.c.diagonal().cwiseSqrt()).maxCoeff() < tolx) {
    return CmaesCriterion::kTolX;
  }
  if (now.sigma / now.d.maxCoeff() > kTolUpSigma * now.sigma0) return CmaesCriterion::kTolUpSigma;
  if (now.condition_exceeded) return CmaesCriterion::kConditionCov;
  const auto axis = static_cast<Eigen::Index>(now.iteration % static_cast<std::int64_t>(now.n));
  const Eigen::VectorXd shifted = now.mean + 0.1 * now.sigma * now.d(axis) * now.b.col(axis);
  if (shifted == now.mean) return CmaesCriterion::kNoEffectAxis;
  for (Eigen::Index j = 0; j < now.mean.size(); ++j) {
    if (now.mean(j) + 0.2 * now.sigma * std::sqrt(now.c(j, j)) == now.mean(j)) {
      return CmaesCriterion::kNoEffectCoord;
    }
  }
  if (now.history.stagnates(now.n, now.lambda, now.iteration)) {
    return CmaesCriterion::kTolStagnation;
  }
  return CmaesCriterion::kNone;
}

}  // namespace evo::master
