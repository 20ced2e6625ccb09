// The first line of defence against a hostile or buggy checkpoint, run on the verified
// in-memory image before any object is opened by name or any value is read: every HDF5
// object must be one our writer makes, in the form it makes it. Refused, each naming the
// object: soft, external and user-defined links, objects linked twice, committed datatypes,
// groups, datasets and attributes outside the schema, and datasets with another layout
// (chunked, compact, virtual), a filter, external storage, an extendible or non-simple
// shape, a type other than little-endian 64-bit float/int/uint (variable-length UTF-8 or
// ASCII string for /config/text), or data outside the image. Nothing here can make HDF5
// open another file, follow a link or allocate more than the image holds.
//
// Included only by common/checkpoint_*.cpp (it names HDF5 ids).
#pragma once

#include <hdf5.h>

#include <cstddef>
#include <string>

#include "common/checkpoint_hdf5.hpp"

namespace evo::common {

// Link, group and dataset access property lists for every open of a checkpoint's objects:
// external links are refused (an elink callback that fails) and soft or user-defined
// links followed at most one deep, should one ever get past check_checkpoint_structure.
class NoLinkTraversal {
 public:
  explicit NoLinkTraversal(const std::string& file);
  hid_t links() const { return links_.get(); }
  hid_t groups() const { return groups_.get(); }
  hid_t datasets() const { return datasets_.get(); }

 private:
  H5Owner links_;
  H5Owner groups_;
  H5Owner datasets_;
};

// Throws CheckpointError naming `file` and the first object our writer never makes.
// `image_bytes`: the size of the whole image (user block included) HDF5 has open.
void check_checkpoint_structure(hid_t file_id, const NoLinkTraversal& access,
                                std::size_t image_bytes, const std::string& file);

}  // namespace evo::common
