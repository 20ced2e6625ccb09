#include "common/config.hpp"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "common/problem_catalog.hpp"

namespace evo::common {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using ::testing::ThrowsMessage;

Config parse(const std::string& text, const std::vector<std::string>& overrides = {}) {
  return parse_config(text, "cfg.toml", overrides);
}

// The ConfigError message parse() throws for `text`, or "" when it is accepted.
std::string error_of(const std::string& text, const std::vector<std::string>& overrides = {}) {
  try {
    parse(text, overrides);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

std::filesystem::path write_temp(const std::string& name, const std::string& text) {
  const std::filesystem::path path = std::filesystem::path(::testing::TempDir()) / name;
  std::ofstream(path) << text;
  return path;
}

// Every field (Config has no operator==; `source` is deliberately not compared).
void expect_same(const Config& a, const Config& b) {
  EXPECT_EQ(a.run.seed, b.run.seed);
  EXPECT_EQ(a.run.generations, b.run.generations);
  EXPECT_EQ(a.run.jobs, b.run.jobs);
  EXPECT_EQ(a.run.output, b.run.output);
  EXPECT_EQ(a.run.hall_of_fame, b.run.hall_of_fame);
  EXPECT_EQ(a.run.walltime, b.run.walltime);
  EXPECT_EQ(a.run.walltime_margin, b.run.walltime_margin);
  EXPECT_EQ(a.run.max_restarts, b.run.max_restarts);
  EXPECT_EQ(a.problem.name, b.problem.name);
  EXPECT_EQ(a.problem.dimension, b.problem.dimension);
  EXPECT_EQ(a.problem.delay_ms, b.problem.delay_ms);
  EXPECT_EQ(a.problem.noise_sigma, b.problem.noise_sigma);
  EXPECT_EQ(a.command.argv, b.command.argv);
  EXPECT_EQ(a.command.input, b.command.input);
  EXPECT_EQ(a.command.template_path, b.command.template_path);
  EXPECT_EQ(a.command.template_target, b.command.template_target);
  EXPECT_EQ(a.command.objectives, b.command.objectives);
  EXPECT_EQ(a.command.timeout_s, b.command.timeout_s);
  EXPECT_EQ(a.command.kill_grace_s, b.command.kill_grace_s);
  EXPECT_EQ(a.command.scratch_dir, b.command.scratch_dir);
  EXPECT_EQ(a.command.keep_failed_scratch, b.command.keep_failed_scratch);
  EXPECT_EQ(a.genome.type, b.genome.type);
  EXPECT_EQ(a.genome.lower, b.genome.lower);
  EXPECT_EQ(a.genome.upper, b.genome.upper);
  EXPECT_EQ(a.algorithm.name, b.algorithm.name);
  EXPECT_EQ(a.algorithm.population, b.algorithm.population);
  EXPECT_EQ(a.algorithm.crossover_prob, b.algorithm.crossover_prob);
  EXPECT_EQ(a.algorithm.mutation_prob, b.algorithm.mutation_prob);
  EXPECT_EQ(a.algorithm.tournament_size, b.algorithm.tournament_size);
  EXPECT_EQ(a.algorithm.elitism, b.algorithm.elitism);
  EXPECT_EQ(a.algorithm.crossover, b.algorithm.crossover);
  EXPECT_EQ(a.algorithm.crossover_eta, b.algorithm.crossover_eta);
  EXPECT_EQ(a.algorithm.blend_alpha, b.algorithm.blend_alpha);
  EXPECT_EQ(a.algorithm.mutation, b.algorithm.mutation);
  EXPECT_EQ(a.algorithm.mutation_eta, b.algorithm.mutation_eta);
  EXPECT_EQ(a.algorithm.mutation_sigma, b.algorithm.mutation_sigma);
  EXPECT_EQ(a.algorithm.mutation_indpb, b.algorithm.mutation_indpb);
  EXPECT_EQ(a.problem.objectives, b.problem.objectives);
  EXPECT_EQ(a.algorithm.mu, b.algorithm.mu);
  EXPECT_EQ(a.algorithm.lambda, b.algorithm.lambda);
  EXPECT_EQ(a.algorithm.cmaes_sigma0, b.algorithm.cmaes_sigma0);
  EXPECT_EQ(a.algorithm.cmaes_restarts, b.algorithm.cmaes_restarts);
  EXPECT_EQ(a.algorithm.de_variant, b.algorithm.de_variant);
  EXPECT_EQ(a.algorithm.de_f, b.algorithm.de_f);
  EXPECT_EQ(a.algorithm.de_cr, b.algorithm.de_cr);
  EXPECT_EQ(a.algorithm.hv_reference, b.algorithm.hv_reference);
  EXPECT_EQ(a.algorithm.selection, b.algorithm.selection);
  EXPECT_EQ(a.algorithm.crossover_indpb, b.algorithm.crossover_indpb);
  EXPECT_EQ(a.algorithm.creep_step, b.algorithm.creep_step);
  EXPECT_EQ(a.problem.instance_seed, b.problem.instance_seed);
  EXPECT_EQ(a.run.target_fitness, b.run.target_fitness);
  EXPECT_EQ(a.run.max_evaluations, b.run.max_evaluations);
  EXPECT_EQ(a.run.stagnation_generations, b.run.stagnation_generations);
  EXPECT_EQ(a.run.stagnation_tolerance, b.run.stagnation_tolerance);
  EXPECT_EQ(a.checkpoint.every_generations, b.checkpoint.every_generations);
  EXPECT_EQ(a.checkpoint.every_seconds, b.checkpoint.every_seconds);
  EXPECT_EQ(a.checkpoint.keep, b.checkpoint.keep);
  EXPECT_EQ(a.run.log_level, b.run.log_level);
  EXPECT_EQ(a.run.progress_seconds, b.run.progress_seconds);
  EXPECT_EQ(a.dispatch.batch, b.dispatch.batch);
  EXPECT_EQ(a.dispatch.in_flight, b.dispatch.in_flight);
}

// A config in which every key differs from its default.
constexpr const char* kEveryKey = R"(
[run]
seed = 42
generations = 7
jobs = 3
output = "out/dir"
hall_of_fame = 5
walltime = 3600
walltime_margin = 90.5
max_restarts = 4
log_level = "debug"
progress_seconds = 2.5
target_fitness = 0.5
max_evaluations = 5000
stagnation_generations = 8
stagnation_tolerance = 1e-6

[problem]
name = "rosenbrock"
dimension = 12
delay_ms = 2.5
noise_sigma = 0.25
instance_seed = 9
delay_distribution = "exponential"

[command]
argv = ["./simulate", "--fast"]
input = "json"
template = "case.in"
template_target = "run/case.in"
objectives = 2
timeout_s = 30
kill_grace_s = 5
scratch_dir = "/scratch"
keep_failed_scratch = true

[plugin]
library = "./libmine.so"
objectives = 2
config = "mode=fast"

[genome]
type = "real"
lower = -1
upper = 3.5

[algorithm]
name = "simple"
population = 50
crossover_prob = 0.8
mutation_prob = 0.3
tournament_size = 4
elitism = 2
crossover = "blend"
crossover_eta = 10
blend_alpha = 0.25
mutation = "gaussian"
mutation_eta = 30
mutation_sigma = 0.05
mutation_indpb = 0.125
mu = 6
lambda = 14
cmaes_sigma0 = 0.7
cmaes_restarts = 1
de_variant = "best/1/bin"
de_f = 0.5
de_cr = 0.3
hv_reference = [2.5]
selection = "sus"
crossover_indpb = 0.375
creep_step = 3
replacement = "tournament"
survivor_selection = "roulette"

[checkpoint]
every_generations = 4
every_seconds = 60
keep = 5

[dispatch]
batch = 8
in_flight = 3
)";

TEST(ProblemCatalog, ListsTheBuiltInProblemsWithTheirDomains) {
  ASSERT_EQ(all_problems().size(), 14u);
  const ProblemInfo* rosenbrock = find_problem("rosenbrock");
  ASSERT_NE(rosenbrock, nullptr);
  EXPECT_EQ(rosenbrock->objectives, 1);
  EXPECT_EQ(rosenbrock->lower, -2.048);
  EXPECT_EQ(rosenbrock->upper, 2.048);
  EXPECT_EQ(find_problem("ackley")->upper, 32.768);
  EXPECT_EQ(find_problem("nosuch"), nullptr);
  EXPECT_EQ(problem_names(),
            "sphere, rastrigin, rosenbrock, ackley, noisy_sphere, griewank, schwefel, onemax, "
            "knapsack, tsp_berlin52, zdt1, zdt2, zdt3, dtlz2");
  EXPECT_EQ(find_problem("zdt1")->objectives, 2);
  EXPECT_EQ(find_problem("dtlz2")->objectives, 3);
  EXPECT_EQ(find_problem("onemax")->genome_type, "binary");
  EXPECT_EQ(find_problem("tsp_berlin52")->genome_type, "permutation");
  EXPECT_EQ(find_problem("tsp_berlin52")->fixed_dimension, 52);
  EXPECT_EQ(find_problem("griewank")->genome_type, "real");
  EXPECT_EQ(find_problem("griewank")->fixed_dimension, 0);
  for (const ProblemInfo& problem : all_problems()) {
    EXPECT_LT(problem.lower, problem.upper) << problem.name;
    EXPECT_FALSE(problem.summary.empty()) << problem.name;
  }
}

TEST(Config, EmptyTextGivesTheDefaultsWithTheProblemsDomain) {
  const Config config = parse("");
  const Config defaults;
  EXPECT_EQ(config.source, "cfg.toml");
  EXPECT_EQ(config.run.seed, defaults.run.seed);
  EXPECT_EQ(config.run.generations, 100);
  EXPECT_EQ(config.run.jobs, 1);
  EXPECT_EQ(config.run.output, "runs/demo");
  EXPECT_EQ(config.problem.name, "rastrigin");
  EXPECT_EQ(config.problem.dimension, 30);
  EXPECT_EQ(config.algorithm.name, "simple");
  EXPECT_EQ(config.algorithm.population, 200);
  EXPECT_EQ(config.checkpoint.every_generations, 10);
  EXPECT_EQ(config.checkpoint.keep, 3);
  EXPECT_EQ(config.genome.type, "real");
  EXPECT_EQ(config.genome.lower, -5.12);
  EXPECT_EQ(config.genome.upper, 5.12);
}

TEST(Config, GenomeBoundsDefaultToTheChosenProblemsDomain) {
  const Config config = parse("[problem]\nname = \"ackley\"\n");
  EXPECT_EQ(config.genome.lower, -32.768);
  EXPECT_EQ(config.genome.upper, 32.768);
  const Config half = parse("[problem]\nname = \"ackley\"\n[genome]\nlower = 0\n");
  EXPECT_EQ(half.genome.lower, 0.0);
  EXPECT_EQ(half.genome.upper, 32.768);
}

TEST(Config, ReadsEveryKey) {
  const Config c = parse(kEveryKey);
  EXPECT_EQ(c.run.seed, 42u);
  EXPECT_EQ(c.run.generations, 7);
  EXPECT_EQ(c.run.jobs, 3);
  EXPECT_EQ(c.run.output, "out/dir");
  EXPECT_EQ(c.run.hall_of_fame, 5);
  EXPECT_EQ(c.run.walltime, 3600);
  EXPECT_EQ(c.run.walltime_margin, 90.5);
  EXPECT_EQ(c.run.max_restarts, 4);
  EXPECT_EQ(c.run.log_level, "debug");
  EXPECT_EQ(c.run.progress_seconds, 2.5);
  EXPECT_EQ(c.problem.name, "rosenbrock");
  EXPECT_EQ(c.problem.dimension, 12);
  EXPECT_EQ(c.problem.delay_distribution, "exponential");
  EXPECT_EQ(c.algorithm.replacement, "tournament");
  EXPECT_EQ(c.algorithm.survivor_selection, "roulette");
  EXPECT_EQ(c.plugin.library, "./libmine.so");
  EXPECT_EQ(c.plugin.objectives, 2);
  EXPECT_EQ(c.plugin.config, "mode=fast");
  EXPECT_EQ(c.problem.delay_ms, 2.5);
  EXPECT_EQ(c.problem.noise_sigma, 0.25);
  EXPECT_EQ(c.genome.type, "real");
  EXPECT_EQ(c.genome.lower, -1.0);
  EXPECT_EQ(c.genome.upper, 3.5);
  EXPECT_EQ(c.algorithm.name, "simple");
  EXPECT_EQ(c.algorithm.population, 50);
  EXPECT_EQ(c.algorithm.crossover_prob, 0.8);
  EXPECT_EQ(c.algorithm.mutation_prob, 0.3);
  EXPECT_EQ(c.algorithm.tournament_size, 4);
  EXPECT_EQ(c.algorithm.elitism, 2);
  EXPECT_EQ(c.algorithm.crossover, "blend");
  EXPECT_EQ(c.algorithm.crossover_eta, 10.0);
  EXPECT_EQ(c.algorithm.blend_alpha, 0.25);
  EXPECT_EQ(c.algorithm.mutation, "gaussian");
  EXPECT_EQ(c.algorithm.mutation_eta, 30.0);
  EXPECT_EQ(c.algorithm.mutation_sigma, 0.05);
  EXPECT_EQ(c.algorithm.mutation_indpb, 0.125);
  EXPECT_EQ(c.checkpoint.every_generations, 4);
  EXPECT_EQ(c.checkpoint.every_seconds, 60.0);
  EXPECT_EQ(c.checkpoint.keep, 5);
  EXPECT_EQ(c.dispatch.batch, 8);
  EXPECT_EQ(c.dispatch.in_flight, 3);
}

TEST(Config, ReadsTheShippedExample) {
  const Config config = load_config(EVO_SOURCE_DIR "/examples/demo.toml", {});
  EXPECT_EQ(config.problem.name, "rastrigin");
  EXPECT_EQ(config.source, EVO_SOURCE_DIR "/examples/demo.toml");
}

TEST(Config, AcceptsTheEdgesOfEachRange) {
  EXPECT_NO_THROW(
      parse("[run]\nseed = 0\ngenerations = 0\n[problem]\ndimension = 1\ndelay_ms = 0\n"
            "noise_sigma = 0\n[algorithm]\npopulation = 1\nelitism = 0\ncrossover_prob = 0\n"
            "mutation_prob = 1\nmutation_indpb = 1\ncrossover_eta = 0\n[checkpoint]\n"
            "every_generations = 0\nkeep = 1\n[dispatch]\nbatch = 0\nin_flight = 1\n"));
  EXPECT_EQ(parse("[run]\nseed = 9223372036854775807\n").run.seed,
            std::uint64_t{9223372036854775807u});
}

TEST(Config, LogLevelMustBeKnownAndProgressSecondsNotNegative) {
  EXPECT_THAT(error_of("[run]\nlog_level = \"warn\"\n"),
              AllOf(HasSubstr("run.log_level"), HasSubstr("debug, info, warning, error")));
  EXPECT_THAT(error_of("[run]\nprogress_seconds = -1\n"), HasSubstr("run.progress_seconds"));
}

TEST(Config, ConsoleKeysAtTheirDefaultsLeaveTheTextAsItWas) {
  // Checkpoints store the text: configs that leave the keys alone must not change it.
  EXPECT_EQ(to_toml(parse("")).find("log_level"), std::string::npos);
  EXPECT_EQ(to_toml(parse("")).find("progress_seconds"), std::string::npos);
  EXPECT_NE(to_toml(parse("[run]\nlog_level = \"error\"\n")).find("log_level = \"error\""),
            std::string::npos);
}

TEST(Config, UnknownKeyNamesItAndTheFileAndSuggestsTheClosest) {
  EXPECT_THAT(
      [] { parse("[algorithm]\npopulaton = 10\n"); },
      ThrowsMessage<ConfigError>(AllOf(HasSubstr("cfg.toml: unknown key 'algorithm.populaton'"),
                                       HasSubstr("did you mean 'algorithm.population'?"))));
}

TEST(Config, UnknownKeyInTheWrongSectionSuggestsTheRightOne) {
  EXPECT_THAT(error_of("[run]\npopulation = 10\n"),
              AllOf(HasSubstr("unknown key 'run.population'"),
                    HasSubstr("did you mean 'algorithm.population'?")));
  EXPECT_THAT(error_of("seed = 3\n"),
              AllOf(HasSubstr("unknown key 'seed'"), HasSubstr("did you mean 'run.seed'?")));
}

TEST(Config, UnknownKeyFarFromEveryKnownOneHasNoSuggestion) {
  EXPECT_THAT(error_of("[run]\nzzzzzzzz = 1\n"),
              AllOf(HasSubstr("unknown key 'run.zzzzzzzz'"), Not(HasSubstr("did you mean"))));
}

TEST(Config, UnknownSectionIsNamed) {
  EXPECT_THAT(error_of("[algoritm]\npopulation = 10\n"),
              AllOf(HasSubstr("cfg.toml: unknown section [algoritm]"),
                    HasSubstr("did you mean [algorithm]?")));
  EXPECT_THAT(error_of("run = 5\n"), HasSubstr("'run' must be a section ([run]), got integer 5"));
}

TEST(Config, WrongTypeNamesKeyExpectedTypeAndValue) {
  EXPECT_EQ(error_of("[algorithm]\npopulation = \"abc\"\n"),
            "cfg.toml: algorithm.population: expected an integer, got string \"abc\"");
  EXPECT_EQ(error_of("[problem]\nname = 3\n"),
            "cfg.toml: problem.name: expected a string, got integer 3");
  EXPECT_EQ(error_of("[algorithm]\ncrossover_prob = true\n"),
            "cfg.toml: algorithm.crossover_prob: expected a number, got boolean true");
  EXPECT_THAT(error_of("[run]\nseed = [1, 2]\n"),
              HasSubstr("run.seed: expected an integer, got array"));
}

TEST(Config, FloatsAreRefusedForIntegerKeysButIntegersAcceptedForFloats) {
  EXPECT_EQ(error_of("[algorithm]\npopulation = 10.0\n"),
            "cfg.toml: algorithm.population: expected an integer, got float 10.0");
  EXPECT_EQ(parse("[algorithm]\ncrossover_eta = 3\n").algorithm.crossover_eta, 3.0);
}

TEST(Config, PopulationZeroIsAnErrorNamingKeyAndValue) {
  EXPECT_THAT(
      [] { parse("[algorithm]\npopulation = 0\n"); },
      ThrowsMessage<ConfigError>(HasSubstr("cfg.toml: algorithm.population must be >= 1, got 0")));
}

TEST(Config, OutOfRangeValuesNameKeyAndValue) {
  struct Case {
    const char* text;
    const char* expected;
  };
  const std::vector<Case> cases = {
      {"[run]\nseed = -1", "run.seed must be >= 0, got -1"},
      {"[run]\ngenerations = -5", "run.generations must be >= 0, got -5"},
      {"[run]\njobs = 0", "run.jobs must be >= 1, got 0"},
      {"[run]\nhall_of_fame = 0", "run.hall_of_fame must be >= 1, got 0"},
      {"[run]\noutput = \"\"", "run.output must not be empty"},
      {"[problem]\ndimension = 0", "problem.dimension must be >= 1, got 0"},
      {"[problem]\ndimension = 3000000000",
       "problem.dimension must be between 1 and 2147483647, got 3000000000"},
      {"[problem]\ndelay_ms = -1", "problem.delay_ms must be >= 0, got -1"},
      {"[problem]\nnoise_sigma = -0.5", "problem.noise_sigma must be >= 0, got -0.5"},
      {"[algorithm]\ncrossover_prob = 1.5",
       "algorithm.crossover_prob must be between 0 and 1, got 1.5"},
      {"[algorithm]\nmutation_prob = -0.1",
       "algorithm.mutation_prob must be between 0 and 1, got -0.1"},
      {"[algorithm]\ntournament_size = 0", "algorithm.tournament_size must be >= 1, got 0"},
      {"[algorithm]\nelitism = -1", "algorithm.elitism must be >= 0, got -1"},
      {"[algorithm]\npopulation = 10\nelitism = 10",
       "algorithm.elitism must be < algorithm.population (10), got 10"},
      {"[algorithm]\ncrossover = \"sbxx\"",
       "algorithm.crossover must be one of sbx, blend, one_point, two_point, uniform, ordered, "
       "pmx, got 'sbxx' (did you mean 'sbx'?)"},
      {"[algorithm]\ncrossover_eta = -1", "algorithm.crossover_eta must be >= 0, got -1"},
      {"[algorithm]\nblend_alpha = -0.5", "algorithm.blend_alpha must be >= 0, got -0.5"},
      {"[algorithm]\nmutation = \"uniform\"",
       "algorithm.mutation must be one of polynomial, gaussian, flip_bit, uniform_int, creep, "
       "swap, inversion, shuffle_indexes, got 'uniform'"},
      {"[algorithm]\nselection = \"rank\"",
       "algorithm.selection must be one of tournament, roulette, sus, best, random, got 'rank'"},
      {"[algorithm]\ncrossover_indpb = 1.5",
       "algorithm.crossover_indpb must be between 0 and 1, got 1.5"},
      {"[algorithm]\ncreep_step = 0", "algorithm.creep_step must be >= 1, got 0"},
      {"[problem]\ninstance_seed = -1", "problem.instance_seed must be >= 0, got -1"},
      {"[algorithm]\nmutation_eta = -2", "algorithm.mutation_eta must be >= 0, got -2"},
      {"[algorithm]\nmutation_sigma = 0", "algorithm.mutation_sigma must be > 0, got 0"},
      {"[algorithm]\nmutation_indpb = 2",
       "algorithm.mutation_indpb must be between 0 and 1, got 2"},
      {"[checkpoint]\nevery_generations = -1", "checkpoint.every_generations must be >= 0, got -1"},
      {"[checkpoint]\nevery_seconds = -3", "checkpoint.every_seconds must be >= 0, got -3"},
      {"[checkpoint]\nkeep = 0", "checkpoint.keep must be >= 1, got 0"},
      {"[dispatch]\nbatch = -1", "dispatch.batch must be >= 0, got -1"},
      {"[dispatch]\nin_flight = 0", "dispatch.in_flight must be >= 1, got 0"},
      {"[genome]\ntype = \"bits\"",
       "genome.type must be one of real, binary, integer, permutation, got 'bits'"},
      {"[genome]\nlower = 1\nupper = 1",
       "genome.lower must be < genome.upper, got lower = 1.0 and upper = 1.0"},
      {"[genome]\nlower = 10", "got lower = 10.0 and upper = 5.12 (the default for rastrigin)"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(error_of(c.text), AllOf(StartsWith("cfg.toml: "), HasSubstr(c.expected))) << c.text;
  }
}

TEST(Config, NanAndInfinityAreRefusedEverywhere) {
  for (const char* text :
       {"[problem]\ndelay_ms = nan", "[problem]\nnoise_sigma = inf", "[genome]\nlower = -inf",
        "[genome]\nupper = inf", "[algorithm]\ncrossover_prob = nan",
        "[algorithm]\nmutation_eta = inf", "[checkpoint]\nevery_seconds = inf"}) {
    EXPECT_THAT(error_of(text), HasSubstr("must be a finite number")) << text;
  }
}

TEST(Config, UnknownProblemListsTheKnownOnes) {
  EXPECT_THAT(error_of("[problem]\nname = \"nosuch\"\n"),
              AllOf(HasSubstr("cfg.toml: problem.name: unknown problem 'nosuch' (known: "),
                    HasSubstr(problem_names())));
  EXPECT_THAT(error_of("[problem]\nname = \"rastrign\"\n"), HasSubstr("did you mean 'rastrigin'?"));
  EXPECT_THAT(error_of("[problem]\nname = \"nosuch\"\n"), HasSubstr(", command, plugin, python)"));
}

TEST(Config, SuggestionsIgnoreCase) {
  EXPECT_THAT(error_of("[problem]\nname = \"Sphere\"\n"), HasSubstr("did you mean 'sphere'?"));
  EXPECT_THAT(error_of("[problem]\nname = \"ZDT1\"\n"), HasSubstr("did you mean 'zdt1'?"));
  EXPECT_THAT(error_of("[algorithm]\nname = \"NSGA2\"\n"), HasSubstr("did you mean 'nsga2'?"));
  EXPECT_THAT(error_of("[Algorithm]\npopulation = 10\n"), HasSubstr("did you mean [algorithm]?"));
  EXPECT_THAT(error_of("[algorithm]\nPopulation = 10\n"),
              HasSubstr("did you mean 'algorithm.population'?"));
}

TEST(Config, AlgorithmsOfLaterVersionsAreNotAvailableOthersUnknown) {
  for (const char* name :
       {"simple", "mu_plus_lambda", "mu_comma_lambda", "cmaes", "de", "steady_state"}) {
    EXPECT_EQ(parse(fmt::format("[algorithm]\nname = \"{}\"\n", name)).algorithm.name, name);
  }
  EXPECT_EQ(parse("[algorithm]\nname = \"nsga2\"\n[problem]\nname = \"zdt1\"\n").algorithm.name,
            "nsga2");
  EXPECT_THAT(error_of("[algorithm]\nname = \"magic\"\n"),
              HasSubstr("algorithm.name: unknown algorithm 'magic' (available: simple, "
                        "mu_plus_lambda, mu_comma_lambda, cmaes, de, nsga2, steady_state)"));
  EXPECT_THAT(error_of("[algorithm]\nname = \"cmaez\"\n"), HasSubstr("did you mean 'cmaes'?"));
}

TEST(Config, ReportsEveryProblemAtOnceOneLineEach) {
  const std::string message =
      error_of("[algorithm]\npopulation = 0\ntournament_size = 0\n[run]\njobz = 2\n");
  EXPECT_THAT(message, HasSubstr("algorithm.population must be >= 1"));
  EXPECT_THAT(message, HasSubstr("algorithm.tournament_size must be >= 1"));
  EXPECT_THAT(message, HasSubstr("unknown key 'run.jobz'"));
  EXPECT_EQ(std::count(message.begin(), message.end(), '\n'), 2);
}

TEST(Config, SyntaxErrorNamesFileLineAndColumn) {
  EXPECT_THAT([] { parse("[run]\nseed = 1\n[problem\nname = \"x\"\n"); },
              ThrowsMessage<ConfigError>(
                  AllOf(StartsWith("cfg.toml: TOML syntax error at line 3, column"))));
}

TEST(Config, LoadReadsTheFileAndNamesItInMessages) {
  const auto good = write_temp("config_test_good.toml", "[algorithm]\npopulation = 12\n");
  EXPECT_EQ(load_config(good, {}).algorithm.population, 12);
  EXPECT_EQ(load_config(good, {}).source, good.string());

  const auto bad = write_temp("config_test_bad.toml", "[algorithm]\npopulaton = 10\n");
  EXPECT_THAT(
      [&] { load_config(bad, {}); },
      ThrowsMessage<ConfigError>(HasSubstr(bad.string() + ": unknown key 'algorithm.populaton'")));

  const auto syntax = write_temp("config_test_syntax.toml", "[run\nseed = 1\n");
  EXPECT_THAT([&] { load_config(syntax, {}); },
              ThrowsMessage<ConfigError>(AllOf(HasSubstr(syntax.string()), HasSubstr("line 1"))));
}

TEST(Config, MissingFileIsAConfigErrorNamingIt) {
  const auto missing = std::filesystem::path(::testing::TempDir()) / "config_test_nope.toml";
  EXPECT_THAT([&] { load_config(missing, {}); },
              ThrowsMessage<ConfigError>(
                  HasSubstr(fmt::format("config file '{}' not found", missing.string()))));
  EXPECT_THAT([&] { load_config(::testing::TempDir(), {}); },
              ThrowsMessage<ConfigError>(HasSubstr("cannot be read")));
}

TEST(Config, OverridesReplaceFileValues) {
  const Config c = parse(
      kEveryKey, {"algorithm.population=60", "problem.name=sphere", "run.output=\"elsewhere\"",
                  "genome.upper=4", "algorithm.mutation_sigma=0.5", "run.seed = 9"});
  EXPECT_EQ(c.algorithm.population, 60);
  EXPECT_EQ(c.problem.name, "sphere");
  EXPECT_EQ(c.run.output, "elsewhere");
  EXPECT_EQ(c.genome.upper, 4.0);
  EXPECT_EQ(c.genome.lower, -1.0);  // still the file's
  EXPECT_EQ(c.algorithm.mutation_sigma, 0.5);
  EXPECT_EQ(c.run.seed, 9u);
}

TEST(Config, LaterOverrideOfTheSameKeyWins) {
  EXPECT_EQ(parse("", {"run.jobs=2", "run.jobs=5"}).run.jobs, 5);
}

TEST(Config, OverrideCanFixABadFileValue) {
  EXPECT_EQ(parse("[algorithm]\npopulation = 0\n", {"algorithm.population=4"}).algorithm.population,
            4);
}

TEST(Config, OverridesAreValidatedAndNamedAsTheSource) {
  EXPECT_THAT([] { parse("", {"algorithm.population=0"}); },
              ThrowsMessage<ConfigError>(
                  HasSubstr("--set algorithm.population=0: algorithm.population must be >= 1, "
                            "got 0")));
  EXPECT_EQ(error_of("", {"algorithm.population=abc"}),
            "--set algorithm.population=abc: algorithm.population: expected an integer, got "
            "string \"abc\"");
  EXPECT_THAT(error_of("", {"algorithm.populaton=10"}),
              AllOf(HasSubstr("--set algorithm.populaton=10: unknown key 'algorithm.populaton'"),
                    HasSubstr("did you mean 'algorithm.population'?")));
  EXPECT_THAT(error_of("", {"algo.population=10"}),
              HasSubstr("did you mean 'algorithm.population'?"));
  EXPECT_THAT(error_of("", {"problem.dimension=-3"}),
              HasSubstr("--set problem.dimension=-3: problem.dimension must be >= 1, got -3"));
  EXPECT_THAT(
      error_of("", {"run.output=2024"}),
      AllOf(HasSubstr("run.output: expected a string, got integer 2024"), HasSubstr("quote it")));
}

TEST(Config, AnErrorCausedByAnOverrideOfARelatedKeyNamesTheOverride) {
  EXPECT_THAT(error_of("[algorithm]\nelitism = 5\n", {"algorithm.population=5"}),
              StartsWith("--set algorithm.population=5: algorithm.elitism must be <"));
  EXPECT_THAT(error_of("", {"genome.lower=6"}),
              StartsWith("--set genome.lower=6: genome.lower must be < genome.upper"));
}

TEST(Config, MalformedOverrideIsNamed) {
  for (const char* text :
       {"algorithm.population", "population=5", ".population=5", "algorithm.=5", "=5"}) {
    EXPECT_THAT(error_of("", {text}),
                AllOf(HasSubstr(fmt::format("--set {}: malformed override", text)),
                      HasSubstr("section.key=value")))
        << text;
  }
}

TEST(Config, OverrideValueThatIsNotOneTomlValueIsTakenAsText) {
  EXPECT_EQ(parse("", {"run.output=runs/a b"}).run.output, "runs/a b");
  EXPECT_EQ(parse("", {"run.output=1\njobs = 2"}).run.output, "1\njobs = 2");
  EXPECT_EQ(parse("", {"run.output=\"quoted\""}).run.output, "quoted");
}

TEST(Config, LoadConfigAppliesOverrides) {
  const auto path = write_temp("config_test_overrides.toml", "[problem]\nname = \"sphere\"\n");
  const Config c = load_config(path, {"problem.dimension=3"});
  EXPECT_EQ(c.problem.name, "sphere");
  EXPECT_EQ(c.problem.dimension, 3);
}

// A key only other algorithms read, set to a non-default value, draws a warning naming
// where it came from and who reads it; the chosen algorithm's own keys and keys at their
// default (as in a resolved config) do not.
TEST(Config, WarnsAboutKeysTheChosenAlgorithmDoesNotRead) {
  const Config cmaes = parse("[algorithm]\nname = \"cmaes\"\nmu = 4\nde_cr = 0.9\n",
                             {"algorithm.de_f=0.5", "algorithm.survivor_selection=tournament"});
  ASSERT_EQ(cmaes.warnings.size(), 2U);  // in the order of the algorithm catalog
  EXPECT_THAT(cmaes.warnings[1],
              AllOf(StartsWith("--set algorithm.de_f=0.5: algorithm.de_f has no effect"),
                    HasSubstr("algorithm.name = \"cmaes\""), HasSubstr("read by de only")));
  EXPECT_THAT(cmaes.warnings[0], AllOf(HasSubstr("algorithm.survivor_selection has no effect"),
                                       HasSubstr("read by mu_plus_lambda, mu_comma_lambda only")));

  const Config de = parse("[algorithm]\nname = \"de\"\nde_f = 0.5\nelitism = 3\n");
  ASSERT_EQ(de.warnings.size(), 1U);
  EXPECT_THAT(de.warnings[0], AllOf(StartsWith("cfg.toml: algorithm.elitism has no effect"),
                                    HasSubstr("read by simple only")));

  EXPECT_THAT(parse_config(to_toml(de), "resolved").warnings,
              ::testing::ElementsAre(HasSubstr("algorithm.elitism has no effect")));
  EXPECT_TRUE(parse_config(to_toml(parse("")), "resolved").warnings.empty());
}

// CMA-ES draws algorithm.lambda samples: a population size is ignored, and says so.
TEST(Config, WarnsThatCmaesIgnoresThePopulationSize) {
  const Config given = parse("[algorithm]\nname = \"cmaes\"\npopulation = 50\n");
  ASSERT_EQ(given.warnings.size(), 1U);
  EXPECT_THAT(given.warnings[0],
              AllOf(StartsWith("cfg.toml: algorithm.population has no effect"),
                    HasSubstr("algorithm.name = \"cmaes\""), HasSubstr("algorithm.lambda")));
  const Config by_set = parse("[algorithm]\nname = \"cmaes\"\n", {"algorithm.population=8"});
  ASSERT_EQ(by_set.warnings.size(), 1U);
  EXPECT_THAT(by_set.warnings[0], StartsWith("--set algorithm.population=8: "));
  EXPECT_TRUE(parse("[algorithm]\nname = \"cmaes\"\nlambda = 12\n").warnings.empty());
  EXPECT_TRUE(parse("[algorithm]\nname = \"simple\"\npopulation = 50\n").warnings.empty());
}

TEST(Config, ToTomlRoundTripsTheDefaults) {
  const Config config = parse("");
  const Config again = parse_config(to_toml(config), "again");
  expect_same(config, again);
  EXPECT_EQ(to_toml(again), to_toml(config));
}

TEST(Config, ToTomlRoundTripsEveryKeyAndAwkwardDoubles) {
  Config config = parse(kEveryKey);
  config.algorithm.crossover_prob = 0.1;
  config.algorithm.mutation_prob = 1e-300;
  config.algorithm.mutation_indpb = std::numeric_limits<double>::denorm_min();
  config.problem.delay_ms = 1.0 / 3.0;
  config.problem.noise_sigma = 1e20;
  config.genome.lower = -0.1 - 0.2;
  config.genome.upper = 123456789.0;
  config.run.output = "with \"quotes\", a \\ backslash, a\ttab and ünïcode";
  const std::string text = to_toml(config);
  const Config again = parse_config(text, "again");
  expect_same(config, again);
  EXPECT_EQ(to_toml(again), text);
}

TEST(Config, ToTomlWritesEveryKeyOnceAsCanonicalText) {
  const std::string text = to_toml(parse(""));
  EXPECT_THAT(text, StartsWith("[run]\nseed = 1\n"));
  EXPECT_THAT(text, HasSubstr("\n[algorithm]\nname = \"simple\"\npopulation = 200\n"));
  // Doubles always as TOML floats, even when integral.
  EXPECT_THAT(text, HasSubstr("delay_ms = 0.0\n"));
  EXPECT_THAT(text, HasSubstr("crossover_eta = 15.0\n"));
  EXPECT_THAT(text, HasSubstr("lower = -5.12\n"));
  EXPECT_THAT(text, Not(HasSubstr("source")));
  for (const char* section : {"[run]", "[problem]", "[command]", "[genome]", "[algorithm]",
                              "[checkpoint]", "[dispatch]"}) {
    EXPECT_THAT(text, HasSubstr(section));
  }
  // [python] only when it is used, so that every other config's text stays as it was.
  EXPECT_THAT(text, Not(HasSubstr("[python]")));
  EXPECT_THAT(to_toml(parse("", {"python.module=fit"})),
              HasSubstr("\n[python]\nmodule = \"fit\"\n"));
  EXPECT_THAT(text, HasSubstr("\n[command]\nargv = []\ninput = \"lines\"\n"));
  EXPECT_THAT(text, HasSubstr("keep_failed_scratch = false\n"));
  EXPECT_EQ(std::count(text.begin(), text.end(), '='), 64);
}

TEST(Config, BatchLimitsAreValidatedWithTheReason) {
  EXPECT_EQ(parse("").run.walltime, 0);  // no limit of its own
  EXPECT_EQ(parse("").run.walltime_margin, 60);
  EXPECT_EQ(parse("").run.max_restarts, 10);
  EXPECT_THAT([] { parse("", {"run.walltime=-1"}); },
              ThrowsMessage<ConfigError>(HasSubstr("run.walltime must be >= 0, got -1")));
  EXPECT_THAT([] { parse("", {"run.max_restarts=-2"}); },
              ThrowsMessage<ConfigError>(HasSubstr("run.max_restarts must be >= 0, got -2")));
  EXPECT_THAT(
      [] {
        parse("", {"run.walltime=30", "run.walltime_margin=30"});
      },
      ThrowsMessage<ConfigError>(
          AllOf(HasSubstr("run.walltime_margin"), HasSubstr("would stop before doing any work"))));
  EXPECT_EQ(parse("", {"run.walltime=30", "run.walltime_margin=10"}).run.walltime_margin, 10);
}

TEST(Config, StoppingRulesAreOffByDefaultAndWrittenOnlyWhenSet) {
  const Config defaults = parse("");
  EXPECT_FALSE(defaults.run.target_fitness.has_value());
  EXPECT_EQ(defaults.run.max_evaluations, 0);
  EXPECT_EQ(defaults.run.stagnation_generations, 0);
  EXPECT_THAT(to_toml(defaults), Not(HasSubstr("target_fitness")));
  EXPECT_THAT(to_toml(defaults), Not(HasSubstr("stagnation")));
  const Config set = parse("", {"run.target_fitness=0", "run.max_evaluations=100"});
  EXPECT_EQ(set.run.target_fitness, 0.0);  // 0 is a target, not "off"
  EXPECT_THAT(to_toml(set), HasSubstr("\ntarget_fitness = 0.0\nmax_evaluations = 100\n"));
  EXPECT_EQ(parse_config(to_toml(set), "again").run.target_fitness, 0.0);
}

TEST(Config, StoppingRulesAreValidatedNamingTheKey) {
  EXPECT_THAT([] { parse("", {"run.max_evaluations=-1"}); },
              ThrowsMessage<ConfigError>(HasSubstr("run.max_evaluations must be >= 0, got -1")));
  EXPECT_THAT(
      [] { parse("", {"run.stagnation_generations=-2"}); },
      ThrowsMessage<ConfigError>(HasSubstr("run.stagnation_generations must be >= 0, got -2")));
  EXPECT_THAT([] { parse("", {"run.stagnation_tolerance=-0.5"}); },
              ThrowsMessage<ConfigError>(HasSubstr("run.stagnation_tolerance must be >= 0")));
  EXPECT_THAT([] { parse("", {"run.target_fitness=nan"}); },
              ThrowsMessage<ConfigError>(HasSubstr("run.target_fitness")));
  EXPECT_THAT([] { parse("", {"run.target_fitness=\"low\""}); },
              ThrowsMessage<ConfigError>(HasSubstr("run.target_fitness: expected a number")));
  // Objective 0 of several is not what a Pareto front converging means.
  EXPECT_THAT(
      [] {
        parse("", {"problem.name=zdt1", "algorithm.name=nsga2", "run.target_fitness=0.1"});
      },
      ThrowsMessage<ConfigError>(
          AllOf(HasSubstr("run.target_fitness applies to a single objective"),
                HasSubstr("'zdt1' has 2 objectives"))));
  EXPECT_THAT(
      [] {
        parse("", {"problem.name=zdt1", "algorithm.name=nsga2", "run.stagnation_generations=5"});
      },
      ThrowsMessage<ConfigError>(HasSubstr("run.stagnation_generations applies to a single")));
  EXPECT_EQ(parse("", {"problem.name=zdt1", "algorithm.name=nsga2", "run.max_evaluations=500"})
                .run.max_evaluations,
            500);
  EXPECT_THAT(
      [] {
        parse("", {"algorithm.name=steady_state", "run.max_evaluations=500"});
      },
      ThrowsMessage<ConfigError>(HasSubstr("run.max_evaluations is not supported with "
                                           "algorithm.name = \"steady_state\"")));
  const Config lone = parse("", {"run.stagnation_tolerance=0.1"});
  ASSERT_EQ(lone.warnings.size(), 1U);
  EXPECT_THAT(lone.warnings[0], HasSubstr("run.stagnation_tolerance has no effect"));
}

TEST(Config, ResultHashIsPinned) {
  // Changing this value makes every existing checkpoint incompatible: only on purpose.
  // (Changed when the [command] section was added, and again for the failure policy
  // keys of [dispatch]: both are always written; again for problem.instance_seed,
  // algorithm.selection, crossover_indpb and creep_step; for algorithm.replacement and
  // the [plugin] section; for the keys of mu_plus_lambda, cmaes, de, nsga2 and
  // problem.objectives; and for algorithm.survivor_selection.)
  EXPECT_EQ(result_hash(parse("")), 0xa8ae9fb9929b940aULL);
}

TEST(Config, ResultHashIgnoresKeysThatMayChangeOnResume) {
  const Config base = parse(kEveryKey);
  const std::uint64_t hash = result_hash(base);
  EXPECT_EQ(result_hash(parse(kEveryKey)), hash);
  for (const char* key : {"run.generations=1000",
                          "run.output=\"other\"",
                          "run.walltime=600",
                          "run.walltime_margin=5",
                          "run.max_restarts=0",
                          "run.log_level=error",
                          "run.progress_seconds=0",
                          "run.target_fitness=-3",
                          "run.max_evaluations=1",
                          "run.stagnation_generations=2",
                          "run.stagnation_tolerance=0.25",
                          "checkpoint.every_generations=1",
                          "checkpoint.every_seconds=3.5",
                          "checkpoint.keep=9",
                          "dispatch.batch=100",
                          "dispatch.in_flight=7",
                          "command.timeout_s=1",
                          "command.kill_grace_s=0",
                          "command.scratch_dir=/elsewhere",
                          "command.keep_failed_scratch=false",
                          "problem.delay_distribution=fixed"}) {
    EXPECT_EQ(result_hash(parse(kEveryKey, {key})), hash) << key;
  }
}

TEST(Config, ResultHashChangesWithKeysThatShapeResults) {
  const std::uint64_t hash = result_hash(parse(kEveryKey));
  for (const char* key : {"run.seed=43",
                          "algorithm.population=51",
                          "problem.name=sphere",
                          "problem.dimension=13",
                          "genome.lower=-1.5",
                          "algorithm.crossover_prob=0.81",
                          "algorithm.mutation=polynomial",
                          "run.hall_of_fame=6",
                          "command.argv=[\"./simulate\"]",
                          "command.input=lines",
                          "command.template=other.in",
                          "command.template_target=x.in",
                          "command.objectives=3",
                          "algorithm.selection=roulette",
                          "algorithm.crossover_indpb=0.5",
                          "problem.instance_seed=10",
                          "algorithm.crossover=sbx",
                          "algorithm.replacement=worst",
                          "algorithm.survivor_selection=best",
                          "plugin.library=other.so",
                          "plugin.objectives=1",
                          "plugin.config=x",

                          "algorithm.mu=7",
                          "algorithm.lambda=9",
                          "algorithm.cmaes_sigma0=0.5",
                          "algorithm.cmaes_restarts=2",
                          "algorithm.de_variant=\"rand/1/bin\"",
                          "algorithm.de_f=0.6",
                          "algorithm.de_cr=0.4",
                          "algorithm.hv_reference=[3.0]"}) {
    EXPECT_NE(result_hash(parse(kEveryKey, {key})), hash) << key;
  }
  // creep_step only matters to integer genomes, but it is a result key all the same.
  EXPECT_NE(result_hash(parse(kEveryKey, {"algorithm.creep_step=2"})), hash);
  EXPECT_NE(result_hash(parse("[genome]\ntype = \"integer\"\nlower = -5\nupper = 5\n")),
            result_hash(parse("[genome]\nlower = -5\nupper = 5\n")));
}

constexpr const char* kCommand = R"(
[problem]
name = "command"
dimension = 4
[genome]
lower = -1
upper = 1
[command]
argv = ["./sim", "a b"]
)";

TEST(Config, CommandProblemReadsItsSection) {
  const Config c = parse(kCommand);
  EXPECT_EQ(c.problem.name, "command");
  EXPECT_EQ(c.command.argv, (std::vector<std::string>{"./sim", "a b"}));
  EXPECT_EQ(c.command.input, "lines");
  EXPECT_EQ(c.command.template_target, "input.txt");
  EXPECT_EQ(c.command.objectives, 1);
  EXPECT_EQ(c.command.timeout_s, 0);
  EXPECT_EQ(c.command.kill_grace_s, 2);
  EXPECT_FALSE(c.command.keep_failed_scratch);
  EXPECT_EQ(objective_count(c), 1);
  EXPECT_EQ(objective_count(parse(kCommand, {"command.objectives=3", "algorithm.name=nsga2"})), 3);
  EXPECT_EQ(objective_count(parse("[problem]\nname = \"sphere\"\n")), 1);
  const Config overridden = parse(kCommand, {"command.argv=[\"x\"]", "command.input=none"});
  EXPECT_EQ(overridden.command.argv, (std::vector<std::string>{"x"}));
  EXPECT_EQ(overridden.command.input, "none");
}

TEST(Config, CommandNeedsArgvAndBounds) {
  const std::string message = error_of("[problem]\nname = \"command\"\n");
  EXPECT_THAT(message, HasSubstr("cfg.toml: command.argv is required when problem.name = "
                                 "\"command\""));
  EXPECT_THAT(message, HasSubstr("genome.lower is required when problem.name = \"command\""));
  EXPECT_THAT(message, HasSubstr("genome.upper is required when problem.name = \"command\""));
  EXPECT_THAT(error_of(kCommand, {"command.argv=[]"}), HasSubstr("command.argv is required"));
  EXPECT_THAT(error_of(kCommand, {"command.argv=[\"\"]"}),
              HasSubstr("command.argv must name a program"));
  // Not needed for other problems.
  EXPECT_EQ(error_of("[problem]\nname = \"sphere\"\n"), "");
}

TEST(Config, CommandKeysAreChecked) {
  EXPECT_THAT(error_of(kCommand, {"command.argv=\"./sim --fast\""}),
              HasSubstr("command.argv: expected an array of strings, got string"));
  EXPECT_THAT(error_of(kCommand, {"command.argv=[\"a\", 3]"}),
              HasSubstr("command.argv must be an array of strings, element 1 is integer 3"));
  EXPECT_THAT(error_of(kCommand, {"command.input=xml"}),
              HasSubstr("command.input must be one of lines, json, none, got 'xml'"));
  EXPECT_THAT(error_of(kCommand, {"command.objectives=0"}),
              HasSubstr("command.objectives must be >= 1, got 0"));
  EXPECT_THAT(error_of(kCommand, {"command.timeout_s=-1"}), HasSubstr("command.timeout_s must be"));
  EXPECT_THAT(error_of(kCommand, {"command.kill_grace_s=inf"}),
              HasSubstr("command.kill_grace_s must be a finite number"));
  EXPECT_THAT(error_of(kCommand, {"command.keep_failed_scratch=1"}),
              HasSubstr("command.keep_failed_scratch: expected a boolean, got integer 1"));
  for (const char* target : {"/etc/passwd", "../up.txt", "a/../../b", "dir/"}) {
    EXPECT_THAT(error_of(kCommand, {fmt::format("command.template_target=\"{}\"", target)}),
                HasSubstr("command.template_target must be a file name relative to the scratch"))
        << target;
  }
  EXPECT_EQ(parse(kCommand, {"command.template_target=\"a/b.in\""}).command.template_target,
            "a/b.in");
  EXPECT_THAT(error_of("[command]\nargs = []\n"),
              HasSubstr("unknown key 'command.args' (did you mean 'command.argv'?)"));
}

TEST(Config, ToTomlRoundTripsTheCommandSection) {
  const Config config = parse(kCommand, {"command.argv=[\"with \\\"quote\\\"\", \"b\"]"});
  const Config again = parse_config(to_toml(config), "again");
  expect_same(config, again);
  EXPECT_EQ(again.command.argv, (std::vector<std::string>{"with \"quote\"", "b"}));
}

}  // namespace
}  // namespace evo::common

namespace evo::common {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::ThrowsMessage;

TEST(Config, FailurePolicyKeysAreValidatedAndShapeTheResultHash) {
  const Config config = parse_config(
      "[dispatch]\nretries = 0\nfailure_fitness = 1e9\nmax_failure_share = 0.25\n", "t.toml");
  EXPECT_EQ(config.dispatch.retries, 0);
  EXPECT_EQ(config.dispatch.failure_fitness, 1e9);
  EXPECT_EQ(config.dispatch.max_failure_share, 0.25);
  EXPECT_NE(result_hash(config), result_hash(parse_config("", "t.toml")));
  EXPECT_THAT([] { parse_config("[dispatch]\nretries = -1\n", "t.toml"); },
              ThrowsMessage<ConfigError>(HasSubstr("dispatch.retries")));
  // Per failure class: by default only what a second try may cure.
  EXPECT_EQ(parse_config("", "t.toml").dispatch.retry_on,
            (std::vector<std::string>{"failed", "signaled", "timeout"}));
  const Config every = parse_config(
      "[dispatch]\nretry_on = [\"non_finite\", \"garbage\", \"timeout\", \"non_zero_exit\", "
      "\"signaled\", \"failed\", \"failed\"]\n",
      "t.toml");
  EXPECT_EQ(every.dispatch.retry_on,
            (std::vector<std::string>{"failed", "non_zero_exit", "signaled", "timeout", "garbage",
                                      "non_finite"}));
  EXPECT_NE(result_hash(every), result_hash(parse_config("", "t.toml")));
  EXPECT_EQ(parse_config(to_toml(every), "again").dispatch.retry_on, every.dispatch.retry_on);
  EXPECT_TRUE(parse_config("[dispatch]\nretry_on = []\n", "t.toml").dispatch.retry_on.empty());
  // The default is not written: configs and checkpoints from before the key keep their hash.
  EXPECT_THAT(to_toml(parse_config("", "t.toml")), Not(HasSubstr("retry_on")));
  EXPECT_THAT([] { parse_config("[dispatch]\nretry_on = [\"timout\"]\n", "t.toml"); },
              ThrowsMessage<ConfigError>(
                  AllOf(HasSubstr("dispatch.retry_on"), HasSubstr("did you mean 'timeout'?"))));
  EXPECT_THAT([] { parse_config("[dispatch]\nmax_failure_share = 1.5\n", "t.toml"); },
              ThrowsMessage<ConfigError>(HasSubstr("dispatch.max_failure_share")));
  EXPECT_THAT([] { parse_config("[dispatch]\nfailure_fitness = nan\n", "t.toml"); },
              ThrowsMessage<ConfigError>(HasSubstr("dispatch.failure_fitness")));
}

}  // namespace
}  // namespace evo::common

namespace evo::common {
namespace {

TEST(Config, NewAlgorithmKeysAreCheckedAgainstProblemAndEachOther) {
  EXPECT_THAT(error_of("[algorithm]\nname = \"cmaes\"\n[problem]\nname = \"zdt1\"\n"),
              HasSubstr("algorithm.name = 'cmaes' minimises a single objective, but problem "
                        "'zdt1' has 2 objectives (the problem's own count): use algorithm.name = "
                        "\"nsga2\""));
  // Every single-objective algorithm, with each place a count can come from.
  for (const char* name : {"simple", "steady_state", "mu_plus_lambda", "mu_comma_lambda", "de"}) {
    const std::string algorithm = std::string("\n[algorithm]\nname = \"") + name + "\"\n";
    EXPECT_THAT(error_of(std::string(kCommand) + algorithm, {"command.objectives=2"}),
                HasSubstr(std::string("algorithm.name = '") + name +
                          "' minimises a single objective, but problem 'command' has 2 objectives "
                          "(command.objectives = 2): use algorithm.name = \"nsga2\""));
    EXPECT_THAT(error_of("[problem]\nname = \"plugin\"\n[plugin]\nlibrary = \"x.so\"\n"
                         "objectives = 3\n[genome]\nlower = 0\nupper = 1" +
                         algorithm),
                HasSubstr("has 3 objectives (plugin.objectives = 3): use algorithm.name"));
    EXPECT_THAT(error_of("[problem]\nname = \"dtlz2\"\nobjectives = 2\ndimension = 5" + algorithm),
                HasSubstr("problem 'dtlz2' has 2 objectives (problem.objectives = 2)"));
  }
  EXPECT_EQ(
      parse(std::string(kCommand) + "\n[algorithm]\nname = \"nsga2\"\n", {"command.objectives=2"})
          .algorithm.name,
      "nsga2");
  EXPECT_THAT(error_of("[algorithm]\nname = \"nsga2\"\nhv_reference = [1.0]\n"
                       "[problem]\nname = \"zdt2\"\n"),
              HasSubstr("algorithm.hv_reference needs one coordinate per objective (2), got 1"));
  EXPECT_THAT(error_of("[algorithm]\nname = \"mu_comma_lambda\"\nmu = 10\nlambda = 5\n"),
              HasSubstr("algorithm.lambda must be >= mu (10) for mu_comma_lambda"));
  EXPECT_THAT(error_of("[algorithm]\nname = \"mu_plus_lambda\"\ncrossover_prob = 0.9\n"),
              HasSubstr("algorithm.crossover_prob + algorithm.mutation_prob must be <= 1"));
  EXPECT_THAT(error_of("[algorithm]\nname = \"de\"\npopulation = 3\n"),
              HasSubstr("algorithm.population must be >= 4 for de rand/1/bin"));
  EXPECT_EQ(error_of("[algorithm]\nname = \"de\"\npopulation = 3\n"
                     "de_variant = \"best/1/bin\"\n"),
            "");
  EXPECT_THAT(error_of("[algorithm]\nname = \"de\"\nde_variant = \"rand/2/exp\"\n"),
              HasSubstr("algorithm.de_variant must be one of rand/1/bin, best/1/bin"));
  EXPECT_THAT(error_of("[algorithm]\nname = \"de\"\nde_f = 0\n"),
              HasSubstr("algorithm.de_f must be between 0 and 2, got 0.0"));
  EXPECT_THAT(error_of("[algorithm]\nname = \"cmaes\"\nmu = 8\nlambda = 6\n"),
              HasSubstr("algorithm.mu must be <= algorithm.lambda for cmaes"));
  EXPECT_THAT(error_of("[algorithm]\nhv_reference = [1.0, \"x\"]\n"),
              HasSubstr("algorithm.hv_reference must be an array of finite numbers, element 1"));
}

TEST(Config, MuLambdaDefaultsToProbabilitiesThatSumToAtMostOne) {
  const Config config = parse("[algorithm]\nname = \"mu_plus_lambda\"\n");
  EXPECT_EQ(config.algorithm.crossover_prob, 0.6);
  EXPECT_EQ(config.algorithm.mutation_prob, 0.3);
  // Written back, they read back the same.
  expect_same(parse(to_toml(config)), config);
}

TEST(Config, ProblemObjectivesOnlyForDtlz2) {
  const Config dtlz2 = parse(
      "[problem]\nname = \"dtlz2\"\ndimension = 7\nobjectives = 4\n"
      "[algorithm]\nname = \"nsga2\"\n");
  EXPECT_EQ(objective_count(dtlz2), 4);
  EXPECT_EQ(objective_count(parse("[problem]\nname = \"dtlz2\"\ndimension = 7\n"
                                  "[algorithm]\nname = \"nsga2\"\n")),
            3);
  EXPECT_THAT(error_of("[problem]\nname = \"zdt1\"\nobjectives = 3\n"
                       "[algorithm]\nname = \"nsga2\"\n"),
              HasSubstr("problem.objectives must be 0 (the problem's own count) except for dtlz2"));
  EXPECT_THAT(error_of("[problem]\nname = \"dtlz2\"\ndimension = 3\nobjectives = 5\n"
                       "[algorithm]\nname = \"nsga2\"\n"),
              HasSubstr("problem.dimension must be >= the number of objectives (5) for dtlz2, "
                        "got 3"));
  EXPECT_THAT(error_of("[problem]\nname = \"zdt3\"\ndimension = 1\n"
                       "[algorithm]\nname = \"nsga2\"\n"),
              HasSubstr("problem.dimension must be >= 2 for zdt3"));
}

TEST(ConfigGenome, TypeAndOperatorsDefaultFromTheProblem) {
  const Config onemax = parse("[problem]\nname = \"onemax\"\ndimension = 20\n");
  EXPECT_EQ(onemax.genome.type, "binary");
  EXPECT_EQ(onemax.genome.lower, 0.0);
  EXPECT_EQ(onemax.genome.upper, 1.0);
  EXPECT_EQ(onemax.algorithm.crossover, "two_point");
  EXPECT_EQ(onemax.algorithm.mutation, "flip_bit");
  const Config tsp = parse("[problem]\nname = \"tsp_berlin52\"\n");
  EXPECT_EQ(tsp.genome.type, "permutation");
  EXPECT_EQ(tsp.problem.dimension, 52);  // derived from the instance
  EXPECT_EQ(tsp.genome.lower, 0.0);
  EXPECT_EQ(tsp.genome.upper, 51.0);
  EXPECT_EQ(tsp.algorithm.crossover, "ordered");
  EXPECT_EQ(tsp.algorithm.mutation, "shuffle_indexes");
  // A real problem on an integer genome: the domain rounded inwards to whole numbers.
  const Config integer = parse("[genome]\ntype = \"integer\"\n");
  EXPECT_EQ(integer.genome.lower, -5.0);
  EXPECT_EQ(integer.genome.upper, 5.0);
  EXPECT_EQ(integer.algorithm.crossover, "two_point");
  EXPECT_EQ(integer.algorithm.mutation, "uniform_int");
  const Config real = parse("");
  EXPECT_EQ(real.algorithm.crossover, "sbx");
  EXPECT_EQ(real.algorithm.mutation, "polynomial");
  EXPECT_EQ(real.algorithm.selection, "tournament");
}

TEST(ConfigGenome, ResolvedConfigOfEveryGenomeTypeReadsBackEqual) {
  for (const char* text :
       {"[problem]\nname = \"onemax\"\n", "[problem]\nname = \"tsp_berlin52\"\n",
        "[problem]\nname = \"knapsack\"\ninstance_seed = 4\n",
        "[genome]\ntype = \"integer\"\nlower = -3\nupper = 7\n[algorithm]\nmutation = "
        "\"creep\"\ncreep_step = 2\n",
        "[problem]\nname = \"command\"\ndimension = 6\n[command]\nargv = [\"x\"]\n[genome]\n"
        "type = \"permutation\"\n"}) {
    const Config config = parse(text);
    const std::string resolved = to_toml(config);
    const Config again = parse(resolved);
    expect_same(config, again);
    EXPECT_EQ(to_toml(again), resolved) << text;
  }
}

TEST(ConfigGenome, ProblemAndGenomeTypeMismatchSaysWhy) {
  EXPECT_THAT(error_of("[problem]\nname = \"onemax\"\n[genome]\ntype = \"real\"\n"),
              HasSubstr("cfg.toml: genome.type: problem 'onemax' is defined on binary genomes "
                        "(bits, 0 or 1), got 'real'"));
  EXPECT_THAT(error_of("[problem]\nname = \"tsp_berlin52\"\n[genome]\ntype = \"integer\"\n"),
              HasSubstr("problem 'tsp_berlin52' is defined on permutation genomes"));
  EXPECT_THAT(error_of("[problem]\nname = \"griewank\"\n", {"genome.type=permutation"}),
              HasSubstr("--set genome.type=permutation: genome.type: problem 'griewank' is "
                        "defined on real genomes (real numbers in [lower, upper]) or integer "
                        "genomes, got 'permutation'"));
}

TEST(ConfigGenome, OperatorThatDoesNotFitTheGenomeSaysWhyAndWhatFits) {
  EXPECT_THAT(error_of("[problem]\nname = \"tsp_berlin52\"\n[algorithm]\ncrossover = \"sbx\"\n"),
              HasSubstr("cfg.toml: algorithm.crossover: 'sbx' does not fit a permutation genome "
                        "(its genes are an ordering of 0 .. n-1, each exactly once): it creates "
                        "new real numbers between and around the parents' genes; use one of "
                        "ordered, pmx"));
  EXPECT_THAT(error_of("[problem]\nname = \"tsp_berlin52\"\n", {"algorithm.crossover=two_point"}),
              HasSubstr("a child of two permutations can hold one element twice and miss another"));
  EXPECT_THAT(error_of("[problem]\nname = \"onemax\"\n[algorithm]\nmutation = \"gaussian\"\n"),
              HasSubstr("algorithm.mutation: 'gaussian' does not fit a binary genome (its genes "
                        "are bits, 0 or 1): it adds real-valued perturbations; use one of "
                        "flip_bit"));
  EXPECT_THAT(error_of("[algorithm]\ncrossover = \"pmx\"\n"),
              HasSubstr("'pmx' does not fit a real genome"));
  EXPECT_THAT(error_of("[algorithm]\nmutation = \"swap\"\n"),
              HasSubstr("it only reorders genes and never changes a value; use one of "
                        "polynomial, gaussian"));
  EXPECT_THAT(error_of("[genome]\ntype = \"integer\"\n[algorithm]\nmutation = \"flip_bit\"\n"),
              HasSubstr("use one of uniform_int, creep"));
  // Position-wise crossover fits real, binary and integer genomes.
  EXPECT_EQ(error_of("[algorithm]\ncrossover = \"uniform\"\n"), "");
  EXPECT_EQ(error_of("[problem]\nname = \"knapsack\"\n[algorithm]\ncrossover = \"uniform\"\n"), "");
}

TEST(ConfigGenome, BoundsOfBinaryPermutationAndIntegerGenomes) {
  EXPECT_THAT(error_of("[problem]\nname = \"onemax\"\n[genome]\nlower = -1\n"),
              HasSubstr("genome.lower is fixed at 0.0 for a binary genome (its genes are bits, 0 "
                        "or 1; it may be left out), got -1.0"));
  EXPECT_THAT(error_of("[problem]\nname = \"tsp_berlin52\"\n[genome]\nupper = 60\n"),
              HasSubstr("genome.upper is fixed at 51.0 for a permutation genome"));
  EXPECT_THAT(error_of("[genome]\ntype = \"integer\"\nlower = 0.5\n"),
              HasSubstr("genome.lower must be a whole number for an integer genome, got 0.5"));
  EXPECT_THAT(error_of("[genome]\ntype = \"integer\"\nlower = 3\nupper = 3\n"),
              HasSubstr("genome.lower must be < genome.upper"));
}

TEST(ConfigGenome, TspDimensionIsTheCityCount) {
  EXPECT_EQ(parse("[problem]\nname = \"tsp_berlin52\"\ndimension = 52\n").problem.dimension, 52);
  EXPECT_THAT(error_of("[problem]\nname = \"tsp_berlin52\"\ndimension = 30\n"),
              HasSubstr("cfg.toml: problem.dimension must be 52 for problem 'tsp_berlin52' (its "
                        "number of cities; it may be left out), got 30"));
}

TEST(Config, SurvivorSelectionTakesTheSelectionMethodsAndDefaultsToTruncation) {
  EXPECT_EQ(parse_config("", "cfg.toml").algorithm.survivor_selection, "best");
  EXPECT_EQ(parse_config("[algorithm]\nname = \"mu_comma_lambda\"\nsurvivor_selection = \"sus\"\n",
                         "cfg.toml")
                .algorithm.survivor_selection,
            "sus");
  EXPECT_THAT(
      [] { parse_config("[algorithm]\nsurvivor_selection = \"truncation\"\n", "cfg.toml"); },
      ThrowsMessage<ConfigError>(AllOf(HasSubstr("algorithm.survivor_selection"),
                                       HasSubstr("tournament, roulette, sus, best, random"),
                                       HasSubstr("'truncation'"))));
}

TEST(Config, SteadyStateKeysAreValidatedWithTheChoices) {
  const Config steady = parse_config(
      "[algorithm]\nname = \"steady_state\"\nreplacement = \"tournament\"\n", "cfg.toml");
  EXPECT_EQ(steady.algorithm.name, "steady_state");
  EXPECT_EQ(steady.algorithm.replacement, "tournament");
  EXPECT_EQ(parse_config("", "cfg.toml").algorithm.replacement, "worst");
  EXPECT_THAT(
      [] { parse_config("[algorithm]\nreplacement = \"wurst\"\n", "cfg.toml"); },
      ThrowsMessage<ConfigError>(AllOf(HasSubstr("algorithm.replacement"),
                                       HasSubstr("worst, tournament"), HasSubstr("'wurst'"))));
  EXPECT_THAT([] { parse_config("[problem]\ndelay_distribution = \"normal\"\n", "cfg.toml"); },
              ThrowsMessage<ConfigError>(
                  AllOf(HasSubstr("problem.delay_distribution"), HasSubstr("fixed, exponential"))));
}

}  // namespace
}  // namespace evo::common
