// The run configuration: TOML file + `--set section.key=value` overrides, validated in
// full before any evolution starts. Every error names the file, the key and the value.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace evo::common {

struct RunConfig {
  std::uint64_t seed = 1;
  std::int64_t generations = 100;  // per job; may change on resume
  int jobs = 1;
  std::string output = "runs/demo";
  int hall_of_fame = 10;  // best individuals kept over the whole run
  // Stopping rules besides `generations` (common/stopping_rules.hpp); each off by default.
  // Like `generations` they decide where a job ends, not what it computes, so they may
  // change on resume and are not part of result_hash; to_toml writes them only when set.
  std::optional<double> target_fitness;     // stop once the best fitness is <= this
  std::int64_t max_evaluations = 0;         // stop once the job's evaluations reach this; 0 = off
  std::int64_t stagnation_generations = 0;  // stop after this many without improvement; 0 = off
  double stagnation_tolerance = 0;          // an improvement of at most this much does not count
  // Batch limits (docs/slurm.md); none of them shapes results.
  double walltime = 0;  // seconds this launch may run; 0 = none (Slurm's limit still applies)
  double walltime_margin = 60;  // stop this long before the limit (at least 3 x a checkpoint)
  int max_restarts = 10;        // Slurm restarts (SLURM_RESTART_COUNT) after which a launch refuses
  // Console output; none of it shapes results. debug | info | warning | error: the least
  // severe diagnostics printed (`run --quiet` is "warning"); below info, the per-generation
  // and progress lines on stdout are left out too.
  std::string log_level = "info";
  // At most one progress line per this many seconds during a generation's evaluation, none
  // for a generation that takes less; 0 = none.
  double progress_seconds = 10;
};

// The values run.log_level accepts, least severe first.
inline constexpr std::array<std::string_view, 4> kLogLevels = {"debug", "info", "warning", "error"};

struct ProblemConfig {
  std::string name = "rastrigin";
  int dimension = 30;
  double delay_ms = 0;              // built-ins sleep this long per evaluation
  double noise_sigma = 0.1;         // noisy_sphere: standard deviation of the additive noise
  std::uint64_t instance_seed = 1;  // knapsack: which generated instance (docs/problems.md)
  // fixed | exponential (mean delay_ms, drawn from the evaluation's own stream). Timing
  // only: not part of result_hash.
  std::string delay_distribution = "fixed";
  int objectives = 0;  // dtlz2 only: number of objectives; 0 = the problem's default
};

// problem.name = "command": an external program computes the fitness (worker/command_evaluator).
struct CommandConfig {
  std::vector<std::string> argv;  // program and arguments; run directly, never by a shell
  std::string input = "lines";    // lines | json | none: what the program gets on stdin
  std::string template_path;      // key "template": file copied into the scratch dir
  std::string template_target = "input.txt";  // its name there (relative, no "..")
  int objectives = 1;                         // numbers expected on the last line of stdout
  // Operational limits: not part of result_hash (see docs/configuration.md).
  double timeout_s = 0;     // 0 = none
  double kill_grace_s = 2;  // between SIGTERM and SIGKILL to the program's process group
  std::string scratch_dir;  // "" = $TMPDIR or /tmp
  bool keep_failed_scratch = false;
};

// problem.name = "plugin": a shared library with the C ABI of include/evocluster/plugin.h.
struct PluginConfig {
  std::string library;  // path of the .so, loaded with dlopen on every evaluating rank
  int objectives = 1;   // values the plugin writes per evaluation
  std::string config;   // handed to the plugin's init, verbatim
};

// problem.name = "python": a Python function evaluated in-process (worker/python_evaluator).
struct PythonConfig {
  std::string module;             // imported once per evaluating rank
  std::string function;           // module attribute called for every evaluation (or batch)
  std::vector<std::string> path;  // prepended to sys.path; relative to the config file
  bool batch = false;             // true: one call per batch with a 2-D array of genomes
  int objectives = 1;             // values returned per genome
  std::string init;               // optional module attribute called once with `config`
  std::string config;             // handed to init, verbatim

  bool operator==(const PythonConfig&) const = default;
};

struct GenomeConfig {
  std::string type = "real";  // real | binary | integer | permutation; default: the problem's
  double lower = 0;  // default: the problem's usual domain (problem_catalog.hpp); whole numbers
  double upper = 0;  // for integer genomes, fixed for binary (0, 1) and permutation (0, n - 1)
};

struct AlgorithmConfig {
  std::string name = "simple";
  int population = 200;
  double crossover_prob = 0.9;
  double mutation_prob = 0.2;
  int tournament_size = 3;
  int elitism = 1;  // best individuals copied unchanged to the next generation
  // Default operators depend on genome.type (docs/configuration.md); the values here are
  // those of a real genome.
  std::string crossover = "sbx";  // sbx | blend | one_point | two_point | uniform | ordered | pmx
  double crossover_eta = 15;      // SBX distribution index
  double blend_alpha = 0.5;       // BLX-alpha
  // polynomial | gaussian | flip_bit | uniform_int | creep | swap | inversion | shuffle_indexes
  std::string mutation = "polynomial";
  double mutation_eta = 20;              // polynomial mutation distribution index
  double mutation_sigma = 0.1;           // gaussian: sigma as a share of (upper - lower)
  double mutation_indpb = 0;             // per-gene probability; 0 means 1 / dimension
  std::string selection = "tournament";  // tournament | roulette | sus | best | random
  double crossover_indpb = 0.5;          // uniform crossover: per-gene swap probability
  int creep_step = 1;                    // creep mutation: largest step, in whole units
  std::string replacement = "worst";     // steady_state: worst | tournament
  // mu_plus_lambda, mu_comma_lambda: how the next mu parents are picked from parents +
  // children (plus) or the children (comma); any algorithm.selection method. "best" is
  // truncation, as evolution strategies select.
  std::string survivor_selection = "best";
  // mu_plus_lambda, mu_comma_lambda, cmaes (0 = the algorithm's default, see
  // docs/algorithms.md):
  int mu = 0;
  int lambda = 0;
  double cmaes_sigma0 = 0;  // initial step size; 0 = 0.3 * (genome.upper - genome.lower)
  int cmaes_restarts = 0;   // IPOP restarts, each doubling lambda; 0 = none
  std::string de_variant = "rand/1/bin";  // rand/1/bin | best/1/bin
  double de_f = 0.8;                      // differential weight F
  double de_cr = 0.9;                     // crossover rate CR
  std::vector<double> hv_reference = {};  // nsga2 hypervolume point; empty = 1.1 per objective
};

struct CheckpointConfig {
  std::int64_t every_generations = 10;  // 0 = only the final checkpoint
  double every_seconds = 0;             // 0 = off
  int keep = 3;
};

// The failure classes dispatch.retry_on may name, in canonical order.
inline constexpr std::array<std::string_view, 6> kRetryableClasses = {
    "failed", "non_zero_exit", "signaled", "timeout", "garbage", "non_finite"};

struct DispatchConfig {
  int batch = 0;      // tasks per message; 0 = sized from measured evaluation time
  int in_flight = 2;  // batches outstanding per worker (prefetch)
  // Failure policy (these shape results, so they are part of result_hash):
  int retries = 2;  // further attempts of a failed evaluation, on another worker
  // The failure classes (common::status_name) that get those attempts: the ones a second
  // try may cure. A non-zero exit, garbage or a non-finite value is what the program itself
  // said, and an expensive simulation would only say it again.
  std::vector<std::string> retry_on = {"failed", "signaled", "timeout"};
  double failure_fitness = 1e300;  // every objective of an individual that failed them all
  double max_failure_share = 0.5;  // of a generation's evaluations; above it the run stops
};

struct Config {
  RunConfig run;
  ProblemConfig problem;
  CommandConfig command;
  PluginConfig plugin;
  PythonConfig python;
  GenomeConfig genome;
  AlgorithmConfig algorithm;
  CheckpointConfig checkpoint;
  DispatchConfig dispatch;
  std::string source = "<config>";  // file name used in messages
  // The `--set section.key=value` arguments laid over it, for messages about keys whose
  // origin is no longer known (e.g. sizes that cannot fit). Not part of the config itself.
  std::vector<std::string> overrides;
  // Given keys that have no effect with this config (e.g. algorithm.de_f with cmaes): rank 0
  // prints them at start. Not part of the config itself.
  std::vector<std::string> warnings;
};

// Throws ConfigError naming file, key and value (unknown key, wrong type, out of range,
// missing file, malformed override).
Config load_config(const std::filesystem::path& path, const std::vector<std::string>& overrides);
Config parse_config(std::string_view toml_text, std::string_view source,
                    const std::vector<std::string>& overrides = {});

// The fully resolved config (every key, defaults included) as TOML; parse_config of it
// gives back an equal Config. Stored in every checkpoint under /config.
std::string to_toml(const Config& config);

// Hash of every key that shapes results. Keys that may change on resume without
// changing results are left out: run.generations, run.target_fitness, run.max_evaluations,
// run.stagnation_generations, run.stagnation_tolerance, run.output, run.walltime,
// run.walltime_margin, run.max_restarts, checkpoint.*,
// dispatch.batch, dispatch.in_flight,
// command.timeout_s, kill_grace_s, scratch_dir, keep_failed_scratch, and python.path
// (where the module is found, not what it computes).
std::uint64_t result_hash(const Config& config);
// The text result_hash hashes: to_toml without the keys above.
std::string result_text(const Config& config);

// Objectives per individual: the catalog's count for a built-in problem, command.objectives
// for "command", plugin.objectives for "plugin", python.objectives for "python". `config` must be
// valid (as parse_config returns it).
int objective_count(const Config& config);

}  // namespace evo::common
