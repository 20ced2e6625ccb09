#include <gtest/gtest.h>

#include <memory>

#include "common/mpi_transport.hpp"
#include "master/dispatcher.hpp"
#include "tests/mpi/mpi_harness.hpp"
#include "worker/evaluator_factory.hpp"
#include "worker/worker_loop.hpp"

namespace evo::test {
namespace {
std::unique_ptr<common::MpiTransport> the_transport;
}

common::Transport& transport() { return *the_transport; }

const common::Config& test_config() {
  static const common::Config config =
      common::parse_config("[problem]\nname = \"noisy_sphere\"\ndimension = 5\n", "mpi test");
  return config;
}

}  // namespace evo::test

int main(int argc, char** argv) {
  evo::test::the_transport = evo::common::MpiTransport::create(argc, argv);
  auto& transport = *evo::test::the_transport;
  auto evaluator = evo::worker::make_evaluator(evo::test::test_config());
  if (transport.rank() != 0) {
    evo::worker::run_worker(transport, *evaluator, evo::test::test_config().run.seed);
    evo::test::the_transport.reset();
    return 0;
  }
  ::testing::InitGoogleTest(&argc, argv);
  const int failed = RUN_ALL_TESTS();
  evo::master::Dispatcher(transport, evaluator.get(), {}).stop_workers();
  // Failures on rank 0 must fail the mpirun: its exit code is what ctest sees.
  evo::test::the_transport.reset();
  return failed;
}
