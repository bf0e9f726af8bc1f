#include "colima/runtime/runtime.hpp"

#include "colima/config/kubernetes.hpp"
#include "colima/util/error.hpp"
#include "colima/util/strings.hpp"
#include "colima/util/templates.hpp"
#include "containerd.hpp"
#include "docker.hpp"
#include "incus.hpp"
#include "shipped_script.hpp"

#include <fmt/format.h>

namespace colima::runtime {

namespace {

// No container engine: a bare VM.
class NoRuntime final : public Runtime {
public:
  std::string_view name() const override { return "none"; }
  std::vector<Socket> sockets() const override { return {}; }
  bool uses_data_disk() const override { return false; }
  std::optional<GuestScript> provision(const config::Settings&,
                                       const GuestContext&) const override {
    return std::nullopt;
  }
  std::optional<GuestScript> update() const override { return std::nullopt; }
  bool has_docker_context() const override { return false; }
};

} // namespace

std::unique_ptr<Runtime> make(std::string_view name) {
  if (name == "docker") {
    return std::make_unique<DockerRuntime>();
  }
  if (name == "none") {
    return std::make_unique<NoRuntime>();
  }
  if (name == "containerd") {
    return std::make_unique<ContainerdRuntime>();
  }
  if (name == "incus") {
    return std::make_unique<IncusRuntime>();
  }
  throw UsageError(fmt::format(
      "runtime '{}' is not available in this build{}", name,
      util::did_you_mean(std::string(name), {"docker", "containerd", "incus", "none"})));
}

std::string script_stdin(const GuestScript& script) {
  std::string text;
  for (const auto& [name, content] : script.inputs) {
    text += fmt::format("input_{}() {{ printf '%s' '{}' | base64 -d; }}\n", name,
                        util::base64(content));
  }
  return text + script.text;
}

std::string shipped_script(std::string_view name) {
  return std::string(templates::find("runtime/guest-lib.sh").value()) + "\n" +
         std::string(templates::find(name).value());
}

std::string cri_argument(const config::Settings& settings) {
  bool built =
      settings.kubernetes.enabled && config::kubernetes_distribution(settings.kubernetes.version) ==
                                         config::KubernetesDistribution::kubernetes;
  return built ? "cri" : "no-cri";
}

} // namespace colima::runtime
