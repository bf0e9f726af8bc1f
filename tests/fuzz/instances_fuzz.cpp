// libFuzzer target: `limactl list --json` output through the instance parser. colima::Error is
// the expected answer to bad input; anything else is a bug.
#include "colima/lima/instance.hpp"
#include "colima/util/error.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    colima::lima::parse_instances(text);
  } catch (const colima::Error&) {
  }
  return 0;
}
