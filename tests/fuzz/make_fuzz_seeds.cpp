// Writes the binary seeds of the fuzz corpora with the real writers, so that mutations
// start from well-formed input: journal/ a journal (EvaluationJournal, as the master
// writes it) of job 0, generation 3 with 5 of the 8 fixed candidates evaluated;
// messages/ one packed message of each kind, behind the selector byte messages_fuzz reads.
//   make_fuzz_seeds CORPUS_DIR      (writes CORPUS_DIR/journal/, CORPUS_DIR/messages/)
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/evaluation_journal.hpp"
#include "common/messages.hpp"
#include "tests/fuzz/journal_candidates.hpp"

namespace {

void write_message(const std::filesystem::path& file, std::uint8_t selector,
                   const evo::common::Bytes& payload) {
  std::ofstream out(file, std::ios::binary);
  out.put(static_cast<char>(selector));
  out.write(reinterpret_cast<const char*>(payload.data()),
            static_cast<std::streamsize>(payload.size()));
}

void write_journal(const std::filesystem::path& file) {
  std::filesystem::remove(file);
  evo::common::Population candidates = evo::fuzz::journal_candidates();
  for (std::size_t i = 0; i < candidates.fitness.size(); ++i) {
    candidates.fitness[i] = 1.5 * static_cast<double>(i);
  }
  evo::common::EvaluationJournal journal(file);
  journal.begin_generation(0, 3, candidates);
  const std::vector<std::uint64_t> first{0, 2, 4};
  const std::vector<std::uint64_t> second{5, 7};
  journal.append(first, candidates);
  journal.flush();
  journal.append(second, candidates);
  journal.flush();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_fuzz_seeds CORPUS_DIR\n");
    return 2;
  }
  const std::filesystem::path corpus = argv[1];
  std::filesystem::create_directories(corpus / "journal");
  std::filesystem::create_directories(corpus / "messages");
  write_journal(corpus / "journal" / "two-appends.bin");

  evo::common::TaskBatch tasks;
  tasks.job = 1;
  tasks.generation = 4;
  tasks.dimension = 2;
  tasks.indices = {3, 4, 5, 9};
  tasks.genes = {0.5, -1.0, 2.0, 3.0, 0.0, 1e-300, -7.25, 8.0};
  evo::common::Bytes bytes;
  evo::common::pack_tasks(tasks, bytes);
  write_message(corpus / "messages" / "tasks.bin", 0, bytes);

  evo::common::ResultBatch results;
  results.objectives = 2;
  results.indices = {3, 4};
  results.statuses = {0, 2};
  results.fitness = {1.0, 2.0, 1e300, 1e300};
  results.busy_seconds = 0.25;
  results.details = {"exit code 3"};
  evo::common::pack_results(results, bytes);
  write_message(corpus / "messages" / "results.bin", 1, bytes);

  write_message(corpus / "messages" / "rng.bin", 2, evo::common::pack_rng_state({}));
  write_message(corpus / "messages" / "text.bin", 3, evo::common::pack_text("[run]\nseed = 1\n"));
  write_message(corpus / "messages" / "worker-error.bin", 4,
                evo::common::pack_worker_error({2, "plugin.library: cannot load x.so"}));
  return 0;
}
