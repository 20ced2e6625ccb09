// libFuzzer harness: any bytes as the payload of each wire message a rank unpacks (tasks,
// results, RNG state, text, worker error). The first byte picks the message; an unpacker
// either fills its struct or throws evo::common::Error, never reads past the payload.
#include <cstddef>
#include <cstdint>
#include <span>

#include "common/error.hpp"
#include "common/messages.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::span<const std::byte> payload(reinterpret_cast<const std::byte*>(data) + 1, size - 1);
  try {
    switch (data[0] % 5) {
      case 0: {
        evo::common::TaskBatch batch;
        evo::common::unpack_tasks(payload, batch);
        break;
      }
      case 1: {
        evo::common::ResultBatch batch;
        evo::common::unpack_results(payload, batch);
        break;
      }
      case 2:
        (void)evo::common::unpack_rng_state(payload);
        break;
      case 3:
        (void)evo::common::unpack_text(payload);
        break;
      default:
        (void)evo::common::unpack_worker_error(payload);
        break;
    }
  } catch (const evo::common::Error&) {
    // A malformed message, reported as such.
  }
  return 0;
}
