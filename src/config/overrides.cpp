#include "colima/config/overrides.hpp"

#include "colima/util/error.hpp"
#include "colima/util/strings.hpp"

#include <fmt/format.h>

namespace colima::config {

namespace {
template <typename T> void set_if(T& target, const std::optional<T>& value) {
  if (value) {
    target = *value;
  }
}

std::vector<std::string> split_all(const std::vector<std::string>& values) {
  std::vector<std::string> pieces;
  for (const auto& value : values) {
    for (auto& piece : split_list(value)) {
      pieces.push_back(std::move(piece));
    }
  }
  return pieces;
}
} // namespace

void apply(Settings& s, const SettingsOverrides& o) {
  set_if(s.cpu, o.cpu);
  set_if(s.memory, o.memory);
  set_if(s.disk, o.disk);
  set_if(s.root_disk, o.root_disk);
  set_if(s.arch, o.arch);
  set_if(s.runtime, o.runtime);
  set_if(s.vm_type, o.vm_type);
  set_if(s.cpu_type, o.cpu_type);
  set_if(s.hostname, o.hostname);
  set_if(s.mount_type, o.mount_type);
  set_if(s.port_forwarder, o.port_forwarder);
  set_if(s.disk_image, o.disk_image);
  set_if(s.disk_image_mirror, o.disk_image_mirror);
  set_if(s.model_runner, o.model_runner);
  set_if(s.force_disk_image, o.force_disk_image);
  set_if(s.auto_activate, o.auto_activate);
  set_if(s.binfmt, o.binfmt);
  set_if(s.forward_agent, o.forward_agent);
  set_if(s.ssh_config, o.ssh_config);
  set_if(s.ssh_port, o.ssh_port);
  set_if(s.mount_inotify, o.mount_inotify);
  set_if(s.rosetta, o.rosetta);
  set_if(s.nested_virtualization, o.nested_virtualization);
  set_if(s.kubernetes.enabled, o.kubernetes);
  set_if(s.kubernetes.version, o.kubernetes_version);
  set_if(s.kubernetes.k3s_args, o.k3s_args);
  for (const auto& component : o.kubernetes_disable) {
    s.kubernetes.k3s_args.push_back("--disable=" + component);
  }
  set_if(s.kubernetes.port, o.k3s_listen_port);
  if (o.mounts) {
    s.mounts = *o.mounts;
  }
  set_if(s.env, o.env);
  set_if(s.network.dns, o.dns);
  set_if(s.network.dns_hosts, o.dns_hosts);
  set_if(s.network.gateway_address, o.gateway_address);
  set_if(s.network.address, o.network_address);
  set_if(s.network.mode, o.network_mode);
  set_if(s.network.interface, o.network_interface);
  set_if(s.network.preferred_route, o.network_preferred_route);
  set_if(s.network.host_addresses, o.network_host_addresses);
  if (o.registry_mirrors) {
    if (!s.docker.is_object()) {
      s.docker = nlohmann::json::object();
    }
    s.docker["registry-mirrors"] = *o.registry_mirrors;
  }
}

Settings resolve_start_settings(const SettingsOverrides& overrides,
                                const std::optional<Settings>& profile_settings,
                                const std::optional<Settings>& template_settings,
                                bool use_template) {
  Settings settings;
  if (profile_settings) {
    settings = *profile_settings;
  } else if (use_template && template_settings) {
    settings = *template_settings;
  }
  apply(settings, overrides);
  return settings;
}

std::vector<std::string> split_list(const std::string& value) {
  std::vector<std::string> pieces;
  std::string current;
  bool quoted = false;
  for (std::size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    if (c == '"' && quoted && i + 1 < value.size() && value[i + 1] == '"') {
      // As in CSV (and upstream's flag parser): "" inside quotes is one double quote.
      current += '"';
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      pieces.push_back(current);
      current.clear();
    } else {
      current += c;
    }
  }
  if (quoted) {
    throw UsageError(fmt::format("invalid list '{}': a double quote is not closed", value));
  }
  pieces.push_back(current);
  return pieces;
}

std::optional<std::vector<Mount>> parse_mounts(const std::vector<std::string>& values) {
  std::vector<std::string> pieces = split_all(values);
  for (const auto& piece : pieces) {
    if (util::to_lower(piece) == "none") {
      return std::nullopt;
    }
  }
  std::vector<Mount> mounts;
  for (const auto& piece : pieces) {
    std::vector<std::string> parts = util::split(piece, ':', 3);
    Mount mount;
    mount.location = parts[0];
    if (mount.location.empty()) {
      throw UsageError(fmt::format("invalid mount '{}': the host path is empty; use "
                                   "PATH[:MOUNTPOINT][:w]",
                                   piece));
    }
    for (std::size_t i = 1; i < parts.size(); ++i) {
      if (parts[i] == "w" && i == parts.size() - 1) {
        mount.writable = true;
      } else if (i == 1 && !parts[i].empty() && parts[i].front() == '/') {
        mount.mount_point = parts[i];
      } else {
        throw UsageError(fmt::format("invalid mount '{}': use PATH[:w] or PATH:MOUNTPOINT[:w], "
                                     "MOUNTPOINT an absolute path",
                                     piece));
      }
    }
    mounts.push_back(mount);
  }
  return mounts;
}

std::map<std::string, std::string> parse_env(const std::vector<std::string>& values) {
  std::map<std::string, std::string> env;
  std::string last_key;
  for (const auto& piece : split_all(values)) {
    auto equals = piece.find('=');
    if (equals == std::string::npos) {
      if (last_key.empty()) {
        throw UsageError(fmt::format("invalid --env '{}': use KEY=VALUE", piece));
      }
      env[last_key] += "," + piece;
      continue;
    }
    last_key = piece.substr(0, equals);
    if (last_key.empty()) {
      throw UsageError(fmt::format("invalid --env '{}': the name before '=' is empty", piece));
    }
    env[last_key] = piece.substr(equals + 1);
  }
  return env;
}

std::map<std::string, std::string> parse_dns_hosts(const std::vector<std::string>& values) {
  std::map<std::string, std::string> hosts;
  for (const auto& piece : split_all(values)) {
    auto equals = piece.find('=');
    if (equals == std::string::npos) {
      throw UsageError(fmt::format("invalid --dns-host '{}': use NAME=TARGET", piece));
    }
    std::string name = util::trim(piece.substr(0, equals));
    std::string target = util::trim(piece.substr(equals + 1));
    if (name.empty() || target.empty()) {
      throw UsageError(
          fmt::format("invalid --dns-host '{}': both NAME and TARGET are needed", piece));
    }
    hosts[name] = target;
  }
  return hosts;
}

} // namespace colima::config
