#include "colima/config/settings.hpp"

#include "colima/util/strings.hpp"

#include <sys/utsname.h>

namespace colima::config {

std::string host_arch() {
  struct utsname name {};
  if (::uname(&name) == 0) {
    if (auto arch = normalize_arch(name.machine)) {
      return *arch;
    }
    return name.machine;
  }
  return "x86_64";
}

std::optional<std::string> normalize_arch(const std::string& name) {
  std::string lower = util::to_lower(name);
  if (lower == "x86_64" || lower == "amd64" || lower == "amd" || lower == "x86" || lower == "x64") {
    return "x86_64";
  }
  if (lower == "aarch64" || lower == "arm64" || lower == "arm" || lower == "m1") {
    return "aarch64";
  }
  if (lower == "host") {
    return host_arch();
  }
  return std::nullopt;
}

} // namespace colima::config
