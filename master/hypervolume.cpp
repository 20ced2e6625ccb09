#include "master/hypervolume.hpp"

#include <algorithm>
#include <cstddef>

namespace evo::master {
namespace {

using Points = std::vector<std::vector<double>>;

// Hypervolume of `points` in their first `dims` coordinates.
double volume(Points& points, std::span<const double> reference, std::size_t dims) {
  if (points.empty()) return 0;
  if (dims == 1) {
    double best = reference[0];
    for (const auto& p : points) best = std::min(best, p[0]);
    return reference[0] - best;
  }
  if (dims == 2) {
    std::sort(points.begin(), points.end(), [](const auto& a, const auto& b) {
      return a[0] < b[0] || (a[0] == b[0] && a[1] < b[1]);
    });
    // Left to right, each point adds the strip between its f2 and the lowest f2 so far.
    double area = 0;
    double lowest = reference[1];
    for (const auto& p : points) {
      if (p[1] < lowest) {
        area += (reference[0] - p[0]) * (lowest - p[1]);
        lowest = p[1];
      }
    }
    return area;
  }
  const std::size_t last = dims - 1;
  std::sort(points.begin(), points.end(),
            [last](const auto& a, const auto& b) { return a[last] < b[last]; });
  double total = 0;
  Points slab;  // the points whose last coordinate is at or below the slab's floor
  for (std::size_t i = 0; i < points.size(); ++i) {
    slab.push_back(points[i]);
    const double top = i + 1 < points.size() ? points[i + 1][last] : reference[last];
    const double depth = top - points[i][last];
    if (depth <= 0) continue;
    Points copy = slab;  // volume() reorders its argument
    total += depth * volume(copy, reference, last);
  }
  return total;
}

}  // namespace

double hypervolume(std::vector<std::vector<double>> points, std::span<const double> reference) {
  std::erase_if(points, [&](const std::vector<double>& p) {
    for (std::size_t k = 0; k < reference.size(); ++k) {
      if (!(p[k] < reference[k])) return true;
    }
    return false;
  });
  return volume(points, reference, reference.size());
}

}  // namespace evo::master
