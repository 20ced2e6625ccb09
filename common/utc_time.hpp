// Wall-clock UTC timestamps for file names and checkpoint metadata (never for results).
#pragma once

#include <string>

namespace evo::common {

// strftime-formatted current UTC time, e.g. utc_now("%Y-%m-%dT%H:%M:%SZ").
std::string utc_now(const char* strftime_format);

}  // namespace evo::common
