// The plugin evaluator: one dlopen'ed library per process, called in-process per
// evaluation. The library stays loaded as long as the evaluator lives; its finalize runs
// before dlclose.
#include "worker/plugin_evaluator.hpp"

#include <dlfcn.h>
#include <fmt/format.h>

#include <array>
#include <cstring>
#include <string>

#include "common/error.hpp"
#include "common/rng.hpp"
#include "evocluster/plugin.h"

namespace evo::worker {
namespace {

constexpr std::size_t kMessageSize = 512;

class PluginEvaluator : public common::Evaluator {
 public:
  explicit PluginEvaluator(const common::Config& config)
      : path_(config.plugin.library), objectives_(config.plugin.objectives) {
    handle_ = dlopen(path_.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle_ == nullptr) {
      const char* reason = dlerror();
      throw common::ConfigError(fmt::format("{}: plugin.library: cannot load '{}': {}",
                                            config.source, path_, reason ? reason : "unknown"));
    }
    try {
      const auto abi_version =
          symbol<evocluster_plugin_abi_version_fn>("evocluster_plugin_abi_version", config);
      evaluate_ = symbol<evocluster_plugin_evaluate_fn>("evocluster_plugin_evaluate", config);
      const std::uint32_t version = abi_version();
      if (version != EVOCLUSTER_PLUGIN_ABI_VERSION) {
        throw common::ConfigError(fmt::format(
            "{}: plugin.library: '{}' was built for plugin ABI version {}, this evocluster "
            "speaks version {}: rebuild it against this evocluster's evocluster/plugin.h",
            config.source, path_, version, EVOCLUSTER_PLUGIN_ABI_VERSION));
      }
      finalize_ = reinterpret_cast<evocluster_plugin_finalize_fn>(
          dlsym(handle_, "evocluster_plugin_finalize"));
      auto init =
          reinterpret_cast<evocluster_plugin_init_fn>(dlsym(handle_, "evocluster_plugin_init"));
      if (init != nullptr) {
        std::array<char, kMessageSize> message{};
        if (init(config.plugin.config.c_str(), message.data(), message.size()) != 0) {
          message.back() = '\0';
          finalize_ = nullptr;  // init failed: nothing to finalize
          throw common::ConfigError(
              fmt::format("{}: plugin.config: the plugin '{}' refused it: {}", config.source, path_,
                          message[0] != '\0' ? message.data() : "no reason given"));
        }
      }
    } catch (...) {
      dlclose(handle_);
      throw;
    }
  }

  ~PluginEvaluator() override {
    if (finalize_ != nullptr) finalize_();
    dlclose(handle_);
  }
  PluginEvaluator(const PluginEvaluator&) = delete;
  PluginEvaluator& operator=(const PluginEvaluator&) = delete;

  int objectives() const override { return objectives_; }

  common::EvalOutcome evaluate(std::span<const double> genome, const common::EvalContext& context,
                               std::span<double> fitness) override {
    const evocluster_eval_context plugin_context{
        context.seed, context.job, context.generation, context.index,
        common::Rng::for_evaluation(context.seed, context.job, context.generation, context.index)
            .next_u64()};
    std::array<char, kMessageSize> message{};
    const int status = evaluate_(genome.data(), genome.size(), &plugin_context, fitness.data(),
                                 fitness.size(), message.data(), message.size());
    if (status == EVOCLUSTER_PLUGIN_OK) return {};
    message.back() = '\0';
    return {common::EvalStatus::kFailed,
            fmt::format("plugin returned {}: {}", status,
                        message[0] != '\0' ? message.data() : "no reason given")};
  }

 private:
  template <typename Function>
  Function symbol(const char* name, const common::Config& config) {
    void* address = dlsym(handle_, name);
    if (address == nullptr) {
      throw common::ConfigError(
          fmt::format("{}: plugin.library: '{}' does not export {} (see evocluster/plugin.h)",
                      config.source, path_, name));
    }
    return reinterpret_cast<Function>(address);
  }

  std::string path_;
  int objectives_;
  void* handle_ = nullptr;
  evocluster_plugin_evaluate_fn evaluate_ = nullptr;
  evocluster_plugin_finalize_fn finalize_ = nullptr;
};

}  // namespace

std::unique_ptr<common::Evaluator> make_plugin_evaluator(const common::Config& config) {
  return std::make_unique<PluginEvaluator>(config);
}

}  // namespace evo::worker
