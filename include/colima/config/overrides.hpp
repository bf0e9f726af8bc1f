#pragma once

#include "colima/config/settings.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace colima::config {

// Settings given on the command line of `colima start`: a field is set only when its flag
// was given, so that unset flags leave the profile's saved value alone.
struct SettingsOverrides {
  std::optional<int> cpu;
  std::optional<double> memory;
  std::optional<int> disk;
  std::optional<int> root_disk;
  std::optional<std::string> arch;
  std::optional<std::string> runtime;
  std::optional<std::string> vm_type;
  std::optional<std::string> cpu_type;
  std::optional<std::string> hostname;
  std::optional<std::string> mount_type;
  std::optional<std::string> port_forwarder;
  std::optional<std::string> disk_image;
  std::optional<std::string> disk_image_mirror;
  std::optional<std::string> model_runner;
  std::optional<bool> force_disk_image;
  std::optional<bool> auto_activate;
  std::optional<bool> binfmt;
  std::optional<bool> forward_agent;
  std::optional<bool> ssh_config;
  std::optional<int> ssh_port;
  std::optional<bool> mount_inotify;
  std::optional<bool> rosetta;
  std::optional<bool> nested_virtualization;
  std::optional<bool> kubernetes;
  std::optional<std::string> kubernetes_version;
  std::optional<std::vector<std::string>> k3s_args;
  // Legacy --kubernetes-disable: each value becomes `--disable=<value>` in the k3s arguments.
  std::vector<std::string> kubernetes_disable;
  std::optional<int> k3s_listen_port;
  // Outer optional: whether --mount was given; inner nullopt: `--mount none`.
  std::optional<std::optional<std::vector<Mount>>> mounts;
  std::optional<std::map<std::string, std::string>> env;
  std::optional<std::vector<std::string>> dns;
  std::optional<std::map<std::string, std::string>> dns_hosts;
  std::optional<std::string> gateway_address;
  std::optional<bool> network_address;
  std::optional<std::string> network_mode;
  std::optional<std::string> network_interface;
  std::optional<bool> network_preferred_route;
  std::optional<bool> network_host_addresses;
  std::optional<std::vector<std::string>> registry_mirrors;
};

// Applies every set field of the overrides to the settings.
void apply(Settings& settings, const SettingsOverrides& overrides);

// The settings `colima start` uses: the flags given, over the profile's colima.yaml when it
// exists, else over the template when use_template is set and a template exists, else over
// the built-in defaults.
Settings resolve_start_settings(const SettingsOverrides& overrides,
                                const std::optional<Settings>& profile_settings,
                                const std::optional<Settings>& template_settings,
                                bool use_template);

// Splits a list flag's value on commas outside double quotes, dropping the quotes, as
// upstream's comma-separated list flags do: `a,"b,c"` gives a and b,c.
std::vector<std::string> split_list(const std::string& value);

// Parses --mount values: `PATH[:w]` or `PATH:MOUNTPOINT[:w]`; `none` anywhere means no mounts
// (nullopt). Throws UsageError for a malformed value.
std::optional<std::vector<Mount>> parse_mounts(const std::vector<std::string>& values);

// Parses --env values `KEY=VALUE` (several per value, comma separated). A piece without '='
// continues the previous value (`A=1,2` is A="1,2"); a first piece without '=' is an error.
std::map<std::string, std::string> parse_env(const std::vector<std::string>& values);

// Parses --dns-host values `NAME=TARGET`, white space trimmed; throws UsageError for a value
// without '=' or with an empty side.
std::map<std::string, std::string> parse_dns_hosts(const std::vector<std::string>& values);

} // namespace colima::config
