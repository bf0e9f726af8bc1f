#include "colima/lima/document.hpp"

#include "colima/config/mount_path.hpp"
#include "colima/util/error.hpp"
#include "colima/util/templates.hpp"

#include <fmt/format.h>

namespace colima::lima {

namespace fs = std::filesystem;

namespace {

YAML::Node range(int low, int high) {
  YAML::Node node(YAML::NodeType::Sequence);
  node.push_back(low);
  node.push_back(high);
  node.SetStyle(YAML::EmitterStyle::Flow);
  return node;
}

YAML::Node socket_forward(const std::string& guest, const fs::path& host) {
  YAML::Node rule(YAML::NodeType::Map);
  rule["guestSocket"] = guest;
  rule["hostSocket"] = host.string();
  rule["proto"] = "tcp";
  return rule;
}

YAML::Node port_forward(const std::string& guest_ip, const std::string& host_ip,
                        const std::string& proto, bool guest_ip_must_be_zero) {
  YAML::Node rule(YAML::NodeType::Map);
  if (guest_ip_must_be_zero) {
    rule["guestIPMustBeZero"] = true;
  }
  rule["guestIP"] = guest_ip;
  rule["guestPortRange"] = range(1, 65535);
  rule["hostIP"] = host_ip;
  rule["hostPortRange"] = range(1, 65535);
  rule["proto"] = proto;
  return rule;
}

// A mount point: an absolute guest path (validation refuses others), normalised.
std::string clean_mount_point(const std::string& path) {
  std::string text = fs::path(path).lexically_normal().string();
  if (text.size() > 1 && text.back() == '/') {
    text.pop_back();
  }
  return text;
}

bool overlaps(const std::string& a, const std::string& b) {
  auto inside = [](const std::string& inner, const std::string& outer) {
    return inner == outer || outer == "/" || inner.starts_with(outer + "/");
  };
  return inside(a, b) || inside(b, a);
}

// The mounts the VM gets: the settings' own, the writable home when they list none, nothing for
// `mounts: null`.
std::vector<config::Mount> effective_mounts(const config::Settings& settings) {
  if (!settings.mounts) {
    return {};
  }
  if (settings.mounts->empty()) {
    return {config::Mount{.location = "~", .mount_point = "", .writable = true}};
  }
  return *settings.mounts;
}

YAML::Node mounts_node(const config::Settings& settings, const fs::path& home,
                       const util::Environment& environment) {
  YAML::Node mounts(YAML::NodeType::Sequence);
  std::vector<std::string> seen;
  for (const auto& mount : effective_mounts(settings)) {
    std::string location = config::expand_mount_location(mount.location, home, environment);
    for (const auto& other : seen) {
      if (overlaps(location, other)) {
        throw UsageError(fmt::format("overlapping mounts are not supported: '{}' overlaps '{}'",
                                     location, other));
      }
    }
    seen.push_back(location);
    YAML::Node entry(YAML::NodeType::Map);
    entry["location"] = location;
    if (!mount.mount_point.empty()) {
      entry["mountPoint"] = clean_mount_point(mount.mount_point);
    }
    entry["writable"] = mount.writable;
    mounts.push_back(entry);
  }
  return mounts;
}

YAML::Node port_forwards(const config::Settings& settings, const DocumentInputs& inputs) {
  YAML::Node rules(YAML::NodeType::Sequence);
  for (const auto& socket : inputs.sockets) {
    rules.push_back(socket_forward(socket.guest, socket.host));
  }
  if (settings.port_forwarder == "none") {
    YAML::Node ignore(YAML::NodeType::Map);
    ignore["guestIP"] = "0.0.0.0";
    ignore["proto"] = "any";
    ignore["ignore"] = true;
    rules.push_back(ignore);
    return rules;
  }
  // Kubernetes' own ports stay in the VM: etcd (its peer port is plain http), the kubelet's,
  // kube-proxy's, k3s's supervisor and controllers'. On the host they would be reachable by any
  // local user, and two profiles would race for them. The API server's port is forwarded.
  if (settings.kubernetes.enabled) {
    for (int port : {2379, 2380, 6444, 10248, 10249, 10250, 10256, 10257, 10258, 10259}) {
      if (port == settings.kubernetes.port) {
        continue;
      }
      // guestIP 0.0.0.0 alone matches only binds on 0.0.0.0 (Lima defaults guestIPMustBeZero
      // to true for it); with guestIPMustBeZero false it matches a bind on any guest address,
      // etcd's on 127.0.0.1 included.
      YAML::Node ignore(YAML::NodeType::Map);
      ignore["guestIP"] = "0.0.0.0";
      ignore["guestIPMustBeZero"] = false;
      ignore["guestPort"] = port;
      ignore["proto"] = "tcp";
      ignore["ignore"] = true;
      rules.push_back(ignore);
    }
  }
  // Container ports published on any guest address answer on the host's loopback only.
  for (const char* proto : {"tcp", "udp"}) {
    rules.push_back(port_forward("0.0.0.0", "127.0.0.1", proto, true));
  }
  for (const char* proto : {"tcp", "udp"}) {
    rules.push_back(port_forward("127.0.0.1", "127.0.0.1", proto, false));
  }
  // As upstream: a port the guest binds on one of the host's addresses (which colima adds to the
  // guest's loopback) answers on that address of the host; TCP only.
  if (settings.network.host_addresses) {
    for (const auto& address : inputs.host_addresses) {
      rules.push_back(port_forward(address, address, "tcp", false));
    }
  }
  return rules;
}

} // namespace

YAML::Node render_document(const config::Settings& settings, const config::Profile& profile,
                           const DocumentInputs& inputs) {
  YAML::Node document = YAML::Load(std::string(templates::find("lima.yaml").value()));
  std::string arch = config::normalize_arch(settings.arch).value_or(config::host_arch());
  if (!settings.cpu_type.empty() && settings.cpu_type != "host") {
    document["vmOpts"]["qemu"]["cpuType"][arch] = settings.cpu_type;
  }
  document["arch"] = arch;
  YAML::Node image(YAML::NodeType::Map);
  image["location"] = inputs.image_location;
  image["arch"] = arch;
  if (inputs.boot && arch == "x86_64") {
    // Lima copies both files into the instance at its creation and boots them from there.
    image["kernel"]["location"] = inputs.boot->kernel;
    image["kernel"]["arch"] = arch;
    image["kernel"]["cmdline"] = inputs.boot->cmdline;
    image["initrd"]["location"] = inputs.boot->initrd;
    image["initrd"]["arch"] = arch;
    document["firmware"]["legacyBIOS"] = true;
  }
  YAML::Node images(YAML::NodeType::Sequence);
  images.push_back(image);
  document["images"] = images;
  document["cpus"] = settings.cpu;
  document["memory"] = fmt::format("{}MiB", static_cast<long long>(settings.memory * 1024));
  document["disk"] = fmt::format("{}GiB", settings.root_disk);
  if (inputs.data_disk) {
    YAML::Node disk(YAML::NodeType::Map);
    disk["name"] = profile.id();
    disk["format"] = inputs.format_data_disk;
    disk["fsType"] = "ext4";
    document["additionalDisks"].push_back(disk);
  }
  document["mounts"] = mounts_node(settings, inputs.home, inputs.environment);
  document["mountType"] = settings.mount_type == "9p" ? "9p" : "reverse-sshfs";
  if (settings.mount_inotify) {
    // Lima's host agent watches the mounted directories and replays their events in the guest.
    document["mountInotify"] = true;
  }
  YAML::Node ssh(YAML::NodeType::Map);
  if (settings.ssh_port > 0) {
    ssh["localPort"] = settings.ssh_port;
  }
  ssh["loadDotSSHPubKeys"] = false;
  ssh["forwardAgent"] = settings.forward_agent;
  document["ssh"] = ssh;
  if (!settings.env.empty()) {
    for (const auto& [name, value] : settings.env) {
      document["env"][name] = value;
    }
  }
  YAML::Node dns(YAML::NodeType::Sequence);
  for (const auto& resolver : settings.network.dns) {
    dns.push_back(resolver);
  }
  dns.SetStyle(YAML::EmitterStyle::Flow);
  document["dns"] = dns;
  YAML::Node resolver(YAML::NodeType::Map);
  resolver["enabled"] = settings.network.dns.empty();
  YAML::Node hosts(YAML::NodeType::Map);
  for (const auto& [name, target] : settings.network.dns_hosts) {
    hosts[name] = target;
  }
  if (!hosts["host.docker.internal"]) {
    hosts["host.docker.internal"] = "host.lima.internal";
  }
  resolver["hosts"] = hosts;
  document["hostResolver"] = resolver;
  document["portForwards"] = port_forwards(settings, inputs);
  // colima's own provisioning: shipped scripts, values as Lima params (PARAM_* in the guest).
  YAML::Node provision(YAML::NodeType::Sequence);
  YAML::Node hostname(YAML::NodeType::Map);
  hostname["mode"] = "system";
  hostname["script"] = std::string(templates::find("provision/hostname.sh").value());
  provision.push_back(hostname);
  document["param"]["COLIMA_HOSTNAME"] =
      settings.hostname.empty() ? profile.id() : settings.hostname;
  for (const auto& script : settings.provision) {
    if (script.mode == "system" || script.mode == "user") {
      YAML::Node entry(YAML::NodeType::Map);
      entry["mode"] = script.mode;
      entry["script"] = script.script;
      provision.push_back(entry);
    }
  }
  document["provision"] = provision;
  return document;
}

std::map<std::string, std::string> start_environment(const config::Settings& settings) {
  // Lima waits 2 minutes (its default) for the guest's DHCP lease on the user-v2 network and
  // then stops the VM; a boot under software emulation on a busy host can take longer to reach
  // DHCP. Wait as long as limactl start itself does (10 minutes; the value is in minutes).
  return {{"LIMA_SSH_PORT_FORWARDER", settings.port_forwarder == "grpc" ? "false" : "true"},
          {"LIMA_USERNET_RESOLVE_IP_ADDRESS_TIMEOUT", "10"}};
}

std::string emit_document(const YAML::Node& document) {
  YAML::Emitter emitter;
  emitter << document;
  return std::string(emitter.c_str()) + "\n";
}

void check_mounts(const config::Settings& settings, const fs::path& home,
                  const util::Environment& environment) {
  mounts_node(settings, home, environment);
}

std::optional<std::string> guest_path(const config::Settings& settings, const fs::path& home,
                                      const util::Environment& environment,
                                      const fs::path& host_path) {
  fs::path here = host_path.lexically_normal();
  for (const auto& mount : effective_mounts(settings)) {
    fs::path location;
    try {
      location = config::expand_mount_location(mount.location, home, environment);
    } catch (const UsageError&) {
      continue;
    }
    fs::path relative = here.lexically_relative(location);
    if (relative.empty() || *relative.begin() == "..") {
      continue;
    }
    fs::path guest =
        mount.mount_point.empty() ? location : fs::path(clean_mount_point(mount.mount_point));
    std::string text = (relative == "." ? guest : guest / relative).lexically_normal().string();
    if (text.size() > 1 && text.back() == '/') {
      text.pop_back();
    }
    return text;
  }
  return std::nullopt;
}

std::vector<std::string> mount_points(const YAML::Node& document) {
  std::vector<std::string> points;
  const YAML::Node mounts = document["mounts"];
  if (!mounts || !mounts.IsSequence()) {
    return points;
  }
  for (const auto& mount : mounts) {
    if (mount["mountPoint"] && mount["mountPoint"].IsScalar()) {
      points.push_back(mount["mountPoint"].as<std::string>());
    } else if (mount["location"] && mount["location"].IsScalar()) {
      points.push_back(mount["location"].as<std::string>());
    }
  }
  return points;
}

} // namespace colima::lima
