#include "master/master.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "common/checkpoint_store.hpp"
#include "common/error.hpp"
#include "common/logbook.hpp"
#include "common/problem_catalog.hpp"
#include "common/utc_time.hpp"
#include "master/algorithm.hpp"
#include "master/dispatcher.hpp"
#include "master/hall_of_fame.hpp"
#include "master/resume.hpp"

namespace evo::master {
namespace fs = std::filesystem;
namespace {

using Clock = std::chrono::steady_clock;

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
    throw common::ConfigError(fmt::format(
        "run.output: cannot write to '{}': {}", directory.string(),
        error ? error.message() : std::string(std::strerror(errno))));
  }
  file.close();
  fs::remove(probe, error);
}

// One job of the run: everything that evolves, and what a checkpoint captures of it.
class JobRun {
 public:
  JobRun(const common::Config& config, const RunOptions& options, int job,
         common::Transport& transport, Dispatcher& dispatcher)
      : config_(config),
        job_(job),
        directory_(job_directory(options.output, job, config.run.jobs)),
        transport_(transport),
        dispatcher_(dispatcher),
        store_(directory_ / "checkpoints", config.checkpoint.keep),
        algorithm_(make_algorithm(config)),
        hall_of_fame_(static_cast<std::size_t>(config.run.hall_of_fame),
                      static_cast<std::size_t>(config.problem.dimension),
                      static_cast<std::size_t>(
                          common::find_problem(config.problem.name)->objectives)),
        rng_(common::Rng::for_master(config.run.seed, job)) {}

  void run(const std::optional<common::CheckpointState>& checkpoint) {
    ensure_writable_directory(directory_);
    if (checkpoint) {
      restore(*checkpoint);
    } else {
      dispatcher_.set_worker_rng(derived_worker_streams());
    }
    ranks_history_.push_back(transport_.size());
    logbook_.write_csv(logbook_path());  // drops rows a killed launch wrote after its checkpoint

    const std::int64_t last = config_.run.generations;
    bool final_written = false;
    if (!checkpoint) {
      step(algorithm_->initial_population(rng_), 0);
      final_written = checkpoint_if_due(0, last);
    } else if (checkpoint->final && generation_ >= last) {
      spdlog::info("job {} already finished at generation {}", job_, generation_);
      return;
    }
    for (std::int64_t gen = generation_ + 1; gen <= last; ++gen) {
      step(algorithm_->breed(rng_), gen);
      final_written = checkpoint_if_due(gen, last);
    }
    if (!final_written) write_checkpoint(/*final=*/true);
    print_summary();
  }

 private:
  fs::path logbook_path() const { return directory_ / "logbook.csv"; }

  std::vector<common::Rng::State> derived_worker_streams() const {
    std::vector<common::Rng::State> states;
    for (int rank = 1; rank < transport_.size(); ++rank) {
      states.push_back(common::Rng::for_worker(config_.run.seed, job_, rank).state());
    }
    return states;
  }

  void restore(const common::CheckpointState& state) {
    algorithm_->restore_state(state.algorithm, state.population);
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
  }

  // Evaluates `candidates` as generation `gen`, hands them to the algorithm, logs.
  void step(common::Population candidates, std::int64_t gen) {
    const auto start = Clock::now();
    const std::int64_t evaluated =
        dispatcher_.evaluate(candidates, config_.run.seed, job_, static_cast<std::uint64_t>(gen));
    algorithm_->accept(std::move(candidates));
    hall_of_fame_.update(algorithm_->population());
    generation_ = gen;
    evaluations_ += evaluated;

    common::LogRecord row = common::summarize(algorithm_->population(), gen, evaluated);
    row.wall_s = seconds_since(start);
    row.evals_per_s = row.wall_s > 0 ? static_cast<double>(evaluated) / row.wall_s : 0;
    logbook_.rows.push_back(row);
    common::Logbook::append_csv(logbook_path(), row);
    const std::string job_label = config_.run.jobs > 1 ? fmt::format("job {} ", job_) : "";
    std::fprintf(stdout, "%sgen %5lld  evals %7lld  best %.6e  mean %.6e  evals/s %.0f\n",
                 job_label.c_str(), static_cast<long long>(gen),
                 static_cast<long long>(evaluated), row.min, row.avg, row.evals_per_s);
    std::fflush(stdout);
  }

  // Returns true when it wrote the final checkpoint.
  bool checkpoint_if_due(std::int64_t gen, std::int64_t last) {
    const auto& settings = config_.checkpoint;
    const bool final = gen >= last;
    const bool by_count = settings.every_generations > 0 && gen % settings.every_generations == 0;
    const bool by_time =
        settings.every_seconds > 0 && seconds_since(last_checkpoint_) >= settings.every_seconds;
    if (final || by_count || by_time) write_checkpoint(final);
    return final;
  }

  void write_checkpoint(bool final) {
    common::CheckpointState state;
    state.generation = generation_;
    state.job = job_;
    state.ranks = transport_.size();
    state.final = final;
    state.seed = config_.run.seed;
    state.config_hash = common::result_hash(config_);
    state.config_text = common::to_toml(config_);
    state.evaluations = evaluations_;
    state.created_utc = common::utc_now("%Y-%m-%dT%H:%M:%SZ");
    state.software_version = EVO_VERSION;
    state.ranks_history = ranks_history_;
    state.population = algorithm_->population();
    state.hall_of_fame = hall_of_fame_.members();
    state.logbook = logbook_;
    state.rng.push_back(rng_.state());
    for (const auto& worker : dispatcher_.gather_worker_rng()) state.rng.push_back(worker);
    state.algorithm = algorithm_->save_state();
    const fs::path path = store_.commit(state);
    last_checkpoint_ = Clock::now();
    spdlog::info("checkpoint {} (job {}, generation {}{})", path.string(), job_, generation_,
                 final ? ", final" : "");
  }

  void print_summary() const {
    const auto& best = hall_of_fame_.members();
    if (best.size() > 0) {
      spdlog::info("job {} done: {} evaluations, best fitness {:.10g}; results in {}", job_,
                   evaluations_, best.fitness_of(0)[0], directory_.string());
    }
    const auto& stats = dispatcher_.worker_stats();
    for (std::size_t rank = 1; rank < stats.size(); ++rank) {
      spdlog::info("  worker {}: {} evaluations in {} batches, busy {:.3f} s", rank,
                   stats[rank].tasks, stats[rank].batches, stats[rank].busy_seconds);
    }
  }

  const common::Config& config_;
  int job_;
  fs::path directory_;
  common::Transport& transport_;
  Dispatcher& dispatcher_;
  common::CheckpointStore store_;
  std::unique_ptr<Algorithm> algorithm_;
  HallOfFame hall_of_fame_;
  common::Rng rng_;
  common::Logbook logbook_;
  std::int64_t generation_ = 0;
  std::int64_t evaluations_ = 0;
  std::vector<std::int64_t> ranks_history_;
  Clock::time_point last_checkpoint_ = Clock::now();
};

}  // namespace

int run_master(const common::Config& config, const RunOptions& options,
               common::Transport& transport, common::Evaluator* local_evaluator) {
  Dispatcher dispatcher(transport, local_evaluator, config.dispatch);
  ensure_writable_directory(options.output);
  if (options.fresh) archive_previous_results(options.output);

  ResumePoint start = options.fresh ? ResumePoint{} : find_resume_point(config, options);
  if (start.state) {
    spdlog::info("resuming from {} (job {}, generation {}{})", start.path.string(), start.job,
                 start.state->generation, start.state->final ? ", final" : "");
  }
  spdlog::info("{} ranks ({} workers), problem {} (dimension {}), algorithm {} population {}, "
               "{} generations x {} job(s), output {}",
               transport.size(), transport.size() - 1, config.problem.name,
               config.problem.dimension, config.algorithm.name, config.algorithm.population,
               config.run.generations, config.run.jobs, options.output.string());
  for (int job = start.job; job < config.run.jobs; ++job) {
    JobRun run(config, options, job, transport, dispatcher);
    run.run(job == start.job ? start.state : std::nullopt);
  }
  dispatcher.stop_workers();
  return common::kExitOk;
}

}  // namespace evo::master
