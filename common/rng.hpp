// Counter-based random streams (Philox4x64-10 from Random123). A stream is fully
// described by eight 64-bit words, so every rank's state goes into a checkpoint exactly
// and comes back exactly. Streams are derived, never shared: the master's stream drives
// evolution; each evaluation gets a stream keyed by (seed, job, generation, index), so
// its randomness does not depend on which worker ran it.
#pragma once

#include <array>
#include <cstdint>
#include <limits>

namespace evo::common {

class Rng {
 public:
  static constexpr int kStateWords = 8;
  using State = std::array<std::uint64_t, kStateWords>;
  static constexpr const char* kEngineName = "philox4x64-10";

  // The stream that drives evolutionary decisions of job `job`.
  static Rng for_master(std::uint64_t seed, int job);
  // A worker rank's own stream (never used for anything that shapes results).
  static Rng for_worker(std::uint64_t seed, int job, int rank);
  // The randomness of one evaluation, identical on every rank and every rank count.
  static Rng for_evaluation(std::uint64_t seed, int job, std::uint64_t generation,
                            std::uint64_t index);
  // Throws CheckpointError when the words are not a state this class produced.
  static Rng from_state(const State& state);
  State state() const;

  // UniformRandomBitGenerator, so <algorithm> can use it; the distributions below
  // are ours because std:: distributions differ between standard libraries.
  using result_type = std::uint64_t;
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return std::numeric_limits<result_type>::max(); }
  result_type operator()() { return next_u64(); }

  std::uint64_t next_u64();
  double uniform01();                        // [0, 1), 53 random bits
  double uniform(double low, double high);   // [low, high)
  std::uint64_t below(std::uint64_t bound);  // [0, bound), unbiased; bound > 0
  double normal();                           // standard normal (Box-Muller, no cached value)
  bool bernoulli(double probability);

 private:
  Rng(std::uint64_t key0, std::uint64_t key1, std::uint64_t domain0, std::uint64_t domain1);
  void refill();

  std::array<std::uint64_t, 2> key_{};
  std::array<std::uint64_t, 4> counter_{};  // [0] block number, [2..3] stream domain
  std::array<std::uint64_t, 4> block_{};    // output of the current block
  std::uint64_t used_ = 4;                  // words of block_ already handed out
};

}  // namespace evo::common
