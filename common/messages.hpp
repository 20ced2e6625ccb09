// Wire formats of the messages that carry work: packed, fixed-layout, contiguous doubles,
// so a batch costs one memcpy per array, not one serialization per individual.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "common/evaluator.hpp"
#include "common/rng.hpp"
#include "common/transport.hpp"

namespace evo::common {

struct TaskBatch {
  int job = 0;
  std::uint64_t generation = 0;
  std::uint32_t dimension = 0;
  std::vector<std::uint64_t> indices;  // task index = individual index in its generation
  std::vector<double> genes;           // indices.size() * dimension

  std::size_t size() const { return indices.size(); }
  std::span<const double> genome(std::size_t i) const {
    return {genes.data() + i * dimension, dimension};
  }
};

struct ResultBatch {
  std::uint32_t objectives = 0;
  std::vector<std::uint64_t> indices;
  std::vector<std::uint8_t> statuses;  // EvalStatus
  std::vector<double> fitness;         // indices.size() * objectives
  double busy_seconds = 0;             // time the worker spent evaluating this batch
  // The worker's RNG state after the batch: the master always holds every rank's exact
  // state, so a checkpoint never has to wait for a busy worker.
  Rng::State worker_rng{};
  std::vector<std::string> details;  // one per failed entry, in order; empty when all ok

  std::size_t size() const { return indices.size(); }
};

// pack_* reuse `out`'s capacity; unpack_* throw Error on a malformed payload.
void pack_tasks(const TaskBatch& batch, std::vector<std::byte>& out);
void unpack_tasks(std::span<const std::byte> payload, TaskBatch& batch);
void pack_results(const ResultBatch& batch, std::vector<std::byte>& out);
void unpack_results(std::span<const std::byte> payload, ResultBatch& batch);

std::vector<std::byte> pack_rng_state(const Rng::State& state);
Rng::State unpack_rng_state(std::span<const std::byte> payload);

std::vector<std::byte> pack_text(const std::string& text);
std::string unpack_text(std::span<const std::byte> payload);

// kWorkerError: a worker's fatal error and the exit code the run is to end with (2 when
// the worker could not use the configuration, e.g. a plugin that does not load on its node).
struct WorkerError {
  int exit_code = kExitFailure;
  std::string text;
};
std::vector<std::byte> pack_worker_error(const WorkerError& error);
WorkerError unpack_worker_error(std::span<const std::byte> payload);
// The Error a kWorkerError message reports, naming the worker's rank.
Error worker_error(const Message& report);

// kStop to every worker rank, carrying the exit code they are to return.
void stop_workers(Transport& transport, int exit_code);
// The exit code a kStop message carries (0 when it carries none).
int stop_exit_code(const Message& stop);

}  // namespace evo::common
