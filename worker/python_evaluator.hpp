// problem.name = "python": a Python function evaluated in-process. Each evaluating rank
// embeds one CPython interpreter (kept for the life of the process: numpy cannot be
// initialised twice), imports python.module once and calls python.function with numpy
// arrays that view evocluster's own buffers, read-only and valid only during the call.
//
//   batch = false: function(genome) or function(genome, seed), by the function's
//                  signature; returns a number, or a sequence of python.objectives numbers.
//   batch = true:  function(genomes, seeds), genomes a (n, dimension) float64 array and
//                  seeds a (n,) uint64 array; returns an array (n, objectives) ((n,) for one
//                  objective).
//
// Each seed is Rng::for_evaluation(seed, job, generation, index).next_u64(), the plugin's
// and registered problems' seed: a noisy function that draws from it gives the same
// result on any rank and any rank count. A Python exception (SystemExit included) is a
// kFailed evaluation carrying the traceback's last lines, a result of the wrong type or
// shape kGarbage, a NaN or infinity kNonFinite. An import, a missing function or a
// failing python.init throws ConfigError naming the module: main.cpp's start-up handshake
// then ends every rank with exit 2 before anything is written. The GIL is held by the
// rank's one thread for the whole run.
#pragma once

#include <memory>

#include "common/config.hpp"
#include "common/evaluator.hpp"

namespace evo::worker {

std::unique_ptr<common::Evaluator> make_python_evaluator(const common::Config& config);

}  // namespace evo::worker
