// `evocluster inspect`'s text: values start in one column whatever the labels, and
// `--genes` chooses how much of each genome is shown.
#include "common/checkpoint_summary.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <sstream>
#include <string>

namespace evo::common {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

CheckpointState state_with_long_array_name() {
  CheckpointState state;
  state.population = Population(2, 8, 1);
  for (std::size_t i = 0; i < state.population.genes.size(); ++i) {
    state.population.genes[i] = static_cast<double>(i);
  }
  state.population.fitness = {2.0, 1.0};
  state.hall_of_fame = state.population;
  state.algorithm.name = "cmaes";
  state.algorithm.reals["evolution_path_sigma_long_name"] = {1, 2};
  state.rng.resize(2);
  return state;
}

// The column where each line's value starts (after the label and its padding).
std::size_t value_column(const std::string& line, const std::string& label) {
  const std::size_t after = label.size();
  return line.find_first_not_of(' ', after);
}

TEST(CheckpointSummary, EveryValueStartsInTheSameColumn) {
  const std::string text = describe_checkpoint("/no/such/ckpt.h5", state_with_long_array_name());
  std::istringstream lines(text);
  std::set<std::size_t> columns;
  for (std::string line; std::getline(lines, line);) {
    // Labels are words separated by single spaces, two or more spaces end them.
    const std::size_t end = line.find("  ", line.find_first_not_of(' '));
    ASSERT_NE(end, std::string::npos) << line;
    columns.insert(value_column(line, line.substr(0, end)));
  }
  EXPECT_EQ(columns.size(), 1U) << text;
  EXPECT_THAT(text, HasSubstr("  evolution_path_sigma_long_name  float64[2]"));
}

TEST(CheckpointSummary, ShowsFiveGenesByDefaultAndAllOnRequest) {
  const CheckpointState state = state_with_long_array_name();
  const std::string five = describe_checkpoint("/no/such/ckpt.h5", state);
  EXPECT_THAT(five, HasSubstr("genome [8, 9, 10, 11, 12, ... (8 in all)]"));
  const std::string all = describe_checkpoint("/no/such/ckpt.h5", state, kAllGenes);
  EXPECT_THAT(all, HasSubstr("genome [8, 9, 10, 11, 12, 13, 14, 15]\n"));
  EXPECT_THAT(all, Not(HasSubstr("in all")));
  const std::string two = describe_checkpoint("/no/such/ckpt.h5", state, 2);
  EXPECT_THAT(two, HasSubstr("genome [8, 9, ... (8 in all)]"));
}

}  // namespace
}  // namespace evo::common
