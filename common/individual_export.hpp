// `evocluster export CKPT`: the hall of fame or the population of a checkpoint as CSV or JSON,
// each individual with its fitness and genome. Numbers are written in the shortest form that
// reads back as the same double, so an export round-trips the file's values exactly; an
// unevaluated fitness (NaN) is `nan` in CSV and `null` in JSON (which has no NaN).
//
// CSV: a header `fitness_0,...,fitness_{k-1},gene_0,...,gene_{d-1}`, then one row per
// individual in file order (for the hall of fame: best first, or the Pareto front sorted).
// JSON: one object with the checkpoint's facts (file, what, job, generation, final,
// objectives, dimension) and `individuals`: [{"fitness": [...], "genome": [...]}, ...].
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/checkpoint.hpp"

namespace evo::common {

enum class ExportWhat { kHallOfFame, kPopulation };
enum class ExportFormat { kCsv, kJson };

// The names the command line accepts ("hall_of_fame" | "population", "csv" | "json").
std::optional<ExportWhat> parse_export_what(std::string_view name);
std::optional<ExportFormat> parse_export_format(std::string_view name);

// The whole text, ending in '\n'. `file` is only named in the JSON.
std::string export_individuals(const CheckpointState& state, const std::string& file,
                               ExportWhat what, ExportFormat format);

struct ExportRequest {
  std::string checkpoint;
  ExportWhat what = ExportWhat::kHallOfFame;
  ExportFormat format = ExportFormat::kCsv;
  std::string output;  // empty: stdout
};

// Reads the checkpoint (read_checkpoint: verified and validated, as `run` would) and writes
// the export to stdout or, atomically, to `output` (an existing file is replaced only by a
// complete export). Returns the exit code: 0; 3 for a damaged or unreadable checkpoint, 4
// for another format version; 1 when `output` cannot be written. Errors go to stderr.
int run_export(const ExportRequest& request);

}  // namespace evo::common
