#pragma once

#include "colima/runtime/runtime.hpp"

namespace colima::runtime {

// Debian's containerd with nerdctl and BuildKit (built by colima into the image): the
// containerd and buildkitd sockets forwarded; containerd, buildkit, nerdctl and CNI state on the
// data disk; the profile's containerd/config.toml and containerd/buildkitd.toml honoured.
class ContainerdRuntime final : public Runtime {
public:
  std::string_view name() const override { return "containerd"; }
  std::vector<Socket> sockets() const override;
  bool uses_data_disk() const override { return true; }
  std::optional<GuestScript> provision(const config::Settings& settings,
                                       const GuestContext& context) const override;
  // Debian's containerd updates with the image, as upstream's does.
  std::optional<GuestScript> update() const override { return std::nullopt; }
  bool has_docker_context() const override { return false; }
  std::vector<ConfigFile> config_files() const override;
};

// nerdctl's configuration in the guest: the default namespace, and Debian's CNI plugins, which
// live in /usr/lib/cni rather than nerdctl's default /opt/cni/bin.
std::string nerdctl_config();

} // namespace colima::runtime
