#include "containerd.hpp"

#include "shipped_script.hpp"

namespace colima::runtime {

namespace {
std::string supplied(const GuestContext& context, const std::string& name) {
  auto found = context.config_files.find(name);
  return found != context.config_files.end() ? found->second : std::string();
}
} // namespace

std::vector<Socket> ContainerdRuntime::sockets() const {
  return {{"/var/run/containerd/containerd.sock", "containerd.sock", "containerd_socket"},
          {"/var/run/buildkit/buildkitd.sock", "buildkitd.sock", "buildkitd_socket"}};
}

std::vector<ConfigFile> ContainerdRuntime::config_files() const {
  return {{"containerd/config.toml", "containerd/config.toml"},
          {"containerd/buildkitd.toml", "buildkit/buildkitd.toml"}};
}

std::optional<GuestScript> ContainerdRuntime::provision(const config::Settings& settings,
                                                        const GuestContext& context) const {
  return GuestScript{.stage = "provisioning containerd",
                     .text = shipped_script("runtime/containerd.sh"),
                     .args = {context.already_running ? "running" : "boot", context.data_mount,
                              settings.binfmt ? "binfmt" : "no-binfmt", cri_argument(settings)},
                     .inputs = {{"containerd_toml", supplied(context, "containerd/config.toml")},
                                {"buildkitd_toml", supplied(context, "containerd/buildkitd.toml")},
                                {"nerdctl_toml", nerdctl_config()}},
                     .hint = "see 'colima ssh -- sudo journalctl -u containerd -u buildkit'"};
}

std::string nerdctl_config() {
  return "# written by colima\n"
         "namespace = \"default\"\n"
         "cni_path = \"/usr/lib/cni\"\n";
}

} // namespace colima::runtime
