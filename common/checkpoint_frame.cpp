#include "common/checkpoint_frame.hpp"

#include <fmt/format.h>
#include <xxhash.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "common/checkpoint.hpp"
#include "common/checkpoint_failure.hpp"

namespace evo::common {
namespace {

// All integers are little-endian; the hashes are in xxHash's canonical (big-endian) byte
// order, i.e. the order `xxhsum -H2` prints.
constexpr std::size_t kUserBlockSize = kCheckpointUserBlockSize;
constexpr std::array<unsigned char, 8> kMagic = {'E', 'V', 'O', 'C', 'K', 'P', 'T', '\n'};
constexpr std::array<unsigned char, 8> kHdf5Signature = {0x89, 'H',  'D',  'F',
                                                         '\r', '\n', 0x1a, '\n'};
constexpr std::uint32_t kHeaderVersion = 1;
constexpr std::size_t kOffsetMagic = 0;
constexpr std::size_t kOffsetHeaderVersion = 8;
constexpr std::size_t kOffsetUserBlockSize = 12;
constexpr std::size_t kOffsetFormatVersion = 16;
constexpr std::size_t kOffsetPayloadLength = 24;
constexpr std::size_t kOffsetPayloadHash = 32;  // XXH3-128, 16 bytes
constexpr std::size_t kOffsetHeaderHash = 48;   // XXH3-64, 8 bytes
constexpr std::size_t kHeaderHashSize = 8;

void store_le(std::span<unsigned char> out, std::uint64_t value, std::size_t bytes) {
  for (std::size_t i = 0; i < bytes; ++i) {
    out[i] = static_cast<unsigned char>(value >> (8 * i));
  }
}

std::uint64_t load_le(std::span<const unsigned char> in, std::size_t bytes) {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < bytes; ++i) value |= std::uint64_t{in[i]} << (8 * i);
  return value;
}

std::array<unsigned char, 16> payload_hash(std::span<const unsigned char> payload) {
  XXH128_canonical_t canonical;
  XXH128_canonicalFromHash(&canonical, XXH3_128bits(payload.data(), payload.size()));
  std::array<unsigned char, 16> out{};
  std::memcpy(out.data(), canonical.digest, out.size());
  return out;
}

// XXH3-64 of the whole 512-byte block with the header-hash field taken as zero.
std::array<unsigned char, 8> header_hash(std::span<const unsigned char> block) {
  std::array<unsigned char, kUserBlockSize> copy{};
  std::memcpy(copy.data(), block.data(), kUserBlockSize);
  std::memset(copy.data() + kOffsetHeaderHash, 0, kHeaderHashSize);
  XXH64_canonical_t canonical;
  XXH64_canonicalFromHash(&canonical, XXH3_64bits(copy.data(), copy.size()));
  std::array<unsigned char, 8> out{};
  std::memcpy(out.data(), canonical.digest, out.size());
  return out;
}

std::string hex(std::span<const unsigned char> bytes) {
  std::string out;
  for (unsigned char byte : bytes) out += fmt::format("{:02x}", byte);
  return out;
}

}  // namespace

bool has_hdf5_signature_at(std::span<const unsigned char> bytes, std::size_t offset) {
  return bytes.size() > offset + kHdf5Signature.size() &&
         std::memcmp(bytes.data() + offset, kHdf5Signature.data(), kHdf5Signature.size()) == 0;
}

// HDF5 1.10 returns the image from the superblock on (without the user block, whose
// space it reserved but never writes); should a version return the user block too, that
// space is overwritten, as HDF5 never reads it.
std::vector<unsigned char> with_user_block(std::vector<unsigned char> image,
                                           const std::string& file) {
  if (has_hdf5_signature_at(image, 0)) {
    image.insert(image.begin(), kUserBlockSize, 0);
  } else if (!has_hdf5_signature_at(image, kUserBlockSize)) {
    fail_checkpoint(file, "build image: HDF5 image has no superblock at offset 0 or 512");
  }
  return image;
}

void frame_image(std::span<unsigned char> bytes, int format_version) {
  std::span<unsigned char> block = bytes.first(kUserBlockSize);
  std::memset(block.data(), 0, block.size());
  std::span<const unsigned char> payload = bytes.subspan(kUserBlockSize);
  std::memcpy(block.data() + kOffsetMagic, kMagic.data(), kMagic.size());
  store_le(block.subspan(kOffsetHeaderVersion), kHeaderVersion, 4);
  store_le(block.subspan(kOffsetUserBlockSize), kUserBlockSize, 4);
  store_le(block.subspan(kOffsetFormatVersion), static_cast<std::uint32_t>(format_version), 4);
  store_le(block.subspan(kOffsetPayloadLength), payload.size(), 8);
  const auto payload_digest = payload_hash(payload);
  std::memcpy(block.data() + kOffsetPayloadHash, payload_digest.data(), payload_digest.size());
  const auto header_digest = header_hash(block);
  std::memcpy(block.data() + kOffsetHeaderHash, header_digest.data(), header_digest.size());
}

int check_integrity(std::span<const unsigned char> bytes, const std::string& file) {
  if (bytes.empty()) fail_checkpoint(file, "empty file (0 bytes)");
  const std::size_t magic_bytes = std::min(bytes.size(), kMagic.size());
  if (std::memcmp(bytes.data(), kMagic.data(), magic_bytes) != 0) {
    if (bytes.size() >= kHdf5Signature.size() &&
        std::memcmp(bytes.data(), kHdf5Signature.data(), kHdf5Signature.size()) == 0) {
      fail_checkpoint(file,
                      "not an evocluster checkpoint (bad magic): a plain HDF5 file without the "
                      "integrity header");
    }
    fail_checkpoint(file, "not an evocluster checkpoint (bad magic)");
  }
  if (bytes.size() < kUserBlockSize) {
    fail_checkpoint(
        file, fmt::format("truncated: file has {} bytes, less than the {}-byte integrity header",
                          bytes.size(), kUserBlockSize));
  }
  const std::span<const unsigned char> block = bytes.first(kUserBlockSize);
  const auto expected_header_digest = header_hash(block);
  if (std::memcmp(expected_header_digest.data(), block.data() + kOffsetHeaderHash,
                  kHeaderHashSize) != 0) {
    fail_checkpoint(file,
                    fmt::format("integrity header checksum mismatch (header damaged): computed {}, "
                                "stored {}",
                                hex(expected_header_digest),
                                hex(block.subspan(kOffsetHeaderHash, kHeaderHashSize))));
  }
  const std::uint64_t header_version = load_le(block.subspan(kOffsetHeaderVersion), 4);
  if (header_version != kHeaderVersion) {
    fail_checkpoint(file,
                    fmt::format("unsupported integrity header version {} (this build reads {})",
                                header_version, kHeaderVersion));
  }
  const std::uint64_t user_block = load_le(block.subspan(kOffsetUserBlockSize), 4);
  if (user_block != kUserBlockSize) {
    fail_checkpoint(file, fmt::format("integrity header: user block size {} (expected {})",
                                      user_block, kUserBlockSize));
  }
  const std::uint64_t expected_length = load_le(block.subspan(kOffsetPayloadLength), 8);
  const std::size_t actual_length = bytes.size() - kUserBlockSize;
  if (actual_length < expected_length) {
    fail_checkpoint(file,
                    fmt::format("truncated: header says {} bytes, file has {} (after the {}-byte "
                                "header)",
                                expected_length, actual_length, kUserBlockSize));
  }
  if (actual_length > expected_length) {
    fail_checkpoint(file, fmt::format("trailing data: header says {} bytes, file has {} (after the "
                                      "{}-byte header)",
                                      expected_length, actual_length, kUserBlockSize));
  }
  const auto digest = payload_hash(bytes.subspan(kUserBlockSize));
  if (std::memcmp(digest.data(), block.data() + kOffsetPayloadHash, digest.size()) != 0) {
    fail_checkpoint(
        file, fmt::format("checksum mismatch: payload XXH3-128 is {}, header says {}", hex(digest),
                          hex(block.subspan(kOffsetPayloadHash, digest.size()))));
  }
  return static_cast<int>(load_le(block.subspan(kOffsetFormatVersion), 4));
}

void check_format_version(int version, const std::string& file) {
  if (version != kCheckpointFormatVersion) {
    throw IncompatibleCheckpointError(
        checkpoint_prefix(file) +
        fmt::format("incompatible checkpoint format version {} (this build reads version {})",
                    version, kCheckpointFormatVersion));
  }
}

}  // namespace evo::common
