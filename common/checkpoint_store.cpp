// The checkpoint directory of one job. Files are named
// ckpt-<sequence, 6+ digits>-j<job>-g<generation, 6+ digits>.h5; the sequence number (one
// more than the highest in the directory) orders them, never the modification time.
// Old files are removed only after the new one is durable.
#include "common/checkpoint_store.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <string_view>
#include <system_error>
#include <utility>

#include "common/crash_points.hpp"
#include "common/durable_file.hpp"
#include "common/error.hpp"

namespace evo::common {
namespace {

struct CheckpointName {
  std::uint64_t sequence = 0;
  std::filesystem::path path;
};

bool parse_digits(std::string_view text, std::size_t min_digits, std::uint64_t& value) {
  if (text.size() < min_digits) return false;
  if (!std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size();
}

std::vector<CheckpointName> scan(const std::filesystem::path& directory) {
  std::vector<CheckpointName> found;
  std::error_code error;
  std::filesystem::directory_iterator it(directory, error);
  if (error) {
    if (error == std::errc::no_such_file_or_directory) return found;
    throw CheckpointError(
        fmt::format("checkpoint directory {}: list: {}", directory.string(), error.message()));
  }
  for (const auto& entry : it) {
    const std::string name = entry.path().filename().string();
    if (auto sequence = checkpoint_sequence(name)) {
      std::error_code type_error;
      if (entry.is_regular_file(type_error)) found.push_back({*sequence, entry.path()});
    }
  }
  std::sort(found.begin(), found.end(), [](const CheckpointName& a, const CheckpointName& b) {
    return a.sequence != b.sequence ? a.sequence < b.sequence : a.path < b.path;
  });
  return found;
}

}  // namespace

std::optional<std::uint64_t> checkpoint_sequence(std::string_view name) {
  constexpr std::string_view kPrefix = "ckpt-";
  constexpr std::string_view kSuffix = ".h5";
  if (!name.starts_with(kPrefix) || !name.ends_with(kSuffix)) return std::nullopt;
  name.remove_prefix(kPrefix.size());
  name.remove_suffix(kSuffix.size());
  const std::size_t job_at = name.find("-j");
  if (job_at == std::string_view::npos) return std::nullopt;
  const std::size_t generation_at = name.find("-g", job_at + 2);
  if (generation_at == std::string_view::npos) return std::nullopt;
  std::uint64_t sequence = 0;
  std::uint64_t job = 0;
  std::uint64_t generation = 0;
  if (!parse_digits(name.substr(0, job_at), 6, sequence) ||
      !parse_digits(name.substr(job_at + 2, generation_at - job_at - 2), 1, job) ||
      !parse_digits(name.substr(generation_at + 2), 6, generation)) {
    return std::nullopt;
  }
  return sequence;
}

std::vector<std::pair<std::uint64_t, std::filesystem::path>> job_directories(
    const std::filesystem::path& output, std::error_code& error) {
  std::vector<std::pair<std::uint64_t, std::filesystem::path>> found;
  error.clear();
  for (std::filesystem::directory_iterator it(output, error), end; !error && it != end;
       it.increment(error)) {
    const std::string name = it->path().filename().string();
    std::uint64_t job = 0;
    if (!name.starts_with("job.") || !parse_digits(std::string_view(name).substr(4), 1, job) ||
        name != fmt::format("job.{}", job)) {
      continue;
    }
    found.emplace_back(job, it->path());
  }
  std::sort(found.begin(), found.end());
  return found;
}

CheckpointStore::CheckpointStore(std::filesystem::path directory, int keep)
    : directory_(std::move(directory)), keep_(keep) {
  if (keep_ < 1) {
    throw ConfigError(fmt::format("checkpoint.keep must be at least 1, got {}", keep_));
  }
}

std::filesystem::path CheckpointStore::commit(const CheckpointState& state) {
  if (state.job < 0 || state.generation < 0) {
    throw CheckpointError(
        fmt::format("checkpoint directory {}: cannot name a checkpoint of job "
                    "{}, generation {}",
                    directory_.string(), state.job, state.generation));
  }
  create_directories_durably(directory_);
  if (next_sequence_ == 0) {  // first commit: continue after whatever is already there
    const std::vector<CheckpointName> existing = scan(directory_);
    next_sequence_ = existing.empty() ? 1 : existing.back().sequence + 1;
  }
  std::filesystem::path path =
      directory_ /
      fmt::format("ckpt-{:06d}-j{}-g{:06d}.h5", next_sequence_, state.job, state.generation);
  try {
    write_checkpoint(path, state);
  } catch (const StorageError&) {
    throw;
  } catch (const IncompatibleCheckpointError&) {
    throw;
  } catch (const CheckpointError& error) {
    // The writer names the file, the step and the system error (ENOSPC, EIO, ...).
    throw StorageError(error.what(), 0);
  }
  ++next_sequence_;
  intact_[path] = true;
  crash_point("committed");

  // The new file is durable; only now may old ones go. `keep` counts intact checkpoints: a
  // damaged one never pushes an intact one out (it stays until it is older than the
  // keep-th intact one). Failing to remove one loses nothing, so it
  // is reported and the run goes on.
  const std::vector<CheckpointName> all = scan(directory_);
  std::size_t intact_newer = 0;
  std::size_t first_kept = all.size();  // all[first_kept..] stay
  while (first_kept > 0 && intact_newer < static_cast<std::size_t>(keep_)) {
    --first_kept;
    if (intact(all[first_kept].path)) ++intact_newer;
  }
  if (first_kept > 0) {
    for (std::size_t i = 0; i < first_kept; ++i) {
      std::error_code error;
      std::filesystem::remove(all[i].path, error);
      if (error) {
        spdlog::warn("checkpoint {}: cannot remove old checkpoint: {}", all[i].path.string(),
                     error.message());
      }
      intact_.erase(all[i].path);
      crash_point("pruning");
    }
    try {
      sync_directory(directory_);
    } catch (const CheckpointError& error) {
      spdlog::warn("{} (after removing old checkpoints)", error.what());
    }
  }
  return path;
}

bool CheckpointStore::intact(const std::filesystem::path& path) {
  // Files of earlier launches are verified once (their checksum read), then remembered.
  const auto [it, inserted] = intact_.try_emplace(path, false);
  if (inserted) it->second = verify_checkpoint(path).intact;
  return it->second;
}

std::vector<std::filesystem::path> CheckpointStore::list() const {
  std::vector<std::filesystem::path> paths;
  for (CheckpointName& name : scan(directory_)) paths.push_back(std::move(name.path));
  return paths;
}

std::optional<CheckpointStore::Found> CheckpointStore::newest_intact(
    const std::function<void(const std::filesystem::path&, const std::string&)>& report) {
  // Leftovers of a write that was interrupted before its rename: never a checkpoint.
  std::error_code error;
  std::filesystem::directory_iterator it(directory_, error);
  if (error) {
    if (error == std::errc::no_such_file_or_directory) return std::nullopt;
    throw CheckpointError(
        fmt::format("checkpoint directory {}: list: {}", directory_.string(), error.message()));
  }
  bool removed_any = false;
  for (const auto& entry : it) {
    if (entry.path().filename().string().ends_with(".h5.tmp")) {
      std::error_code remove_error;
      if (std::filesystem::remove(entry.path(), remove_error)) removed_any = true;
    }
  }
  if (removed_any) sync_directory(directory_);

  std::vector<std::filesystem::path> newest_first = list();
  std::reverse(newest_first.begin(), newest_first.end());
  for (const std::filesystem::path& path : newest_first) {
    try {
      return Found{path, read_checkpoint(path)};
    } catch (const IncompatibleCheckpointError&) {
      // Not damaged but from another format: an older file would not be a better choice.
      throw;
    } catch (const CheckpointError& damaged) {
      intact_[path] = false;
      if (report) report(path, damaged.what());
    }
  }
  return std::nullopt;
}

}  // namespace evo::common
