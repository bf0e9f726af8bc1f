#include "colima/config/settings_file.hpp"

#include "colima/util/error.hpp"
#include "colima/util/fs.hpp"
#include "colima/util/strings.hpp"
#include "settings_yaml.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

namespace colima::config {

namespace {

// Reads typed values out of YAML nodes, failing with the node's position.
class Reader {
public:
  explicit Reader(std::string origin) : m_origin(std::move(origin)) {}

  [[noreturn]] void fail(const YAML::Node& node, const std::string& message) const {
    const YAML::Mark mark = node.Mark();
    if (mark.is_null()) {
      throw UsageError(fmt::format("{}: {}", m_origin, message));
    }
    throw UsageError(
        fmt::format("{}:{}:{}: {}", m_origin, mark.line + 1, mark.column + 1, message));
  }

  std::string shown(const YAML::Node& node) const {
    if (node.IsScalar()) {
      return "'" + node.Scalar() + "'";
    }
    if (node.IsSequence()) {
      return "a list";
    }
    if (node.IsMap()) {
      return "a mapping";
    }
    return "nothing";
  }

  // A key the document lacks, or one set to null.
  static bool absent(const YAML::Node& node) { return !node.IsDefined() || node.IsNull(); }

  int integer(const YAML::Node& node, const std::string& key) const {
    try {
      if (node.IsScalar()) {
        return node.as<int>();
      }
    } catch (const YAML::Exception&) {
    }
    fail(node, fmt::format("'{}' must be a whole number, got {}", key, shown(node)));
  }

  double number(const YAML::Node& node, const std::string& key) const {
    try {
      if (node.IsScalar()) {
        return node.as<double>();
      }
    } catch (const YAML::Exception&) {
    }
    fail(node, fmt::format("'{}' must be a number, got {}", key, shown(node)));
  }

  bool boolean(const YAML::Node& node, const std::string& key) const {
    try {
      if (node.IsScalar()) {
        return node.as<bool>();
      }
    } catch (const YAML::Exception&) {
    }
    fail(node, fmt::format("'{}' must be true or false, got {}", key, shown(node)));
  }

  std::string text(const YAML::Node& node, const std::string& key) const {
    if (absent(node)) {
      return {};
    }
    if (!node.IsScalar()) {
      fail(node, fmt::format("'{}' must be a text, got {}", key, shown(node)));
    }
    return node.Scalar();
  }

  std::vector<std::string> texts(const YAML::Node& node, const std::string& key) const {
    std::vector<std::string> values;
    if (absent(node)) {
      return values;
    }
    if (!node.IsSequence()) {
      fail(node, fmt::format("'{}' must be a list, got {}", key, shown(node)));
    }
    for (const auto& item : node) {
      values.push_back(text(item, key));
    }
    return values;
  }

  std::map<std::string, std::string> text_map(const YAML::Node& node,
                                              const std::string& key) const {
    std::map<std::string, std::string> values;
    if (absent(node)) {
      return values;
    }
    if (!node.IsMap()) {
      fail(node, fmt::format("'{}' must be a mapping, got {}", key, shown(node)));
    }
    for (const auto& entry : node) {
      values[text(entry.first, key)] = text(entry.second, key + "." + entry.first.Scalar());
    }
    return values;
  }

  void require_map(const YAML::Node& node, const std::string& key) const {
    if (!node.IsMap() && !absent(node)) {
      fail(node, fmt::format("'{}' must be a mapping, got {}", key, shown(node)));
    }
  }

private:
  std::string m_origin;
};

// Refuses mapping keys that are lists or mappings anywhere under node (daemon.json has text keys).
void check_text_keys(const Reader& r, const YAML::Node& node) {
  if (node.IsMap()) {
    for (const auto& entry : node) {
      if (!entry.first.IsScalar()) {
        r.fail(entry.first, "a key must be a text, not a list or a mapping");
      }
      check_text_keys(r, entry.second);
    }
  } else if (node.IsSequence()) {
    for (const auto& item : node) {
      check_text_keys(r, item);
    }
  }
}

void read_kubernetes(const Reader& r, const YAML::Node& node, KubernetesSettings& k,
                     std::vector<std::string>& warnings) {
  r.require_map(node, "kubernetes");
  for (const auto& entry : node) {
    const std::string key = entry.first.Scalar();
    const YAML::Node& value = entry.second;
    if (key == "enabled") {
      k.enabled = r.boolean(value, "kubernetes.enabled");
    } else if (key == "version") {
      k.version = r.text(value, "kubernetes.version");
    } else if (key == "k3sArgs") {
      k.k3s_args = r.texts(value, "kubernetes.k3sArgs");
    } else if (key == "port") {
      k.port = r.integer(value, "kubernetes.port");
    } else {
      warnings.push_back("unknown setting 'kubernetes." + key + "' ignored");
    }
  }
}

void read_network(const Reader& r, const YAML::Node& node, NetworkSettings& n,
                  std::vector<std::string>& warnings) {
  r.require_map(node, "network");
  for (const auto& entry : node) {
    const std::string key = entry.first.Scalar();
    const YAML::Node& value = entry.second;
    if (key == "address") {
      n.address = r.boolean(value, "network.address");
    } else if (key == "mode") {
      n.mode = r.text(value, "network.mode");
    } else if (key == "interface") {
      n.interface = r.text(value, "network.interface");
    } else if (key == "preferredRoute") {
      n.preferred_route = r.boolean(value, "network.preferredRoute");
    } else if (key == "dns") {
      n.dns = r.texts(value, "network.dns");
    } else if (key == "dnsHosts") {
      n.dns_hosts = r.text_map(value, "network.dnsHosts");
    } else if (key == "hostAddresses") {
      n.host_addresses = r.boolean(value, "network.hostAddresses");
    } else if (key == "gatewayAddress") {
      n.gateway_address = r.text(value, "network.gatewayAddress");
    } else {
      warnings.push_back("unknown setting 'network." + key + "' ignored");
    }
  }
}

std::vector<Mount> read_mounts(const Reader& r, const YAML::Node& node) {
  if (!node.IsSequence()) {
    r.fail(node, "'mounts' must be a list, got " + r.shown(node));
  }
  std::vector<Mount> mounts;
  for (const auto& item : node) {
    if (!item.IsMap()) {
      r.fail(item, "each of 'mounts' must be a mapping with 'location', got " + r.shown(item));
    }
    Mount mount;
    for (const auto& entry : item) {
      const std::string key = entry.first.Scalar();
      if (key == "location") {
        mount.location = r.text(entry.second, "mounts.location");
      } else if (key == "mountPoint") {
        mount.mount_point = r.text(entry.second, "mounts.mountPoint");
      } else if (key == "writable") {
        mount.writable = r.boolean(entry.second, "mounts.writable");
      } else {
        r.fail(entry.first, "unknown key '" + key + "' in 'mounts'" +
                                util::did_you_mean(key, {"location", "mountPoint", "writable"}));
      }
    }
    if (mount.location.empty()) {
      r.fail(item, "a mount needs a 'location'");
    }
    mounts.push_back(mount);
  }
  return mounts;
}

std::vector<ProvisionScript> read_provision(const Reader& r, const YAML::Node& node) {
  std::vector<ProvisionScript> scripts;
  if (Reader::absent(node)) {
    return scripts;
  }
  if (!node.IsSequence()) {
    r.fail(node, "'provision' must be a list, got " + r.shown(node));
  }
  for (const auto& item : node) {
    if (!item.IsMap()) {
      r.fail(item, "each of 'provision' must be a mapping with 'mode' and 'script'");
    }
    ProvisionScript script;
    for (const auto& entry : item) {
      const std::string key = entry.first.Scalar();
      if (key == "mode") {
        script.mode = r.text(entry.second, "provision.mode");
      } else if (key == "script") {
        script.script = r.text(entry.second, "provision.script");
      } else {
        r.fail(entry.first, "unknown key '" + key + "' in 'provision'" +
                                util::did_you_mean(key, {"mode", "script"}));
      }
    }
    if (script.mode.empty() || script.script.empty()) {
      r.fail(item, "each of 'provision' must be a mapping with 'mode' and 'script'");
    }
    scripts.push_back(script);
  }
  return scripts;
}

const std::vector<std::string>& known_keys() {
  static const std::vector<std::string> keys = {"cpu",
                                                "disk",
                                                "memory",
                                                "arch",
                                                "runtime",
                                                "modelRunner",
                                                "hostname",
                                                "kubernetes",
                                                "autoActivate",
                                                "network",
                                                "forwardAgent",
                                                "docker",
                                                "vmType",
                                                "portForwarder",
                                                "rosetta",
                                                "binfmt",
                                                "nestedVirtualization",
                                                "mountType",
                                                "mountInotify",
                                                "cpuType",
                                                "provision",
                                                "sshConfig",
                                                "sshPort",
                                                "mounts",
                                                "diskImage",
                                                "diskImageMirror",
                                                "forceDiskImage",
                                                "rootDisk",
                                                "env"};
  return keys;
}

void read_key(const Reader& r, const std::string& key, const YAML::Node& v, Settings& s,
              std::vector<std::string>& warnings) {
  if (key == "cpu") {
    s.cpu = r.integer(v, key);
  } else if (key == "disk") {
    s.disk = r.integer(v, key);
  } else if (key == "memory") {
    s.memory = r.number(v, key);
  } else if (key == "arch") {
    s.arch = r.text(v, key);
  } else if (key == "runtime") {
    s.runtime = r.text(v, key);
  } else if (key == "modelRunner") {
    s.model_runner = r.text(v, key);
  } else if (key == "hostname") {
    s.hostname = r.text(v, key);
  } else if (key == "kubernetes") {
    read_kubernetes(r, v, s.kubernetes, warnings);
  } else if (key == "autoActivate") {
    s.auto_activate = r.boolean(v, key);
  } else if (key == "network") {
    read_network(r, v, s.network, warnings);
  } else if (key == "forwardAgent") {
    s.forward_agent = r.boolean(v, key);
  } else if (key == "docker") {
    r.require_map(v, key);
    check_text_keys(r, v);
    s.docker = v.IsNull() ? nlohmann::json::object() : detail::yaml_to_json(v);
  } else if (key == "vmType") {
    s.vm_type = r.text(v, key);
  } else if (key == "portForwarder") {
    s.port_forwarder = r.text(v, key);
  } else if (key == "rosetta") {
    s.rosetta = r.boolean(v, key);
  } else if (key == "binfmt") {
    s.binfmt = r.boolean(v, key);
  } else if (key == "nestedVirtualization") {
    s.nested_virtualization = r.boolean(v, key);
  } else if (key == "mountType") {
    s.mount_type = r.text(v, key);
  } else if (key == "mountInotify") {
    s.mount_inotify = r.boolean(v, key);
  } else if (key == "cpuType") {
    s.cpu_type = r.text(v, key);
  } else if (key == "provision") {
    s.provision = read_provision(r, v);
  } else if (key == "sshConfig") {
    s.ssh_config = r.boolean(v, key);
  } else if (key == "sshPort") {
    s.ssh_port = r.integer(v, key);
  } else if (key == "mounts") {
    s.mounts = v.IsNull() ? std::nullopt : std::optional(read_mounts(r, v));
  } else if (key == "diskImage") {
    s.disk_image = r.text(v, key);
  } else if (key == "diskImageMirror") {
    s.disk_image_mirror = r.text(v, key);
  } else if (key == "forceDiskImage") {
    s.force_disk_image = r.boolean(v, key);
  } else if (key == "rootDisk") {
    s.root_disk = r.integer(v, key);
  } else if (key == "env") {
    s.env = r.text_map(v, key);
  } else {
    warnings.push_back("unknown setting '" + key + "' ignored" +
                       util::did_you_mean(key, known_keys()));
  }
}

} // namespace

LoadedSettings parse_settings(std::string_view text, const std::string& origin) {
  Reader reader(origin);
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::ParserException& error) {
    throw UsageError(
        fmt::format("{}:{}:{}: {}", origin, error.mark.line + 1, error.mark.column + 1, error.msg));
  }
  LoadedSettings loaded;
  if (root.IsNull()) {
    return loaded;
  }
  if (!root.IsMap()) {
    reader.fail(root,
                "the settings must be a mapping of keys to values, got " + reader.shown(root));
  }
  for (const auto& entry : root) {
    read_key(reader, entry.first.Scalar(), entry.second, loaded.settings, loaded.warnings);
  }
  return loaded;
}

std::optional<LoadedSettings> load_settings(const std::filesystem::path& path) {
  auto text = util::read_file(path);
  if (!text) {
    return std::nullopt;
  }
  return parse_settings(*text, path.string());
}

} // namespace colima::config
