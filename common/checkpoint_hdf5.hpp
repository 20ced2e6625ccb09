// HDF5 plumbing shared by the checkpoint writer, reader and structure check: an owner per
// id that checks it, HDF5's error stack turned into the CheckpointError message, and the
// site (file name) every message names. Included only by common/checkpoint_*.cpp, the
// only files that may see <hdf5.h>.
#pragma once

#include <fmt/format.h>
#include <hdf5.h>

#include <string>
#include <string_view>
#include <utility>

#include "common/checkpoint_failure.hpp"

namespace evo::common {

// HDF5 prints its error stack to stderr by default; we turn the stack into the message
// of the CheckpointError instead, for the duration of one public call.
class QuietHdf5Errors {
 public:
  QuietHdf5Errors() {
    H5Eget_auto2(H5E_DEFAULT, &function_, &data_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  QuietHdf5Errors(const QuietHdf5Errors&) = delete;
  QuietHdf5Errors& operator=(const QuietHdf5Errors&) = delete;
  ~QuietHdf5Errors() { H5Eset_auto2(H5E_DEFAULT, function_, data_); }

 private:
  H5E_auto2_t function_ = nullptr;
  void* data_ = nullptr;
};

// The innermost (most specific) description on HDF5's error stack; clears the stack.
std::string hdf5_error_detail();

[[noreturn]] inline void fail_hdf5(const std::string& file, std::string_view step) {
  fail_checkpoint(file, fmt::format("{}: {}", step, hdf5_error_detail()));
}

inline void check_hdf5(herr_t status, const std::string& file, std::string_view step) {
  if (status < 0) fail_hdf5(file, step);
}

// Owns one HDF5 id; construction checks it, so a failed H5*create/open throws at once.
class H5Owner {
 public:
  using Closer = herr_t (*)(hid_t);
  H5Owner(hid_t id, Closer closer, const std::string& file, std::string_view step)
      : id_(id), closer_(closer) {
    if (id_ < 0) fail_hdf5(file, step);
  }
  H5Owner(H5Owner&& other) noexcept
      : id_(std::exchange(other.id_, H5I_INVALID_HID)), closer_(other.closer_) {}
  H5Owner& operator=(H5Owner&&) = delete;
  H5Owner(const H5Owner&) = delete;
  H5Owner& operator=(const H5Owner&) = delete;
  // Destructors never throw: a close failing here follows an error already being reported.
  ~H5Owner() {
    if (id_ >= 0) closer_(id_);
  }
  hid_t get() const { return id_; }
  void close(const std::string& file, std::string_view step) {
    const hid_t id = std::exchange(id_, H5I_INVALID_HID);
    check_hdf5(closer_(id), file, step);
  }

 private:
  hid_t id_;
  Closer closer_;
};

// Where HDF5 objects live and which context errors name.
class Hdf5Site {
 public:
  explicit Hdf5Site(std::string file) : file_(std::move(file)) {}

 protected:
  H5Owner own(hid_t id, H5Owner::Closer closer, std::string_view step) const {
    return {id, closer, file_, step};
  }
  void check(herr_t status, std::string_view step) const { check_hdf5(status, file_, step); }
  [[noreturn]] void invalid(std::string_view what) const { fail_checkpoint(file_, what); }

  // Variable-length string type in `cset` (h5py reads such attributes as str).
  H5Owner string_type(H5T_cset_t cset = H5T_CSET_UTF8) const {
    H5Owner type = own(H5Tcopy(H5T_C_S1), H5Tclose, "copy string type");
    check(H5Tset_size(type.get(), H5T_VARIABLE), "set string type size");
    check(H5Tset_cset(type.get(), cset), "set string character set");
    return type;
  }

  std::string file_;
};

inline std::string object_path(std::string_view parent, std::string_view name) {
  return parent == "/" ? fmt::format("/{}", name) : fmt::format("{}/{}", parent, name);
}

}  // namespace evo::common
