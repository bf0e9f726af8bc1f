#pragma once

#include "colima/config/paths.hpp"
#include "colima/config/profile.hpp"
#include "colima/config/settings.hpp"
#include "colima/process/runner.hpp"
#include "colima/util/environment.hpp"
#include "colima/util/progress.hpp"

#include <filesystem>
#include <optional>
#include <string>

namespace colima::app {

// Kubernetes as a layer on top of a profile's container runtime (docker or containerd): the
// distribution (k3s downloaded from its releases, or upstream Kubernetes that colima builds),
// its installation and life cycle in the guest through the shipped templates/kubernetes script,
// and the host's kubeconfig. Started after the runtime, stopped and deleted before it.
class KubernetesLayer {
public:
  KubernetesLayer(process::Runner& runner, util::Environment environment, config::Paths paths,
                  util::Progress& progress);

  // Refuses, before anything is written, a start whose cluster could not come up: a kubeconfig
  // path colima cannot use, or a fixed port another program holds on the host. Throws
  // UsageError or Error with the reason.
  void check_before_start(const config::Profile& profile, const config::Settings& settings);

  // Obtains the distribution, installs it in the running guest when missing, starts the
  // cluster, waits for the node and merges the kubeconfig on the host (its context made current
  // when settings.auto_activate). Records the cluster's port in the profile's state file.
  void start(const config::Profile& profile, const config::Settings& settings);

  // Stops the cluster's services and pods in the guest; its data stays.
  void stop(const config::Profile& profile);

  // With guest_state, removes the cluster's data in the guest (kubernetes delete); always
  // removes colima's kubeconfig entries on the host, restoring the previous current context.
  void remove(const config::Profile& profile, bool guest_state);

  // Copies the images from the runtime's own store into containerd's k8s.io namespace in the
  // guest (the guest script's `load` action). Throws Error with the script's reason.
  void load(const config::Profile& profile, const std::string& runtime,
            const std::vector<std::string>& images);

  // Whether the profile's cluster answers on its forwarded port (its API server's /readyz).
  bool answers(const config::Profile& profile);

  // Whether one of the cluster's services runs in the guest, answering or not (the guest
  // script's `running` action); false without a cluster.
  bool runs_in_guest(const config::Profile& profile);

  // The cluster's server version (e.g. v1.35.4), when it answers.
  std::optional<std::string> server_version(const config::Profile& profile);

  // Builds (or downloads, for a k3s version) the distribution ahead of a start; with report,
  // says where it is.
  void prepare(const std::string& version, const std::string& arch, bool report = true);

  // The port the profile's cluster listens on, 0 when it has none yet.
  int port_of(const config::Profile& profile) const;

  // The distribution name `colima list` shows after the runtime (k3s, kubernetes), from the
  // profile's state; empty without one.
  std::string distribution_of(const config::Profile& profile) const;

private:
  // The host file colima copies into the guest for the version, and the guest's install args.
  std::vector<std::string> install_files(const config::Profile& profile, const std::string& version,
                                         const std::string& arch);
  int choose_port(const config::Profile& profile, const config::Settings& settings);
  std::filesystem::path kubeconfig_state(const config::Profile& profile) const;

  process::Runner& m_runner;
  util::Environment m_environment;
  config::Paths m_paths;
  util::Progress& m_progress;
};

} // namespace colima::app
