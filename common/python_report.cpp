// Finding the Python package and handing `report` over to it: the figures are drawn by
// matplotlib, so the C++ side only locates things and explains what is missing.
#include "common/python_report.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <system_error>

#include "common/error.hpp"

namespace evo::common {
namespace {

bool holds_package(const std::filesystem::path& directory) {
  std::error_code error;
  return std::filesystem::is_regular_file(directory / "evocluster" / "__init__.py", error);
}

}  // namespace

std::optional<std::filesystem::path> find_python_package() {
  std::error_code error;
  const std::filesystem::path executable = std::filesystem::read_symlink("/proc/self/exe", error);
  if (!error) {
    const auto installed =
        executable.parent_path().parent_path() / "lib" / "python3" / "dist-packages";
    if (holds_package(installed)) return installed;
  }
#ifdef EVO_PYTHON_SOURCE_DIR
  if (holds_package(EVO_PYTHON_SOURCE_DIR)) return std::filesystem::path(EVO_PYTHON_SOURCE_DIR);
#endif
  return std::nullopt;
}

int exec_python_report(const std::vector<std::string>& arguments) {
  const std::optional<std::filesystem::path> package = find_python_package();
  if (!package) {
    std::cerr << "evocluster report: the Python package evocluster is not installed next to "
                 "this program (PREFIX/lib/python3/dist-packages) nor in the source tree\n";
    return kExitFailure;
  }
  const char* chosen = std::getenv("EVO_PYTHON");
  const std::string python = chosen != nullptr && *chosen != '\0' ? chosen : "/usr/bin/python3";
  if (::access(python.c_str(), X_OK) != 0) {
    std::cerr << fmt::format(
        "evocluster report: no Python interpreter at {} ({}): install python3 with "
        "python3-h5py and python3-matplotlib (scripts/install-deps.sh), or set EVO_PYTHON\n",
        python, std::strerror(errno));
    return kExitFailure;
  }
  std::string path = package->string();
  if (const char* existing = std::getenv("PYTHONPATH"); existing != nullptr && *existing) {
    path += std::string(":") + existing;
  }
  ::setenv("PYTHONPATH", path.c_str(), 1);
  std::vector<std::string> words{python, "-m", "evocluster.report"};
  words.insert(words.end(), arguments.begin(), arguments.end());
  std::vector<char*> argv;
  for (std::string& word : words) argv.push_back(word.data());
  argv.push_back(nullptr);
  ::execv(python.c_str(), argv.data());
  std::cerr << fmt::format("evocluster report: cannot run {}: {}\n", python, std::strerror(errno));
  return kExitFailure;
}

}  // namespace evo::common
