#include "common/log.hpp"

#include <spdlog/sinks/stdout_sinks.h>

#include <string>

namespace evo::common {

void init_logging(int rank) {
  auto logger = spdlog::stderr_logger_mt("evocluster");
  std::string prefix = rank <= 0 ? "[evocluster] " : "[evocluster r" + std::to_string(rank) + "] ";
  logger->set_pattern(prefix + "%^%l%$: %v");
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

void set_log_level(std::string_view level) {
  // The config's names are the words users know; spdlog calls warning "warn" ("warning" is
  // its display name too, but from_str wants "warn").
  if (level == "debug") {
    spdlog::set_level(spdlog::level::debug);
  } else if (level == "warning") {
    spdlog::set_level(spdlog::level::warn);
  } else if (level == "error") {
    spdlog::set_level(spdlog::level::err);
  } else {
    spdlog::set_level(spdlog::level::info);
  }
}

bool info_enabled() { return spdlog::default_logger_raw()->should_log(spdlog::level::info); }

}  // namespace evo::common
