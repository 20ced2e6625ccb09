// CMA-ES (Hansen & Ostermeier 2001; parameters and update as in Hansen, "The CMA Evolution
// Strategy: A Tutorial", 2016, and his purecma.py): full covariance matrix, weighted
// recombination of the best mu of lambda samples (log weights), cumulative step-size
// adaptation (CSA), rank-one and rank-mu covariance update, eigendecomposition by Eigen
// done lazily (every lambda / (c1 + cmu) / n / 10 evaluations). Defaults from the
// dimension n: lambda = 4 + floor(3 ln n), mu = lambda / 2.
//
// Generation 0 evaluates one point, the initial mean x0 drawn uniformly within the genome
// bounds; every later generation evaluates lambda samples m + sigma B D z. Samples are not
// clipped to the bounds (the problem sees them as drawn), so the update stays the
// textbook one.
//
// Never NaN: the condition number of C is bounded by 1e14 (C + shift I when an
// eigendecomposition finds it larger, which also keeps every eigenvalue > 0), sigma grows
// by at most a factor e per update and never underflows to 0, and an update that still
// yields a non-finite number is discarded (criterion "nonfinite"). After every update the
// reference termination criteria are checked (master/cmaes_termination.hpp). With
// algorithm.cmaes_restarts = K it is IPOP-CMA-ES (Auger & Hansen 2005): the first K times a
// criterion holds, the next generation starts afresh from a new uniform x0 with lambda
// doubled; after that, a criterion ends the run (termination()).
//
// Every number the next generation depends on is in save_state(): mean, sigma, C, B, D,
// C^-1/2, both paths, counters, the best and median fitness history, the criterion and
// the restart bookkeeping.
#pragma once

#include <Eigen/Dense>
#include <vector>

#include "common/config.hpp"
#include "master/algorithm.hpp"
#include "master/cmaes_termination.hpp"

namespace evo::master {

class Cmaes : public Algorithm {
 public:
  explicit Cmaes(const common::Config& config);

  std::string name() const override { return "cmaes"; }
  common::Population initial_population(common::Rng& rng) override;
  common::Population breed(common::Rng& rng) override;
  void accept(common::Population evaluated, common::Rng& rng) override;
  const common::Population& population() const override { return population_; }
  common::AlgorithmState save_state() const override;
  void restore_state(const common::AlgorithmState& state, common::Population population) override;
  std::optional<Termination> termination() const override;

  std::size_t lambda() const { return lambda_; }
  std::size_t mu() const { return mu_; }
  double sigma() const { return sigma_; }
  const Eigen::VectorXd& mean() const { return mean_; }
  const Eigen::MatrixXd& covariance() const { return c_; }
  int restarts_done() const { return restarts_done_; }
  // The criterion that held after the latest update (kNone if none).
  CmaesCriterion last_criterion() const { return last_criterion_; }

 private:
  // Sets lambda, mu, the weights and the learning rates for restart number `restart`.
  void set_strategy_parameters(int restart);
  // Mean `x0`, sigma0, C = I, zero paths and counters.
  void start_from(const Eigen::VectorXd& x0);
  // Returns false, leaving B, D and C^-1/2 as they were, when C has no positive eigenvalue
  // (or a non-finite one); sets `condition_exceeded` when cond(C) was above kMaxCondition
  // (C is then shifted to the bound).
  bool update_eigendecomposition(bool& condition_exceeded);
  // The CMA-ES update from this generation's samples sorted best first (`order`); returns
  // kNonFinite (state unchanged but the counters) if it would make a value non-finite, else
  // the first termination criterion that holds afterwards.
  CmaesCriterion update(const common::Population& evaluated, const std::vector<std::size_t>& order,
                        const std::vector<double>& sorted_fitness);

  // From the config.
  std::size_t n_;
  std::size_t objectives_;
  double lower_;
  double upper_;
  double sigma0_;
  int configured_lambda_;  // 0 = default
  int configured_mu_;      // 0 = lambda / 2
  int max_restarts_;

  // Strategy parameters (derived from n, lambda, mu).
  std::size_t lambda_ = 0;
  std::size_t mu_ = 0;
  Eigen::VectorXd weights_;
  double mueff_ = 0;
  double cc_ = 0;
  double cs_ = 0;
  double c1_ = 0;
  double cmu_ = 0;
  double damps_ = 0;
  double chi_n_ = 0;

  // Dynamic state.
  bool started_ = false;  // x0 evaluated and accepted
  Eigen::VectorXd mean_;
  double sigma_ = 0;
  Eigen::MatrixXd c_;
  Eigen::MatrixXd b_;
  Eigen::VectorXd d_;  // square roots of C's eigenvalues
  Eigen::MatrixXd inv_sqrt_c_;
  Eigen::VectorXd pc_;
  Eigen::VectorXd ps_;
  std::int64_t iteration_ = 0;  // updates since the (re)start
  std::int64_t counteval_ = 0;  // evaluations since the (re)start
  std::int64_t eigeneval_ = 0;  // counteval_ at the last eigendecomposition
  FitnessHistory history_;      // best and median fitness since the (re)start
  CmaesCriterion last_criterion_ = CmaesCriterion::kNone;  // of the latest update
  int restarts_done_ = 0;
  bool restart_pending_ = false;  // last_criterion_ holds and a restart is left
  common::Population population_;
};

}  // namespace evo::master
