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

}  // namespace evo::common
