// Formatting individuals for `evocluster export`; the checkpoint is read through the one
// reader run uses, so an export never shows what run would refuse.
#include "common/individual_export.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <cstddef>
#include <iostream>
#include <span>
#include <vector>

#include "common/durable_file.hpp"
#include "common/error.hpp"

namespace evo::common {
namespace {

// fmt's "{}" for a double is the shortest text that parses back to the same value.
std::string number(double value, ExportFormat format) {
  if (std::isnan(value)) return format == ExportFormat::kJson ? "null" : "nan";
  if (std::isinf(value)) {
    // JSON has no infinities either; the validator refuses them in checkpoints anyway.
    if (format == ExportFormat::kJson) return "null";
    return value > 0 ? "inf" : "-inf";
  }
  return fmt::format("{}", value);
}

void append_numbers(std::string& out, std::span<const double> values, ExportFormat format,
                    std::string_view separator) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += separator;
    out += number(values[i], format);
  }
}

std::string csv(const Population& individuals) {
  std::vector<std::string> header;
  for (std::size_t k = 0; k < individuals.objectives; ++k) {
    header.push_back(fmt::format("fitness_{}", k));
  }
  for (std::size_t g = 0; g < individuals.dimension; ++g) {
    header.push_back(fmt::format("gene_{}", g));
  }
  std::string out = fmt::format("{}\n", fmt::join(header, ","));
  for (std::size_t i = 0; i < individuals.size(); ++i) {
    append_numbers(out, individuals.fitness_of(i), ExportFormat::kCsv, ",");
    out += ',';
    append_numbers(out, individuals.genome(i), ExportFormat::kCsv, ",");
    out += '\n';
  }
  return out;
}

// A JSON string literal: the file name is the only free text.
std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string json(const CheckpointState& state, const std::string& file, ExportWhat what,
                 const Population& individuals) {
  std::string out = fmt::format(
      "{{\n  \"checkpoint\": {},\n  \"what\": \"{}\",\n  \"job\": {},\n  \"generation\": {},\n"
      "  \"final\": {},\n  \"objectives\": {},\n  \"dimension\": {},\n  \"individuals\": [",
      json_string(file), what == ExportWhat::kHallOfFame ? "hall_of_fame" : "population", state.job,
      state.generation, state.final ? "true" : "false", individuals.objectives,
      individuals.dimension);
  for (std::size_t i = 0; i < individuals.size(); ++i) {
    out += i == 0 ? "\n    {\"fitness\": [" : ",\n    {\"fitness\": [";
    append_numbers(out, individuals.fitness_of(i), ExportFormat::kJson, ", ");
    out += "], \"genome\": [";
    append_numbers(out, individuals.genome(i), ExportFormat::kJson, ", ");
    out += "]}";
  }
  out += individuals.size() == 0 ? "]\n}\n" : "\n  ]\n}\n";
  return out;
}

}  // namespace

std::optional<ExportWhat> parse_export_what(std::string_view name) {
  if (name == "hall_of_fame") return ExportWhat::kHallOfFame;
  if (name == "population") return ExportWhat::kPopulation;
  return std::nullopt;
}

std::optional<ExportFormat> parse_export_format(std::string_view name) {
  if (name == "csv") return ExportFormat::kCsv;
  if (name == "json") return ExportFormat::kJson;
  return std::nullopt;
}

std::string export_individuals(const CheckpointState& state, const std::string& file,
                               ExportWhat what, ExportFormat format) {
  const Population& individuals =
      what == ExportWhat::kHallOfFame ? state.hall_of_fame : state.population;
  return format == ExportFormat::kCsv ? csv(individuals) : json(state, file, what, individuals);
}

int run_export(const ExportRequest& request) {
  std::string text;
  try {
    const CheckpointState state = read_checkpoint(request.checkpoint);
    text = export_individuals(state, request.checkpoint, request.what, request.format);
  } catch (const Error& e) {
    std::cerr << "evocluster export: " << e.what() << "\n";
    // A file run would refuse is "no usable checkpoint", as for inspect.
    return e.exit_code() == kExitFailure ? kExitNoCheckpoint : e.exit_code();
  }
  if (request.output.empty()) {
    std::cout << text << std::flush;
    return std::cout ? kExitOk : kExitFailure;
  }
  try {
    replace_file_durably(request.output, bytes_of(text));
  } catch (const Error& e) {
    std::cerr << "evocluster export: " << e.what() << "\n";
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace evo::common
