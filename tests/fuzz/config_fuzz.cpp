// libFuzzer harness: any text as a config file. parse_config either returns a Config or
// throws ConfigError (naming the key); anything else — a crash, a sanitizer report, another
// exception — is a bug. An accepted config must also survive its own canonical round trip.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/config.hpp"
#include "common/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const evo::common::Config config = evo::common::parse_config(text, "fuzz.toml");
    // The canonical text is what every checkpoint stores; reading it back must work.
    const evo::common::Config again =
        evo::common::parse_config(evo::common::to_toml(config), "canonical.toml");
    if (evo::common::result_hash(again) != evo::common::result_hash(config)) __builtin_trap();
  } catch (const evo::common::ConfigError&) {
    // Rejected with a message: the expected outcome for most inputs.
  }
  return 0;
}
