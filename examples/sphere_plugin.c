/* An example fitness plugin (problem.name = "plugin"): the sphere function, sum of x_i^2,
 * computed exactly as evocluster's built-in sphere, so a run with this plugin equals a run
 * with problem.name = "sphere" bit for bit (tests/e2e/plugin_test.sh checks it).
 *
 * Build: cc -shared -fPIC -O2 -I<prefix>/include sphere_plugin.c -o libsphere_plugin.so
 * (CMake builds it as build/libsphere_plugin.so). Use: examples/plugin.toml. */
#include <evocluster/plugin.h>
#include <stdio.h>
#include <string.h>

static double scale = 1.0; /* from plugin.config "scale=<number>", to show init */

EVOCLUSTER_PLUGIN_EXPORT uint32_t evocluster_plugin_abi_version(void) {
  return EVOCLUSTER_PLUGIN_ABI_VERSION;
}

EVOCLUSTER_PLUGIN_EXPORT int evocluster_plugin_init(const char* config, char* message,
                                                    size_t message_size) {
  if (config[0] == '\0') return EVOCLUSTER_PLUGIN_OK;
  if (sscanf(config, "scale=%lf", &scale) != 1 || !(scale > 0)) {
    snprintf(message, message_size, "expected \"scale=<positive number>\", got \"%s\"", config);
    return EVOCLUSTER_PLUGIN_FAILED;
  }
  return EVOCLUSTER_PLUGIN_OK;
}

EVOCLUSTER_PLUGIN_EXPORT int evocluster_plugin_evaluate(const double* genome, size_t n,
                                                        const evocluster_eval_context* context,
                                                        double* objectives, size_t n_objectives,
                                                        char* message, size_t message_size) {
  (void)context; /* the sphere needs no randomness; context->eval_seed would seed it */
  if (n_objectives != 1) {
    snprintf(message, message_size, "sphere has 1 objective, plugin.objectives asks for %zu",
             n_objectives);
    return EVOCLUSTER_PLUGIN_FAILED;
  }
  double sum = 0;
  for (size_t i = 0; i < n; ++i) sum += genome[i] * genome[i];
  objectives[0] = scale == 1.0 ? sum : scale * sum;
  return EVOCLUSTER_PLUGIN_OK;
}

EVOCLUSTER_PLUGIN_EXPORT void evocluster_plugin_finalize(void) { scale = 1.0; }
