// TSPLIB reading and tour lengths. Only what the shipped instances need: symmetric EUC_2D
// instances given by coordinates; anything else is refused by name rather than misread.
#include "worker/tsp.hpp"

#include <fmt/format.h>

#include <cmath>
#include <sstream>

#include "common/error.hpp"

namespace evo::worker {
namespace {

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t\r");
  return text.substr(first, last - first + 1);
}

struct Point {
  double x = 0;
  double y = 0;
};

}  // namespace

TspInstance TspInstance::parse(std::string_view text, std::string_view source) {
  TspInstance instance;
  std::size_t declared = 0;
  std::vector<Point> points;
  std::vector<bool> given;
  bool in_coordinates = false;
  std::size_t line_number = 0;
  const auto fail = [&](const std::string& why) {
    return common::Error(fmt::format("{}:{}: {}", source, line_number, why));
  };
  while (!text.empty()) {
    const auto end = text.find('\n');
    const std::string_view line = trim(text.substr(0, end));
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    ++line_number;
    if (line.empty()) continue;
    if (line == "EOF") break;
    if (in_coordinates) {
      std::istringstream fields{std::string(line)};
      std::size_t city = 0;
      Point point;
      std::string rest;
      if (!(fields >> city >> point.x >> point.y) || (fields >> rest)) {
        throw fail(fmt::format("expected 'city x y', got '{}'", line));
      }
      if (city < 1 || city > declared || given[city - 1]) {
        throw fail(fmt::format("city {} is out of 1..{} or given twice", city, declared));
      }
      points[city - 1] = point;
      given[city - 1] = true;
      continue;
    }
    if (line == "NODE_COORD_SECTION") {
      if (declared == 0) throw fail("NODE_COORD_SECTION before DIMENSION");
      points.resize(declared);
      given.assign(declared, false);
      in_coordinates = true;
      continue;
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) throw fail(fmt::format("unexpected line '{}'", line));
    const std::string_view key = trim(line.substr(0, colon));
    const std::string_view value = trim(line.substr(colon + 1));
    if (key == "NAME") {
      instance.name_ = std::string(value);
    } else if (key == "TYPE" && value != "TSP") {
      throw fail(fmt::format("TYPE {} is not supported (only TSP)", value));
    } else if (key == "EDGE_WEIGHT_TYPE" && value != "EUC_2D") {
      throw fail(fmt::format("EDGE_WEIGHT_TYPE {} is not supported (only EUC_2D)", value));
    } else if (key == "DIMENSION") {
      std::istringstream number{std::string(value)};
      if (!(number >> declared) || declared < 1) {
        throw fail(fmt::format("DIMENSION must be a positive integer, got '{}'", value));
      }
    }
  }
  for (std::size_t i = 0; i < given.size(); ++i) {
    if (!given[i]) {
      throw common::Error(fmt::format("{}: no coordinates for city {}", source, i + 1));
    }
  }
  if (points.empty()) throw common::Error(fmt::format("{}: no NODE_COORD_SECTION", source));
  instance.cities_ = points.size();
  instance.distances_.resize(points.size() * points.size());
  for (std::size_t i = 0; i < points.size(); ++i) {
    for (std::size_t j = 0; j < points.size(); ++j) {
      const double dx = points[i].x - points[j].x;
      const double dy = points[i].y - points[j].y;
      instance.distances_[i * points.size() + j] =
          static_cast<std::int64_t>(std::sqrt(dx * dx + dy * dy) + 0.5);
    }
  }
  return instance;
}

std::int64_t TspInstance::tour_length(std::span<const double> tour) const {
  if (tour.size() != cities_ || !permutation_problem(tour).empty()) {
    throw common::Error(
        fmt::format("{}: a tour must visit each of the {} cities once", name_, cities_));
  }
  std::int64_t length = 0;
  for (std::size_t i = 0; i < tour.size(); ++i) {
    const auto from = static_cast<std::size_t>(tour[i]);
    const auto to = static_cast<std::size_t>(tour[(i + 1) % tour.size()]);
    length += distance(from, to);
  }
  return length;
}

std::string permutation_problem(std::span<const double> genome) {
  const std::size_t n = genome.size();
  std::vector<bool> seen(n, false);
  for (std::size_t i = 0; i < n; ++i) {
    const double gene = genome[i];
    if (!(gene >= 0 && gene < static_cast<double>(n)) || gene != std::floor(gene)) {
      return fmt::format("gene {} is {}, not one of 0..{}", i, gene, n - 1);
    }
    const auto city = static_cast<std::size_t>(gene);
    if (seen[city]) return fmt::format("gene {} repeats {}", i, city);
    seen[city] = true;
  }
  return {};
}

}  // namespace evo::worker
