#include "common/checkpoint_hdf5.hpp"

namespace evo::common {

std::string hdf5_error_detail() {
  std::string detail;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_UPWARD,
      [](unsigned n, const H5E_error2_t* error, void* out) noexcept -> herr_t {
        if (n != 0 || error->desc == nullptr) return 0;
        try {
          *static_cast<std::string*>(out) = fmt::format(
              "{} (in {})", error->desc, error->func_name != nullptr ? error->func_name : "?");
        } catch (...) {
          // Out of memory while describing an error: the caller reports a generic one.
        }
        return 0;
      },
      &detail);
  H5Eclear2(H5E_DEFAULT);
  return detail.empty() ? "HDF5 call failed" : detail;
}

}  // namespace evo::common
