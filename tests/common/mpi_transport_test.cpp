#include "common/mpi_transport.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>

#include "common/error.hpp"

namespace evo::common {
namespace {

// MPI counts are int: a message beyond 2 GiB is refused with a clear error, not sent cut
// short. (Automatic batches stay far below it; only an oversized dispatch.batch gets near.)
TEST(MpiTransport, RefusesAMessageOverMpisLimit) {
  const auto limit = static_cast<std::size_t>(std::numeric_limits<int>::max());
  EXPECT_NO_THROW(check_message_size(limit, 1));
  EXPECT_THAT([&] { check_message_size(limit + 1, 3); },
              ::testing::ThrowsMessage<Error>(::testing::AllOf(
                  ::testing::HasSubstr("2147483648 bytes to rank 3 is over MPI's limit"),
                  ::testing::HasSubstr("lower dispatch.batch"))));
}

}  // namespace
}  // namespace evo::common
