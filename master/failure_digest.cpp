#include "master/failure_digest.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>

namespace evo::master {

void FailureDigest::begin(std::uint64_t generation) {
  generation_ = generation;
  seen_.fill(0);
  held_back_.fill(0);
}

bool FailureDigest::log_in_full(std::uint8_t status, bool retried) {
  int& seen = seen_[retried ? 1 : 0];
  if (seen < logged_in_full_) {
    ++seen;
    return true;
  }
  ++held_back_[std::min<std::size_t>(status, common::kLastEvalStatus)];
  return false;
}

std::optional<std::string> FailureDigest::summary() const {
  const std::int64_t total = std::accumulate(held_back_.begin(), held_back_.end(), std::int64_t{0});
  if (total == 0) return std::nullopt;
  std::string classes;
  for (std::size_t status = 0; status < held_back_.size(); ++status) {
    if (held_back_[status] == 0) continue;
    if (!classes.empty()) classes += ", ";
    classes += fmt::format("{} {}", common::status_name(static_cast<common::EvalStatus>(status)),
                           held_back_[status]);
  }
  return fmt::format("generation {}: {} more failure{} ({})", generation_, total,
                     total == 1 ? "" : "s", classes);
}

}  // namespace evo::master
