/* Plugins for tests/worker/plugin_evaluator_test.cpp, one per variant (tests/CMakeLists.txt):
 *   TEST_PLUGIN_GOOD         objective 0 = eval_seed % 1000, fails for genome[0] < 0
 *   TEST_PLUGIN_BAD_ABI      claims ABI version 999
 *   TEST_PLUGIN_NO_EVALUATE  lacks evocluster_plugin_evaluate */
#include <evocluster/plugin.h>
#include <stdio.h>

EVOCLUSTER_PLUGIN_EXPORT uint32_t evocluster_plugin_abi_version(void) {
#ifdef TEST_PLUGIN_BAD_ABI
  return 999;
#else
  return EVOCLUSTER_PLUGIN_ABI_VERSION;
#endif
}

#ifndef TEST_PLUGIN_NO_EVALUATE
EVOCLUSTER_PLUGIN_EXPORT int evocluster_plugin_evaluate(const double* genome, size_t n,
                                                        const evocluster_eval_context* context,
                                                        double* objectives, size_t n_objectives,
                                                        char* message, size_t message_size) {
  if (n > 0 && genome[0] < 0) {
    snprintf(message, message_size, "negative first gene %g", genome[0]);
    return 7;
  }
  for (size_t i = 0; i < n_objectives; ++i) {
    objectives[i] = (double)(context->eval_seed % 1000u) + (double)i;
  }
  return EVOCLUSTER_PLUGIN_OK;
}
#endif
