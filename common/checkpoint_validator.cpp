#include "common/checkpoint_validator.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "common/algorithm_catalog.hpp"
#include "common/checkpoint_failure.hpp"
#include "common/config.hpp"
#include "common/error.hpp"
#include "common/genome_check.hpp"
#include "common/rng.hpp"
#include "common/stopping_rules.hpp"

namespace evo::common {
namespace {

// The arrays one algorithm's save_state writes (master/<algorithm>.cpp), with the length
// each must have; -1 = any length.
struct StateArray {
  std::string_view name;
  bool integer;
  std::int64_t length;
};

class StateValidator {
 public:
  StateValidator(const CheckpointState& state, const std::string& file)
      : state_(state), file_(file) {}

  void run() {
    config_ = parse_own_config();
    check_header();
    check_logbook_and_counts();
    // Stopped while the initial population was evaluated, the algorithm had no population
    // (nor a hall of fame) yet: those are empty and have no shape either.
    const bool initial = state_.logbook.rows.empty();
    check_population(state_.population, "/population", /*evaluated=*/true, initial);
    check_population(state_.hall_of_fame, "/hall_of_fame", /*evaluated=*/true, initial);
    check_population(state_.in_progress, "/in_progress", /*evaluated=*/false, true);
    check_in_progress();
    check_rng();
    check_algorithm();
    check_stop_reason();  // last: any other inconsistency is named first
  }

 private:
  template <class... Args>
  [[noreturn]] void invalid(fmt::format_string<Args...> format, Args&&... args) const {
    fail_checkpoint(file_, "invalid state: " + fmt::format(format, std::forward<Args>(args)...));
  }

  Config parse_own_config() const {
    try {
      return parse_config(state_.config_text, "/config/text");
    } catch (const ConfigError& error) {
      invalid("/config/text is not a valid configuration: {}", error.what());
    }
  }

  void check_header() const {
    if (state_.seed != config_.run.seed) {
      invalid("root attribute seed = {} contradicts run.seed = {} of /config/text", state_.seed,
              config_.run.seed);
    }
    if (state_.job < 0 || state_.job >= config_.run.jobs) {
      invalid("root attribute job = {} is outside 0 .. run.jobs - 1 = {} of /config/text",
              state_.job, config_.run.jobs - 1);
    }
    if (const std::uint64_t hash = result_hash(config_); state_.config_hash != hash) {
      invalid("root attribute config_hash = {:016x} contradicts /config/text (its hash is {:016x})",
              state_.config_hash, hash);
    }
    if (state_.generation < 0)
      invalid("root attribute generation = {} is negative", state_.generation);
    if (state_.evaluations < 0) {
      invalid("root attribute evaluations = {} is negative", state_.evaluations);
    }
    if (state_.ranks_history.empty()) invalid("/run/ranks_history is empty");
    for (const std::int64_t ranks : state_.ranks_history) {
      if (ranks < 1) invalid("/run/ranks_history holds {} (rank counts are >= 1)", ranks);
    }
    if (state_.ranks_history.back() != state_.ranks) {
      invalid("/run/ranks_history ends with {} but root attribute ranks = {}",
              state_.ranks_history.back(), state_.ranks);
    }
  }

  // "" (not final, or written before the attribute existed), "generations" at
  // run.generations, a stopping rule's name (target_fitness, max_evaluations, stagnation)
  // when that rule of /config/text holds on the logbook, or "<algorithm.name>:<criterion>"
  // (docs/checkpoint-format.md).
  void check_stop_reason() const {
    const std::string& reason = state_.stop_reason;
    if (reason.empty()) return;
    if (!state_.final) invalid("root attribute stop_reason = '{}' but final = 0", reason);
    if (is_stopping_rule(reason)) {
      // No bound on the generation: a rule also ends a job resumed with fewer generations.
      if (!stopping_rule_verdict(reason, config_.run, state_.logbook, state_.evaluations)) {
        invalid(
            "root attribute stop_reason = '{}' but that rule of /config/text does not hold at "
            "generation {} ({} evaluations)",
            reason, state_.generation, state_.evaluations);
      }
      return;
    }
    if (reason == "generations") {
      // Beyond it when a run was resumed with fewer generations than it had done.
      if (state_.generation < config_.run.generations) {
        invalid(
            "root attribute stop_reason = 'generations' at generation {}, run.generations of "
            "/config/text is {}",
            state_.generation, config_.run.generations);
      }
      return;
    }
    const std::string prefix = config_.algorithm.name + ":";
    const std::string_view criterion =
        std::string_view(reason).substr(reason.starts_with(prefix) ? prefix.size() : reason.size());
    const bool word = !criterion.empty() &&
                      std::all_of(criterion.begin(), criterion.end(),
                                  [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; });
    if (!reason.starts_with(prefix) || !word) {
      invalid(
          "root attribute stop_reason = '{}' (expected 'generations', 'target_fitness', "
          "'max_evaluations', 'stagnation' or '{}<criterion>')",
          reason, prefix);
    }
    if (state_.generation > config_.run.generations) {
      invalid("root attribute stop_reason = '{}' at generation {}, after run.generations = {}",
              reason, state_.generation, config_.run.generations);
    }
  }

  // One logbook row per completed generation, numbered from 0 (the initial population);
  // the evaluations are the logbook's plus those already done in the generation in progress.
  void check_logbook_and_counts() const {
    const std::vector<LogRecord>& rows = state_.logbook.rows;
    const auto generations = static_cast<std::uint64_t>(state_.generation);
    const bool initial_in_progress = rows.empty() && state_.generation == 0;
    if (!initial_in_progress && rows.size() != generations + 1) {
      invalid("/logbook has {} rows but generation = {} (one row per generation, gen 0 included)",
              rows.size(), state_.generation);
    }
    std::int64_t logged = 0;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const LogRecord& row = rows[i];
      if (row.gen != static_cast<std::int64_t>(i)) {
        invalid("/logbook/gen row {} holds {} (expected {})", i, row.gen, i);
      }
      const std::int64_t counts[] = {row.evals,
                                     row.failed,
                                     row.retried,
                                     row.status_failed,
                                     row.status_non_zero_exit,
                                     row.status_signaled,
                                     row.status_timeout,
                                     row.status_garbage,
                                     row.status_non_finite};
      if (std::any_of(std::begin(counts), std::end(counts), [](std::int64_t n) { return n < 0; })) {
        invalid("/logbook row {} holds a negative count", i);
      }
      if (row.evals > state_.evaluations - logged) {
        invalid("/logbook/evals adds up to more than root attribute evaluations = {}",
                state_.evaluations);
      }
      logged += row.evals;
    }
    const auto in_progress = static_cast<std::int64_t>(state_.in_progress.size());
    if (state_.evaluations - logged > in_progress) {
      invalid(
          "root attribute evaluations = {}, but /logbook/evals adds up to {} and only {} "
          "evaluations can be in progress",
          state_.evaluations, logged, in_progress);
    }
  }

  // `may_be_shapeless`: when empty it may keep either the run's shape or none (0 x 1).
  void check_population(const Population& population, std::string_view where, bool evaluated,
                        bool may_be_shapeless) const {
    const auto objectives = static_cast<std::size_t>(objective_count(config_));
    const auto dimension = static_cast<std::size_t>(config_.problem.dimension);
    if (may_be_shapeless && population.size() == 0 && population.dimension == 0 &&
        population.objectives == 1) {
      return;
    }
    if (population.objectives != objectives) {
      invalid("{} has {} objectives, /config/text's problem has {}", where, population.objectives,
              objectives);
    }
    if (population.dimension != dimension) {
      invalid("{}/genomes has {} columns but problem.dimension of /config/text is {}", where,
              population.dimension, dimension);
    }
    for (std::size_t i = 0; i < population.size(); ++i) {
      check_genome(population.genome(i), where, i);
      for (const double value : population.fitness_of(i)) {
        // Unevaluated candidates of the generation in progress hold NaN; nothing else may.
        if (std::isinf(value) || (std::isnan(value) && evaluated)) {
          invalid(
              "{}/fitness row {} holds {} (fitness is finite; failures get "
              "dispatch.failure_fitness)",
              where, i, value);
        }
      }
    }
    if (where == "/hall_of_fame" && !algorithm_info(config_.algorithm.name).multi_objective &&
        population.size() > static_cast<std::size_t>(config_.run.hall_of_fame)) {
      invalid("/hall_of_fame holds {} individuals, run.hall_of_fame of /config/text is {}",
              population.size(), config_.run.hall_of_fame);
    }
  }

  void check_genome(std::span<const double> genes, std::string_view where, std::size_t row) const {
    // CMA-ES samples the unbounded normal distribution, so its samples are finite only; its
    // x0, before the search starts, is drawn inside the box.
    const bool bounded =
        genes_held_to_bounds(config_.genome, config_.algorithm.name, !cmaes_started());
    if (const auto violation = genome_violation(config_.genome, genes, bounded)) {
      invalid("{}/genomes row {} {}", where, row, *violation);
    }
  }

  // A mid-generation checkpoint holds the candidates of generation + 1 (0 while the initial
  // population is evaluated); steady-state keeps its in-flight births there at any time.
  void check_in_progress() const {
    const std::size_t size = state_.in_progress.size();
    const std::int64_t needed = state_.in_progress_evaluations;
    if (needed < 0 || static_cast<std::size_t>(needed) > size) {
      invalid("/in_progress evaluations_needed = {} for {} candidates", needed, size);
    }
    std::int64_t unevaluated = 0;
    for (std::size_t i = 0; i < size; ++i) unevaluated += state_.in_progress.evaluated(i) ? 0 : 1;
    const std::int64_t failed = state_.in_progress_failed;
    if (failed < 0 || failed > std::max<std::int64_t>(needed - unevaluated, 0)) {
      invalid("/in_progress failed = {} for {} evaluations done", failed,
              std::max<std::int64_t>(needed - unevaluated, 0));
    }
    const bool initial = state_.logbook.rows.empty();
    const std::int64_t next = initial ? 0 : state_.generation + 1;
    if (size > 0 && state_.in_progress_generation != next) {
      invalid("/in_progress holds generation {} but the checkpoint's next generation is {}",
              state_.in_progress_generation, next);
    }
    if (size == 0 && state_.in_progress_generation != 0 && state_.in_progress_generation != next) {
      invalid("/in_progress (empty) names generation {}, neither 0 nor the next generation {}",
              state_.in_progress_generation, next);
    }
    if (size > 0 && state_.final)
      invalid("a final checkpoint with {} candidates in progress", size);
    if (initial && size == 0) invalid("/logbook is empty but no initial population is in progress");
  }

  void check_rng() const {
    if (state_.rng.size() != static_cast<std::size_t>(state_.ranks)) {
      invalid("/rng/state has {} rows for ranks = {}", state_.rng.size(), state_.ranks);
    }
    for (std::size_t rank = 0; rank < state_.rng.size(); ++rank) {
      try {
        (void)Rng::from_state(state_.rng[rank]);
      } catch (const CheckpointError& error) {
        invalid("/rng/state row {} (rank {}) is not a valid RNG state: {}", rank, rank,
                error.what());
      }
    }
  }

  std::vector<StateArray> expected_arrays() const {
    const auto n = static_cast<std::int64_t>(state_.population.size());
    const auto d = static_cast<std::int64_t>(config_.problem.dimension);
    switch (algorithm_info(config_.algorithm.name).kind) {
      case AlgorithmKind::kSimple:
      case AlgorithmKind::kDe:
        return {{"population_size", true, 1}};
      case AlgorithmKind::kMuPlusLambda:
      case AlgorithmKind::kMuCommaLambda:
        return {{"mu", true, 1}, {"lambda", true, 1}};
      case AlgorithmKind::kNsga2:
        return {{"rank", true, n}, {"crowding_distance", false, n}};
      case AlgorithmKind::kSteadyState:
        return {{"population_size", true, 1},
                {"births", true, 1},
                {"insertions", true, 1},
                {"in_flight_births", true, static_cast<std::int64_t>(state_.in_progress.size())}};
      case AlgorithmKind::kCmaes:
        if (!cmaes_started()) {
          // Before x0 is evaluated Cmaes::save_state writes its counters only.
          return {{"started", true, 1},
                  {"lambda", true, 1},
                  {"mu", true, 1},
                  {"restarts_done", true, 1},
                  {"restart_pending", true, 1}};
        }
        return {{"started", true, 1},
                {"lambda", true, 1},
                {"mu", true, 1},
                {"restarts_done", true, 1},
                {"restart_pending", true, 1},
                {"iteration", true, 1},
                {"counteval", true, 1},
                {"eigeneval", true, 1},
                {"mean", false, d},
                {"sigma", false, 1},
                {"covariance", false, d * d},
                {"eigenvectors", false, d * d},
                {"sqrt_eigenvalues", false, d},
                {"inv_sqrt_covariance", false, d * d},
                {"path_c", false, d},
                {"path_sigma", false, d},
                {"best_history", false, -1},
                {"median_history", false, -1},
                {"last_criterion", true, 1}};
    }
    return {};
  }

  // Judged before the arrays are: a missing or malformed "started" reads as started, so the
  // full list is expected and the message names what is missing.
  bool cmaes_started() const {
    const auto it = state_.algorithm.integers.find("started");
    return it == state_.algorithm.integers.end() || it->second.size() != 1 ||
           it->second.front() != 0;
  }

  std::int64_t integer(std::string_view name) const {
    return state_.algorithm.integers.at(std::string(name)).front();
  }

  void check_algorithm() const {
    const AlgorithmState& algorithm = state_.algorithm;
    if (algorithm.name != config_.algorithm.name) {
      invalid("/algorithm holds the state of '{}', but algorithm.name of /config/text is '{}'",
              algorithm.name, config_.algorithm.name);
    }
    const std::vector<StateArray> expected = expected_arrays();
    const std::size_t stored = algorithm.reals.size() + algorithm.integers.size();
    for (const StateArray& array : expected) {
      const std::string name(array.name);
      const bool present =
          array.integer ? algorithm.integers.contains(name) : algorithm.reals.contains(name);
      if (!present) {
        invalid("/algorithm/{} ({} of {}) is missing", name, array.integer ? "int64" : "float64",
                algorithm.name);
      }
      const std::size_t length =
          array.integer ? algorithm.integers.at(name).size() : algorithm.reals.at(name).size();
      if (array.length >= 0 && length != static_cast<std::size_t>(array.length)) {
        invalid("/algorithm/{} has {} values, {} expects {}", name, length, algorithm.name,
                array.length);
      }
      if (!array.integer) {
        for (const double value : algorithm.reals.at(name)) {
          // NSGA-II gives the boundary individuals of a front an infinite crowding distance.
          const bool allowed = std::isfinite(value) ||
                               (name == "crowding_distance" && std::isinf(value) && value > 0);
          if (!allowed) invalid("/algorithm/{} holds {}", name, value);
        }
      }
    }
    if (stored != expected.size()) {
      invalid("/algorithm holds {} arrays, {} writes {}", stored, algorithm.name, expected.size());
    }
    check_algorithm_values();
  }

  void check_algorithm_values() const {
    const auto n = static_cast<std::int64_t>(state_.population.size());
    const std::string& name = state_.algorithm.name;
    switch (algorithm_info(name).kind) {
      case AlgorithmKind::kSimple:
      case AlgorithmKind::kDe:
      case AlgorithmKind::kSteadyState:
        if (integer("population_size") != n) {
          invalid("/algorithm/population_size = {} but /population holds {} individuals",
                  integer("population_size"), n);
        }
        if (name == "steady_state" &&
            (integer("insertions") < 0 || integer("births") < integer("insertions"))) {
          invalid("/algorithm births = {} and insertions = {} (need births >= insertions >= 0)",
                  integer("births"), integer("insertions"));
        }
        break;
      case AlgorithmKind::kMuPlusLambda:
      case AlgorithmKind::kMuCommaLambda:
        if (integer("mu") != n || integer("lambda") < 1) {
          invalid("/algorithm mu = {}, lambda = {} for a population of {}", integer("mu"),
                  integer("lambda"), n);
        }
        break;
      case AlgorithmKind::kNsga2:
        for (const std::int64_t rank : state_.algorithm.integers.at("rank")) {
          if (rank < 0 || rank >= std::max<std::int64_t>(n, 1)) {
            invalid("/algorithm/rank holds {} for a population of {}", rank, n);
          }
        }
        break;
      case AlgorithmKind::kCmaes:
        check_cmaes();
        break;
    }
  }

  // What master/cmaes.cpp's update equations keep true. The samples themselves may leave
  // the genome box (CMA-ES samples the unbounded normal distribution and evaluates what it
  // sampled), so only x0, drawn uniformly inside the box, is held to the bounds (in
  // check_genome).
  void check_cmaes() const {
    const auto flag = [&](const char* name) {
      if (integer(name) != 0 && integer(name) != 1) {
        invalid("/algorithm/{} = {} (a flag is 0 or 1)", name, integer(name));
      }
    };
    flag("started");
    flag("restart_pending");
    if (integer("lambda") < 1 || integer("mu") < 1 || integer("mu") > integer("lambda")) {
      invalid("/algorithm lambda = {}, mu = {} (need 1 <= mu <= lambda)", integer("lambda"),
              integer("mu"));
    }
    if (integer("restarts_done") < 0 ||
        integer("restarts_done") > config_.algorithm.cmaes_restarts) {
      invalid("/algorithm/restarts_done = {}, algorithm.cmaes_restarts of /config/text is {}",
              integer("restarts_done"), config_.algorithm.cmaes_restarts);
    }
    const auto lambda = static_cast<std::size_t>(integer("lambda"));
    const std::size_t population = state_.population.size();
    const std::size_t in_progress = state_.in_progress.size();
    if (!cmaes_started()) {
      // Only x0 exists: in progress, or evaluated in the population.
      // (check_genome holds x0 to the bounds.)
      if (population > 1 || in_progress > 1) {
        invalid("/algorithm/started = 0 but /population holds {} and /in_progress {} (x0 only)",
                population, in_progress);
      }
      return;
    }
    // Samples are bred lambda at a time; after an IPOP restart the population still holds
    // the last generation of the smaller lambda until the new one is accepted.
    if (in_progress > 0 && in_progress != lambda) {
      invalid("/in_progress holds {} samples, /algorithm/lambda is {}", in_progress, lambda);
    }
    if (in_progress == 0 && population != lambda && population != 1) {
      invalid("/population holds {} samples, /algorithm/lambda is {}", population, lambda);
    }
    const double sigma = state_.algorithm.reals.at("sigma").front();
    if (!(sigma > 0)) invalid("/algorithm/sigma = {} (a step size is > 0)", sigma);
    const std::int64_t iteration = integer("iteration");
    const std::int64_t counteval = integer("counteval");
    const std::int64_t eigeneval = integer("eigeneval");
    if (iteration < 0) invalid("/algorithm/iteration = {} is negative", iteration);
    if (counteval < 0 || eigeneval < 0 || eigeneval > counteval) {
      invalid("/algorithm/counteval = {}, eigeneval = {} (need 0 <= eigeneval <= counteval)",
              counteval, eigeneval);
    }
    // One best and one median value per iteration since the last (re)start, the newest
    // 20000 at most (kMaxFitnessHistory of master/cmaes_termination.hpp).
    constexpr std::int64_t kMaxHistory = 20000;
    const std::size_t history = state_.algorithm.reals.at("best_history").size();
    if (history != static_cast<std::size_t>(std::min(iteration, kMaxHistory))) {
      invalid("/algorithm/best_history has {} values for iteration = {} (at most {} kept)", history,
              iteration, kMaxHistory);
    }
    if (state_.algorithm.reals.at("median_history").size() != history) {
      invalid("/algorithm/median_history has {} values, best_history {}",
              state_.algorithm.reals.at("median_history").size(), history);
    }
    // CmaesCriterion of master/cmaes_termination.hpp: 0 = none, 1 .. 9 a criterion.
    const std::int64_t criterion = integer("last_criterion");
    if (criterion < 0 || criterion > 9) {
      invalid("/algorithm/last_criterion = {} (0 .. 9)", criterion);
    }
    if (integer("restart_pending") == 1 && criterion == 0) {
      invalid(
          "/algorithm/restart_pending = 1 but last_criterion = 0 (a restart needs a criterion)");
    }
    // A criterion with no restart left ends the job: only its final checkpoint holds it.
    if (criterion != 0 && integer("restart_pending") == 0 &&
        !state_.stop_reason.starts_with("cmaes:")) {
      invalid(
          "/algorithm/last_criterion = {} with no restart pending, but root attribute "
          "stop_reason = '{}' (a terminated CMA-ES is only in the final checkpoint)",
          criterion, state_.stop_reason);
    }
    // A run ended by a criterion had no restart left (else it restarts).
    if (state_.stop_reason.starts_with("cmaes:") &&
        (criterion == 0 || integer("restart_pending") != 0 ||
         integer("restarts_done") != config_.algorithm.cmaes_restarts)) {
      invalid(
          "root attribute stop_reason = '{}' but /algorithm/last_criterion = {}, "
          "restart_pending = {}, restarts_done = {} of algorithm.cmaes_restarts = {}",
          state_.stop_reason, criterion, integer("restart_pending"), integer("restarts_done"),
          config_.algorithm.cmaes_restarts);
    }
    for (const double d : state_.algorithm.reals.at("sqrt_eigenvalues")) {
      if (d < 0) invalid("/algorithm/sqrt_eigenvalues holds {} (a square root is >= 0)", d);
    }
    check_covariance();
  }

  // C is symmetric up to the rounding of its rank-mu update, with a non-negative diagonal.
  void check_covariance() const {
    const std::vector<double>& c = state_.algorithm.reals.at("covariance");
    const auto n = static_cast<std::size_t>(config_.problem.dimension);
    double scale = 0;
    for (const double value : c) scale = std::max(scale, std::abs(value));
    for (std::size_t i = 0; i < n; ++i) {
      if (c[i * n + i] < 0) {
        invalid("/algorithm/covariance diagonal {} holds {} (a variance is >= 0)", i, c[i * n + i]);
      }
      for (std::size_t j = i + 1; j < n; ++j) {
        if (std::abs(c[i * n + j] - c[j * n + i]) > 1e-9 * scale) {
          invalid("/algorithm/covariance is not symmetric: ({}, {}) = {}, ({}, {}) = {}", i, j,
                  c[i * n + j], j, i, c[j * n + i]);
        }
      }
    }
  }

  const CheckpointState& state_;
  const std::string& file_;
  Config config_;
};

}  // namespace

void validate_checkpoint_state(const CheckpointState& state, const std::string& file) {
  StateValidator(state, file).run();
}

}  // namespace evo::common
