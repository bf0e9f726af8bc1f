#pragma once

#include <string_view>

namespace colima::kubernetes {

// The Kubernetes colima builds when none is asked for.
inline constexpr std::string_view k_default_version = "v1.35.4";

// Where a Kubernetes version comes from: a k3s release (downloaded, or given as files), or
// upstream Kubernetes built from the Go module proxy.
enum class Distribution { k3s, kubernetes };

// Classifies a version: `vX.Y.Z+k3sN` is k3s, a plain `vX.Y.Z` is upstream Kubernetes. Throws
// colima::UsageError for anything else.
Distribution distribution_of(std::string_view version);

} // namespace colima::kubernetes
