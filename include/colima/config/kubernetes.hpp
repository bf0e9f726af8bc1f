#pragma once

#include "colima/config/settings.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace colima::config {

// The Kubernetes version colima builds when none is asked for (`colima kubernetes build`).
inline constexpr std::string_view k_built_kubernetes_version = "v1.35.4";

// Which Kubernetes a version names: a k3s release tag (vX.Y.Z+k3sN), downloaded from k3s's
// releases, or a plain Kubernetes version (vX.Y.Z), which colima builds from the Go module proxy.
enum class KubernetesDistribution { k3s, kubernetes };

// The distribution of a version. Throws UsageError for anything else, naming both forms.
KubernetesDistribution kubernetes_distribution(std::string_view version);

// The name `colima list` appends to the runtime when the cluster answers (k3s, kubernetes).
std::string distribution_name(KubernetesDistribution distribution);

// The k3s flags the built Kubernetes distribution honours (as --flag=value or --flag value).
const std::vector<std::string>& built_kubernetes_flags();

// Checks the `kubernetes:` settings against the rest: a version of either form, k3s arguments
// that are plain words (no shell syntax, no whitespace), each one the chosen distribution can
// honour, a port in range, and a runtime Kubernetes can run on (docker or containerd). Throws
// UsageError with the reason. Called by validate().
void check_kubernetes(const Settings& settings);

} // namespace colima::config
