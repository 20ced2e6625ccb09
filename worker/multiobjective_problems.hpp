// The built-in multi-objective benchmarks ZDT1, ZDT2, ZDT3 (Zitzler, Deb & Thiele 2000)
// and DTLZ2 (Deb, Thiele, Laumanns & Zitzler 2002) as Evaluators. Every objective is
// minimised; genomes live in [0, 1]^n. Names and objective counts agree with
// common/problem_catalog.cpp.
#pragma once

#include <memory>
#include <span>

#include "common/config.hpp"
#include "common/evaluator.hpp"

namespace evo::worker {

// The objective functions themselves; `f` has room for the problem's objectives
// (2 for ZDT, f.size() for DTLZ2). Preconditions: x.size() >= 2; for DTLZ2
// x.size() >= f.size().
void zdt1(std::span<const double> x, std::span<double> f);
void zdt2(std::span<const double> x, std::span<double> f);
void zdt3(std::span<const double> x, std::span<double> f);
void dtlz2(std::span<const double> x, std::span<double> f);

// The multi-objective problem `problem.name`, or nullptr when it is not one. Each
// evaluation sleeps problem.delay_ms (when > 0) and fails with a detail when the genome
// length is not problem.dimension.
std::unique_ptr<common::Evaluator> make_multiobjective_evaluator(
    const common::ProblemConfig& problem);

}  // namespace evo::worker
