// The integrity frame of a checkpoint file (docs/checkpoint-format.md, "Integrity
// header"): a 512-byte HDF5 user block holding magic, versions, payload length and an
// XXH3-128 over the payload. It catches accidents (torn writes, bit rot, truncation);
// it is unkeyed, so a resealed file passes it and checkpoint_validator must judge the
// content. No HDF5 here: the frame is checked before HDF5 sees a byte.
#pragma once

#include <array>
#include <cstddef>
#include <span>
#include <string>
#include <vector>

namespace evo::common {

inline constexpr std::size_t kCheckpointUserBlockSize = 512;

// True when the 8-byte HDF5 superblock signature starts at `offset` of `bytes`.
bool has_hdf5_signature_at(std::span<const unsigned char> bytes, std::size_t offset);

// An image HDF5 returned through H5Fget_file_image, with room for the user block in front
// (HDF5 1.10 returns it from the superblock on). Throws CheckpointError naming `file`.
std::vector<unsigned char> with_user_block(std::vector<unsigned char> image,
                                           const std::string& file);

// Writes the integrity header into the first 512 bytes of `bytes` (the whole file), in place.
void frame_image(std::span<unsigned char> bytes, int format_version);

// Checks magic, header checksum, length and payload checksum of a whole file in memory;
// returns the header's format version. Throws CheckpointError with the reason.
int check_integrity(std::span<const unsigned char> bytes, const std::string& file);

// Throws IncompatibleCheckpointError unless this build reads `version`.
void check_format_version(int version, const std::string& file);

}  // namespace evo::common
