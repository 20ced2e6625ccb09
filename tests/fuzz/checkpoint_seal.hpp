// The checkpoint integrity header (docs/checkpoint-format.md, "Integrity header"),
// written independently of common/checkpoint_io.cpp so that the fuzz harness can reseal
// any payload: a 512-byte block — magic "EVOCKPT\n", header version 1 (u32), user-block
// size 512 (u32), format version (u32, at 16), payload length (u64, at 24), XXH3-128 of
// the payload (canonical bytes, at 32), XXH3-64 of the block with its own field zeroed
// (at 48) — then the payload (the HDF5 file from its superblock on).
#pragma once
#include <xxhash.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

namespace evo::fuzz {

inline void store_le(unsigned char* out, std::uint64_t value, std::size_t bytes) {
  for (std::size_t i = 0; i < bytes; ++i) out[i] = static_cast<unsigned char>(value >> (8 * i));
}

inline std::vector<unsigned char> sealed_checkpoint(std::span<const unsigned char> payload,
                                                    std::uint32_t format_version = 1) {
  constexpr std::size_t kBlock = 512;
  std::vector<unsigned char> file(kBlock + payload.size(), 0);
  if (!payload.empty()) std::memcpy(file.data() + kBlock, payload.data(), payload.size());
  unsigned char* block = file.data();
  std::memcpy(block, "EVOCKPT\n", 8);
  store_le(block + 8, 1, 4);
  store_le(block + 12, kBlock, 4);
  store_le(block + 16, format_version, 4);
  store_le(block + 24, payload.size(), 8);
  XXH128_canonical_t payload_hash;
  XXH128_canonicalFromHash(&payload_hash, XXH3_128bits(file.data() + kBlock, payload.size()));
  std::memcpy(block + 32, payload_hash.digest, sizeof payload_hash.digest);
  XXH64_canonical_t header_hash;
  XXH64_canonicalFromHash(&header_hash, XXH3_64bits(block, kBlock));
  std::memcpy(block + 48, header_hash.digest, sizeof header_hash.digest);
  return file;
}

}  // namespace evo::fuzz
