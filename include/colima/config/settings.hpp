#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace colima::config {

// A host directory shared with the VM.
struct Mount {
  // Host path; `~` and $VARIABLES are expanded when the VM is configured.
  std::string location;
  // Path inside the VM; the same as location when empty.
  std::string mount_point;
  bool writable = false;

  bool operator==(const Mount&) const = default;
};

// A script run in the VM: mode system or user (by Lima at boot), after-boot or ready (by colima).
struct ProvisionScript {
  std::string mode;
  std::string script;

  bool operator==(const ProvisionScript&) const = default;
};

// The `kubernetes:` section.
struct KubernetesSettings {
  bool enabled = false;
  std::string version = "v1.35.0+k3s1";
  std::vector<std::string> k3s_args = {"--disable=traefik"};
  int port = 0;

  bool operator==(const KubernetesSettings&) const = default;
};

// The `network:` section.
struct NetworkSettings {
  bool address = false;
  std::string mode = "shared";
  std::string interface = "en0";
  bool preferred_route = false;
  std::vector<std::string> dns;
  std::map<std::string, std::string> dns_hosts = {{"host.docker.internal", "host.lima.internal"}};
  bool host_addresses = false;
  std::string gateway_address = "192.168.5.2";

  bool operator==(const NetworkSettings&) const = default;
};

// A profile's settings: the keys, meanings and defaults of upstream Colima's colima.yaml.
struct Settings {
  int cpu = 2;
  // Container data disk in GiB.
  int disk = 100;
  // Memory in GiB; fractions allowed.
  double memory = 2;
  // x86_64, aarch64 or host.
  std::string arch = "host";
  std::string runtime = "docker";
  std::string model_runner = "docker";
  // Empty means the profile's instance name.
  std::string hostname;
  KubernetesSettings kubernetes;
  bool auto_activate = true;
  NetworkSettings network;
  bool forward_agent = false;
  // daemon.json content for the docker runtime.
  nlohmann::json docker = nlohmann::json::object();
  std::string vm_type = "qemu";
  std::string port_forwarder = "ssh";
  bool rosetta = false;
  bool binfmt = true;
  bool nested_virtualization = false;
  std::string mount_type = "sshfs";
  bool mount_inotify = false;
  // QEMU CPU model; empty or `host` leaves the choice to Lima.
  std::string cpu_type = "host";
  std::vector<ProvisionScript> provision;
  bool ssh_config = true;
  int ssh_port = 0;
  // Empty list: the home directory, writable. nullopt (`mounts: null`, `--mount none`): none.
  std::optional<std::vector<Mount>> mounts = std::vector<Mount>{};
  std::string disk_image;
  std::string disk_image_mirror;
  bool force_disk_image = false;
  // Root filesystem disk in GiB.
  int root_disk = 20;
  std::map<std::string, std::string> env;

  bool operator==(const Settings&) const = default;
};

// The architecture colima runs on, as x86_64 or aarch64.
std::string host_arch();

// x86_64 or aarch64 for an architecture name or alias (amd64, x86, x64, arm64, arm, m1; host
// means the host's), or nullopt for a name that is none of these.
std::optional<std::string> normalize_arch(const std::string& name);

} // namespace colima::config
