#include "colima/kubernetes/distribution.hpp"

#include "colima/util/error.hpp"

#include <fmt/format.h>

#include <regex>
#include <string>

namespace colima::kubernetes {

Distribution distribution_of(std::string_view version) {
  static const std::regex k3s(
      R"(v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\+k3s[1-9][0-9]*)");
  static const std::regex kubernetes(R"(v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*))");
  std::string text(version);
  if (std::regex_match(text, k3s)) {
    return Distribution::k3s;
  }
  if (std::regex_match(text, kubernetes)) {
    return Distribution::kubernetes;
  }
  throw UsageError(fmt::format("invalid kubernetes version '{}': use a k3s release tag such as "
                               "v1.35.0+k3s1, or a Kubernetes version such as {}",
                               version, k_default_version));
}

} // namespace colima::kubernetes
