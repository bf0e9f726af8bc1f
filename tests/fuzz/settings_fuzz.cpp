// libFuzzer target: colima.yaml text, which users edit by hand, through the settings parser and
// validation. colima::Error is the expected answer to bad input; anything else (another
// exception, a crash, a sanitizer report) is a bug.
#include "colima/config/settings_file.hpp"
#include "colima/config/validate.hpp"
#include "colima/util/error.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    colima::config::LoadedSettings loaded = colima::config::parse_settings(text, "fuzz.yaml");
    colima::config::validate(loaded.settings);
  } catch (const colima::Error&) {
  }
  return 0;
}
