#include "master/hypervolume.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace evo::master {
namespace {

TEST(Hypervolume, TwoObjectivesHandChecked) {
  // Reference (4,4); points (1,3) (2,2) (3,1): by columns of x, heights 1 on [1,2], 2 on
  // [2,3], 3 on [3,4]: 6.
  const std::vector<double> reference = {4, 4};
  EXPECT_DOUBLE_EQ(hypervolume({{1, 3}, {2, 2}, {3, 1}}, reference), 6.0);
  // One point: a rectangle.
  EXPECT_DOUBLE_EQ(hypervolume({{1, 2}}, reference), 3.0 * 2.0);
}

TEST(Hypervolume, DominatedDuplicateAndOutsidePointsChangeNothing) {
  const std::vector<double> reference = {4, 4};
  EXPECT_DOUBLE_EQ(hypervolume({{3, 1}, {1, 3}, {2, 2}, {2, 2}, {3, 3}, {5, 0}, {0, 4}}, reference),
                   6.0);
  EXPECT_EQ(hypervolume({}, reference), 0.0);
  EXPECT_EQ(hypervolume({{4, 4}}, reference), 0.0);
}

TEST(Hypervolume, ZdtOneTrueFrontWithReferenceOneOneIsAboutPointEightSevenSixSeven) {
  // f2 = 1 - sqrt(f1) sampled densely: 0.1 + 2/3 + 0.11 = 0.87667 in the limit.
  std::vector<std::vector<double>> front;
  constexpr int kPoints = 20001;
  for (int i = 0; i < kPoints; ++i) {
    const double f1 = static_cast<double>(i) / (kPoints - 1);
    front.push_back({f1, 1.0 - std::sqrt(f1)});
  }
  EXPECT_NEAR(hypervolume(front, std::vector<double>{1.1, 1.1}), 0.1 + 2.0 / 3.0 + 0.11, 1e-4);
}

TEST(Hypervolume, ThreeObjectivesHandChecked) {
  const std::vector<double> reference = {2, 2, 2};
  // One point: a box 2 x 1 x 1.
  EXPECT_DOUBLE_EQ(hypervolume({{0, 1, 1}}, reference), 2.0);
  // (0,1,1) and (1,0,1): boxes of 2 each overlapping in 1 x 1 x 1: 2 + 2 - 1 = 3.
  EXPECT_DOUBLE_EQ(hypervolume({{0, 1, 1}, {1, 0, 1}}, reference), 3.0);
  // Add (1,1,0): box 2; overlaps with each of the others 1, all three 1: 2+2+2-1-1-1+1 = 4.
  EXPECT_DOUBLE_EQ(hypervolume({{0, 1, 1}, {1, 0, 1}, {1, 1, 0}}, reference), 4.0);
  // A dominated point adds nothing.
  EXPECT_DOUBLE_EQ(hypervolume({{0, 1, 1}, {1, 0, 1}, {1, 1, 0}, {1, 1, 1}}, reference), 4.0);
}

TEST(Hypervolume, FourObjectivesOfOnePointAndOfTwo) {
  const std::vector<double> reference = {1, 1, 1, 1};
  EXPECT_DOUBLE_EQ(hypervolume({{0.5, 0.5, 0.5, 0.5}}, reference), 0.0625);
  // (0,0.5,0.5,0.5) box 1*0.5^3 = 0.125; (0.5,0,0.5,0.5) the same; overlap 0.5^4 = 0.0625.
  EXPECT_DOUBLE_EQ(hypervolume({{0, 0.5, 0.5, 0.5}, {0.5, 0, 0.5, 0.5}}, reference), 0.1875);
}

}  // namespace
}  // namespace evo::master
