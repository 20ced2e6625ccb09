#include "common/crash_points.hpp"

#include <csignal>
#include <cstdlib>
#include <string>

namespace evo::common {
namespace {

struct CrashPlan {
  std::string stage;
  long remaining = 0;  // reaching the stage this many more times triggers the kill
};

CrashPlan read_plan() {
  const char* value = std::getenv("EVO_CRASH_AT");
  if (value == nullptr || *value == '\0') return {};
  std::string text(value);
  CrashPlan plan{text, 1};
  if (const auto colon = text.find(':'); colon != std::string::npos) {
    plan.stage = text.substr(0, colon);
    plan.remaining = std::strtol(text.c_str() + colon + 1, nullptr, 10);
  }
  return plan;
}

CrashPlan& active_plan() {
  static CrashPlan instance = read_plan();
  return instance;
}

}  // namespace

bool crash_point_armed(std::string_view stage) {
  return active_plan().remaining > 0 && stage == active_plan().stage;
}

void crash_point(std::string_view stage) {
  CrashPlan& plan = active_plan();
  if (plan.remaining <= 0 || stage != plan.stage) return;
  if (--plan.remaining == 0) std::raise(SIGKILL);
}

}  // namespace evo::common
