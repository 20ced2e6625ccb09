/* evocluster fitness plugins: the C ABI (problem.name = "plugin").
 *
 * A plugin is a shared library that evocluster loads with dlopen() on every rank that
 * evaluates (and once on the master at start, to check it). It exports:
 *
 *   required  evocluster_plugin_abi_version   returns EVOCLUSTER_PLUGIN_ABI_VERSION
 *   required  evocluster_plugin_evaluate      computes the objectives of one genome
 *   optional  evocluster_plugin_init          called once after loading, with plugin.config
 *   optional  evocluster_plugin_finalize      called once before unloading
 *
 * Write the exports with EVOCLUSTER_PLUGIN_EXPORT, e.g.
 *
 *   #include <evocluster/plugin.h>
 *   EVOCLUSTER_PLUGIN_EXPORT uint32_t evocluster_plugin_abi_version(void) {
 *     return EVOCLUSTER_PLUGIN_ABI_VERSION;
 *   }
 *   EVOCLUSTER_PLUGIN_EXPORT int evocluster_plugin_evaluate(
 *       const double* genome, size_t n, const evocluster_eval_context* context,
 *       double* objectives, size_t n_objectives, char* message, size_t message_size) {
 *     double sum = 0;
 *     for (size_t i = 0; i < n; ++i) sum += genome[i] * genome[i];
 *     objectives[0] = sum;
 *     return EVOCLUSTER_PLUGIN_OK;
 *   }
 *
 * Objectives are minimised. Calls come from one thread per process, one at a time; a
 * plugin may keep state between calls, but a result that depends on it (rather than on
 * the genome and the context) makes the run depend on which worker evaluated what.
 * For randomness use context->eval_seed: it is the same for the same task on any worker
 * and any rank count, so runs stay reproducible.
 *
 * Version 1 of this ABI. A change that breaks existing plugins increments
 * EVOCLUSTER_PLUGIN_ABI_VERSION; evocluster refuses (exit 2) a plugin built for another.
 */
#ifndef EVOCLUSTER_PLUGIN_H
#define EVOCLUSTER_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#define EVOCLUSTER_PLUGIN_ABI_VERSION 1u

#ifdef __cplusplus
#define EVOCLUSTER_PLUGIN_EXTERN_C extern "C"
#else
#define EVOCLUSTER_PLUGIN_EXTERN_C
#endif
#define EVOCLUSTER_PLUGIN_EXPORT EVOCLUSTER_PLUGIN_EXTERN_C __attribute__((visibility("default")))

/* Return values of evocluster_plugin_evaluate and evocluster_plugin_init. */
#define EVOCLUSTER_PLUGIN_OK 0
#define EVOCLUSTER_PLUGIN_FAILED 1 /* any non-zero value: the evaluation failed */

/* Which evaluation this is. */
typedef struct evocluster_eval_context {
  uint64_t seed;       /* run.seed */
  int32_t job;         /* job number (run.jobs) */
  uint64_t generation; /* generation the task belongs to */
  uint64_t index;      /* task index within it (birth number for steady_state) */
  uint64_t eval_seed;  /* a 64-bit seed derived from all of the above */
} evocluster_eval_context;

/* Returns EVOCLUSTER_PLUGIN_ABI_VERSION, the version the plugin was built against. */
typedef uint32_t (*evocluster_plugin_abi_version_fn)(void);

/* Writes n_objectives values (plugin.objectives) into `objectives` and returns
 * EVOCLUSTER_PLUGIN_OK; on failure returns non-zero and may write a NUL-terminated reason
 * (at most message_size bytes) into `message`. The failure policy (dispatch.retries,
 * dispatch.failure_fitness) then applies, as does a NaN or infinite objective. */
typedef int (*evocluster_plugin_evaluate_fn)(const double* genome, size_t n,
                                             const evocluster_eval_context* context,
                                             double* objectives, size_t n_objectives, char* message,
                                             size_t message_size);

/* Optional. `config` is plugin.config (NUL-terminated, possibly empty). Non-zero ends the
 * run with exit code 2 and the reason written to `message`. */
typedef int (*evocluster_plugin_init_fn)(const char* config, char* message, size_t message_size);

/* Optional. Called once before the library is unloaded. */
typedef void (*evocluster_plugin_finalize_fn)(void);

#endif /* EVOCLUSTER_PLUGIN_H */
