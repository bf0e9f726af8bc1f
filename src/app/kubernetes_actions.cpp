// `colima kubernetes start|stop|delete|reset|build`.
#include "colima/app/app.hpp"
#include "colima/app/kubernetes.hpp"
#include "colima/config/kubernetes.hpp"
#include "colima/config/settings_file.hpp"
#include "colima/lima/driver.hpp"
#include "colima/util/error.hpp"

#include <fmt/format.h>

namespace colima::app {

void App::kubernetes(const config::Profile& profile, KubernetesAction action) {
  lima::Driver driver(m_runner, m_paths);
  auto instance = driver.find(profile);
  if (!instance || !instance->running()) {
    throw Error(profile.display_name() + " is not running");
  }
  util::FileLock lock = lock_profile(profile, "kubernetes");
  // The settings the VM runs with, as the next `colima start` would apply them.
  config::Settings settings;
  if (auto saved = load(m_paths.settings_file(profile))) {
    settings = *saved;
  } else if (auto state = load(m_paths.state_file(profile))) {
    settings = *state;
  }
  settings.kubernetes.enabled = true;
  config::check_kubernetes(settings);
  KubernetesLayer layer(m_runner, m_environment, m_paths, m_progress);
  switch (action) {
  case KubernetesAction::stop:
    // Its services, not its API: a hung API server can be stopped too.
    if (!layer.runs_in_guest(profile)) {
      throw Error("kubernetes is not running in " + profile.display_name());
    }
    layer.stop(profile);
    break;
  case KubernetesAction::remove:
    if (layer.distribution_of(profile).empty()) {
      throw Error("kubernetes is not enabled in " + profile.display_name());
    }
    layer.remove(profile, true);
    break;
  case KubernetesAction::reset:
    if (!layer.distribution_of(profile).empty()) {
      layer.remove(profile, true);
    }
    [[fallthrough]];
  case KubernetesAction::start:
    layer.check_before_start(profile, settings);
    // The runtime's containerd gets its CRI plugin when Kubernetes was off at boot.
    provision_runtime(profile, settings, false);
    layer.start(profile, settings);
    break;
  }
  m_progress.info("done");
}

void App::kubernetes_load(const config::Profile& profile, const std::vector<std::string>& images) {
  if (images.empty()) {
    throw UsageError("'colima kubernetes load' needs the images to load, e.g. 'colima kubernetes "
                     "load my-app:latest'");
  }
  lima::Driver driver(m_runner, m_paths);
  auto instance = driver.find(profile);
  if (!instance || !instance->running()) {
    throw Error(profile.display_name() + " is not running");
  }
  auto state = load(m_paths.state_file(profile));
  std::string runtime = state ? state->runtime : "docker";
  if (runtime != "docker" && runtime != "containerd") {
    throw Error(fmt::format("kubernetes cannot run on the '{}' runtime of {}", runtime,
                            profile.display_name()));
  }
  KubernetesLayer(m_runner, m_environment, m_paths, m_progress).load(profile, runtime, images);
}

void App::build_kubernetes(const std::string& version, const std::string& arch) {
  config::kubernetes_distribution(version);
  std::string normal = config::normalize_arch(arch).value_or("");
  if (normal.empty()) {
    throw UsageError(fmt::format("invalid architecture '{}' (valid: x86_64, aarch64, host)", arch));
  }
  KubernetesLayer(m_runner, m_environment, m_paths, m_progress).prepare(version, normal);
}

} // namespace colima::app
