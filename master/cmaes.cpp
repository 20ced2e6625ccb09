#include "master/cmaes.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "common/error.hpp"

namespace evo::master {
namespace {

// pycma's cap on one update's step-size change: sigma grows by at most e per generation, so
// one wild path length cannot overflow it.
constexpr double kMaxLogSigmaChange = 1.0;

bool all_finite(const Eigen::MatrixXd& matrix) { return matrix.allFinite(); }

std::vector<double> to_vector(const Eigen::MatrixXd& matrix) {
  // Row-major, as a user reading /algorithm/covariance with h5py expects.
  std::vector<double> values;
  values.reserve(static_cast<std::size_t>(matrix.size()));
  for (Eigen::Index r = 0; r < matrix.rows(); ++r) {
    for (Eigen::Index c = 0; c < matrix.cols(); ++c) values.push_back(matrix(r, c));
  }
  return values;
}

std::vector<double> to_vector(const Eigen::VectorXd& vector) {
  return {vector.data(), vector.data() + vector.size()};
}

}  // namespace

Cmaes::Cmaes(const common::Config& config)
    : n_(static_cast<std::size_t>(config.problem.dimension)),
      objectives_(static_cast<std::size_t>(common::objective_count(config))),
      lower_(config.genome.lower),
      upper_(config.genome.upper),
      sigma0_(config.algorithm.cmaes_sigma0 > 0
                  ? config.algorithm.cmaes_sigma0
                  : 0.3 * (config.genome.upper - config.genome.lower)),
      configured_lambda_(config.algorithm.lambda),
      configured_mu_(config.algorithm.mu),
      max_restarts_(config.algorithm.cmaes_restarts) {
  set_strategy_parameters(0);
}

void Cmaes::set_strategy_parameters(int restart) {
  const double n = static_cast<double>(n_);
  const std::size_t base_lambda = configured_lambda_ > 0
                                      ? static_cast<std::size_t>(configured_lambda_)
                                      : 4 + static_cast<std::size_t>(std::floor(3.0 * std::log(n)));
  lambda_ = base_lambda << restart;  // IPOP doubles lambda at each restart
  mu_ = configured_mu_ > 0 ? std::min(static_cast<std::size_t>(configured_mu_) << restart, lambda_)
                           : lambda_ / 2;
  weights_.resize(static_cast<Eigen::Index>(mu_));
  for (std::size_t i = 0; i < mu_; ++i) {
    weights_(static_cast<Eigen::Index>(i)) =
        std::log(static_cast<double>(mu_) + 0.5) - std::log(static_cast<double>(i) + 1.0);
  }
  weights_ /= weights_.sum();
  mueff_ = 1.0 / weights_.squaredNorm();
  cc_ = (4.0 + mueff_ / n) / (n + 4.0 + 2.0 * mueff_ / n);
  cs_ = (mueff_ + 2.0) / (n + mueff_ + 5.0);
  c1_ = 2.0 / ((n + 1.3) * (n + 1.3) + mueff_);
  cmu_ =
      std::min(1.0 - c1_, 2.0 * (mueff_ - 2.0 + 1.0 / mueff_) / ((n + 2.0) * (n + 2.0) + mueff_));
  damps_ = 1.0 + 2.0 * std::max(0.0, std::sqrt((mueff_ - 1.0) / (n + 1.0)) - 1.0) + cs_;
  chi_n_ = std::sqrt(n) * (1.0 - 1.0 / (4.0 * n) + 1.0 / (21.0 * n * n));
}

void Cmaes::start_from(const Eigen::VectorXd& x0) {
  const auto n = static_cast<Eigen::Index>(n_);
  mean_ = x0;
  sigma_ = sigma0_;
  c_ = Eigen::MatrixXd::Identity(n, n);
  b_ = Eigen::MatrixXd::Identity(n, n);
  d_ = Eigen::VectorXd::Ones(n);
  inv_sqrt_c_ = Eigen::MatrixXd::Identity(n, n);
  pc_ = Eigen::VectorXd::Zero(n);
  ps_ = Eigen::VectorXd::Zero(n);
  iteration_ = 0;
  counteval_ = 0;
  eigeneval_ = 0;
  history_.clear();
  last_criterion_ = CmaesCriterion::kNone;
}

common::Population Cmaes::initial_population(common::Rng& rng) {
  common::Population initial(1, n_, objectives_);
  for (double& gene : initial.genes) gene = rng.uniform(lower_, upper_);
  return initial;
}

common::Population Cmaes::breed(common::Rng& rng) {
  if (termination()) {
    throw common::Error(fmt::format("internal error: cmaes bred after its termination ({})",
                                    criterion_name(last_criterion_)));
  }
  if (restart_pending_) {
    ++restarts_done_;
    restart_pending_ = false;
    set_strategy_parameters(restarts_done_);
    Eigen::VectorXd x0(static_cast<Eigen::Index>(n_));
    for (Eigen::Index j = 0; j < x0.size(); ++j) x0(j) = rng.uniform(lower_, upper_);
    start_from(x0);
  }
  common::Population samples(lambda_, n_, objectives_);
  Eigen::VectorXd z(static_cast<Eigen::Index>(n_));
  for (std::size_t k = 0; k < lambda_; ++k) {
    for (Eigen::Index j = 0; j < z.size(); ++j) z(j) = rng.normal();
    const Eigen::VectorXd x = mean_ + sigma_ * (b_ * d_.cwiseProduct(z));
    std::copy(x.data(), x.data() + x.size(), samples.genome(k).begin());
  }
  return samples;
}

void Cmaes::accept(common::Population evaluated, common::Rng& /*rng*/) {
  const auto n = static_cast<Eigen::Index>(n_);
  if (!started_) {  // x0, evaluated once
    start_from(Eigen::Map<const Eigen::VectorXd>(evaluated.genome(0).data(), n));
    started_ = true;
    population_ = std::move(evaluated);
    return;
  }
  // Best first; equal fitness keeps sampling order, so the ranking is reproducible.
  std::vector<std::size_t> order(evaluated.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return evaluated.fitness_of(a)[0] < evaluated.fitness_of(b)[0];
  });
  std::vector<double> sorted_fitness;
  sorted_fitness.reserve(order.size());
  for (std::size_t i : order) sorted_fitness.push_back(evaluated.fitness_of(i)[0]);
  const std::size_t half = sorted_fitness.size() / 2;
  const double median = sorted_fitness.size() % 2 == 1
                            ? sorted_fitness[half]
                            : (sorted_fitness[half - 1] + sorted_fitness[half]) / 2;
  history_.push(sorted_fitness.front(), median);

  last_criterion_ = update(evaluated, order, sorted_fitness);
  if (last_criterion_ != CmaesCriterion::kNone) {
    restart_pending_ = restarts_done_ < max_restarts_;
    if (restart_pending_) {
      spdlog::info("cmaes: {} after {} updates ({}): IPOP restart {} of {} with lambda = {}",
                   criterion_name(last_criterion_), iteration_, criterion_meaning(last_criterion_),
                   restarts_done_ + 1, max_restarts_, lambda_ * 2);
    }
  }
  population_ = std::move(evaluated);
}

CmaesCriterion Cmaes::update(const common::Population& evaluated,
                             const std::vector<std::size_t>& order,
                             const std::vector<double>& sorted_fitness) {
  const auto n = static_cast<Eigen::Index>(n_);
  const auto mu = static_cast<Eigen::Index>(mu_);
  counteval_ += static_cast<std::int64_t>(evaluated.size());
  ++iteration_;
  Eigen::MatrixXd steps(n, mu);  // (x_i:lambda - old mean) / sigma
  for (Eigen::Index i = 0; i < mu; ++i) {
    const auto x = Eigen::Map<const Eigen::VectorXd>(
        evaluated.genome(order[static_cast<std::size_t>(i)]).data(), n);
    steps.col(i) = (x - mean_) / sigma_;
  }
  // Computed aside and taken only if every number is finite: a discarded update leaves a
  // distribution that still samples (and a checkpoint the validator accepts).
  const Eigen::VectorXd y_w = steps * weights_;
  const Eigen::VectorXd mean = mean_ + sigma_ * y_w;
  const Eigen::VectorXd ps =
      (1.0 - cs_) * ps_ + std::sqrt(cs_ * (2.0 - cs_) * mueff_) * (inv_sqrt_c_ * y_w);
  const double ps_norm = ps.norm();
  const double n_real = static_cast<double>(n_);
  const bool hsig =
      ps_norm / std::sqrt(1.0 - std::pow(1.0 - cs_, 2.0 * static_cast<double>(iteration_))) /
          chi_n_ <
      1.4 + 2.0 / (n_real + 1.0);
  Eigen::VectorXd pc = (1.0 - cc_) * pc_;
  if (hsig) pc += std::sqrt(cc_ * (2.0 - cc_) * mueff_) * y_w;
  // Without hsig the rank-one update loses variance; (1 - hsig) c1 cc (2 - cc) gives it back.
  const double lost = hsig ? 0.0 : c1_ * cc_ * (2.0 - cc_);
  const Eigen::MatrixXd c = (1.0 - c1_ - cmu_ + lost) * c_ + c1_ * (pc * pc.transpose()) +
                            cmu_ * (steps * weights_.asDiagonal() * steps.transpose());
  const double log_change = std::min(kMaxLogSigmaChange, (cs_ / damps_) * (ps_norm / chi_n_ - 1.0));
  // A step size of 0 would make the next (x - m) / sigma NaN; TolX ends the run long before.
  const double sigma = std::max(sigma_ * std::exp(log_change), std::numeric_limits<double>::min());
  if (!all_finite(mean) || !all_finite(ps) || !all_finite(pc) || !all_finite(c) ||
      !std::isfinite(sigma)) {
    return CmaesCriterion::kNonFinite;
  }
  mean_ = mean;
  ps_ = ps;
  pc_ = pc;
  c_ = c;
  sigma_ = sigma;

  bool condition_exceeded = false;
  if (static_cast<double>(counteval_ - eigeneval_) >
          static_cast<double>(lambda_) / (c1_ + cmu_) / n_real / 10.0 &&
      !update_eigendecomposition(condition_exceeded)) {
    return CmaesCriterion::kNonFinite;
  }
  return first_criterion(CmaesSnapshot{.n = n_,
                                       .lambda = lambda_,
                                       .sigma0 = sigma0_,
                                       .sigma = sigma_,
                                       .mean = mean_,
                                       .c = c_,
                                       .b = b_,
                                       .d = d_,
                                       .pc = pc_,
                                       .iteration = iteration_,
                                       .fitness = sorted_fitness,
                                       .condition_exceeded = condition_exceeded,
                                       .history = history_});
}

bool Cmaes::update_eigendecomposition(bool& condition_exceeded) {
  eigeneval_ = counteval_;
  // Enforce symmetry: the updates keep it only up to rounding.
  const Eigen::MatrixXd upper = c_.triangularView<Eigen::Upper>();
  Eigen::MatrixXd c = upper + upper.transpose();
  c.diagonal() /= 2.0;
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(c);
  Eigen::VectorXd eigenvalues = solver.eigenvalues();  // ascending
  const double largest = eigenvalues.maxCoeff();
  if (solver.info() != Eigen::Success || !eigenvalues.allFinite() || !(largest > 0)) return false;
  // The condition bound (cmaes.m): rounding drives the smallest eigenvalues of a degenerate C
  // to 0 or below, and C^-1/2 would then hold ~1e150 and overflow the path. Adding a multiple
  // of I keeps the eigenvectors and lifts every eigenvalue to at least largest / 1e14.
  if (largest > kMaxCondition * eigenvalues.minCoeff()) {
    condition_exceeded = true;
    const double shift = largest / kMaxCondition - eigenvalues.minCoeff();
    c.diagonal().array() += shift;
    eigenvalues.array() += shift;
  }
  c_ = c;
  b_ = solver.eigenvectors();
  d_ = eigenvalues.cwiseSqrt();
  inv_sqrt_c_ = b_ * d_.cwiseInverse().asDiagonal() * b_.transpose();
  return true;
}

std::optional<Algorithm::Termination> Cmaes::termination() const {
  if (last_criterion_ == CmaesCriterion::kNone || restart_pending_) return std::nullopt;
  return Termination{
      std::string(criterion_name(last_criterion_)),
      fmt::format("{} after {} updates, no IPOP restart left (algorithm.cmaes_restarts = {})",
                  criterion_meaning(last_criterion_), iteration_, max_restarts_)};
}

common::AlgorithmState Cmaes::save_state() const {
  common::AlgorithmState state;
  state.name = name();
  state.integers["started"] = {started_ ? 1 : 0};
  state.integers["lambda"] = {static_cast<std::int64_t>(lambda_)};
  state.integers["mu"] = {static_cast<std::int64_t>(mu_)};
  state.integers["restarts_done"] = {restarts_done_};
  state.integers["restart_pending"] = {restart_pending_ ? 1 : 0};
  if (!started_) return state;
  state.integers["iteration"] = {iteration_};
  state.integers["counteval"] = {counteval_};
  state.integers["eigeneval"] = {eigeneval_};
  state.reals["mean"] = to_vector(mean_);
  state.reals["sigma"] = {sigma_};
  state.reals["covariance"] = to_vector(c_);
  state.reals["eigenvectors"] = to_vector(b_);
  state.reals["sqrt_eigenvalues"] = to_vector(d_);
  state.reals["inv_sqrt_covariance"] = to_vector(inv_sqrt_c_);
  state.reals["path_c"] = to_vector(pc_);
  state.reals["path_sigma"] = to_vector(ps_);
  state.reals["best_history"] = history_.best();
  state.reals["median_history"] = history_.median();
  state.integers["last_criterion"] = {static_cast<std::int64_t>(last_criterion_)};
  return state;
}

void Cmaes::restore_state(const common::AlgorithmState& state, common::Population population) {
  check_state_owner(state, name());
  const auto integer = [&](const char* key) -> std::int64_t {
    const auto it = state.integers.find(key);
    if (it == state.integers.end() || it->second.size() != 1) {
      throw common::CheckpointError(fmt::format("/algorithm/{} of cmaes is missing", key));
    }
    return it->second[0];
  };
  const auto n = static_cast<Eigen::Index>(n_);
  const auto reals = [&](const char* key, std::size_t size) -> const std::vector<double>& {
    const auto it = state.reals.find(key);
    if (it == state.reals.end() || (size > 0 && it->second.size() != size)) {
      throw common::IncompatibleCheckpointError(
          fmt::format("/algorithm/{} of cmaes is missing or does not fit dimension {}", key, n_));
    }
    return it->second;
  };
  const auto vector = [&](const char* key) {
    return Eigen::VectorXd(Eigen::Map<const Eigen::VectorXd>(reals(key, n_).data(), n));
  };
  const auto matrix = [&](const char* key) {
    using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    return Eigen::MatrixXd(Eigen::Map<const RowMajor>(reals(key, n_ * n_).data(), n, n));
  };
  if (population.dimension != n_ || population.objectives != objectives_) {
    throw common::IncompatibleCheckpointError(
        fmt::format("checkpoint population has dimension {} and {} objectives, config expects {} "
                    "and {}",
                    population.dimension, population.objectives, n_, objectives_));
  }
  const std::int64_t restarts = integer("restarts_done");
  if (restarts < 0 || restarts > max_restarts_) {
    throw common::IncompatibleCheckpointError(
        fmt::format("checkpoint made {} IPOP restarts, config allows {} (algorithm.cmaes_restarts)",
                    restarts, max_restarts_));
  }
  restarts_done_ = static_cast<int>(restarts);
  set_strategy_parameters(restarts_done_);
  if (integer("lambda") != static_cast<std::int64_t>(lambda_) ||
      integer("mu") != static_cast<std::int64_t>(mu_)) {
    throw common::IncompatibleCheckpointError(
        fmt::format("checkpoint has lambda = {}, mu = {}; config gives {}, {}", integer("lambda"),
                    integer("mu"), lambda_, mu_));
  }
  restart_pending_ = integer("restart_pending") != 0;
  started_ = integer("started") != 0;
  if (started_) {
    iteration_ = integer("iteration");
    counteval_ = integer("counteval");
    eigeneval_ = integer("eigeneval");
    mean_ = vector("mean");
    sigma_ = reals("sigma", 1)[0];
    c_ = matrix("covariance");
    b_ = matrix("eigenvectors");
    d_ = vector("sqrt_eigenvalues");
    inv_sqrt_c_ = matrix("inv_sqrt_covariance");
    pc_ = vector("path_c");
    ps_ = vector("path_sigma");
    const std::vector<double>& best = reals("best_history", 0);
    const std::vector<double>& median = reals("median_history", 0);
    const std::int64_t criterion = integer("last_criterion");
    if (best.size() != median.size() || best.size() > kMaxFitnessHistory || criterion < 0 ||
        criterion >= kCmaesCriterionCount) {
      throw common::CheckpointError(fmt::format(
          "/algorithm of cmaes: best_history ({}) and median_history ({}) differ in length or "
          "exceed {}, or last_criterion = {} is unknown",
          best.size(), median.size(), kMaxFitnessHistory, criterion));
    }
    history_.assign(best, median);
    last_criterion_ = static_cast<CmaesCriterion>(criterion);
  }
  population_ = std::move(population);
}

}  // namespace evo::master
