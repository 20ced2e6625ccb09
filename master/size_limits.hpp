// Sizes a configuration asks for that cannot fit, refused as configuration errors (exit 2)
// by rank 0 before anything is created in the output directory, instead of an
// std::bad_alloc or an MPI error minutes later (docs/configuration.md "Sizes that cannot
// fit"). Two limits:
//   - the message limit: one genome (one task of problem.dimension genes) must fit in one
//     MPI message (common::kMaxMessageBytes, 2^31 - 1 bytes), which caps problem.dimension
//     at max_dimension(); task batches are kept small by the dispatcher, never refused, but
//     the results of its largest batch (objectives per task; dispatch.batch) must fit too;
//   - the master's memory: the arrays it must hold at once (master_memory: population and
//     offspring by algorithm, CMA-ES's matrices, the hall of fame, the logbook) against the
//     least of physical memory, RLIMIT_AS / RLIMIT_DATA and the cgroup's memory limit.
// master_memory is a lower bound (the big arrays only), so a config it lets through may
// still run out of memory; main reports that as "out of memory while ..." (exit 1).
// All arithmetic is exact in 128 bits (each factor is below 2^64), saturating beyond.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/config.hpp"

namespace evo::master {

using ByteCount = unsigned __int128;

// The largest problem.dimension whose task message fits in common::kMaxMessageBytes
// (268,435,446 genes of 8 bytes, whatever genome.type: genes travel as doubles).
std::uint32_t max_dimension();

struct MemoryLimit {
  std::uint64_t bytes = UINT64_MAX;  // UINT64_MAX: nothing limits it
  std::string source;                // what sets it, for the message
};

// The least of physical memory, RLIMIT_AS, RLIMIT_DATA and the memory limit of this
// process's cgroup (v2 memory.max or v1 memory.limit_in_bytes, its ancestors included).
MemoryLimit memory_limit();

// memory_limit's cgroup part: the least memory limit of the cgroups `proc_self_cgroup` (the
// text of /proc/self/cgroup) lists, and of their ancestors, read from the cgroup file
// systems mounted under `root` (/sys/fs/cgroup: v2 there or in unified/, v1 in memory/).
MemoryLimit cgroup_memory_limit(std::string_view proc_self_cgroup, const std::string& root);

// One array (or set of arrays) the master holds for the whole run.
struct MemoryPart {
  std::string what;  // e.g. "population and offspring: 2 x 1000 individuals of 30 genes ..."
  std::string keys;  // the keys that size it, e.g. "algorithm.population, problem.dimension"
  ByteCount bytes = 0;
};

// What the master holds at once, at least, for `config` (valid, as parse_config returns
// it): its algorithm's populations, state and archives, the hall of fame and the logbook.
std::vector<MemoryPart> master_memory(const common::Config& config);

// One message per limit `config` exceeds, each naming the keys, the bytes needed and the
// limit; empty when everything fits.
std::vector<std::string> size_violations(const common::Config& config, const MemoryLimit& limit);

// Throws ConfigError (exit 2) listing every size_violations message.
void check_sizes(const common::Config& config, const MemoryLimit& limit);

// "16000000072 bytes (14.9 GiB)"; exact up to 2^128 - 1.
std::string describe_bytes(ByteCount bytes);

}  // namespace evo::master
