// The one file that sees both sides: parses the command line, starts MPI for `run`, and
// makes rank 0 the master and every other rank a worker. `inspect` and `verify` work on a
// checkpoint file without MPI. Built twice: as the evocluster executable, and with
// EVO_NO_MAIN into the evocluster library, whose users call evocluster::run from their own
// main after registering problems.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/activity.hpp"
#include "common/checkpoint.hpp"
#include "common/checkpoint_list.hpp"
#include "common/checkpoint_summary.hpp"
#include "common/config.hpp"
#include "common/error.hpp"
#include "common/individual_export.hpp"
#include "common/log.hpp"
#include "common/messages.hpp"
#include "common/mpi_transport.hpp"
#include "common/python_report.hpp"
#include "common/signals.hpp"
#include "evocluster/evocluster.hpp"
#include "master/batch_limits.hpp"
#include "master/master.hpp"
#include "master/size_limits.hpp"
#include "worker/evaluator_factory.hpp"
#include "worker/worker_loop.hpp"

namespace {

using evo::common::Tag;

// After a stop, how long a rank may take to shut MPI down before it simply exits.
constexpr double kStopShutdownSeconds = 0.25;

struct RunArguments {
  std::string config_path;
  std::vector<std::string> overrides;
  std::string out;
  bool out_given = false;
  std::string resume;
  bool fresh = false;
  bool allow_config_change = false;
  bool quiet = false;    // --quiet: run.log_level at most "warning"
  std::string walltime;  // --walltime, as Slurm writes durations or in seconds
};

// Before MPI starts, only the launcher's environment tells which rank this is; only
// rank 0 prints command-line errors so mpirun -np 8 does not print them eight times.
bool is_first_rank() {
  for (const char* name : {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK"}) {
    if (const char* value = std::getenv(name)) return std::string(value) == "0";
  }
  return true;
}

// Every worker builds its evaluator before anything is written: a plugin or program that
// loads on rank 0's node but not on another ends every rank with that worker's exit code
// (2 for a configuration it cannot use). Each distinct error is printed once, with its ranks.
int await_workers(evo::common::Transport& transport) {
  std::map<std::string, std::vector<int>> ranks_by_error;
  int exit_code = evo::common::kExitOk;
  for (int pending = transport.size() - 1; pending > 0; --pending) {
    const evo::common::Message message = transport.receive_any();
    if (message.tag == Tag::kReady) continue;
    if (message.tag != Tag::kWorkerError) {
      ranks_by_error[fmt::format("unexpected message tag {} at start",
                                 static_cast<int>(message.tag))]
          .push_back(message.source);
      exit_code = std::max(exit_code, evo::common::kExitFailure);
      continue;
    }
    const auto error = evo::common::unpack_worker_error(message.payload);
    ranks_by_error[error.text].push_back(message.source);
    exit_code = std::max(exit_code, error.exit_code);
  }
  for (auto& [text, ranks] : ranks_by_error) {
    std::sort(ranks.begin(), ranks.end());
    spdlog::error("worker rank{} {}: {}", ranks.size() > 1 ? "s" : "", fmt::join(ranks, ", "),
                  text);
  }
  if (exit_code != evo::common::kExitOk) evo::common::stop_workers(transport, exit_code);
  return exit_code;
}

int run_as_master(evo::common::Transport& transport, const RunArguments& arguments) {
  evo::common::Config config;
  std::unique_ptr<evo::common::Evaluator> local_evaluator;
  evo::master::RunOptions options;
  try {
    // Everything is validated before any worker starts work: a bad config ends every
    // rank with exit code 2 within moments, none is left waiting.
    evo::common::note_activity("reading the configuration");
    auto overrides = arguments.overrides;
    if (!arguments.walltime.empty()) {
      const auto seconds = evo::master::parse_duration(arguments.walltime);
      if (!seconds || *seconds <= 0) {
        throw evo::common::ConfigError(fmt::format(
            "--walltime: expected seconds or [D-]H:MM:SS, got '{}'", arguments.walltime));
      }
      overrides.push_back(fmt::format("run.walltime={}", *seconds));
    }
    config = evo::common::load_config(arguments.config_path, overrides);
    // Before anything is printed; workers get the level with the config text.
    if (arguments.quiet && (config.run.log_level == "debug" || config.run.log_level == "info")) {
      config.run.log_level = "warning";
    }
    evo::common::set_log_level(config.run.log_level);
    for (const std::string& warning : config.warnings) spdlog::warn("{}", warning);
    if (arguments.out_given) {
      if (arguments.out.empty()) throw evo::common::ConfigError("--out: the directory is empty");
      config.run.output = arguments.out;
    }
    // Before anything exists in the output directory: a size that cannot fit is a config
    // error naming its keys, not a bad_alloc (or an MPI error) once the run is under way.
    evo::master::check_sizes(config, evo::master::memory_limit());
    evo::master::check_restart_count(config, std::getenv("SLURM_RESTART_COUNT"));
    options.deadline = evo::master::find_deadline(config);
    options.output = config.run.output;
    options.fresh = arguments.fresh;
    options.allow_config_change = arguments.allow_config_change;
    if (!arguments.resume.empty()) options.resume = arguments.resume;
    evo::common::note_activity("building the evaluator");
    if (transport.size() == 1) local_evaluator = evo::worker::make_evaluator(config);
  } catch (const evo::common::Error& e) {
    spdlog::error("{}", e.what());
    evo::common::stop_workers(transport, e.exit_code());
    return e.exit_code();
  } catch (const std::bad_alloc&) {
    spdlog::error("{}", evo::common::out_of_memory_message());
    evo::common::stop_workers(transport, evo::common::kExitFailure);
    return evo::common::kExitFailure;
  }
  const auto config_text = evo::common::pack_text(evo::common::to_toml(config));
  for (int rank = 1; rank < transport.size(); ++rank) {
    transport.send(rank, Tag::kConfig, config_text);
  }
  if (const int code = await_workers(transport); code != evo::common::kExitOk) return code;
  int exit_code = evo::common::kExitFailure;
  try {
    return evo::master::run_master(config, options, transport, local_evaluator.get());
  } catch (const evo::common::Error& e) {
    spdlog::error("{}", e.what());
    exit_code = e.exit_code();
  } catch (const std::bad_alloc&) {
    spdlog::error("{}", evo::common::out_of_memory_message());
  } catch (const std::exception& e) {
    spdlog::error("internal error: {}", e.what());
  }
  // Workers may be busy or waiting: take every rank down with the code.
  if (transport.size() > 1) transport.abort(exit_code);
  return exit_code;
}

int run_as_worker(evo::common::Transport& transport) {
  evo::common::Message start = transport.receive_any();
  if (start.tag == Tag::kStop) return evo::common::stop_exit_code(start);
  try {
    evo::common::note_activity("reading the configuration from rank 0");
    const auto config =
        evo::common::parse_config(evo::common::unpack_text(start.payload), "config from rank 0");
    evo::common::set_log_level(config.run.log_level);
    evo::common::note_activity("building the evaluator");
    auto evaluator = evo::worker::make_evaluator(config);
    transport.send(0, Tag::kReady, {});
    evo::common::note_activity("evaluating tasks");
    return evo::worker::run_worker(transport, *evaluator, config.run.seed);
  } catch (const std::exception& e) {
    // The master prints it (once for all ranks that report the same) and ends the run.
    const auto* error = dynamic_cast<const evo::common::Error*>(&e);
    const bool out_of_memory = dynamic_cast<const std::bad_alloc*>(&e) != nullptr;
    transport.send(0, Tag::kWorkerError,
                   evo::common::pack_worker_error(
                       {error != nullptr ? error->exit_code() : evo::common::kExitFailure,
                        out_of_memory ? evo::common::out_of_memory_message() : e.what()}));
    for (;;) {
      const evo::common::Message message = transport.receive_any();
      if (message.tag == Tag::kStop) return evo::common::stop_exit_code(message);
    }
  }
}

int run_command(int argc, char** argv, const RunArguments& arguments) {
  auto transport = evo::common::MpiTransport::create(argc, argv);
  evo::common::init_logging(transport->rank());
  // Every rank, so that a forwarded SIGTERM does not kill a worker while the master writes
  // its checkpoint.
  evo::common::install_signal_handlers();
  const int exit_code =
      transport->rank() == 0 ? run_as_master(*transport, arguments) : run_as_worker(*transport);
  if (exit_code == evo::common::kExitRequeue) {
    // Stopped: the checkpoint is durable and the workers told. Shutting MPI down takes tens
    // of milliseconds, unless mpirun is tearing the job down after a SIGTERM: then it no
    // longer answers MPI_Finalize, and the ranks would wait there for its SIGKILL.
    evo::common::exit_if_still_running_after(kStopShutdownSeconds, exit_code);
  }
  return exit_code;
}

// `--genes N|all`: how many genes of each genome inspect shows; nullopt for anything else.
std::optional<std::size_t> parse_genes_shown(const std::string& text) {
  if (text == "all") return evo::common::kAllGenes;
  std::size_t end = 0;
  try {
    const unsigned long long count = std::stoull(text, &end);
    if (end == text.size() && text.front() != '-' && count > 0) {
      return static_cast<std::size_t>(count);
    }
  } catch (const std::logic_error&) {
  }
  return std::nullopt;
}

int inspect_command(const std::string& path, std::size_t genes_shown) {
  try {
    const auto state = evo::common::read_checkpoint(path);
    std::cout << evo::common::describe_checkpoint(path, state, genes_shown);
    return evo::common::kExitOk;
  } catch (const evo::common::Error& e) {
    std::cerr << "evocluster inspect: " << e.what() << "\n";
    return e.exit_code() == evo::common::kExitFailure ? evo::common::kExitNoCheckpoint
                                                      : e.exit_code();
  }
}

int verify_command(const std::string& path) {
  const auto result = evo::common::verify_checkpoint(path);
  if (result.intact) {
    std::cout << path << ": intact\n";
    return evo::common::kExitOk;
  }
  std::cout << path << ": DAMAGED: " << result.reason << "\n";
  return evo::common::kExitNoCheckpoint;
}

}  // namespace

// The whole command line; a program that registers its own problems calls it from its main
// (include/evocluster/evocluster.hpp).
int evocluster::run(int argc, char** argv) {
  CLI::App app{"evocluster: evolutionary computation on MPI clusters"};
  app.set_version_flag("--version", std::string("evocluster ") + EVO_VERSION);
  app.require_subcommand(0, 1);

  RunArguments run;
  auto* run_cmd = app.add_subcommand("run", "run (or resume) the evolution a config describes");
  run_cmd->add_option("config", run.config_path, "TOML configuration file")->required();
  run_cmd->add_option("--set", run.overrides, "override a key: section.key=value (repeatable)")
      ->take_all();
  auto* out = run_cmd->add_option("--out", run.out, "output directory (default: run.output)");
  auto* resume = run_cmd->add_option(
      "--resume", run.resume,
      "resume from this checkpoint file (one older than OUT's newest is refused, exit 2: "
      "continue from it elsewhere with --out DIR)");
  auto* fresh = run_cmd->add_flag("--fresh", run.fresh,
                                  "start over even if OUT holds checkpoints (earlier results "
                                  "are moved to OUT/previous-<time>/)");
  resume->excludes(fresh);
  run_cmd->add_flag("--allow-config-change", run.allow_config_change,
                    "resume even if keys that shape results changed (exit 4 otherwise)");
  run_cmd->add_flag("--quiet", run.quiet,
                    "print only warnings and errors: no info messages, no per-generation or "
                    "progress lines (run.log_level = \"warning\")");
  run_cmd->add_option("--walltime", run.walltime,
                      "this launch's time limit, seconds or [D-]H:MM:SS (as run.walltime): "
                      "checkpoint and exit 85 run.walltime_margin before it");

  run_cmd->footer(
      "Exit codes: 0 finished; 85 checkpointed on a signal, before the wall-time limit or "
      "after a worker stopped answering (requeue); 2 usage or configuration error; 3 no "
      "usable checkpoint; 4 checkpoint incompatible with this config or version; 5 restart "
      "cap reached; 1 anything else.\n\nExample:\n  mpirun -np 4 evocluster run "
      "examples/demo.toml --set run.generations=50 --out runs/demo\n");

  std::string checkpoint_path;
  auto* inspect_cmd = app.add_subcommand("inspect", "print a human summary of a checkpoint");
  inspect_cmd->add_option("checkpoint", checkpoint_path, "checkpoint file")->required();
  std::string genes_shown = std::to_string(evo::common::kDefaultGenesShown);
  inspect_cmd
      ->add_option("--genes", genes_shown,
                   fmt::format("genes shown of each genome: a count or all (default {})",
                               evo::common::kDefaultGenesShown))
      ->check(CLI::Validator(
          [](std::string& text) {
            return parse_genes_shown(text) ? std::string()
                                           : "expected a count > 0 or all, got '" + text + "'";
          },
          ""))
      ->type_name("N|all");
  auto* verify_cmd =
      app.add_subcommand("verify", "check a checkpoint's integrity (exit 0 if intact)");
  verify_cmd->add_option("checkpoint", checkpoint_path, "checkpoint file")->required();

  std::string export_what = "hall_of_fame";
  std::string export_format = "csv";
  evo::common::ExportRequest export_request;
  auto* export_cmd = app.add_subcommand(
      "export",
      "write a checkpoint's hall of fame or population (fitness and genome) as CSV "
      "or JSON");
  export_cmd->add_option("checkpoint", export_request.checkpoint, "checkpoint file")->required();
  export_cmd->add_option("--what", export_what, "hall_of_fame (default) or population")
      ->check(CLI::IsMember({"hall_of_fame", "population"}));
  export_cmd->add_option("--format", export_format, "csv (default) or json")
      ->check(CLI::IsMember({"csv", "json"}));
  export_cmd->add_option("-o,--output", export_request.output,
                         "write to this file (replaced atomically) instead of stdout");
  export_cmd->footer(
      "CSV columns: fitness_0..fitness_{k-1}, gene_0..gene_{d-1}; numbers read back exactly.\n"
      "Exit codes: 0 written; 2 usage error; 3 damaged or unreadable checkpoint; 4 other "
      "format version; 1 the output cannot be written.");

  std::string list_out;
  auto* list_cmd = app.add_subcommand(
      "list",
      "one line per checkpoint of an output directory (every job's): generation, "
      "final, intact");
  list_cmd->add_option("out", list_out, "the run's output directory")->required();
  list_cmd->footer(
      "Columns: file (relative to OUT), sequence, job, generation, final, stop_reason, intact "
      "(as verify judges it), size in bytes; then each damaged file's reason.\nExit codes: 0 "
      "at least one checkpoint is intact; 3 none is (no checkpoint, or all damaged); 2 usage "
      "error.");

  std::vector<std::string> report_arguments;
  auto* report_cmd = app.add_subcommand(
      "report", "figures and an HTML summary of a run in OUT/report (Python, matplotlib)");
  report_cmd->add_option("out", report_arguments, "the run's output directory")
      ->required()
      ->expected(1);
  std::string report_into;
  auto* into = report_cmd->add_option("--into", report_into, "where to write (default OUT/report)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (!is_first_rank()) return e.get_exit_code() == 0 ? 0 : evo::common::kExitUsage;
    const int code = app.exit(e);
    return code == 0 ? 0 : evo::common::kExitUsage;
  }
  if (app.get_subcommands().empty()) {
    std::cout << app.help();
    return evo::common::kExitUsage;
  }
  run.out_given = out->count() > 0;
  if (*run_cmd) return run_command(argc, argv, run);
  if (*report_cmd) {
    if (into->count() > 0) report_arguments.insert(report_arguments.end(), {"--into", report_into});
    return evo::common::exec_python_report(report_arguments);
  }
  evo::common::init_logging(-1);
  if (*list_cmd) return evo::common::run_list(list_out);
  try {
    evo::common::note_activity("reading checkpoint {}", checkpoint_path);
    if (*inspect_cmd) return inspect_command(checkpoint_path, *parse_genes_shown(genes_shown));
    if (*export_cmd) {
      evo::common::note_activity("exporting checkpoint {}", export_request.checkpoint);
      export_request.what = *evo::common::parse_export_what(export_what);
      export_request.format = *evo::common::parse_export_format(export_format);
      return evo::common::run_export(export_request);
    }
    return verify_command(checkpoint_path);
  } catch (const std::bad_alloc&) {
    std::cerr << "evocluster: " << evo::common::out_of_memory_message() << "\n";
    return evo::common::kExitFailure;
  }
}

#ifndef EVO_NO_MAIN
int main(int argc, char** argv) { return evocluster::run(argc, argv); }
#endif
