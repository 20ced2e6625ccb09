// A checkpoint file on disk, as bytes: read whole into memory (the one buffer the
// integrity check and HDF5 then share), and committed durably (tmp, fsync, rename, fsync
// directory), with the crash points the crash-point tests kill at. No HDF5 here.
#pragma once

#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace evo::common {

// The whole regular file at `path`; throws CheckpointError naming `file` (open, stat, read,
// not a regular file: a FIFO or device is refused before any read could block).
std::vector<unsigned char> read_checkpoint_file(const std::filesystem::path& path,
                                                const std::string& file);

// Writes `image` to path.tmp, fsyncs, renames over `path`, fsyncs the directory. Before
// the rename any failure removes the tmp and leaves `path` as it was; throws CheckpointError
// naming the step.
void commit_checkpoint_image(const std::filesystem::path& path,
                             std::span<const unsigned char> image, const std::string& file);

}  // namespace evo::common
