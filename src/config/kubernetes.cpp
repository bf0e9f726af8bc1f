#include "colima/config/kubernetes.hpp"

#include "colima/util/error.hpp"
#include "colima/util/strings.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <regex>

namespace colima::config {

namespace {

// Characters a shell would read as syntax; k3s arguments are argv words and never need them.
constexpr std::string_view k_shell_syntax = "$`;|&<>()'\"\\*?[]{}!#~";

// The components --disable may name: the built distribution has none of k3s's add-ons, and
// leaves out CoreDNS when asked.
const std::vector<std::string>& disable_names() {
  static const std::vector<std::string> names = {"traefik", "servicelb", "metrics-server",
                                                 "local-storage", "coredns"};
  return names;
}

void check_argument_text(const std::string& argument) {
  if (util::has_control_character(argument)) {
    throw UsageError(
        fmt::format("invalid k3s argument '{}': it contains a control character", argument));
  }
  for (char c : argument) {
    if (c == ' ' || c == '\t') {
      throw UsageError(fmt::format("invalid k3s argument '{}': it contains whitespace; give a flag "
                                   "and its value as one argument, e.g. --node-name=dev",
                                   argument));
    }
    if (k_shell_syntax.find(c) != std::string_view::npos) {
      throw UsageError(fmt::format("invalid k3s argument '{}': the character '{}' is shell "
                                   "syntax, and k3s arguments are passed as plain words",
                                   argument, c));
    }
  }
}

// Checks the built distribution can honour every argument; a flag's value may follow as the
// next argument.
void check_built_arguments(const std::vector<std::string>& arguments) {
  const auto& flags = built_kubernetes_flags();
  for (std::size_t i = 0; i < arguments.size(); ++i) {
    const std::string& argument = arguments[i];
    if (!argument.starts_with("--")) {
      throw UsageError(fmt::format("k3s argument '{}' is not supported by the built Kubernetes "
                                   "distribution: expected a flag such as --disable=traefik",
                                   argument));
    }
    auto equals = argument.find('=');
    std::string flag = argument.substr(0, equals);
    std::string value;
    if (std::find(flags.begin(), flags.end(), flag) == flags.end()) {
      throw UsageError(fmt::format("k3s argument '{}' is not supported by the built Kubernetes "
                                   "distribution (it honours {}); "
                                   "use a k3s version such as v1.35.0+k3s1 for k3s's other flags",
                                   argument, util::join(flags, ", ")));
    }
    if (equals != std::string::npos) {
      value = argument.substr(equals + 1);
    } else if (i + 1 < arguments.size() && !arguments[i + 1].starts_with("--")) {
      value = arguments[++i];
    }
    if (value.empty()) {
      throw UsageError(fmt::format("k3s argument '{}' needs a value", argument));
    }
    if (flag == "--disable") {
      for (const auto& name : util::split(value, ',')) {
        const auto& names = disable_names();
        if (std::find(names.begin(), names.end(), name) == names.end()) {
          throw UsageError(fmt::format("cannot disable '{}' in the built Kubernetes distribution "
                                       "(valid: {})",
                                       name, util::join(names, ", ")));
        }
      }
    }
  }
}

} // namespace

KubernetesDistribution kubernetes_distribution(std::string_view version) {
  static const std::regex k3s(
      R"(v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\+k3s[1-9][0-9]*)");
  static const std::regex plain(R"(v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*))");
  std::string text(version);
  if (std::regex_match(text, k3s)) {
    return KubernetesDistribution::k3s;
  }
  if (std::regex_match(text, plain)) {
    return KubernetesDistribution::kubernetes;
  }
  throw UsageError(fmt::format("invalid kubernetes version '{}': use a k3s release tag such as "
                               "v1.35.0+k3s1, or a Kubernetes version such as {}",
                               text, k_built_kubernetes_version));
}

std::string distribution_name(KubernetesDistribution distribution) {
  return distribution == KubernetesDistribution::k3s ? "k3s" : "kubernetes";
}

const std::vector<std::string>& built_kubernetes_flags() {
  static const std::vector<std::string> flags = {"--disable",
                                                 "--cluster-cidr",
                                                 "--service-cidr",
                                                 "--cluster-dns",
                                                 "--cluster-domain",
                                                 "--node-name",
                                                 "--kube-apiserver-arg",
                                                 "--kube-controller-manager-arg",
                                                 "--kube-scheduler-arg",
                                                 "--kubelet-arg",
                                                 "--kube-proxy-arg"};
  return flags;
}

void check_kubernetes(const Settings& s) {
  const KubernetesSettings& k = s.kubernetes;
  if (k.port < 0 || k.port > 65535) {
    throw UsageError(fmt::format("invalid kubernetes port '{}': use a port from 1 to 65535, or 0 "
                                 "for any free port",
                                 k.port));
  }
  KubernetesDistribution distribution = kubernetes_distribution(k.version);
  for (const auto& argument : k.k3s_args) {
    check_argument_text(argument);
  }
  if (!k.enabled) {
    return;
  }
  if (s.runtime != "docker" && s.runtime != "containerd") {
    throw UsageError(fmt::format("kubernetes cannot run on the '{}' runtime: it needs a container "
                                 "engine for its pods; use --runtime docker or --runtime "
                                 "containerd",
                                 s.runtime));
  }
  if (distribution == KubernetesDistribution::kubernetes) {
    check_built_arguments(k.k3s_args);
  }
}

} // namespace colima::config
