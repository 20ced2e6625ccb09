#include "common/checkpoint_structure.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <limits>
#include <set>
#include <string_view>
#include <vector>

#include "common/checkpoint_schema.hpp"

namespace evo::common {
namespace {

// Fails every external-link traversal: a checkpoint never points into another file, and
// opening one (a FIFO, a device, a file nobody verified) is exactly what must not happen.
herr_t refuse_external_link(const char*, const char*, const char*, const char*, unsigned*, hid_t,
                            void*) noexcept {
  return -1;
}

H5Owner no_traversal_plist(hid_t plist_class, const std::string& file) {
  H5Owner plist(H5Pcreate(plist_class), H5Pclose, file, "create link access plist");
  check_hdf5(H5Pset_elink_cb(plist.get(), &refuse_external_link, nullptr), file,
             "refuse external links");
  // Soft and user-defined links count against this limit, hard links do not; HDF5 wants at
  // least 1, so one soft link could be traversed were the structure check not run first.
  check_hdf5(H5Pset_nlinks(plist.get(), 1), file, "limit soft links");
  return plist;
}

// One link of the file as H5Lvisit reports it: only C data, as no exception may cross
// HDF5's frames; judged afterwards.
struct VisitedLink {
  std::string path;  // "/population/genomes"
  H5L_type_t type = H5L_TYPE_ERROR;
  H5O_type_t object = H5O_TYPE_UNKNOWN;  // hard links only
  unsigned references = 0;
  bool info_failed = false;
};

struct Visit {
  hid_t lapl = H5P_DEFAULT;
  std::vector<VisitedLink> links;
  bool out_of_memory = false;
};

herr_t record_link(hid_t group, const char* name, const H5L_info_t* info, void* data) noexcept {
  auto* visit = static_cast<Visit*>(data);
  try {
    VisitedLink link;
    link.path = std::string("/") + name;
    link.type = info->type;
    if (info->type == H5L_TYPE_HARD) {
      // By name from the start group: every component is a hard link H5Lvisit came
      // through, and the plist refuses anything else.
      H5O_info_t object{};
      if (H5Oget_info_by_name2(group, name, &object, H5O_INFO_BASIC, visit->lapl) < 0) {
        link.info_failed = true;
      } else {
        link.object = object.type;
        link.references = object.rc;
      }
    }
    visit->links.push_back(std::move(link));
  } catch (...) {
    visit->out_of_memory = true;
    return -1;
  }
  return 0;
}

std::string_view link_kind(H5L_type_t type) {
  switch (type) {
    case H5L_TYPE_SOFT:
      return "a soft link";
    case H5L_TYPE_EXTERNAL:
      return "an external link";
    default:
      return "a user-defined link";
  }
}

// What the writer makes: the schema's groups, and in each the datasets it may hold.
bool is_population_group(std::string_view group) {
  return group == "population" || group == "hall_of_fame" || group == "in_progress";
}

bool dataset_allowed(std::string_view group, std::string_view name) {
  if (is_population_group(group)) return name == "genomes" || name == "fitness";
  // Any name: a build with other logbook columns wrote it, and the reader says so (exit 4).
  if (group == "logbook") return !name.empty();
  if (group == "rng") return name == "state";
  if (group == "algorithm") return !name.empty();
  if (group == "config") return name == "text";
  if (group == "run") return name == "ranks_history";
  return false;
}

std::vector<std::string_view> attributes_allowed(std::string_view path) {
  if (path == "/") {
    return {kCheckpointRootAttributes.begin(), kCheckpointRootAttributes.end()};
  }
  if (path == "/in_progress") {
    return {"dimension", "objectives", "evaluations_needed", "generation", "failed"};
  }
  if (path == "/population" || path == "/hall_of_fame") return {"dimension", "objectives"};
  if (path == "/logbook") return {"columns"};
  if (path == "/rng") return {"engine"};
  if (path == "/algorithm") return {"name"};
  return {};
}

class StructureCheck {
 public:
  StructureCheck(hid_t file_id, const NoLinkTraversal& access, std::size_t image_bytes,
                 const std::string& file)
      : file_id_(file_id), access_(access), image_bytes_(image_bytes), file_(file) {}

  void run() const {
    Visit visit;
    visit.lapl = access_.links();
    if (H5Lvisit(file_id_, H5_INDEX_NAME, H5_ITER_INC, &record_link, &visit) < 0) {
      if (visit.out_of_memory) fail_checkpoint(file_, "out of memory listing its objects");
      fail_hdf5(file_, "list objects");
    }
    check_attributes(file_id_, "/");
    std::set<std::string> groups_seen;
    for (const VisitedLink& link : visit.links) check_link(link, groups_seen);
    for (const char* group : kCheckpointGroups) {
      if (!groups_seen.contains(group)) invalid(fmt::format("group /{} is missing", group));
    }
  }

 private:
  [[noreturn]] void invalid(std::string_view what) const { fail_checkpoint(file_, what); }

  void check_link(const VisitedLink& link, std::set<std::string>& groups_seen) const {
    const std::string& path = link.path;
    if (link.type != H5L_TYPE_HARD) {
      invalid(
          fmt::format("{} is {}: a checkpoint holds hard links only, and this one is not "
                      "followed",
                      path, link_kind(link.type)));
    }
    if (link.info_failed) fail_hdf5(file_, "inspect " + path);
    if (link.references != 1) {
      invalid(fmt::format("{} is linked {} times (a checkpoint links every object once)", path,
                          link.references));
    }
    const std::string_view relative = std::string_view(path).substr(1);
    const std::size_t slash = relative.find('/');
    if (slash == std::string_view::npos) {
      const bool known = std::any_of(kCheckpointGroups.begin(), kCheckpointGroups.end(),
                                     [&](const char* group) { return relative == group; });
      if (!known || link.object != H5O_TYPE_GROUP) {
        invalid(fmt::format("{} is not part of the checkpoint schema", path));
      }
      groups_seen.emplace(relative);
      check_attributes_of(path);
      return;
    }
    const std::string_view group = relative.substr(0, slash);
    const std::string_view name = relative.substr(slash + 1);
    if (name.find('/') != std::string_view::npos || !dataset_allowed(group, name) ||
        link.object != H5O_TYPE_DATASET) {
      invalid(fmt::format("{} is not part of the checkpoint schema", path));
    }
    check_dataset(path, group == "config");
  }

  void check_attributes_of(const std::string& path) const {
    H5Owner object(H5Oopen(file_id_, path.c_str(), access_.links()), H5Oclose, file_,
                   "open " + path);
    check_attributes(object.get(), path);
  }

  // Attribute names only: their types and values are the reader's to check.
  void check_attributes(hid_t object, const std::string& path) const {
    struct Names {
      std::vector<std::string> names;
    } listing;
    hsize_t index = 0;
    const herr_t status = H5Aiterate2(
        object, H5_INDEX_NAME, H5_ITER_INC, &index,
        [](hid_t, const char* name, const H5A_info_t*, void* data) noexcept -> herr_t {
          try {
            static_cast<Names*>(data)->names.emplace_back(name);
          } catch (...) {
            return -1;
          }
          return 0;
        },
        &listing);
    if (status < 0) fail_hdf5(file_, "list attributes of " + path);
    const std::vector<std::string_view> allowed = attributes_allowed(path);
    for (const std::string& name : listing.names) {
      if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
        invalid(fmt::format("attribute {} of {} is not part of the checkpoint schema", name, path));
      }
    }
  }

  void check_dataset(const std::string& path, bool string_dataset) const {
    H5Owner dataset(H5Dopen2(file_id_, path.c_str(), access_.datasets()), H5Dclose, file_,
                    "open dataset " + path);
    check_attributes(dataset.get(), path);
    H5Owner dcpl(H5Dget_create_plist(dataset.get()), H5Pclose, file_,
                 "get creation properties of " + path);
    const H5D_layout_t layout = H5Pget_layout(dcpl.get());
    if (layout != H5D_CONTIGUOUS) {
      const std::string_view name = layout == H5D_CHUNKED   ? "chunked"
                                    : layout == H5D_COMPACT ? "compact"
                                    : layout == H5D_VIRTUAL ? "virtual"
                                                            : "unknown";
      invalid(
          fmt::format("dataset {} has a {} layout (a checkpoint writes contiguous datasets "
                      "only)",
                      path, name));
    }
    if (const int filters = H5Pget_nfilters(dcpl.get()); filters != 0) {
      invalid(fmt::format("dataset {} has {} filter(s) (a checkpoint writes none)", path, filters));
    }
    if (const int external = H5Pget_external_count(dcpl.get()); external != 0) {
      invalid(fmt::format("dataset {} keeps its data in {} external file(s); not read", path,
                          external));
    }
    H5Owner type(H5Dget_type(dataset.get()), H5Tclose, file_, "get type of " + path);
    H5Owner space(H5Dget_space(dataset.get()), H5Sclose, file_, "get shape of " + path);
    std::size_t element_bytes = 8;
    if (string_dataset) {
      const htri_t variable = H5Tis_variable_str(type.get());
      const H5T_cset_t cset = H5Tget_cset(type.get());
      if (H5Tget_class(type.get()) != H5T_STRING || variable <= 0 ||
          (cset != H5T_CSET_UTF8 && cset != H5T_CSET_ASCII)) {
        invalid(fmt::format("dataset {} is not a variable-length string", path));
      }
      if (H5Sget_simple_extent_type(space.get()) != H5S_SCALAR) {
        invalid(fmt::format("dataset {} is not a scalar", path));
      }
      element_bytes = 0;  // heap references: their size is HDF5's, checked below
    } else {
      check_numeric_type(type.get(), path);
      check_fixed_shape(space.get(), path);
    }
    check_storage(dataset.get(), space.get(), element_bytes, path);
  }

  void check_numeric_type(hid_t type, const std::string& path) const {
    const bool known = H5Tequal(type, H5T_IEEE_F64LE) > 0 || H5Tequal(type, H5T_STD_I64LE) > 0 ||
                       H5Tequal(type, H5T_STD_U64LE) > 0;
    if (!known) {
      invalid(fmt::format("dataset {} is not little-endian float64, int64 or uint64", path));
    }
  }

  void check_fixed_shape(hid_t space, const std::string& path) const {
    if (H5Sget_simple_extent_type(space) != H5S_SIMPLE) {
      invalid(fmt::format("dataset {} has no simple shape", path));
    }
    const int rank = H5Sget_simple_extent_ndims(space);
    if (rank < 1 || rank > 2) invalid(fmt::format("dataset {} has {} dimensions", path, rank));
    std::array<hsize_t, 2> dims{};
    std::array<hsize_t, 2> max_dims{};
    if (H5Sget_simple_extent_dims(space, dims.data(), max_dims.data()) < 0) {
      fail_hdf5(file_, "get shape of " + path);
    }
    for (int i = 0; i < rank; ++i) {
      if (max_dims[static_cast<std::size_t>(i)] != dims[static_cast<std::size_t>(i)]) {
        invalid(fmt::format("dataset {} is extendible (a checkpoint writes fixed shapes)", path));
      }
    }
  }

  // The data a dataset declares must be exactly the bytes it stores, and inside the image:
  // so no read can allocate more than the file holds, whatever the shape claims.
  void check_storage(hid_t dataset, hid_t space, std::size_t element_bytes,
                     const std::string& path) const {
    const hssize_t elements = H5Sget_simple_extent_npoints(space);
    if (elements < 0) fail_hdf5(file_, "count elements of " + path);
    const auto count = static_cast<hsize_t>(elements);
    const hsize_t stored = H5Dget_storage_size(dataset);
    if (element_bytes > 0) {
      if (count > image_bytes_ / element_bytes) {
        invalid(
            fmt::format("dataset {} declares {} elements, more than the {}-byte file can "
                        "hold",
                        path, count, image_bytes_));
      }
      if (stored != count * element_bytes) {
        invalid(fmt::format("dataset {} declares {} bytes of data but stores {}", path,
                            count * element_bytes, stored));
      }
    }
    if (stored == 0) return;
    const haddr_t offset = H5Dget_offset(dataset);
    if (offset == HADDR_UNDEF || offset > image_bytes_ || stored > image_bytes_ - offset) {
      invalid(fmt::format("dataset {}: its {} bytes of data lie outside the {}-byte file", path,
                          stored, image_bytes_));
    }
  }

  hid_t file_id_;
  const NoLinkTraversal& access_;
  std::size_t image_bytes_;
  const std::string& file_;
};

}  // namespace

NoLinkTraversal::NoLinkTraversal(const std::string& file)
    : links_(no_traversal_plist(H5P_LINK_ACCESS, file)),
      groups_(no_traversal_plist(H5P_GROUP_ACCESS, file)),
      datasets_(no_traversal_plist(H5P_DATASET_ACCESS, file)) {}

void check_checkpoint_structure(hid_t file_id, const NoLinkTraversal& access,
                                std::size_t image_bytes, const std::string& file) {
  StructureCheck(file_id, access, image_bytes, file).run();
}

}  // namespace evo::common
