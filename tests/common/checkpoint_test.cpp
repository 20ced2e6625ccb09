// Checkpoint files: every field round-trips bit-exactly, damage of every kind is caught
// before HDF5 parses anything, failed writes leave nothing behind, and standard HDF5
// tools read the result.
#include "common/checkpoint.hpp"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "common/checkpoint_summary.hpp"
#include "common/error.hpp"
#include "tests/common/valid_checkpoint_state.hpp"

namespace evo::common {
namespace {

namespace fs = std::filesystem;
using ::testing::AllOf;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

using Bytes = std::vector<unsigned char>;

// Distinct NaN payloads and signs: HDF5 must store the bits, not "a NaN".
double nan_with_payload(std::uint64_t payload, bool negative) {
  return std::bit_cast<double>((negative ? 0xfff8000000000000ULL : 0x7ff8000000000000ULL) |
                               payload);
}

std::vector<std::uint64_t> bits(const std::vector<double>& values) {
  std::vector<std::uint64_t> out;
  for (double v : values) out.push_back(std::bit_cast<std::uint64_t>(v));
  return out;
}

Population make_population(std::size_t count, std::size_t dimension, std::size_t objectives,
                           double offset) {
  Population population(count, dimension, objectives);
  for (std::size_t i = 0; i < population.genes.size(); ++i) {
    population.genes[i] = offset + 0.25 * static_cast<double>(i) - 1e-300;
  }
  for (std::size_t i = 0; i < population.fitness.size(); ++i) {
    population.fitness[i] = offset * 2 + static_cast<double>(i) / 3.0;
  }
  return population;
}

CheckpointState make_state(int ranks) {
  CheckpointState state;
  state.generation = 1234567890123LL;
  state.job = 3;
  state.ranks = ranks;
  state.final = true;
  state.seed = 0xfedcba9876543210ULL;  // above INT64_MAX: must stay unsigned
  state.config_hash = 0x8000000000000001ULL;
  state.evaluations = 98765432109LL;
  state.created_utc = "2024-05-06T07:08:09Z";
  state.software_version = "0.1.0-test";
  state.stop_reason = "cmaes:tolx";
  state.ranks_history = {4, 2, ranks};
  std::string config = "[run]\nseed = 1\n# Ünïcødé: λ → ∞, 日本語, emoji 🧬\n";
  while (config.size() < 200000) config += "[problem]\nname = \"rastrigin\" # padding ✓\n";
  state.config_text = config;

  state.population = make_population(40, 7, 3, 1.5);
  state.population.fitness[0] = nan_with_payload(0x123, false);
  state.population.fitness[4] = nan_with_payload(0xabcdef, true);
  state.population.fitness[8] = std::numeric_limits<double>::infinity();
  state.population.fitness[9] = -0.0;
  state.population.genes[3] = std::numeric_limits<double>::denorm_min();
  state.hall_of_fame = Population(0, 7, 3);  // empty, but keeps its shape
  state.trigger = "signal SIGTERM";
  state.in_progress = make_population(6, 7, 3, -2.0);
  state.in_progress.invalidate(1);  // not evaluated yet when the checkpoint was taken
  state.in_progress.invalidate(5);
  state.in_progress_evaluations = 6;
  state.in_progress_generation = 13;
  state.in_progress_failed = 2;  // of the 4 evaluations done

  for (int g = 0; g < 5; ++g) {
    LogRecord row;
    row.gen = g;
    row.evals = 40 + g;
    row.min = -1.5 * g;
    row.avg = 0.1 * g;
    row.max = 1e10 + g;
    row.std = 0.333 * g;
    row.failed = 3 * g;
    row.retried = 7 * g + 1;
    row.wall_s = 1.25 * g;
    row.evals_per_s = 1000.5 + g;
    row.status_failed = g;
    row.status_non_zero_exit = g + 1;
    row.status_signaled = g + 2;
    row.status_timeout = g + 3;
    row.status_garbage = g + 4;
    row.status_non_finite = g + 5;
    state.logbook.rows.push_back(row);
  }
  state.logbook.rows[2].avg = nan_with_payload(0x42, false);

  for (int r = 0; r < ranks; ++r) {
    Rng::State words{};
    for (int w = 0; w < Rng::kStateWords; ++w) {
      words[static_cast<std::size_t>(w)] =
          0x0123456789abcdefULL * static_cast<std::uint64_t>(r + 1) +
          static_cast<std::uint64_t>(w) + (w == 7 ? 0xffffffff00000000ULL : 0);
    }
    state.rng.push_back(words);
  }

  state.algorithm.name = "cmaes";
  state.algorithm.reals["mean"] = {1.0, -2.0, 3.5, nan_with_payload(7, true)};
  state.algorithm.reals["covariance"] = std::vector<double>(49, 0.5);
  state.algorithm.reals["empty"] = {};
  state.algorithm.integers["counters"] = {std::numeric_limits<std::int64_t>::min(), -1, 0,
                                          std::numeric_limits<std::int64_t>::max()};
  state.algorithm.integers["evaluations_since_restart"] = {17};
  return state;
}

void expect_population_eq(const Population& actual, const Population& expected) {
  EXPECT_EQ(actual.dimension, expected.dimension);
  EXPECT_EQ(actual.objectives, expected.objectives);
  EXPECT_EQ(actual.size(), expected.size());
  EXPECT_EQ(bits(actual.genes), bits(expected.genes));
  EXPECT_EQ(bits(actual.fitness), bits(expected.fitness));
}

void expect_state_eq(const CheckpointState& actual, const CheckpointState& expected) {
  EXPECT_EQ(actual.format_version, expected.format_version);
  EXPECT_EQ(actual.generation, expected.generation);
  EXPECT_EQ(actual.job, expected.job);
  EXPECT_EQ(actual.ranks, expected.ranks);
  EXPECT_EQ(actual.final, expected.final);
  EXPECT_EQ(actual.seed, expected.seed);
  EXPECT_EQ(actual.config_hash, expected.config_hash);
  EXPECT_EQ(actual.config_text, expected.config_text);
  EXPECT_EQ(actual.evaluations, expected.evaluations);
  EXPECT_EQ(actual.created_utc, expected.created_utc);
  EXPECT_EQ(actual.software_version, expected.software_version);
  EXPECT_EQ(actual.ranks_history, expected.ranks_history);
  EXPECT_EQ(actual.trigger, expected.trigger);
  EXPECT_EQ(actual.stop_reason, expected.stop_reason);
  EXPECT_EQ(actual.in_progress_evaluations, expected.in_progress_evaluations);
  EXPECT_EQ(actual.in_progress_generation, expected.in_progress_generation);
  EXPECT_EQ(actual.in_progress_failed, expected.in_progress_failed);
  {
    SCOPED_TRACE("population");
    expect_population_eq(actual.population, expected.population);
  }
  {
    SCOPED_TRACE("hall of fame");
    expect_population_eq(actual.hall_of_fame, expected.hall_of_fame);
  }
  {
    SCOPED_TRACE("in progress");
    expect_population_eq(actual.in_progress, expected.in_progress);
  }
  ASSERT_EQ(actual.logbook.rows.size(), expected.logbook.rows.size());
  for (std::size_t i = 0; i < actual.logbook.rows.size(); ++i) {
    const LogRecord& a = actual.logbook.rows[i];
    const LogRecord& e = expected.logbook.rows[i];
    EXPECT_EQ(a.gen, e.gen);
    EXPECT_EQ(a.evals, e.evals);
    EXPECT_EQ(a.failed, e.failed);
    EXPECT_EQ(a.retried, e.retried);
    EXPECT_EQ(a.status_failed, e.status_failed);
    EXPECT_EQ(a.status_non_zero_exit, e.status_non_zero_exit);
    EXPECT_EQ(a.status_signaled, e.status_signaled);
    EXPECT_EQ(a.status_timeout, e.status_timeout);
    EXPECT_EQ(a.status_garbage, e.status_garbage);
    EXPECT_EQ(a.status_non_finite, e.status_non_finite);
    EXPECT_EQ(bits({a.min, a.avg, a.max, a.std, a.wall_s, a.evals_per_s}),
              bits({e.min, e.avg, e.max, e.std, e.wall_s, e.evals_per_s}))
        << "logbook row " << i;
  }
  EXPECT_EQ(actual.rng, expected.rng);
  EXPECT_EQ(actual.algorithm.name, expected.algorithm.name);
  ASSERT_EQ(actual.algorithm.reals.size(), expected.algorithm.reals.size());
  for (const auto& [name, values] : expected.algorithm.reals) {
    ASSERT_TRUE(actual.algorithm.reals.contains(name)) << name;
    EXPECT_EQ(bits(actual.algorithm.reals.at(name)), bits(values)) << name;
  }
  EXPECT_EQ(actual.algorithm.integers, expected.algorithm.integers);
}

Bytes read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const fs::path& path, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

std::uint64_t load_le(const Bytes& bytes, std::size_t offset, std::size_t size) {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < size; ++i) value |= std::uint64_t{bytes[offset + i]} << (8 * i);
  return value;
}

// Recomputes the header checksum exactly as docs/checkpoint-format.md describes it.
void reseal_header(Bytes& bytes) {
  Bytes block(bytes.begin(), bytes.begin() + 512);
  std::fill(block.begin() + 48, block.begin() + 56, 0);
  XXH64_canonical_t canonical;
  XXH64_canonicalFromHash(&canonical, XXH3_64bits(block.data(), block.size()));
  std::memcpy(bytes.data() + 48, canonical.digest, 8);
}

class CheckpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           (std::string("evo_checkpoint_test_") + info->name() + "_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ignored;
    fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::add, ignored);
    fs::remove_all(dir_, ignored);
  }

  std::vector<std::string> files_in(const fs::path& directory) const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(directory)) {
      names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  // Writes a damaged copy, then checks both verify and read reject it with `reason`.
  void expect_rejected(const Bytes& bytes, const std::string& reason, const std::string& label) {
    SCOPED_TRACE(label);
    const fs::path damaged = dir_ / ("damaged-" + label + ".h5");
    write_bytes(damaged, bytes);
    const VerifyResult result = verify_checkpoint(damaged);
    EXPECT_FALSE(result.intact);
    EXPECT_THAT(result.reason, HasSubstr(reason));
    EXPECT_THAT(
        [&] { read_checkpoint_format_only(damaged); },
        ThrowsMessage<CheckpointError>(AllOf(HasSubstr(damaged.string()), HasSubstr(reason))));
  }

  fs::path dir_;
};

TEST_F(CheckpointTest, RoundTripsEveryFieldWithSevenRanks) {
  const CheckpointState state = make_state(7);
  const fs::path path = dir_ / "ckpt.h5";
  write_checkpoint(path, state);
  expect_state_eq(read_checkpoint_format_only(path), state);
}

TEST_F(CheckpointTest, RoundTripsEveryFieldWithOneRank) {
  CheckpointState state = make_state(1);
  state.final = false;
  state.ranks_history.clear();
  state.hall_of_fame = make_population(3, 7, 3, -4.0);
  state.logbook.rows.clear();
  state.algorithm = AlgorithmState{};
  state.config_text.clear();
  state.created_utc.clear();
  state.trigger.clear();
  state.stop_reason.clear();
  state.in_progress = Population();  // taken at a generation boundary
  state.in_progress_evaluations = 0;
  const fs::path path = dir_ / "ckpt.h5";
  write_checkpoint(path, state);
  expect_state_eq(read_checkpoint_format_only(path), state);
}

TEST_F(CheckpointTest, RoundTripsEmptyPopulationsOfDefaultShape) {
  CheckpointState state;
  state.rng.push_back(Rng::State{});
  const fs::path path = dir_ / "ckpt.h5";
  write_checkpoint(path, state);
  const CheckpointState back = read_checkpoint_format_only(path);
  expect_state_eq(back, state);
  EXPECT_EQ(back.population.objectives, 1u);
  EXPECT_EQ(back.population.dimension, 0u);
}

TEST_F(CheckpointTest, OverwritesAnExistingCheckpointAndLeavesNoTmp) {
  const fs::path path = dir_ / "ckpt.h5";
  CheckpointState state = make_state(2);
  write_checkpoint(path, state);
  state.generation = 42;
  write_checkpoint(path, state);
  EXPECT_EQ(read_checkpoint_format_only(path).generation, 42);
  EXPECT_EQ(files_in(dir_), std::vector<std::string>{"ckpt.h5"});
}

// No clock in the file beyond created_utc: checkpoints of equal states can be compared
// byte for byte (HDF5 would otherwise stamp every object with its modification time).
TEST_F(CheckpointTest, EqualStatesGiveIdenticalFiles) {
  const CheckpointState state = make_state(2);
  write_checkpoint(dir_ / "a.h5", state);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // cross a second boundary
  write_checkpoint(dir_ / "b.h5", state);
  EXPECT_TRUE(read_bytes(dir_ / "a.h5") == read_bytes(dir_ / "b.h5"));
}

TEST_F(CheckpointTest, IntegrityHeaderMatchesTheDocumentedLayout) {
  const fs::path path = dir_ / "ckpt.h5";
  write_checkpoint(path, make_state(2));
  const Bytes bytes = read_bytes(path);
  ASSERT_GT(bytes.size(), 512u);
  EXPECT_EQ(std::string(bytes.begin(), bytes.begin() + 8), "EVOCKPT\n");
  EXPECT_EQ(load_le(bytes, 8, 4), 1u);     // header version
  EXPECT_EQ(load_le(bytes, 12, 4), 512u);  // user block size
  EXPECT_EQ(load_le(bytes, 16, 4), static_cast<std::uint64_t>(kCheckpointFormatVersion));
  EXPECT_EQ(load_le(bytes, 20, 4), 0u);
  EXPECT_EQ(load_le(bytes, 24, 8), bytes.size() - 512);
  XXH128_canonical_t payload;
  XXH128_canonicalFromHash(&payload, XXH3_128bits(bytes.data() + 512, bytes.size() - 512));
  EXPECT_EQ(std::memcmp(payload.digest, bytes.data() + 32, 16), 0);
  Bytes resealed = bytes;
  reseal_header(resealed);
  EXPECT_EQ(resealed, bytes);
  EXPECT_TRUE(
      std::all_of(bytes.begin() + 56, bytes.begin() + 512, [](unsigned char b) { return b == 0; }));
  // The HDF5 superblock follows the user block.
  const unsigned char signature[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
  EXPECT_EQ(std::memcmp(bytes.data() + 512, signature, 8), 0);
}

TEST_F(CheckpointTest, VerifyAcceptsAnIntactFile) {
  const fs::path path = dir_ / "ckpt.h5";
  write_checkpoint(path, make_valid_checkpoint_state(0, 5, 3));
  const VerifyResult result = verify_checkpoint(path);
  EXPECT_TRUE(result.intact) << result.reason;
  EXPECT_EQ(result.reason, "");
}

TEST_F(CheckpointTest, StopReasonMustNameGenerationsOrTheAlgorithmInAFinalCheckpoint) {
  // make_valid_checkpoint_state: "simple", run.generations = 100 (the default).
  const fs::path path = dir_ / "ckpt.h5";
  const auto verdict = [&](bool final, std::int64_t generation, const std::string& reason) {
    CheckpointState state = make_valid_checkpoint_state(0, generation);
    state.final = final;
    state.stop_reason = reason;
    write_checkpoint(path, state);
    return verify_checkpoint(path);
  };
  EXPECT_TRUE(verdict(true, 100, "generations").intact);
  EXPECT_TRUE(verdict(true, 7, "simple:converged").intact);
  EXPECT_TRUE(verdict(true, 7, "").intact);  // written before the attribute existed
  EXPECT_THAT(verdict(false, 7, "generations").reason,
              HasSubstr("stop_reason = 'generations' but final = 0"));
  EXPECT_THAT(verdict(true, 7, "generations").reason, HasSubstr("run.generations"));
  EXPECT_THAT(verdict(true, 7, "cmaes:tolx").reason, HasSubstr("expected 'generations'"));
  EXPECT_THAT(verdict(true, 7, "cmaes:tolx").reason, HasSubstr("or 'simple:<criterion>'"));
  EXPECT_THAT(verdict(true, 7, "simple:").reason, HasSubstr("stop_reason"));
  EXPECT_THAT(verdict(true, 7, "simple:Bad Name").reason, HasSubstr("stop_reason"));
}

// A stopping rule's name is valid only when that rule of /config/text holds on the logbook.
TEST_F(CheckpointTest, StopReasonOfAStoppingRuleMustHoldInTheFilesOwnConfig) {
  const fs::path path = dir_ / "ckpt.h5";
  const auto verdict = [&](const std::string& run_keys, const std::string& reason) {
    CheckpointState state = make_valid_checkpoint_state(0, 7);
    const Config config = parse_config(
        "[run]\nseed = 1\n" + run_keys +
            "\n[problem]\nname = \"sphere\"\ndimension = 3\n[algorithm]\npopulation = 4\n",
        "test config");
    state.config_text = to_toml(config);
    state.config_hash = result_hash(config);
    for (std::size_t g = 0; g < state.logbook.rows.size(); ++g) {
      state.logbook.rows[g].min = g < 3 ? 10.0 - static_cast<double>(g) : 8.0;  // 10 9 8 8 ...
    }
    state.final = true;
    state.stop_reason = reason;
    write_checkpoint(path, state);
    return verify_checkpoint(path);
  };
  EXPECT_TRUE(verdict("target_fitness = 8", "target_fitness").intact);
  EXPECT_TRUE(verdict("max_evaluations = 32", "max_evaluations").intact);  // 4 x 8 done
  EXPECT_TRUE(verdict("stagnation_generations = 5", "stagnation").intact);
  EXPECT_THAT(verdict("target_fitness = 7.5", "target_fitness").reason,
              HasSubstr("stop_reason = 'target_fitness' but that rule of /config/text does not "
                        "hold at generation 7"));
  EXPECT_THAT(verdict("", "max_evaluations").reason, HasSubstr("does not hold"));
  EXPECT_THAT(verdict("stagnation_generations = 6", "stagnation").reason,
              HasSubstr("does not hold"));
}

// A stop while the initial population is evaluated: the algorithm has no population and
// no hall of fame yet (empty, shapeless), only the candidates in progress.
TEST_F(CheckpointTest, VerifyAcceptsAStopDuringTheInitialPopulation) {
  const fs::path path = dir_ / "ckpt.h5";
  CheckpointState state = make_valid_checkpoint_state(0, 0, 3);
  state.in_progress = state.population;
  state.in_progress.invalidate(2);
  state.in_progress.invalidate(3);
  state.in_progress_evaluations = 4;
  state.in_progress_generation = 0;
  state.population = Population();
  state.hall_of_fame = Population();
  state.logbook.rows.clear();
  state.evaluations = 2;
  state.algorithm.integers["population_size"] = {0};  // what SimpleGa saves before it began
  write_checkpoint(path, state);
  const VerifyResult result = verify_checkpoint(path);
  EXPECT_TRUE(result.intact) << result.reason;
}

TEST_F(CheckpointTest, RejectsTruncatedFiles) {
  const fs::path path = dir_ / "ckpt.h5";
  write_checkpoint(path, make_state(2));
  const Bytes bytes = read_bytes(path);
  const std::size_t payload = bytes.size() - 512;
  expect_rejected(Bytes(bytes.begin(), bytes.begin() + 4), "truncated: file has 4 bytes", "at4");
  expect_rejected(Bytes(bytes.begin(), bytes.begin() + 300), "truncated: file has 300 bytes",
                  "at300");
  expect_rejected(Bytes(bytes.begin(), bytes.begin() + 512),
                  "truncated: header says " + std::to_string(payload) + " bytes, file has 0",
                  "at512");
  const std::size_t half = 512 + payload / 2;
  expect_rejected(Bytes(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(half)),
                  "truncated: header says " + std::to_string(payload) + " bytes, file has " +
                      std::to_string(payload / 2),
                  "half");
  expect_rejected(Bytes(bytes.begin(), bytes.end() - 1), "truncated: header says", "last_byte");
}

TEST_F(CheckpointTest, RejectsTrailingData) {
  const fs::path path = dir_ / "ckpt.h5";
  write_checkpoint(path, make_state(2));
  Bytes bytes = read_bytes(path);
  bytes.push_back(0);
  expect_rejected(bytes, "trailing data: header says", "appended");
}

TEST_F(CheckpointTest, RejectsFlippedBytes) {
  const fs::path path = dir_ / "ckpt.h5";
  write_checkpoint(path, make_state(2));
  const Bytes bytes = read_bytes(path);
  auto flipped = [&](std::size_t offset) {
    Bytes copy = bytes;
    copy[offset] ^= 0x01;
    return copy;
  };
  expect_rejected(flipped(2), "not an evocluster checkpoint (bad magic)", "magic");
  expect_rejected(flipped(16), "integrity header checksum mismatch", "format_version_field");
  expect_rejected(flipped(26), "integrity header checksum mismatch", "length_field");
  expect_rejected(flipped(40), "integrity header checksum mismatch", "hash_field");
  expect_rejected(flipped(300), "integrity header checksum mismatch", "user_block_padding");
  expect_rejected(flipped(512), "checksum mismatch: payload XXH3-128", "hdf5_signature");
  expect_rejected(flipped(512 + (bytes.size() - 512) / 2), "checksum mismatch: payload", "middle");
  expect_rejected(flipped(bytes.size() - 3), "checksum mismatch: payload", "near_end");
}

TEST_F(CheckpointTest, RejectsZeroedBlocks) {
  const fs::path path = dir_ / "ckpt.h5";
  write_checkpoint(path, make_state(2));
  const Bytes bytes = read_bytes(path);
  ASSERT_GT(bytes.size(), 3 * 4096u);
  auto zeroed = [&](std::size_t offset) {
    Bytes copy = bytes;
    std::fill(copy.begin() + static_cast<std::ptrdiff_t>(offset),
              copy.begin() + static_cast<std::ptrdiff_t>(offset + 4096), 0);
    return copy;
  };
  expect_rejected(zeroed(0), "bad magic", "first_4k");
  expect_rejected(zeroed(4096), "checksum mismatch: payload", "second_4k");
  expect_rejected(zeroed(bytes.size() - 4096), "checksum mismatch: payload", "last_4k");
}

TEST_F(CheckpointTest, RejectsEmptyGarbagePlainHdf5AndMissingFiles) {
  expect_rejected({}, "empty file", "empty");
  std::mt19937 random(7);
  Bytes garbage(65536);
  for (unsigned char& b : garbage) b = static_cast<unsigned char>(random());
  expect_rejected(garbage, "not an evocluster checkpoint (bad magic)", "garbage");

  const fs::path path = dir_ / "ckpt.h5";
  write_checkpoint(path, make_state(1));
  const Bytes bytes = read_bytes(path);
  expect_rejected(Bytes(bytes.begin() + 512, bytes.end()), "plain HDF5 file", "plain_hdf5");

  const fs::path missing = dir_ / "missing.h5";
  EXPECT_THAT(verify_checkpoint(missing).reason, HasSubstr("No such file or directory"));
  EXPECT_FALSE(verify_checkpoint(missing).intact);
  EXPECT_THAT([&] { read_checkpoint_format_only(missing); },
              ThrowsMessage<CheckpointError>(
                  AllOf(HasSubstr(missing.string()), HasSubstr("No such file or directory"))));
  EXPECT_THAT([&] { read_checkpoint_format_only(dir_); },
              ThrowsMessage<CheckpointError>(HasSubstr("not a regular file")));
}

// HDF5 is not safe on arbitrary bytes, hence the checksum; a payload that passes it but
// is not HDF5 (hand-made, or from a buggy writer) must still end in a clean error.
TEST_F(CheckpointTest, ChecksummedNonHdf5PayloadIsAnError) {
  const fs::path path = dir_ / "ckpt.h5";
  write_checkpoint(path, make_state(1));
  Bytes bytes = read_bytes(path);
  bytes.resize(512 + 4096);
  std::mt19937 random(11);
  for (std::size_t i = 512; i < bytes.size(); ++i) bytes[i] = static_cast<unsigned char>(random());
  XXH128_canonical_t payload;
  XXH128_canonicalFromHash(&payload, XXH3_128bits(bytes.data() + 512, bytes.size() - 512));
  std::memcpy(bytes.data() + 32, payload.digest, 16);
  for (std::size_t i = 0; i < 8; ++i) {  // payload length, little-endian
    bytes[24 + i] = static_cast<unsigned char>(std::uint64_t{4096} >> (8 * i));
  }
  reseal_header(bytes);
  expect_rejected(bytes, "open HDF5 image", "random_payload");
}

// A checkpoint of a build whose logbook has another column set is intact, just not this
// build's: exit 4 naming the columns, not "damaged" (which would fall back to older files).
TEST_F(CheckpointTest, OtherLogbookColumnsAreIncompatible) {
  const fs::path path = dir_ / "ckpt.h5";
  write_checkpoint(path, make_state(2));
  Bytes bytes = read_bytes(path);
  // Rename column "status_garbage" wherever the file names it (the columns attribute and the
  // dataset link), then seal the payload and header again as a writer would.
  const std::string column = "status_garbage";
  std::size_t renamed = 0;
  for (auto at = std::search(bytes.begin() + 512, bytes.end(), column.begin(), column.end());
       at != bytes.end(); at = std::search(at + 1, bytes.end(), column.begin(), column.end())) {
    *(at + static_cast<std::ptrdiff_t>(column.size()) - 1) = 'X';
    ++renamed;
  }
  ASSERT_GT(renamed, 0U);
  XXH128_canonical_t payload;
  XXH128_canonicalFromHash(&payload, XXH3_128bits(bytes.data() + 512, bytes.size() - 512));
  std::memcpy(bytes.data() + 32, payload.digest, 16);
  reseal_header(bytes);
  const fs::path older = dir_ / "older.h5";
  write_bytes(older, bytes);
  // verify gives run's verdict: refused, for the same reason.
  EXPECT_THAT(verify_checkpoint(older).reason, HasSubstr("other logbook columns"));
  try {
    read_checkpoint_format_only(older);
    ADD_FAILURE() << "a checkpoint with another logbook column set was read";
  } catch (const IncompatibleCheckpointError& error) {
    EXPECT_EQ(error.exit_code(), kExitIncompatibleCheckpoint);
    EXPECT_THAT(error.what(), HasSubstr("other logbook columns"));
    EXPECT_THAT(error.what(), HasSubstr("status_garbagX"));
  }
}

TEST_F(CheckpointTest, OtherFormatVersionIsIncompatible) {
  const fs::path path = dir_ / "ckpt.h5";
  write_checkpoint(path, make_state(2));
  Bytes bytes = read_bytes(path);
  bytes[16] = static_cast<unsigned char>(kCheckpointFormatVersion + 1);
  reseal_header(bytes);
  const fs::path future = dir_ / "future.h5";
  write_bytes(future, bytes);
  const std::string expected = "format version " + std::to_string(kCheckpointFormatVersion + 1) +
                               " (this build reads version " +
                               std::to_string(kCheckpointFormatVersion) + ")";
  EXPECT_THAT([&] { read_checkpoint_format_only(future); },
              ThrowsMessage<IncompatibleCheckpointError>(HasSubstr(expected)));
  try {
    read_checkpoint_format_only(future);
  } catch (const IncompatibleCheckpointError& error) {
    EXPECT_EQ(error.exit_code(), kExitIncompatibleCheckpoint);
  }
  const VerifyResult result = verify_checkpoint(future);
  EXPECT_FALSE(result.intact);
  EXPECT_THAT(result.reason, HasSubstr(expected));
}

TEST_F(CheckpointTest, RefusesToWriteAnInconsistentState) {
  const fs::path path = dir_ / "ckpt.h5";
  CheckpointState state = make_state(2);
  state.population.fitness.pop_back();
  EXPECT_THAT([&] { write_checkpoint(path, state); },
              ThrowsMessage<CheckpointError>(HasSubstr("population has 40 individuals")));
  state = make_state(2);
  state.rng.pop_back();
  EXPECT_THAT([&] { write_checkpoint(path, state); },
              ThrowsMessage<CheckpointError>(HasSubstr("1 RNG states for 2 ranks")));
  state = make_state(2);
  state.algorithm.integers["mean"] = {1};
  EXPECT_THAT([&] { write_checkpoint(path, state); },
              ThrowsMessage<CheckpointError>(HasSubstr("'mean' is both real and integer")));
  state = make_state(2);
  state.algorithm.reals["a/b"] = {1};
  EXPECT_THAT([&] { write_checkpoint(path, state); },
              ThrowsMessage<CheckpointError>(HasSubstr("'a/b'")));
  EXPECT_TRUE(files_in(dir_).empty());
}

TEST_F(CheckpointTest, WriteIntoMissingDirectoryThrowsAndLeavesNothing) {
  const fs::path path = dir_ / "no" / "such" / "ckpt.h5";
  EXPECT_THAT(
      [&] { write_checkpoint(path, make_state(1)); },
      ThrowsMessage<CheckpointError>(AllOf(HasSubstr(path.string()), HasSubstr("open for writing"),
                                           HasSubstr("No such file or directory"))));
  EXPECT_TRUE(files_in(dir_).empty());
}

TEST_F(CheckpointTest, WriteIntoReadOnlyDirectoryThrowsAndLeavesNothing) {
  if (::geteuid() == 0) GTEST_SKIP() << "root bypasses directory permissions";
  const fs::path locked = dir_ / "locked";
  fs::create_directories(locked);
  fs::permissions(locked, fs::perms::owner_read | fs::perms::owner_exec);
  EXPECT_THAT([&] { write_checkpoint(locked / "ckpt.h5", make_state(1)); },
              ThrowsMessage<CheckpointError>(
                  AllOf(HasSubstr("open for writing"), HasSubstr("Permission denied"))));
  fs::permissions(locked, fs::perms::owner_all);
  EXPECT_TRUE(files_in(locked).empty());
}

// A write that fails midway (here: the file-size limit, as a full disk would) removes
// the tmp and leaves the previous checkpoint under `path` untouched.
TEST_F(CheckpointTest, FailedWriteKeepsThePreviousFileAndRemovesTheTmp) {
  const fs::path path = dir_ / "ckpt.h5";
  CheckpointState state = make_state(1);
  state.generation = 1;
  state.config_text = "small";
  state.population = make_population(2, 2, 1, 0);
  write_checkpoint(path, state);
  const Bytes before = read_bytes(path);

  CheckpointState big = make_state(1);  // > 200 kB of config text
  struct rlimit saved {};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  struct rlimit limited = saved;
  limited.rlim_cur = 64 * 1024;
  const auto previous_handler = std::signal(SIGXFSZ, SIG_IGN);
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &limited), 0);
  std::string message;
  try {
    write_checkpoint(path, big);
  } catch (const CheckpointError& error) {
    message = error.what();
  }
  ::setrlimit(RLIMIT_FSIZE, &saved);
  std::signal(SIGXFSZ, previous_handler);

  EXPECT_THAT(message,
              AllOf(HasSubstr(path.string()), HasSubstr("write"), HasSubstr("File too large")));
  EXPECT_EQ(files_in(dir_), std::vector<std::string>{"ckpt.h5"});
  EXPECT_EQ(read_bytes(path), before);
  EXPECT_EQ(read_checkpoint_format_only(path).generation, 1);
}

TEST_F(CheckpointTest, StandardHdf5ToolsReadTheFile) {
  if (!fs::exists("/usr/bin/h5dump")) GTEST_SKIP() << "h5dump (hdf5-tools) not installed";
  const fs::path path = dir_ / "ckpt.h5";
  write_checkpoint(path, make_state(2));
  const fs::path out = dir_ / "h5dump.txt";
  const std::string header_command =
      "/usr/bin/h5dump -H '" + path.string() + "' > '" + out.string() + "' 2>&1";
  ASSERT_EQ(std::system(header_command.c_str()), 0) << header_command;
  const Bytes text = read_bytes(out);
  const std::string dump(text.begin(), text.end());
  EXPECT_THAT(dump, HasSubstr("GROUP \"population\""));
  EXPECT_THAT(dump, HasSubstr("DATASET \"genomes\""));
  EXPECT_THAT(dump, HasSubstr("DATASPACE  SIMPLE { ( 40, 7 ) / ( 40, 7 ) }"));
  EXPECT_THAT(dump, HasSubstr("ATTRIBUTE \"format_version\""));

  const std::string data_command = "/usr/bin/h5dump -d /rng/state -d /config/text '" +
                                   path.string() + "' > '" + out.string() + "' 2>&1";
  ASSERT_EQ(std::system(data_command.c_str()), 0) << data_command;
  const Bytes data = read_bytes(out);
  EXPECT_THAT(std::string(data.begin(), data.end()), HasSubstr("H5T_CSET_UTF8"));
}

TEST_F(CheckpointTest, SummaryNamesTheEssentials) {
  const fs::path path = dir_ / "ckpt.h5";
  CheckpointState state = make_state(2);
  write_checkpoint(path, state);
  const std::string summary = describe_checkpoint(path, read_checkpoint_format_only(path));
  EXPECT_THAT(summary, HasSubstr(path.string()));
  EXPECT_THAT(summary, ContainsRegex("generation  +1234567890123 completed \\(final"));
  EXPECT_THAT(summary, ContainsRegex("ranks  +2 \\(launches so far: 4, 2, 2\\)"));
  EXPECT_THAT(summary, ContainsRegex("config hash  +8000000000000001"));
  EXPECT_THAT(summary, HasSubstr("40 individuals x 7 genes, 3 objectives"));
  EXPECT_THAT(summary, ContainsRegex("hall of fame  +0 individuals"));
  EXPECT_THAT(summary, ContainsRegex("trigger  +signal SIGTERM"));
  EXPECT_THAT(summary, HasSubstr("generation 13: 4 of 6 candidates evaluated (6 evaluations"));
  EXPECT_THAT(summary, ContainsRegex("logbook  +5 rows; last: gen=4"));
  EXPECT_THAT(summary, HasSubstr("philox4x64-10, 2 streams"));
  EXPECT_THAT(summary, HasSubstr("0123456789abcdef"));
  EXPECT_THAT(summary, ContainsRegex("  covariance  +float64\\[49\\]"));
  EXPECT_THAT(summary, ContainsRegex("  counters  +int64\\[4\\]"));
  EXPECT_THAT(summary, HasSubstr("by evocluster 0.1.0-test"));
}

}  // namespace
}  // namespace evo::common

namespace evo::common {
namespace {

TEST_F(CheckpointTest, RoundTripsMultiObjectiveLogbookColumns) {
  CheckpointState state = make_state(2);
  for (std::size_t i = 0; i < state.logbook.rows.size(); ++i) {
    const double x = static_cast<double>(i);
    state.logbook.rows[i].objective_stats = {x, x + 0.5, x + 1, -x, 0.25, 1e-300};
    state.logbook.rows[i].hypervolume = 0.125 * x;
  }
  ASSERT_FALSE(state.logbook.rows.empty());
  const auto path = dir_ / "multi.h5";
  write_checkpoint(path, state);
  const CheckpointState back = read_checkpoint_format_only(path);
  ASSERT_EQ(back.logbook.rows.size(), state.logbook.rows.size());
  for (std::size_t i = 0; i < back.logbook.rows.size(); ++i) {
    EXPECT_EQ(back.logbook.rows[i].objective_stats, state.logbook.rows[i].objective_stats);
    EXPECT_EQ(back.logbook.rows[i].hypervolume, state.logbook.rows[i].hypervolume);
  }
  // A single-objective logbook has neither.
  const CheckpointState plain = make_state(2);
  write_checkpoint(dir_ / "plain.h5", plain);
  const CheckpointState plain_back = read_checkpoint_format_only(dir_ / "plain.h5");
  EXPECT_TRUE(plain_back.logbook.rows.front().objective_stats.empty());
  EXPECT_TRUE(std::isnan(plain_back.logbook.rows.front().hypervolume));
}

}  // namespace
}  // namespace evo::common
