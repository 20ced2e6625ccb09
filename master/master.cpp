#include "master/master.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>

#include "common/activity.hpp"
#include "common/checkpoint_store.hpp"
#include "common/directory_lock.hpp"
#include "common/error.hpp"
#include "common/evaluation_journal.hpp"
#include "common/log.hpp"
#include "common/logbook.hpp"
#include "common/signals.hpp"
#include "common/stopping_rules.hpp"
#include "common/utc_time.hpp"
#include "master/algorithm.hpp"
#include "master/dispatcher.hpp"
#include "master/hall_of_fame.hpp"
#include "master/hypervolume.hpp"
#include "master/hypervolume_notice.hpp"
#include "master/offspring_guard.hpp"
#include "master/progress_meter.hpp"
#include "master/resume.hpp"
#include "master/steady_state_stream.hpp"
#include "master/worker_statistics.hpp"

namespace evo::master {
namespace fs = std::filesystem;
namespace {

using Clock = std::chrono::steady_clock;

// Ranks of a killed launch can outlive mpirun by a few seconds; a restart waits for them.
constexpr double kLockWaitSeconds = 30;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Fails early, with the key to fix, when results could not be written.
void ensure_writable_directory(const fs::path& directory) {
  std::error_code error;
  fs::create_directories(directory, error);
  const fs::path probe = directory / ".evocluster-write-test";
  std::ofstream file(probe);
  if (error || !file) {
    throw common::ConfigError(
        fmt::format("run.output: cannot write to '{}': {}", directory.string(),
                    error ? error.message() : std::string(std::strerror(errno))));
  }
  file.close();
  fs::remove(probe, error);
}

const char* signal_name(int signal_number) {
  switch (signal_number) {
    case SIGTERM:
      return "SIGTERM";
    case SIGUSR1:
      return "SIGUSR1";
    default:
      return "a signal";
  }
}

// One job of the run: everything that evolves, and what a checkpoint captures of it.
class JobRun {
 public:
  JobRun(const common::Config& config, const RunOptions& options, int job,
         common::Transport& transport, Dispatcher& dispatcher, WalltimeGuard& walltime)
      : config_(config),
        job_(job),
        directory_(job_directory(options.output, job, config.run.jobs)),
        transport_(transport),
        dispatcher_(dispatcher),
        walltime_(walltime),
        store_(directory_ / "checkpoints", config.checkpoint.keep),
        journal_(directory_ / "checkpoints" / "journal.bin"),
        algorithm_(make_algorithm(config)),
        steady_(algorithm_ ? nullptr : std::make_unique<SteadyState>(config)),
        hall_of_fame_(HallOfFame::for_config(config)),
        rng_(common::Rng::for_master(config.run.seed, job)),
        worker_log_(directory_ / "workers.csv", dispatcher.worker_stats()),
        stats_at_start_(dispatcher.worker_stats()),
        failures_seen_(dispatcher.failures_by_status()) {}

  // Returns kExitOk when the job finished, kExitRequeue when a signal stopped it after a
  // checkpoint.
  int run(std::optional<common::CheckpointState> checkpoint) {
    ensure_writable_directory(directory_);
    if (steady_) return run_steady_state(std::move(checkpoint));
    std::optional<common::Population> in_progress;
    std::int64_t in_progress_evaluations = 0;
    std::int64_t in_progress_failed = 0;
    std::int64_t first = 0;  // the first generation this launch evaluates
    if (checkpoint) {
      restore(*checkpoint);
      first = generation_ + 1;
      if (checkpoint->in_progress.size() > 0) {
        in_progress = std::move(checkpoint->in_progress);
        in_progress_evaluations = checkpoint->in_progress_evaluations;
        in_progress_failed = checkpoint->in_progress_failed;
        first = checkpoint->in_progress_generation;
      }
    } else {
      dispatcher_.set_worker_rng(derived_worker_streams());
    }
    ranks_history_.push_back(transport_.size());
    logbook_.write_csv(logbook_path());  // drops rows a killed launch wrote after its checkpoint

    const std::int64_t last = config_.run.generations;
    const auto termination = algorithm_->termination();
    // Judged on the restored logbook, as after the generation that wrote the checkpoint: a
    // job a rule ended is finished; a rule set (or tightened) on resume ends it here.
    const auto rule = checkpoint && !in_progress ? stopping_rule_met() : std::nullopt;
    if (checkpoint && checkpoint->final && !in_progress &&
        (generation_ >= last || termination || rule)) {
      // The final checkpoint names what ended the job (the validator holds it to the state).
      const std::string& reason = checkpoint->stop_reason;
      const std::string why =
          reason.empty() || reason == "generations" ? "" : fmt::format(" ({})", reason);
      spdlog::info("job {} already finished at generation {}{}", job_, generation_, why);
      return common::kExitOk;
    }
    if (rule && !termination) {
      end_job(*rule, last);
      print_summary();
      return common::kExitOk;
    }
    bool final_written = false;
    for (std::int64_t gen = first; gen <= last; ++gen) {
      if (!stop_reason().empty()) return stop_between_generations();
      common::Population candidates;
      std::int64_t needed = 0;
      std::int64_t failed_before = 0;  // of the evaluations done before this launch
      if (in_progress) {
        candidates = std::move(*in_progress);
        needed = in_progress_evaluations;
        failed_before = in_progress_failed;
        in_progress.reset();
      } else {
        const auto breeding = Clock::now();
        common::note_activity("breeding generation {} of job {}", gen, job_);
        candidates = gen == 0 ? algorithm_->initial_population(rng_) : algorithm_->breed(rng_);
        breed_seconds_ += seconds_since(breeding);
        offspring_guard_.check(candidates, gen);
        needed = unevaluated_count(candidates);
      }
      if (!step(std::move(candidates), gen, needed, failed_before)) return common::kExitRequeue;
      // The algorithm cannot go on, or a stopping rule holds: the job ends here, as if
      // run.generations were reached. Before checkpoint_if_due: at gen == last a reason
      // that holds is the one named.
      if (const auto ended = job_end()) {
        end_job(*ended, last);
        final_written = true;
        break;
      }
      final_written = checkpoint_if_due(gen, last);
    }
    if (!final_written) write_checkpoint(/*final=*/true, "final");
    print_summary();
    return common::kExitOk;
  }

 private:
  fs::path logbook_path() const { return directory_ / "logbook.csv"; }

  static std::int64_t unevaluated_count(const common::Population& population) {
    std::int64_t count = 0;
    for (std::size_t i = 0; i < population.size(); ++i) count += population.evaluated(i) ? 0 : 1;
    return count;
  }

  std::vector<common::Rng::State> derived_worker_streams() const {
    std::vector<common::Rng::State> states;
    for (int rank = 1; rank < transport_.size(); ++rank) {
      states.push_back(common::Rng::for_worker(config_.run.seed, job_, rank).state());
    }
    return states;
  }

  // The validator held the file to its own /config/text; what fails here is the file
  // against this run's config (with --allow-config-change, or a job directory holding
  // another job's file): incompatible, exit 4, like every other mismatch with the config.
  void restore(const common::CheckpointState& state) {
    try {
      restore_unchecked(state);
    } catch (const common::IncompatibleCheckpointError&) {
      throw;
    } catch (const common::CheckpointError& e) {
      throw common::IncompatibleCheckpointError(
          fmt::format("the checkpoint does not fit this run's config: {}", e.what()));
    }
  }

  void restore_unchecked(const common::CheckpointState& state) {
    const bool initial_in_progress =
        state.in_progress.size() > 0 && state.in_progress_generation == 0;
    if (steady_) {
      steady_->restore_from(state);
    } else if (!initial_in_progress) {
      // Stopped while the initial population was evaluated: the algorithm has accepted nothing.
      algorithm_->restore_state(state.algorithm, state.population);
    }
    hall_of_fame_.restore(state.hall_of_fame);
    logbook_ = state.logbook;
    generation_ = state.generation;
    evaluations_ = state.evaluations;
    ranks_history_ = state.ranks_history;
    if (state.rng.empty()) throw common::CheckpointError("checkpoint has no RNG states");
    rng_ = common::Rng::from_state(state.rng[0]);
    if (state.ranks == transport_.size()) {
      dispatcher_.set_worker_rng(std::vector(state.rng.begin() + 1, state.rng.end()));
    } else {
      // Results do not depend on worker streams (determinism contract 3), so a different
      // rank count is fine; the checkpoint's ranks_history records it.
      spdlog::warn(
          "checkpoint was written by {} ranks, this launch has {}: worker RNG streams are "
          "derived afresh; results are unaffected",
          state.ranks, transport_.size());
      dispatcher_.set_worker_rng(derived_worker_streams());
    }
    if (steady_ && state.in_progress.size() > 0) {
      spdlog::info("{} individuals were in flight: they are dispatched again first",
                   state.in_progress.size());
    } else if (state.in_progress.size() > 0) {
      spdlog::info("generation {} was in progress: {} of {} evaluations already done",
                   state.in_progress_generation,
                   state.in_progress_evaluations - unevaluated_count(state.in_progress),
                   state.in_progress_evaluations);
    }
  }

  // Evaluates `candidates` as generation `gen`, hands them to the algorithm, logs. Of its
  // `needed` evaluations, those already done (a mid-generation checkpoint) include
  // `failed_before` given the failure fitness. Returns false when a signal stopped it
  // (after a checkpoint of the partial generation).
  bool step(common::Population candidates, std::int64_t gen, std::int64_t needed,
            std::int64_t failed_before) {
    common::note_activity("evaluating and selecting generation {} of job {}", gen, job_);
    const auto start = Clock::now();
    // Evaluations finished before a kill -9 are in the journal; never compute them twice.
    // The earlier launch may have completed several generations after its last checkpoint:
    // read on while generations come back whole, and stop at the first that does not (the
    // earlier launch died in it). Reading the whole journal every generation cost
    // cheap-fitness runs ~10% of their time.
    const auto missing = static_cast<std::size_t>(unevaluated_count(candidates));
    // Whatever was settled before this launch counts in the generation's failure share as
    // if evaluated now: a relaunch stops (or goes on) exactly where the uninterrupted run did.
    EarlierResults earlier{needed - static_cast<std::int64_t>(missing), failed_before};
    if (!journal_done_) {
      const std::size_t recovered = recover_from_journal(candidates, gen, earlier);
      journal_done_ = recovered < missing;
      if (recovered > 0) {
        spdlog::info("recovered {} finished evaluations of generation {} from the journal",
                     recovered, gen);
      }
    }
    journal_.begin_generation(job_, gen, candidates);

    candidates_ = &candidates;
    candidates_generation_ = gen;
    candidates_needed_ = needed;
    candidates_earlier_ = earlier;
    std::optional<ProgressMeter> progress;
    if (config_.run.progress_seconds > 0 && common::info_enabled()) {
      progress.emplace(progress_plan(gen, needed, earlier.evaluated), config_.run.progress_seconds,
                       start);
    }
    EvaluationHooks hooks;
    hooks.on_results = [&](std::span<const std::uint64_t> indices) {
      journal_.append(indices, candidates);
      // One clock read per result batch, only when progress lines are wanted.
      if (progress) {
        if (const auto line =
                progress->advance(static_cast<std::int64_t>(indices.size()), Clock::now())) {
          std::fprintf(stdout, "%s\n", line->c_str());
          std::fflush(stdout);
        }
      }
    };
    hooks.on_idle = [this] {
      journal_.flush_if_due();
      return on_idle();
    };
    hooks.stop_requested = [this] { return must_stop(); };
    const EvaluationOutcome outcome = dispatcher_.evaluate(
        candidates, config_.run.seed, job_, static_cast<std::uint64_t>(gen), hooks, earlier);
    journal_.flush();  // every result of the generation, before the algorithm moves on
    candidates_ = nullptr;
    if (outcome.stopped) return false;

    algorithm_->accept(std::move(candidates), rng_);
    hall_of_fame_.update(algorithm_->population());
    generation_ = gen;
    evaluations_ += needed;

    // `failed` is counted on the population, not on this launch's outcomes, so that a
    // generation resumed from a mid-generation checkpoint logs the same number.
    common::LogRecord row =
        common::summarize(algorithm_->population(), gen, needed, config_.dispatch.failure_fitness);
    if (const auto hypervolume = algorithm_->hypervolume()) row.hypervolume = *hypervolume;
    row.retried = outcome.attempts_failed - outcome.given_failure_fitness;
    row.wall_s = seconds_since(start);
    step_seconds_ += row.wall_s;
    evaluated_ += outcome.evaluated;
    record(row, outcome.evaluated);
    return true;
  }

  // What generation `gen`'s progress lines count: `needed` evaluations, `done` of them
  // already settled; the rest of the run estimated at this generation's size.
  ProgressPlan progress_plan(std::int64_t gen, std::int64_t needed, std::int64_t done) const {
    const std::int64_t last = config_.run.generations;
    const std::int64_t later_jobs = config_.run.jobs - job_ - 1;
    const std::string label =
        config_.run.jobs > 1 ? fmt::format("job {} gen {}", job_, gen) : fmt::format("gen {}", gen);
    return ProgressPlan{label, needed, done,
                        needed * (std::max<std::int64_t>(last - gen, 0) + later_jobs * (last + 1))};
  }

  // Fills in members of `candidates` from the journal; the ones it fills are added to
  // `earlier`, those holding the failure fitness as failed (the journal keeps fitness only;
  // the failure fitness is what the dispatcher gives an individual that failed for good).
  std::size_t recover_from_journal(common::Population& candidates, std::int64_t gen,
                                   EarlierResults& earlier) const {
    std::vector<std::size_t> unevaluated;
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      if (!candidates.evaluated(i)) unevaluated.push_back(i);
    }
    const std::size_t recovered =
        common::EvaluationJournal::recover(journal_.file(), job_, gen, candidates);
    if (recovered == 0) return 0;
    earlier.evaluated += static_cast<std::int64_t>(recovered);
    for (const std::size_t i : unevaluated) {
      if (candidates.evaluated(i) &&
          common::holds_failure_fitness(candidates, i, config_.dispatch.failure_fitness)) {
        ++earlier.failed;
      }
    }
    return recovered;
  }

  // While a generation is being evaluated: answer signals and time triggers at once,
  // without waiting for the generation to end.
  IdleAction on_idle() {
    if (const std::string reason = stop_reason(); !reason.empty()) {
      write_checkpoint(false, checkpoint_trigger());
      spdlog::warn("stopped by {} in generation {}: checkpointed, exit {} (requeue me)", reason,
                   candidates_generation_, common::kExitRequeue);
      return IdleAction::kStop;
    }
    if (common::take_checkpoint_request()) {
      write_checkpoint(false, "request (SIGUSR2)");
    } else if (config_.checkpoint.every_seconds > 0 &&
               seconds_since(last_checkpoint_) >= config_.checkpoint.every_seconds) {
      write_checkpoint(false, "seconds");
    }
    return IdleAction::kContinue;
  }

  int stop_between_generations() {
    const std::string reason = stop_reason();
    if (algorithm_->population().size() == 0) {
      // Stopped before the initial population existed: there is nothing to save, and an
      // empty checkpoint could not be resumed. The next launch starts this job afresh.
      spdlog::warn("stopped by {} before job {} started: nothing to checkpoint, exit {}", reason,
                   job_, common::kExitRequeue);
      return common::kExitRequeue;
    }
    write_checkpoint(false, checkpoint_trigger());
    spdlog::warn("stopped by {} after generation {}: checkpointed, exit {} (requeue me)", reason,
                 generation_, common::kExitRequeue);
    return common::kExitRequeue;
  }

  // Whether stop_reason() is not empty, without making the text.
  bool must_stop() { return common::stop_signal() != 0 || walltime_.must_stop(Clock::now()); }
  // Why the launch must end now (a signal, or the wall-time limit ahead), or "".
  std::string stop_reason() {
    if (const int signal_number = common::stop_signal(); signal_number != 0) {
      return signal_name(signal_number);
    }
    if (walltime_.must_stop(Clock::now())) {
      return fmt::format("the wall-time limit ({:.0f} s ahead)", walltime_.reserve_seconds());
    }
    return "";
  }
  std::string checkpoint_trigger() const {
    const int signal_number = common::stop_signal();
    return signal_number != 0 ? fmt::format("signal {}", signal_name(signal_number))
                              : "wall-time limit";
  }

  // run.target_fitness, run.max_evaluations, run.stagnation_generations after the
  // generation just logged (common/stopping_rules.hpp).
  std::optional<common::StopVerdict> stopping_rule_met() const {
    return common::stopping_rule_met(config_.run, logbook_, evaluations_);
  }
  // Why the job ends after the generation just logged, if it does: the algorithm's own
  // criterion first, then the stopping rules.
  std::optional<common::StopVerdict> job_end() const {
    if (const auto ended = algorithm_->termination()) {
      return common::StopVerdict{fmt::format("{}:{}", algorithm_->name(), ended->criterion),
                                 ended->meaning};
    }
    return stopping_rule_met();
  }
  // The job ends after generation_ as if run.generations were reached: final checkpoint.
  void end_job(const common::StopVerdict& verdict, std::int64_t last) {
    job_stop_reason_ = verdict.reason;
    spdlog::info("job {} stopped after generation {} of {}: {} ({})", job_, generation_, last,
                 verdict.reason, verdict.detail);
    write_checkpoint(/*final=*/true, "final");
  }

  // Returns true when it wrote the final checkpoint.
  bool checkpoint_if_due(std::int64_t gen, std::int64_t last) {
    const auto& settings = config_.checkpoint;
    if (gen >= last) {
      write_checkpoint(true, "final");
      return true;
    }
    if (settings.every_generations > 0 && gen % settings.every_generations == 0) {
      write_checkpoint(false, "generations");
    } else if (common::take_checkpoint_request()) {
      write_checkpoint(false, "request (SIGUSR2)");
    } else if (settings.every_seconds > 0 &&
               seconds_since(last_checkpoint_) >= settings.every_seconds) {
      write_checkpoint(false, "seconds");
    }
    return false;
  }

  // Throws StorageError when the checkpoint cannot be written: the run stops (run_master).
  void write_checkpoint(bool final, const std::string& trigger) {
    const common::ActivityScope activity("writing a checkpoint of job {}", job_);
    const auto start = Clock::now();
    common::CheckpointState state;
    state.generation = generation_;
    state.job = job_;
    state.ranks = transport_.size();
    state.final = final;
    state.seed = config_.run.seed;
    state.config_hash = config_hash_;
    state.config_text = config_text_;
    state.evaluations = evaluations_;
    state.created_utc = common::utc_now("%Y-%m-%dT%H:%M:%SZ");
    state.software_version = EVO_VERSION;
    state.ranks_history = ranks_history_;
    state.trigger = trigger;
    // A final checkpoint says why the job ended; set by the caller, else run.generations.
    if (final) state.stop_reason = job_stop_reason_.empty() ? "generations" : job_stop_reason_;
    state.hall_of_fame = hall_of_fame_.members();
    state.logbook = logbook_;
    state.rng.push_back(rng_.state());
    for (const auto& worker : dispatcher_.worker_rng()) state.rng.push_back(worker);
    std::string partial;
    if (steady_) {
      steady_->save_into(state);  // population, algorithm state, individuals in flight
      partial = fmt::format(", {} insertions, {} in flight", steady_->insertions(),
                            steady_->in_flight_count());
    } else {
      state.population = algorithm_->population();
      state.algorithm = algorithm_->save_state();
    }
    if (!steady_ && candidates_ != nullptr) {
      state.in_progress = *candidates_;
      state.in_progress_generation = candidates_generation_;
      state.in_progress_evaluations = candidates_needed_;
      state.in_progress_failed = candidates_earlier_.failed + dispatcher_.given_failure_fitness();
      partial =
          fmt::format(", generation {} in progress: {} of {} evaluated", candidates_generation_,
                      candidates_needed_ - unevaluated_count(*candidates_), candidates_needed_);
    }
    fs::path path;
    try {
      path = store_.commit(state);
    } catch (const common::StorageError& error) {
      // No going on without it: the journal and the logbook live on the same file system,
      // and a run that cannot checkpoint cannot protect its work. run_master stops the ranks.
      const auto kept = store_.list();
      throw common::StorageError(
          fmt::format("checkpoint of job {}, generation {} ({}) not written: {}; the newest "
                      "checkpoint is still {}",
                      job_, generation_, trigger, error.what(),
                      kept.empty() ? "none" : kept.back().string()),
          error.error_number());
    }
    journal_.reset();  // the checkpoint now holds everything the journal did
    last_checkpoint_ = Clock::now();
    walltime_.record_checkpoint(seconds_since(start));
    spdlog::info("checkpoint {} (job {}, generation {}{}; {}) in {:.3f} s", path.string(), job_,
                 generation_, partial, trigger, seconds_since(start));
  }

  // algorithm.name = "steady_state": no generation barrier (master/steady_state.hpp); a
  // generation is N insertions, logged and checkpointed when it completes.
  int run_steady_state(std::optional<common::CheckpointState> checkpoint) {
    common::note_activity("running steady-state job {}", job_);
    if (checkpoint) {
      restore(*checkpoint);
    } else {
      dispatcher_.set_worker_rng(derived_worker_streams());
    }
    ranks_history_.push_back(transport_.size());
    logbook_.write_csv(logbook_path());
    const std::int64_t last = config_.run.generations;
    const auto size = static_cast<std::int64_t>(steady_->population_size());
    steady_->set_total_births(size * (last + 1));
    if (checkpoint && checkpoint->final && steady_->finished()) {
      spdlog::info("job {} already finished at generation {}", job_, generation_);
      return common::kExitOk;
    }
    bool final_written = false;
    auto generation_start = Clock::now();
    std::int64_t attempts_failed_before = dispatcher_.total_attempts_failed();
    candidates_generation_ = steady_->insertions() / size;
    SteadyStateStream stream(*steady_, rng_, offspring_guard_, [&](std::int64_t failed) {
      const std::int64_t gen = steady_->insertions() / size - 1;
      const std::int64_t attempts_failed = dispatcher_.total_attempts_failed();
      log_generation(steady_->population(), gen, size,
                     attempts_failed - attempts_failed_before - failed, generation_start);
      attempts_failed_before = attempts_failed;
      generation_start = Clock::now();
      generation_ = gen;
      evaluations_ = steady_->insertions();
      candidates_generation_ = gen + 1;
      if (static_cast<double>(failed) >
          config_.dispatch.max_failure_share * static_cast<double>(size)) {
        throw common::EvaluationError(fmt::format(
            "{} of the {} insertions of generation {} failed after {} retries (> "
            "dispatch.max_failure_share = {:.0f}%): stopping rather than optimising failures",
            failed, size, gen, config_.dispatch.retries, config_.dispatch.max_failure_share * 100));
      }
      final_written = checkpoint_if_due(gen, last);
    });
    EvaluationHooks hooks;
    hooks.on_idle = [this] { return on_idle(); };
    hooks.stop_requested = [this] { return must_stop(); };
    const EvaluationOutcome outcome =
        dispatcher_.evaluate_stream(stream, config_.run.seed, job_, hooks);
    if (outcome.stopped) return common::kExitRequeue;
    if (!final_written) write_checkpoint(/*final=*/true, "final");
    print_summary();
    return common::kExitOk;
  }

  // One logbook row (memory, CSV, console) for generation `gen` of `population`.
  void log_generation(const common::Population& population, std::int64_t gen, std::int64_t evals,
                      std::int64_t retried, Clock::time_point start) {
    hall_of_fame_.update(population);
    common::LogRecord row =
        common::summarize(population, gen, evals, config_.dispatch.failure_fitness);
    row.retried = retried;
    row.wall_s = seconds_since(start);
    record(row, evals);
  }

  // Completes `row` (status_* counts, evals/s from the `evaluated` evaluations of its
  // wall_s) and writes it to the logbook, logbook.csv and the console.
  void record(common::LogRecord& row, std::int64_t evaluated) {
    count_failures_by_status(row);
    row.evals_per_s = row.wall_s > 0 ? static_cast<double>(evaluated) / row.wall_s : 0;
    logbook_.rows.push_back(row);
    common::Logbook::append_csv(logbook_path(), row);
    warn_if_hypervolume_says_nothing();
    if (!common::info_enabled()) return;
    const std::string job_label = config_.run.jobs > 1 ? fmt::format("job {} ", job_) : "";
    std::fprintf(stdout, "%sgen %5lld  evals %7lld  best %.6e  mean %.6e  evals/s %.0f\n",
                 job_label.c_str(), static_cast<long long>(row.gen),
                 static_cast<long long>(row.evals), row.min, row.avg, row.evals_per_s);
    std::fflush(stdout);
  }

  // Once per launch: a hypervolume column of zeros means the reference point does not suit
  // the problem, which the numbers alone would not tell.
  void warn_if_hypervolume_says_nothing() {
    if (hypervolume_noticed_) return;
    if (!(logbook_.rows.back().hypervolume == 0)) {
      hypervolume_noticed_ = true;  // no column (NaN), or the front is inside: nothing to say
      return;
    }
    std::vector<double> reference = config_.algorithm.hv_reference;
    if (reference.empty()) {
      reference.assign(static_cast<std::size_t>(common::objective_count(config_)),
                       kDefaultHvReference);
    }
    if (const auto notice = zero_hypervolume_notice(logbook_, reference, config_.run.generations)) {
      spdlog::warn("{}", *notice);
      hypervolume_noticed_ = true;
    }
  }

  // The status_* columns and OUT/workers.csv: what happened since the previous row.
  void count_failures_by_status(common::LogRecord& row) {
    const auto& now = dispatcher_.failures_by_status();
    auto delta = [&](common::EvalStatus status) {
      const auto i = static_cast<std::size_t>(status);
      return now[i] - failures_seen_[i];
    };
    row.status_failed = delta(common::EvalStatus::kFailed);
    row.status_non_zero_exit = delta(common::EvalStatus::kNonZeroExit);
    row.status_signaled = delta(common::EvalStatus::kSignaled);
    row.status_timeout = delta(common::EvalStatus::kTimeout);
    row.status_garbage = delta(common::EvalStatus::kGarbage);
    row.status_non_finite = delta(common::EvalStatus::kNonFinite);
    failures_seen_ = now;
    const double dispatch = dispatcher_.dispatch_seconds();
    worker_log_.append(row.gen, dispatcher_.worker_stats(), row.wall_s, dispatch - dispatch_seen_);
    dispatch_seen_ = dispatch;
  }

  void print_summary() const {
    const auto& best = hall_of_fame_.members();
    if (best.size() > 0) {
      spdlog::info("job {} done: {} evaluations, best fitness {:.10g}; results in {}", job_,
                   evaluations_, best.fitness_of(0)[0], directory_.string());
    }
    // This job's share of the dispatcher's cumulative statistics; idle = job wall - busy.
    const auto& stats = dispatcher_.worker_stats();
    const double wall = seconds_since(job_start_);
    double busy_total = 0;
    std::size_t workers = 0;
    for (std::size_t rank = 0; rank < stats.size(); ++rank) {
      const WorkerStats& before = stats_at_start_[rank];
      const std::int64_t tasks = stats[rank].tasks - before.tasks;
      if (rank == 0 && tasks == 0) continue;  // the master evaluates only when alone
      const double busy = stats[rank].busy_seconds - before.busy_seconds;
      busy_total += busy;
      ++workers;
      spdlog::info("  worker {}: {} evaluations in {} batches, busy {:.3f} s, idle {:.3f} s", rank,
                   tasks, stats[rank].batches - before.batches, busy, std::max(0.0, wall - busy));
    }
    const auto& failures = dispatcher_.failures_by_status();
    std::string by_class;
    for (std::size_t status = 1; status < failures.size(); ++status) {
      if (failures[status] == 0) continue;
      by_class += fmt::format(
          " {} {}", common::status_name(static_cast<common::EvalStatus>(status)), failures[status]);
    }
    if (!by_class.empty()) spdlog::info("  failed evaluation attempts by class:{}", by_class);
    if (workers > 0 && wall > 0) {
      spdlog::info("  utilization {:.4f} (busy {:.3f} s of {} workers x {:.3f} s wall)",
                   busy_total / (static_cast<double>(workers) * wall), busy_total, workers, wall);
    }
    // Where the master's time went (scripts/bench.sh reads this line): the job queue, and
    // what a generation costs besides it (breeding; then selection, hall of fame,
    // statistics, journal segment and log rows).
    if (!steady_ && evaluated_ > 0) {
      const double dispatch = dispatcher_.dispatch_seconds() - dispatch_at_start_;
      const double per_eval = 1e9 / static_cast<double>(evaluated_);
      spdlog::info(
          "  master: job queue {:.6f} s, breeding {:.6f} s, selection and statistics {:.6f} s "
          "for {} evaluations ({:.1f}, {:.1f}, {:.1f} ns per evaluation)",
          dispatch, breed_seconds_, step_seconds_ - dispatch, evaluated_, dispatch * per_eval,
          breed_seconds_ * per_eval, (step_seconds_ - dispatch) * per_eval);
    }
  }

  const common::Config& config_;
  const std::string config_text_ = common::to_toml(config_);  // the same in every checkpoint
  const std::uint64_t config_hash_ = common::result_hash(config_);
  int job_;
  fs::path directory_;
  common::Transport& transport_;
  Dispatcher& dispatcher_;
  WalltimeGuard& walltime_;
  common::CheckpointStore store_;
  common::EvaluationJournal journal_;
  std::unique_ptr<Algorithm> algorithm_;  // a generational algorithm, else null
  std::unique_ptr<SteadyState> steady_;   // set for algorithm.name = "steady_state"
  const OffspringGuard offspring_guard_{config_};
  HallOfFame hall_of_fame_;
  common::Rng rng_;
  common::Logbook logbook_;
  std::int64_t generation_ = 0;  // generations completed
  std::int64_t evaluations_ = 0;
  std::vector<std::int64_t> ranks_history_;
  Clock::time_point last_checkpoint_ = Clock::now();
  const Clock::time_point job_start_ = Clock::now();
  WorkerStatisticsLog worker_log_;
  std::vector<WorkerStats> stats_at_start_;
  Dispatcher::StatusCounts failures_seen_;
  // Where the master's time goes, for the end-of-job summary (this launch only).
  const double dispatch_at_start_ = dispatcher_.dispatch_seconds();
  double dispatch_seen_ = dispatch_at_start_;  // at the previous workers.csv row
  double breed_seconds_ = 0;
  double step_seconds_ = 0;  // generations' wall_s: job queue, selection, statistics
  std::int64_t evaluated_ = 0;
  // Why the job ended before run.generations ("<algorithm>:<criterion>" or a stopping
  // rule's name), else empty.
  std::string job_stop_reason_;
  bool hypervolume_noticed_ = false;  // warn_if_hypervolume_says_nothing() is done
  // The journal holds nothing more for this launch (see step()).
  bool journal_done_ = false;
  // The generation being evaluated, for checkpoints taken in the middle of it.
  const common::Population* candidates_ = nullptr;
  std::int64_t candidates_generation_ = 0;
  std::int64_t candidates_needed_ = 0;
  EarlierResults candidates_earlier_;  // its evaluations settled before the dispatcher's call
};

}  // namespace

int run_master(const common::Config& config, const RunOptions& options,
               common::Transport& transport, common::Evaluator* local_evaluator) {
  const FailurePolicy policy = FailurePolicy::of(config.dispatch);
  Dispatcher dispatcher(transport, local_evaluator, config.dispatch, policy);
  std::optional<common::DirectoryLock> lock;
  ResumePoint start;
  try {
    // A named checkpoint is read before anything is created: a missing or unusable file is
    // exit 3 with no output directory or lock left behind.
    if (options.resume) start = find_resume_point(config, options);
    ensure_writable_directory(options.output);
    lock.emplace(options.output, kLockWaitSeconds);
    if (options.fresh) archive_previous_results(options.output);
    common::note_activity("reading the checkpoints in {}", options.output.string());
    if (options.resume) {
      refuse_rewind(config, options, start);
    } else if (!options.fresh) {
      start = find_resume_point(config, options);
    }
  } catch (const common::Error& e) {
    // No task is out yet, so the workers can be told to stop (no MPI_Abort): an unusable
    // output directory or checkpoint ends every rank with its exit code (3, 4, ...).
    spdlog::error("{}", e.what());
    dispatcher.stop_workers(e.exit_code());
    return e.exit_code();
  }
  if (start.state) {
    spdlog::info("resuming from {} (job {}, generation {}{})", start.path.string(), start.job,
                 start.state->generation, start.state->final ? ", final" : "");
  }
  spdlog::info(
      "{} ranks ({} workers), problem {} (dimension {}), algorithm {} population {}, "
      "{} generations x {} job(s), output {}",
      transport.size(), transport.size() - 1, config.problem.name, config.problem.dimension,
      config.algorithm.name, config.algorithm.population, config.run.generations, config.run.jobs,
      options.output.string());
  WalltimeGuard walltime = make_walltime_guard(config, options.deadline);
  if (options.deadline) {
    const double left = std::chrono::duration<double>(options.deadline->at - Clock::now()).count();
    spdlog::info(
        "wall-time limit in {:.0f} s from {}: checkpoint and exit {} at least {:.0f} s "
        "before it (run.walltime_margin)",
        left, options.deadline->source, common::kExitRequeue, walltime.reserve_seconds());
  }
  for (int job = start.job; job < config.run.jobs; ++job) {
    common::note_activity("setting up job {} (algorithm, hall of fame)", job);
    JobRun run(config, options, job, transport, dispatcher, walltime);
    int exit_code = common::kExitOk;
    try {
      exit_code = run.run(job == start.job ? std::move(start.state) : std::nullopt);
    } catch (const common::IncompatibleCheckpointError& e) {
      // Thrown by restore, before any task is out: the workers can be told to stop.
      spdlog::error("{}", e.what());
      exit_code = e.exit_code();
    } catch (const common::StorageError& e) {
      // Disk full or an I/O error in the output directory. Every file there is whole (a
      // failed write removes its tmp file or cuts its append back), so the workers are told
      // to stop rather than aborted; exit 1, not 85: a requeue would fail again.
      spdlog::error("{}", e.what());
      spdlog::error(
          "cannot write to the output directory {}{}: every rank stops with exit {}; the "
          "checkpoints written are intact: once it can be written again, run the same "
          "command to resume",
          options.output.string(), e.disk_full() ? " (file system full)" : "",
          common::kExitFailure);
      exit_code = common::kExitFailure;
    }
    if (exit_code != common::kExitOk) {
      dispatcher.stop_workers(exit_code);
      return exit_code;
    }
  }
  dispatcher.stop_workers();
  return common::kExitOk;
}

}  // namespace evo::master
