#pragma once

#include "colima/process/runner.hpp"

#include <compare>
#include <optional>
#include <string>

namespace colima::lima {

// A Lima release number.
struct Version {
  int major = 0;
  int minor = 0;
  int patch = 0;

  auto operator<=>(const Version&) const = default;
  std::string to_string() const;
};

// The oldest limactl colima works with.
inline constexpr Version k_minimum_version{2, 0, 0};

// The version in `limactl --version` output (`limactl version 2.2.0`, a leading v and a
// `-N-gHASH` suffix allowed), or nullopt when there is none (`<unknown>` builds).
std::optional<Version> parse_version(const std::string& output);

// Runs `limactl --version` and returns its version. Throws colima::Error with the install hint
// when limactl is missing, reports no version, or is older than the minimum.
Version check_limactl(process::Runner& runner);

} // namespace colima::lima
