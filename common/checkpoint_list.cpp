#include "common/checkpoint_list.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <iostream>
#include <string_view>
#include <system_error>
#include <utility>

#include "common/checkpoint.hpp"
#include "common/checkpoint_store.hpp"
#include "common/error.hpp"

namespace evo::common {
namespace fs = std::filesystem;
namespace {

// OUT/checkpoints, then OUT/job.J/checkpoints by J, those that exist.
std::vector<fs::path> checkpoint_directories(const fs::path& out) {
  std::vector<fs::path> directories;
  std::error_code error;
  if (fs::is_directory(out / "checkpoints", error)) directories.push_back(out / "checkpoints");
  const auto jobs = job_directories(out, error);
  if (error)
    throw Error(fmt::format("{}: cannot read the directory: {}", out.string(), error.message()));
  for (const auto& [job, directory] : jobs) {
    std::error_code type_error;
    if (fs::is_directory(directory / "checkpoints", type_error)) {
      directories.push_back(directory / "checkpoints");
    }
  }
  return directories;
}

}  // namespace

std::vector<CheckpointListing> list_checkpoints(const fs::path& out) {
  std::error_code error;
  if (!fs::is_directory(out, error)) {
    throw Error(
        fmt::format("{}: not a directory (expected a run's output directory)", out.string()));
  }
  std::vector<CheckpointListing> listings;
  for (const fs::path& directory : checkpoint_directories(out)) {
    for (const fs::path& path : CheckpointStore(directory, 1).list()) {
      CheckpointListing listing;
      listing.file = path.lexically_relative(out);
      listing.sequence = checkpoint_sequence(path.filename().string()).value_or(0);
      std::error_code size_error;
      listing.size = fs::file_size(path, size_error);
      try {
        const CheckpointState state = read_checkpoint(path);
        listing.intact = true;
        listing.job = state.job;
        listing.generation = state.generation;
        listing.final = state.final;
        listing.stop_reason = state.stop_reason;
      } catch (const Error& e) {
        listing.reason = e.what();
      }
      listings.push_back(std::move(listing));
    }
  }
  return listings;
}

std::string format_checkpoint_list(const std::vector<CheckpointListing>& listings) {
  constexpr std::size_t kColumns = 8;
  using Row = std::array<std::string, kColumns>;
  std::vector<Row> rows{
      {"file", "sequence", "job", "generation", "final", "stop_reason", "intact", "size"}};
  for (const CheckpointListing& l : listings) {
    const std::string unknown = "-";
    rows.push_back({l.file.string(), std::to_string(l.sequence),
                    l.intact ? std::to_string(l.job) : unknown,
                    l.intact ? std::to_string(l.generation) : unknown,
                    l.intact ? (l.final ? "yes" : "no") : unknown,
                    l.intact && !l.stop_reason.empty() ? l.stop_reason : unknown,
                    l.intact ? "yes" : "no", std::to_string(l.size)});
  }
  std::array<std::size_t, kColumns> width{};
  for (const Row& row : rows) {
    for (std::size_t c = 0; c < kColumns; ++c) width[c] = std::max(width[c], row[c].size());
  }
  // Text columns left-aligned, numbers right-aligned.
  constexpr std::array<bool, kColumns> kRight = {false, true,  true,  true,
                                                 false, false, false, true};
  std::string text;
  for (const Row& row : rows) {
    std::string line;
    for (std::size_t c = 0; c < kColumns; ++c) {
      if (c > 0) line += "  ";
      line += kRight[c] ? fmt::format("{:>{}}", row[c], width[c])
                        : fmt::format("{:<{}}", row[c], width[c]);
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    text += line + "\n";
  }
  for (const CheckpointListing& l : listings) {
    if (!l.intact) text += fmt::format("{}: DAMAGED: {}\n", l.file.string(), l.reason);
  }
  return text;
}

int run_list(const fs::path& out) {
  try {
    const auto listings = list_checkpoints(out);
    if (listings.empty()) {
      std::cerr << "evocluster list: " << out.string() << ": no checkpoint\n";
      return kExitNoCheckpoint;
    }
    std::cout << format_checkpoint_list(listings);
    const bool any_intact = std::any_of(listings.begin(), listings.end(),
                                        [](const CheckpointListing& l) { return l.intact; });
    return any_intact ? kExitOk : kExitNoCheckpoint;
  } catch (const Error& e) {
    std::cerr << "evocluster list: " << e.what() << "\n";
    return kExitNoCheckpoint;
  }
}

}  // namespace evo::common
