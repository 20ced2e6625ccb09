// `evocluster report OUT`: runs the Python package's report module
// (`python3 -m evocluster.report OUT`) with the package found next to this program:
// PREFIX/lib/python3/dist-packages for an installed evocluster (PREFIX = the binary's
// directory/..), else the source tree's python/ for a build-tree binary. The interpreter is
// /usr/bin/python3 (Debian's, which has h5py and matplotlib) unless EVO_PYTHON names another.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace evo::common {

// The directory holding evocluster/__init__.py, or nullopt when neither place has it.
std::optional<std::filesystem::path> find_python_package();

// Replaces this process with the interpreter running the report module on `arguments`
// (exit code then the module's: 0, 1 for a missing module, 2 for a bad OUT). Returns only
// on failure, with the exit code after printing why to stderr.
int exec_python_report(const std::vector<std::string>& arguments);

}  // namespace evo::common
