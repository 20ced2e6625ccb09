// CMA-ES termination criteria, as the reference implementations define them (Hansen's
// cmaes.m / c-cmaes / pycma; stagnation as in Hansen 2009, "Benchmarking a BI-population
// CMA-ES on the BBOB-2009 function testbed"). Checked after every update; the first that
// holds ends the run of the distribution: an IPOP restart when restarts are left, else the
// end of the run (master/cmaes.hpp). A criterion's name is what the console and the
// checkpoint's stop_reason show ("cmaes:<name>"), so the names are part of the interface.
//
// FitnessHistory is algorithm state: it is saved in the checkpoint (best_history,
// median_history), so a resumed run judges stagnation on exactly the same values.
#pragma once

#include <Eigen/Dense>
#include <cstdint>
#include <deque>
#include <span>
#include <string_view>
#include <vector>

namespace evo::master {

enum class CmaesCriterion : std::int64_t {
  kNone = 0,
  kNonFinite,      // the update gave a non-finite mean, sigma, path or C (it is discarded)
  kTolFun,         // this generation's and the recent best values within kTolFun
  kTolFunHist,     // the recent best values within kTolFunHist
  kTolX,           // every sigma * max(|pc_i|, sqrt(C_ii)) below kTolXFactor * sigma0
  kTolUpSigma,     // sigma / max(D) above kTolUpSigma * sigma0: "creeping" sigma
  kConditionCov,   // cond(C) above kMaxCondition (before the condition bound is applied)
  kNoEffectAxis,   // 0.1 sigma along a principal axis leaves the mean unchanged
  kNoEffectCoord,  // 0.2 sigma sqrt(C_jj) leaves coordinate j unchanged
  kTolStagnation,  // best and median fitness no longer improve over a long window
};
inline constexpr std::int64_t kCmaesCriterionCount = 10;  // kNone included

// Reference defaults: cmaes.m (TolFun, TolHistFun, TolX in units of sigma0), pycma
// (tolupsigma, tolconditioncov).
inline constexpr double kTolFun = 1e-12;
inline constexpr double kTolFunHist = 1e-13;
inline constexpr double kTolXFactor = 1e-11;
inline constexpr double kTolUpSigma = 1e20;
inline constexpr double kMaxCondition = 1e14;
// The longest stagnation window (Hansen 2009): older values are dropped, which bounds the
// checkpointed history.
inline constexpr std::size_t kMaxFitnessHistory = 20000;

// "tolx", "conditioncov", ...; "none" for kNone.
std::string_view criterion_name(CmaesCriterion criterion);
// One sentence on what the criterion means, for the console.
std::string_view criterion_meaning(CmaesCriterion criterion);

// Best and median fitness of every generation since the (re)start, newest last, at most
// kMaxFitnessHistory of each.
class FitnessHistory {
 public:
  void clear();
  void push(double best, double median);
  std::size_t size() const { return best_.size(); }
  std::vector<double> best() const { return {best_.begin(), best_.end()}; }
  std::vector<double> median() const { return {median_.begin(), median_.end()}; }
  // Precondition: best.size() == median.size() <= kMaxFitnessHistory.
  void assign(std::span<const double> best, std::span<const double> median);

  // TolFun / TolFunHist window: 10 + ceil(30 n / lambda) generations.
  static std::size_t short_window(std::size_t n, std::size_t lambda);
  // Range (max - min) of the newest `count` best values; needs size() >= count.
  double recent_best_range(std::size_t count) const;
  // Hansen 2009: over the last 20% of the generations, but at least 120 + 30 n / lambda and
  // at most kMaxFitnessHistory, the median of the newest 20 values is not better than the
  // median of the oldest 20, for the best and for the median fitness alike.
  bool stagnates(std::size_t n, std::size_t lambda, std::int64_t iteration) const;

 private:
  std::deque<double> best_;
  std::deque<double> median_;
};

// What the criteria look at, after an update (sigma, C, B, D as they are now).
struct CmaesSnapshot {
  std::size_t n;
  std::size_t lambda;
  double sigma0;
  double sigma;
  const Eigen::VectorXd& mean;
  const Eigen::MatrixXd& c;
  const Eigen::MatrixXd& b;
  const Eigen::VectorXd& d;  // square roots of C's eigenvalues (after the condition bound)
  const Eigen::VectorXd& pc;
  std::int64_t iteration;           // updates since the (re)start, this one included
  std::span<const double> fitness;  // this generation's, sorted best first
  bool condition_exceeded;          // the last eigendecomposition hit kMaxCondition
  const FitnessHistory& history;    // this generation included
};

// The first criterion that holds, in the order of the enum, or kNone.
CmaesCriterion first_criterion(const CmaesSnapshot& now);

}  // namespace evo::master
