#include "settings_yaml.hpp"

#include "colima/util/error.hpp"

#include <charconv>
#include <fmt/format.h>

namespace colima::config::detail {

namespace {
YAML::Node flow_strings(const std::vector<std::string>& values) {
  YAML::Node node(YAML::NodeType::Sequence);
  for (const auto& value : values) {
    node.push_back(value);
  }
  node.SetStyle(YAML::EmitterStyle::Flow);
  return node;
}

YAML::Node string_map(const std::map<std::string, std::string>& values) {
  YAML::Node node(YAML::NodeType::Map);
  for (const auto& [key, value] : values) {
    node[key] = value;
  }
  return node;
}

YAML::Node number(double value) {
  return YAML::Node(format_number(value));
}

template <typename Integer> std::optional<Integer> parse_integer(const std::string& text) {
  Integer value{};
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}
} // namespace

std::string format_number(double value) {
  return fmt::format("{}", value);
}

YAML::Node to_node(const Settings& s) {
  YAML::Node root(YAML::NodeType::Map);
  root["cpu"] = s.cpu;
  root["disk"] = s.disk;
  root["memory"] = number(s.memory);
  root["arch"] = s.arch;
  root["runtime"] = s.runtime;
  root["modelRunner"] = s.model_runner;
  root["hostname"] = s.hostname.empty() ? YAML::Node(YAML::NodeType::Null) : YAML::Node(s.hostname);

  YAML::Node kubernetes(YAML::NodeType::Map);
  kubernetes["enabled"] = s.kubernetes.enabled;
  kubernetes["version"] = s.kubernetes.version;
  kubernetes["k3sArgs"] = flow_strings(s.kubernetes.k3s_args);
  kubernetes["port"] = s.kubernetes.port;
  root["kubernetes"] = kubernetes;

  root["autoActivate"] = s.auto_activate;

  YAML::Node network(YAML::NodeType::Map);
  network["address"] = s.network.address;
  network["mode"] = s.network.mode;
  network["interface"] = s.network.interface;
  network["preferredRoute"] = s.network.preferred_route;
  network["dns"] = flow_strings(s.network.dns);
  network["dnsHosts"] = string_map(s.network.dns_hosts);
  network["hostAddresses"] = s.network.host_addresses;
  network["gatewayAddress"] = s.network.gateway_address;
  root["network"] = network;

  root["forwardAgent"] = s.forward_agent;
  root["docker"] = json_to_yaml(s.docker.is_null() ? nlohmann::json::object() : s.docker);
  root["vmType"] = s.vm_type;
  root["portForwarder"] = s.port_forwarder;
  root["rosetta"] = s.rosetta;
  root["binfmt"] = s.binfmt;
  root["nestedVirtualization"] = s.nested_virtualization;
  root["mountType"] = s.mount_type;
  root["mountInotify"] = s.mount_inotify;
  root["cpuType"] = s.cpu_type;

  YAML::Node provision(YAML::NodeType::Sequence);
  for (const auto& item : s.provision) {
    YAML::Node entry(YAML::NodeType::Map);
    entry["mode"] = item.mode;
    entry["script"] = item.script;
    provision.push_back(entry);
  }
  root["provision"] = provision;

  root["sshConfig"] = s.ssh_config;
  root["sshPort"] = s.ssh_port;

  if (s.mounts) {
    YAML::Node mounts(YAML::NodeType::Sequence);
    for (const auto& mount : *s.mounts) {
      YAML::Node entry(YAML::NodeType::Map);
      entry["location"] = mount.location;
      if (!mount.mount_point.empty()) {
        entry["mountPoint"] = mount.mount_point;
      }
      entry["writable"] = mount.writable;
      mounts.push_back(entry);
    }
    root["mounts"] = mounts;
  } else {
    root["mounts"] = YAML::Node(YAML::NodeType::Null);
  }

  root["diskImage"] = s.disk_image;
  root["diskImageMirror"] = s.disk_image_mirror;
  root["forceDiskImage"] = s.force_disk_image;
  root["rootDisk"] = s.root_disk;
  root["env"] = string_map(s.env);
  return root;
}

nlohmann::json yaml_to_json(const YAML::Node& node) {
  switch (node.Type()) {
  case YAML::NodeType::Map: {
    nlohmann::json object = nlohmann::json::object();
    for (const auto& entry : node) {
      if (!entry.first.IsScalar()) {
        throw UsageError("a key must be a text, not a list or a mapping");
      }
      object[entry.first.Scalar()] = yaml_to_json(entry.second);
    }
    return object;
  }
  case YAML::NodeType::Sequence: {
    nlohmann::json array = nlohmann::json::array();
    for (const auto& item : node) {
      array.push_back(yaml_to_json(item));
    }
    return array;
  }
  case YAML::NodeType::Scalar: {
    const std::string& text = node.Scalar();
    if (node.Tag() == "!") {
      return text;
    }
    if (text == "true" || text == "True" || text == "TRUE") {
      return true;
    }
    if (text == "false" || text == "False" || text == "FALSE") {
      return false;
    }
    if (text == "null" || text == "~" || text == "Null" || text == "NULL") {
      return nullptr;
    }
    if (auto integer = parse_integer<long long>(text)) {
      return *integer;
    }
    if (!text.empty() && text.find_first_not_of("0123456789+-.eE") == std::string::npos) {
      try {
        std::size_t used = 0;
        double value = std::stod(text, &used);
        if (used == text.size()) {
          return value;
        }
      } catch (const std::exception&) {
      }
    }
    return text;
  }
  case YAML::NodeType::Null:
  case YAML::NodeType::Undefined:
    return nullptr;
  }
  return nullptr;
}

YAML::Node json_to_yaml(const nlohmann::json& value) {
  switch (value.type()) {
  case nlohmann::json::value_t::object: {
    YAML::Node node(YAML::NodeType::Map);
    for (const auto& [key, item] : value.items()) {
      node[key] = json_to_yaml(item);
    }
    return node;
  }
  case nlohmann::json::value_t::array: {
    YAML::Node node(YAML::NodeType::Sequence);
    for (const auto& item : value) {
      node.push_back(json_to_yaml(item));
    }
    return node;
  }
  case nlohmann::json::value_t::string:
    return YAML::Node(value.get<std::string>());
  case nlohmann::json::value_t::boolean:
    return YAML::Node(value.get<bool>());
  case nlohmann::json::value_t::number_integer:
    return YAML::Node(value.get<long long>());
  case nlohmann::json::value_t::number_unsigned:
    return YAML::Node(value.get<unsigned long long>());
  case nlohmann::json::value_t::number_float:
    return YAML::Node(format_number(value.get<double>()));
  default:
    return YAML::Node(YAML::NodeType::Null);
  }
}

} // namespace colima::config::detail
