#include "colima/config/validate.hpp"
#include "colima/config/kubernetes.hpp"

#include "colima/config/mount_path.hpp"
#include "colima/util/error.hpp"
#include "colima/util/strings.hpp"

#include <arpa/inet.h>
#include <cctype>
#include <fmt/format.h>
#include <regex>

namespace colima::config {

namespace {

[[noreturn]] void refuse(const std::string& message) {
  throw UsageError(message);
}

void check_choice(const std::string& what, const std::string& value,
                  const std::vector<std::string>& valid) {
  for (const auto& candidate : valid) {
    if (value == candidate) {
      return;
    }
  }
  std::string hint = util::did_you_mean(value, valid);
  if (hint.empty()) {
    hint = " (valid: " + util::join(valid, ", ") + ")";
  }
  refuse(fmt::format("invalid {} '{}'{}", what, value, hint));
}

void check_macos_only(bool enabled, const std::string& what) {
  if (enabled) {
    refuse(what + " is only available on macOS");
  }
}

bool is_hostname(const std::string& name) {
  static const std::regex pattern("^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-"
                                  "Za-z0-9-]{0,61}[A-Za-z0-9])?)*$");
  return name.size() <= 253 && std::regex_match(name, pattern);
}

bool is_env_name(const std::string& name) {
  static const std::regex pattern("^[A-Za-z_][A-Za-z0-9_]*$");
  return std::regex_match(name, pattern);
}

bool is_ipv4(const std::string& text) {
  in_addr address{};
  return ::inet_pton(AF_INET, text.c_str(), &address) == 1;
}

void check_port(int port, const std::string& what) {
  if (port < 0 || port > 65535) {
    refuse(fmt::format("invalid {} '{}': use a port from 1 to 65535, or 0 for any free port", what,
                       port));
  }
}

void check_mount_path(const std::string& path, const std::string& what) {
  if (path.empty()) {
    refuse(what + " is empty");
  }
  if (auto problem = mount_path_problem(path)) {
    refuse(fmt::format("invalid {} '{}': {}", what, path, *problem));
  }
}

void check_mounts(const Settings& s) {
  if (!s.mounts) {
    return;
  }
  for (const auto& mount : *s.mounts) {
    check_mount_path(mount.location, "mount location");
    if (!mount.mount_point.empty()) {
      check_mount_path(mount.mount_point, "mount point");
      if (mount.mount_point.front() != '/') {
        refuse(fmt::format("invalid mount point '{}': it must be an absolute path in the VM",
                           mount.mount_point));
      }
    }
  }
}

} // namespace

const std::vector<std::string>& known_runtimes() {
  static const std::vector<std::string> runtimes = {"docker", "containerd", "incus", "none"};
  return runtimes;
}

bool is_ip_address(const std::string& text) {
  in6_addr address6{};
  return is_ipv4(text) || ::inet_pton(AF_INET6, text.c_str(), &address6) == 1;
}

void validate(const Settings& s) {
  if (s.cpu <= 0) {
    refuse(fmt::format("invalid number of cpus '{}': use a whole number of 1 or more", s.cpu));
  }
  if (!(s.memory > 0)) {
    refuse(fmt::format("invalid memory '{}': use a size in GiB greater than 0, e.g. 2 or 1.5",
                       s.memory));
  }
  if (s.disk <= 0) {
    refuse(fmt::format("invalid disk size '{}': use a whole number of GiB, 1 or more", s.disk));
  }
  if (s.root_disk <= 0) {
    refuse(fmt::format("invalid root disk size '{}': use a whole number of GiB, 1 or more",
                       s.root_disk));
  }
  if (!normalize_arch(s.arch)) {
    check_choice("architecture", s.arch, {"x86_64", "aarch64", "host"});
  }
  check_choice("runtime", s.runtime, known_runtimes());
  check_kubernetes(s);
  if (s.vm_type == "vz" || s.vm_type == "krunkit") {
    refuse(fmt::format("vm type '{}' is only available on macOS: use 'qemu' on Linux", s.vm_type));
  }
  check_choice("vm type", s.vm_type, {"qemu"});
  if (s.mount_type == "virtiofs") {
    refuse("mount type 'virtiofs' is only available on macOS: use 'sshfs' or '9p' on Linux");
  }
  check_choice("mount type", s.mount_type, {"sshfs", "9p"});
  check_choice("port forwarder", s.port_forwarder, {"ssh", "grpc", "none"});
  check_choice("model runner", s.model_runner, {"docker", "ramalama"});
  if (s.model_runner != "docker") {
    refuse(fmt::format("the AI model runner '{}' (--model-runner) is only available on macOS: "
                       "leave it at 'docker' on Linux",
                       s.model_runner));
  }
  check_macos_only(s.network.address, "a reachable network address (--network-address)");
  check_macos_only(s.network.preferred_route, "the preferred route (--network-preferred-route)");
  if (s.network.mode == "bridged") {
    refuse("network mode 'bridged' is only available on macOS");
  }
  check_choice("network mode", s.network.mode, {"shared", "bridged"});
  check_macos_only(s.rosetta, "rosetta (--vz-rosetta)");
  check_macos_only(s.nested_virtualization, "nested virtualization (--nested-virtualization)");

  if (!is_ipv4(s.network.gateway_address)) {
    refuse(fmt::format("invalid gateway address '{}': it must be an IPv4 address",
                       s.network.gateway_address));
  }
  if (!s.network.gateway_address.ends_with(".2")) {
    refuse(fmt::format("invalid gateway address '{}': its last octet must be 2, e.g. 192.168.5.2",
                       s.network.gateway_address));
  }
  for (const auto& resolver : s.network.dns) {
    if (!is_ip_address(resolver)) {
      refuse(fmt::format("invalid DNS resolver '{}': it must be an IP address, e.g. 1.1.1.1",
                         resolver));
    }
  }
  for (const auto& [name, target] : s.network.dns_hosts) {
    if (!is_hostname(name)) {
      refuse(fmt::format("invalid DNS host name '{}': use a host name such as example.com", name));
    }
    if (!is_hostname(target) && !is_ip_address(target)) {
      refuse(fmt::format("invalid DNS host target '{}' for '{}': use an IP address or a host name",
                         target, name));
    }
  }
  if (!s.hostname.empty() && !is_hostname(s.hostname)) {
    refuse(fmt::format("invalid hostname '{}': use letters, digits, '-' and '.' only", s.hostname));
  }
  check_port(s.ssh_port, "ssh port");
  static const std::regex cpu_type("^[A-Za-z0-9_.,+=-]*$");
  if (!std::regex_match(s.cpu_type, cpu_type)) {
    refuse(fmt::format("invalid cpu type '{}': use a QEMU CPU model such as max or "
                       "qemu64,+ssse3",
                       s.cpu_type));
  }
  for (const auto& [name, value] : s.env) {
    if (!is_env_name(name)) {
      refuse(
          fmt::format("invalid environment variable name '{}': use letters, digits and '_'", name));
    }
    // Lima writes the variables into the guest one per line: a newline would end the value and
    // start another variable.
    if (util::has_control_character(value)) {
      refuse(fmt::format("invalid value of the environment variable '{}' ('{}'): it holds a "
                         "control character (newline, tab, ...), which would not reach the guest "
                         "intact",
                         name, value));
    }
  }
  for (const auto& script : s.provision) {
    check_choice("provision mode", script.mode, {"system", "user", "after-boot", "ready"});
    if (util::trim(script.script).empty()) {
      refuse(fmt::format("a provision script of mode '{}' is empty", script.mode));
    }
  }
  check_mounts(s);
  if (s.disk_image.starts_with("http://") || s.disk_image.starts_with("https://")) {
    refuse(fmt::format("invalid disk image '{}': remote URLs are not supported, give a local "
                       "file or use --disk-image-mirror",
                       s.disk_image));
  }
  if (!s.disk_image_mirror.empty() && !s.disk_image_mirror.starts_with("http://") &&
      !s.disk_image_mirror.starts_with("https://") && !s.disk_image_mirror.starts_with("file://")) {
    refuse(fmt::format("invalid disk image mirror '{}': use an http://, https:// or file:// URL",
                       s.disk_image_mirror));
  }
}

} // namespace colima::config

namespace colima::config {

void check_unchangeable(const Settings& wanted, const Settings& current,
                        const std::string& profile_name) {
  std::string remedy =
      profile_name == "default" ? "colima delete" : "colima delete " + profile_name;
  auto refuse_change = [&](const std::string& what, const std::string& from,
                           const std::string& to) {
    if (from != to) {
      throw UsageError(fmt::format("the {} cannot change once the VM exists ('{}' to '{}'): keep "
                                   "'{}', or delete the VM with '{}' first",
                                   what, from, to, from, remedy));
    }
  };
  refuse_change("architecture", normalize_arch(current.arch).value_or(current.arch),
                normalize_arch(wanted.arch).value_or(wanted.arch));
  refuse_change("runtime", current.runtime, wanted.runtime);
  refuse_change("vm type", current.vm_type, wanted.vm_type);
  refuse_change("mount type", current.mount_type, wanted.mount_type);
  if (!wanted.disk_image.empty() && wanted.disk_image != current.disk_image) {
    // Lima makes the VM's disk from its image once; upstream ignores a new image silently.
    throw UsageError(fmt::format("the disk image of an existing VM cannot change (to '{}'): its "
                                 "disk was made from {} when it was created; drop --disk-image, "
                                 "or delete the VM with '{}' first",
                                 wanted.disk_image,
                                 current.disk_image.empty() ? std::string("colima's guest image")
                                                            : "'" + current.disk_image + "'",
                                 remedy));
  }
  if (wanted.disk < current.disk) {
    throw UsageError(fmt::format("the disk cannot shrink from {}GiB to {}GiB: use --disk {} or "
                                 "more, or delete the VM and its data with '{} --data'",
                                 current.disk, wanted.disk, current.disk, remedy));
  }
}

} // namespace colima::config
