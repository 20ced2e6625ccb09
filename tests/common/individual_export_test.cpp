// The text `evocluster export` writes: columns, exact numbers, NaN where JSON has none,
// and a file name that cannot break the JSON.
#include "common/individual_export.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <string>

namespace evo::common {
namespace {

CheckpointState two_objective_state() {
  CheckpointState state;
  state.job = 1;
  state.generation = 7;
  state.hall_of_fame = Population(2, 3, 2);
  state.hall_of_fame.genes = {0.1, -2.5, 1e-300, 3, 4, 5};
  state.hall_of_fame.fitness = {1.0 / 3.0, 2, std::numeric_limits<double>::quiet_NaN(), 0.5};
  state.population = Population(0, 3, 2);
  return state;
}

TEST(IndividualExport, CsvHasFitnessThenGenesInShortestExactForm) {
  EXPECT_EQ(export_individuals(two_objective_state(), "c.h5", ExportWhat::kHallOfFame,
                               ExportFormat::kCsv),
            "fitness_0,fitness_1,gene_0,gene_1,gene_2\n"
            "0.3333333333333333,2,0.1,-2.5,1e-300\n"
            "nan,0.5,3,4,5\n");
}

TEST(IndividualExport, JsonWritesNullForNotEvaluated) {
  EXPECT_EQ(export_individuals(two_objective_state(), "c.h5", ExportWhat::kHallOfFame,
                               ExportFormat::kJson),
            "{\n  \"checkpoint\": \"c.h5\",\n  \"what\": \"hall_of_fame\",\n  \"job\": 1,\n"
            "  \"generation\": 7,\n  \"final\": false,\n  \"objectives\": 2,\n"
            "  \"dimension\": 3,\n  \"individuals\": [\n"
            "    {\"fitness\": [0.3333333333333333, 2], \"genome\": [0.1, -2.5, 1e-300]},\n"
            "    {\"fitness\": [null, 0.5], \"genome\": [3, 4, 5]}\n  ]\n}\n");
}

TEST(IndividualExport, EmptyPopulationIsAHeaderOrAnEmptyList) {
  const CheckpointState state = two_objective_state();
  EXPECT_EQ(export_individuals(state, "c.h5", ExportWhat::kPopulation, ExportFormat::kCsv),
            "fitness_0,fitness_1,gene_0,gene_1,gene_2\n");
  const std::string json =
      export_individuals(state, "c.h5", ExportWhat::kPopulation, ExportFormat::kJson);
  EXPECT_NE(json.find("\"what\": \"population\""), std::string::npos);
  EXPECT_NE(json.find("\"individuals\": []\n}\n"), std::string::npos) << json;
}

TEST(IndividualExport, FileNameIsEscapedInJson) {
  const std::string json = export_individuals(two_objective_state(), "a\"b\\c\n.h5",
                                              ExportWhat::kHallOfFame, ExportFormat::kJson);
  EXPECT_NE(json.find(R"("checkpoint": "a\"b\\c\u000a.h5")"), std::string::npos) << json;
}

TEST(IndividualExport, ParsesOnlyTheDocumentedNames) {
  EXPECT_EQ(parse_export_what("hall_of_fame"), ExportWhat::kHallOfFame);
  EXPECT_EQ(parse_export_what("population"), ExportWhat::kPopulation);
  EXPECT_FALSE(parse_export_what("Population"));
  EXPECT_EQ(parse_export_format("json"), ExportFormat::kJson);
  EXPECT_FALSE(parse_export_format("xml"));
}

}  // namespace
}  // namespace evo::common
