// Rng: Philox4x64-10 (Random123) streams, their derivation and their checkpointable state.
//
// A stream is the block sequence
//   block(n) = Philox4x64-10(counter = {n, 0, domain0, domain1}, key = {key0, key1}),
// n = 0, 1, 2, ..., each block handing out its four 64-bit words in order.
//
// Derivation (domain separation):
//   for_master(seed, job)                    key {seed, mix(job, 'M')}  domain {0, 0}
//   for_worker(seed, job, rank)              key {seed, mix(job, 'W')}  domain {rank, 0}
//   for_evaluation(seed, job, gen, index)    key {seed, mix(job, 'E')}  domain {gen, index}
// mix(job, purpose) is the splitmix64 finalizer (a bijection on 64-bit words) applied to
// purpose << 32 | uint32(job). That word is different for every (job, purpose) pair, so the
// three kinds of stream, and the streams of different jobs, never share a key; streams of
// one kind and job are told apart by their domain words. Philox gives independent outputs
// for distinct (key, counter) pairs, and a stream would need 2^64 blocks to reach another.
//
// State words (Rng::State), in order:
//   [0] key0  [1] key1
//   [2] counter0: blocks generated so far (the next block to generate)
//   [3] domain0 (counter word 2)  [4] domain1 (counter word 3)
//   [5] used: words of the last generated block already handed out, 0..4 (4 = none left)
//   [6] kStateMagic: engine and layout version
//   [7] check: chained splitmix64 over words 0..6, so any changed or swapped word is caught
// The current block is not stored: from_state recomputes it from counter0 - 1.
#include "common/rng.hpp"

#include <Random123/philox.h>
#include <fmt/format.h>

#include <cmath>
#include <numbers>

#include "common/error.hpp"

namespace evo::common {
namespace {

using Philox = r123::Philox4x64;

// "EVOPHX01": Philox4x64-10 streams, state layout version 1.
constexpr std::uint64_t kStateMagic = 0x45564F5048583031ULL;
constexpr std::uint64_t kCheckSeed = 0x6A09E667F3BCC909ULL;  // fractional bits of sqrt(2)

constexpr std::uint64_t kPurposeMaster = 'M';
constexpr std::uint64_t kPurposeWorker = 'W';
constexpr std::uint64_t kPurposeEvaluation = 'E';

constexpr std::uint64_t splitmix64_finalize(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

constexpr std::uint64_t mix(int job, std::uint64_t purpose) {
  return splitmix64_finalize((purpose << 32) | static_cast<std::uint32_t>(job));
}

std::uint64_t check_word(const Rng::State& words) {
  std::uint64_t h = kCheckSeed;
  for (int i = 0; i < Rng::kStateWords - 1; ++i) {
    h = splitmix64_finalize(h ^ words[static_cast<std::size_t>(i)]);
  }
  return h;
}

std::array<std::uint64_t, 4> philox_block(const std::array<std::uint64_t, 2>& key,
                                          const std::array<std::uint64_t, 4>& counter,
                                          std::uint64_t block) {
  const Philox::ctr_type ctr = {{block, counter[1], counter[2], counter[3]}};
  const Philox::key_type k = {{key[0], key[1]}};
  const Philox::ctr_type out = Philox()(ctr, k);
  return {out[0], out[1], out[2], out[3]};
}

}  // namespace

Rng::Rng(std::uint64_t key0, std::uint64_t key1, std::uint64_t domain0, std::uint64_t domain1)
    : key_{key0, key1}, counter_{0, 0, domain0, domain1} {}

Rng Rng::for_master(std::uint64_t seed, int job) {
  return Rng(seed, mix(job, kPurposeMaster), 0, 0);
}

Rng Rng::for_worker(std::uint64_t seed, int job, int rank) {
  return Rng(seed, mix(job, kPurposeWorker), static_cast<std::uint32_t>(rank), 0);
}

Rng Rng::for_evaluation(std::uint64_t seed, int job, std::uint64_t generation,
                        std::uint64_t index) {
  return Rng(seed, mix(job, kPurposeEvaluation), generation, index);
}

Rng::State Rng::state() const {
  State words = {key_[0], key_[1], counter_[0], counter_[2], counter_[3], used_, kStateMagic, 0};
  words[7] = check_word(words);
  return words;
}

Rng Rng::from_state(const State& state) {
  if (state[6] != kStateMagic) {
    throw CheckpointError(fmt::format(
        "rng state: format word is {:#018x}, expected {:#018x} ({} state, layout version 1)",
        state[6], kStateMagic, kEngineName));
  }
  if (state[7] != check_word(state)) {
    throw CheckpointError(fmt::format(
        "rng state: check word {:#018x} does not match the other words (expected {:#018x}); "
        "the state is corrupted",
        state[7], check_word(state)));
  }
  const std::uint64_t used = state[5];
  const std::uint64_t blocks = state[2];
  if (used > 4) {
    throw CheckpointError(fmt::format("rng state: {} words used of a 4-word block", used));
  }
  if (used < 4 && blocks == 0) {
    throw CheckpointError(
        fmt::format("rng state: {} words used of a block, but no block was generated", used));
  }
  Rng rng(state[0], state[1], state[3], state[4]);
  rng.counter_[0] = blocks;
  rng.used_ = used;
  if (used < 4) rng.block_ = philox_block(rng.key_, rng.counter_, blocks - 1);
  return rng;
}

void Rng::refill() {
  block_ = philox_block(key_, counter_, counter_[0]);
  ++counter_[0];
  used_ = 0;
}

std::uint64_t Rng::next_u64() {
  if (used_ >= 4) refill();
  return block_[used_++];
}

double Rng::uniform01() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

double Rng::uniform(double low, double high) {
  const double value = low + (high - low) * uniform01();
  // Rounding can land on `high`; the interval is half-open.
  if (value >= high && low < high) return std::nextafter(high, low);
  return value;
}

std::uint64_t Rng::below(std::uint64_t bound) {
  if (bound == 0) throw Error("Rng::below: bound must be > 0");
  // Lemire, "Fast random integer generation in an interval" (2019): multiply-shift,
  // rejecting the low products that would make some results more likely.
  unsigned __int128 product = static_cast<unsigned __int128>(next_u64()) * bound;
  auto low = static_cast<std::uint64_t>(product);
  if (low < bound) {
    const std::uint64_t threshold = (0 - bound) % bound;
    while (low < threshold) {
      product = static_cast<unsigned __int128>(next_u64()) * bound;
      low = static_cast<std::uint64_t>(product);
    }
  }
  return static_cast<std::uint64_t>(product >> 64);
}

double Rng::normal() {
  // Box-Muller, cosine branch only: draws u1 then u2; 1 - u1 lies in (0, 1], so log is finite.
  const double u1 = uniform01();
  const double u2 = uniform01();
  const double radius = std::sqrt(-2.0 * std::log(1.0 - u1));
  return radius * std::cos(2.0 * std::numbers::pi * u2);
}

bool Rng::bernoulli(double probability) { return uniform01() < probability; }

}  // namespace evo::common
