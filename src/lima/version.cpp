#include "colima/lima/version.hpp"

#include "colima/util/error.hpp"
#include "colima/util/strings.hpp"

#include <fmt/format.h>
#include <regex>

namespace colima::lima {

namespace {
constexpr const char* k_install_hint =
    "install Lima 2.0.0 or newer (scripts/setup.sh builds limactl v2.2.0)";
}

std::string Version::to_string() const {
  return fmt::format("{}.{}.{}", major, minor, patch);
}

std::optional<Version> parse_version(const std::string& output) {
  static const std::regex pattern("version v?([0-9]+)\\.([0-9]+)\\.([0-9]+)");
  std::smatch match;
  if (!std::regex_search(output, match, pattern)) {
    return std::nullopt;
  }
  return Version{std::stoi(match[1]), std::stoi(match[2]), std::stoi(match[3])};
}

Version check_limactl(process::Runner& runner) {
  process::Result result = runner.run(process::Command{.argv = {"limactl", "--version"}});
  if (result.exit_code == 127) {
    throw Error(fmt::format("limactl not found on PATH: {}", k_install_hint));
  }
  if (!result.ok()) {
    throw Error(fmt::format("'limactl --version' failed with status {}: {}", result.exit_code,
                            util::trim(result.err)));
  }
  auto version = parse_version(result.out);
  if (!version) {
    throw Error(fmt::format("limactl reports no version ('{}'): {}", util::trim(result.out),
                            k_install_hint));
  }
  if (*version < k_minimum_version) {
    throw Error(fmt::format("limactl {} is older than the minimum {}: {}", version->to_string(),
                            k_minimum_version.to_string(), k_install_hint));
  }
  return *version;
}

} // namespace colima::lima
