#include "colima/config/overrides.hpp"
#include "colima/config/settings.hpp"
#include "colima/util/error.hpp"
#include "colima/util/strings.hpp"
#include "invocation.hpp"

#include <fmt/format.h>

namespace colima::cli {

namespace {

// The raw values of start's flags, before they become settings overrides.
struct StartFlags {
  std::string profile;
  std::string runtime = "docker";
  bool activate = true;
  int cpus = 2;
  int legacy_cpu = 2;
  std::string cpu_type;
  double memory = 2;
  int disk = 100;
  int root_disk = 20;
  std::string arch = config::host_arch();
  bool foreground = false;
  std::string hostname;
  std::string disk_image;
  std::string disk_image_mirror;
  bool force_disk_image = false;
  bool use_template = true;
  std::string port_forwarder = "ssh";
  bool network_host_addresses = false;
  bool network_address = false;
  std::string network_mode = "shared";
  std::string network_interface = "en0";
  bool network_preferred_route = false;
  std::string vm_type = "qemu";
  bool vz_rosetta = false;
  std::string model_runner = "docker";
  bool nested_virtualization = false;
  std::string gateway_address = "192.168.5.2";
  bool binfmt = true;
  bool edit = false;
  std::string editor;
  bool save_config = true;
  std::vector<std::string> mounts;
  std::string mount_type = "sshfs";
  bool mount_inotify = false;
  bool ssh_agent = false;
  bool ssh_config = true;
  int ssh_port = 0;
  bool kubernetes = false;
  bool legacy_kubernetes = false;
  std::string kubernetes_version = "v1.35.0+k3s1";
  std::vector<std::string> kubernetes_disable;
  std::vector<std::string> k3s_args = {"--disable=traefik"};
  int k3s_listen_port = 0;
  std::vector<std::string> env;
  std::vector<std::string> dns;
  std::vector<std::string> dns_hosts;
  std::vector<std::string> registry_mirrors;
  std::string downloader = "curl";
};

// Copies a flag's value into the overrides when the flag was given.
template <typename T>
void given(const CLI::App& command, const char* name, std::optional<T>& target, const T& value) {
  if (command.count(name) > 0) {
    target = value;
  }
}

std::vector<std::string> split_lists(const std::vector<std::string>& values) {
  std::vector<std::string> pieces;
  for (const auto& value : values) {
    for (const auto& piece : config::split_list(value)) {
      pieces.push_back(util::trim(piece));
    }
  }
  return pieces;
}

config::SettingsOverrides to_overrides(const CLI::App& c, const StartFlags& f) {
  config::SettingsOverrides o;
  given(c, "--runtime", o.runtime, f.runtime);
  given(c, "--activate", o.auto_activate, f.activate);
  given(c, "--cpu", o.cpu, f.legacy_cpu);
  given(c, "--cpus", o.cpu, f.cpus);
  given(c, "--cpu-type", o.cpu_type, f.cpu_type);
  given(c, "--memory", o.memory, f.memory);
  given(c, "--disk", o.disk, f.disk);
  given(c, "--root-disk", o.root_disk, f.root_disk);
  given(c, "--arch", o.arch, f.arch);
  given(c, "--hostname", o.hostname, f.hostname);
  given(c, "--disk-image", o.disk_image, f.disk_image);
  given(c, "--disk-image-mirror", o.disk_image_mirror, f.disk_image_mirror);
  given(c, "--force-disk-image", o.force_disk_image, f.force_disk_image);
  given(c, "--port-forwarder", o.port_forwarder, f.port_forwarder);
  given(c, "--network-host-addresses", o.network_host_addresses, f.network_host_addresses);
  given(c, "--network-address", o.network_address, f.network_address);
  given(c, "--network-mode", o.network_mode, f.network_mode);
  given(c, "--network-interface", o.network_interface, f.network_interface);
  given(c, "--network-preferred-route", o.network_preferred_route, f.network_preferred_route);
  given(c, "--vm-type", o.vm_type, f.vm_type);
  given(c, "--vz-rosetta", o.rosetta, f.vz_rosetta);
  given(c, "--model-runner", o.model_runner, f.model_runner);
  given(c, "--nested-virtualization", o.nested_virtualization, f.nested_virtualization);
  given(c, "--gateway-address", o.gateway_address, f.gateway_address);
  given(c, "--binfmt", o.binfmt, f.binfmt);
  given(c, "--mount-type", o.mount_type, f.mount_type);
  given(c, "--mount-inotify", o.mount_inotify, f.mount_inotify);
  given(c, "--ssh-agent", o.forward_agent, f.ssh_agent);
  given(c, "--ssh-config", o.ssh_config, f.ssh_config);
  given(c, "--ssh-port", o.ssh_port, f.ssh_port);
  given(c, "--with-kubernetes", o.kubernetes, f.legacy_kubernetes);
  given(c, "--kubernetes", o.kubernetes, f.kubernetes);
  given(c, "--kubernetes-version", o.kubernetes_version, f.kubernetes_version);
  given(c, "--k3s-listen-port", o.k3s_listen_port, f.k3s_listen_port);
  if (c.count("--k3s-arg") > 0) {
    o.k3s_args = split_lists(f.k3s_args);
  }
  if (c.count("--kubernetes-disable") > 0) {
    o.kubernetes_disable = split_lists(f.kubernetes_disable);
  }
  if (c.count("--mount") > 0) {
    o.mounts = config::parse_mounts(f.mounts);
  }
  if (c.count("--env") > 0) {
    o.env = config::parse_env(f.env);
  }
  if (c.count("--dns") > 0) {
    o.dns = split_lists(f.dns);
  }
  if (c.count("--dns-host") > 0) {
    o.dns_hosts = config::parse_dns_hosts(f.dns_hosts);
  }
  if (c.count("--registry-mirror") > 0) {
    o.registry_mirrors = split_lists(f.registry_mirrors);
  }
  return o;
}

// A list flag: one value per occurrence (comma separated lists inside), repeatable.
CLI::Option* add_list(CLI::App* command, const std::string& names, std::vector<std::string>& values,
                      const std::string& help) {
  return command->add_option(names, values, help)
      ->type_size(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
}

// colima downloads guest images (from --disk-image-mirror) with curl alone: upstream's other
// choice, its built-in Go downloader, has no counterpart here, so asking for it is refused
// rather than ignored. --downloader wins over $COLIMA_DOWNLOADER, as upstream.
void check_downloader(const CLI::App& command, const StartFlags& flags,
                      const util::Environment& environment) {
  std::string value = flags.downloader;
  std::string source = "--downloader";
  if (command.count("--downloader") == 0) {
    auto from_environment = environment.get_non_empty("COLIMA_DOWNLOADER");
    if (!from_environment) {
      return;
    }
    value = util::to_lower(*from_environment);
    source = "$COLIMA_DOWNLOADER";
  }
  if (value == "curl") {
    return;
  }
  if (value == "native") {
    throw UsageError(fmt::format("downloader 'native' ({}) is not available: this colima "
                                 "downloads guest images with curl only; use 'curl'",
                                 source));
  }
  throw UsageError(fmt::format("invalid downloader '{}' ({}): use 'curl'", value, source));
}

} // namespace

void add_start_command(CLI::App& root, Invocation& invocation) {
  auto flags = std::make_shared<StartFlags>();
  if (auto save = invocation.environment().get_non_empty("COLIMA_SAVE_CONFIG")) {
    flags->save_config = *save == "1" || *save == "true" || *save == "TRUE" || *save == "True";
  }
  StartFlags& f = *flags;
  CLI::App* c = root.add_subcommand("start", "start Colima");
  c->footer("Examples:\n"
            "  colima start\n"
            "  colima start --edit\n"
            "  colima start --foreground\n"
            "  colima start --runtime containerd\n"
            "  colima start --kubernetes\n"
            "  colima start --runtime containerd --kubernetes\n"
            "  colima start --kubernetes --kubernetes-version v1.35.4   (built by colima)\n"
            "  colima start --cpus 4 --memory 8 --disk 100\n"
            "  colima start --arch aarch64\n"
            "  colima start --dns 1.1.1.1 --dns 8.8.8.8\n"
            "  colima start --dns-host example.com=1.2.3.4\n"
            "  colima start --gateway-address 192.168.6.2\n"
            "  colima start --kubernetes --k3s-arg='\"--disable=coredns,servicelb,traefik\"'\n");
  c->add_option("profile", f.profile, "profile name, for multiple instances")->type_name("");
  c->add_option("-r,--runtime", f.runtime, "container runtime (containerd, docker, none)")
      ->capture_default_str();
  c->add_flag("--activate", f.activate,
              "set as active Docker/Kubernetes context on startup (default true)");
  c->add_option("-c,--cpus", f.cpus, "number of CPUs")->capture_default_str();
  c->add_option("--cpu", f.legacy_cpu, "number of CPUs")->group("");
  c->add_option("--cpu-type", f.cpu_type,
                "the CPU type, options can be checked with 'qemu-system-" + config::host_arch() +
                    " -cpu help'");
  c->add_option("-m,--memory", f.memory, "memory in GiB")->capture_default_str();
  c->add_option("-d,--disk", f.disk, "disk size in GiB")->capture_default_str();
  c->add_option("--root-disk", f.root_disk, "disk size in GiB for the root filesystem")
      ->capture_default_str();
  c->add_option("-a,--arch", f.arch, "architecture (aarch64, x86_64)")->capture_default_str();
  c->add_flag("-f,--foreground", f.foreground, "Keep colima in the foreground");
  c->add_option("--hostname", f.hostname, "custom hostname for the virtual machine");
  c->add_option("-i,--disk-image", f.disk_image, "file path to a custom disk image");
  c->add_option("--disk-image-mirror", f.disk_image_mirror,
                "base URL to download guest disk images from");
  c->add_flag("--force-disk-image", f.force_disk_image,
              "load a disk image that is neither raw nor qcow2 (Lima converts it)");
  c->add_flag("--template", f.use_template,
              "use the template file for initial configuration (default true)");
  c->add_option("--port-forwarder", f.port_forwarder, "port forwarder to use (ssh, grpc, none)")
      ->capture_default_str();
  c->add_flag("--network-host-addresses", f.network_host_addresses,
              "support port forwarding to specific host IP addresses");
  c->add_flag("--network-address", f.network_address,
              "assign reachable IP address to the VM (macOS only)");
  c->add_option("--network-mode", f.network_mode, "network mode (shared, bridged; macOS only)")
      ->capture_default_str();
  c->add_option("--network-interface", f.network_interface,
                "host network interface to use for bridged mode (macOS only)")
      ->capture_default_str();
  c->add_flag("--network-preferred-route", f.network_preferred_route,
              "use the assigned IP address as the preferred route for the VM (macOS only)");
  c->add_option("-t,--vm-type", f.vm_type, "virtual machine type (qemu; vz and krunkit on macOS)")
      ->capture_default_str();
  c->add_flag("--vz-rosetta", f.vz_rosetta, "enable Rosetta for amd64 emulation (macOS only)");
  c->add_option("--model-runner", f.model_runner, "AI model runner (docker, ramalama; macOS only)")
      ->capture_default_str();
  c->add_flag("-z,--nested-virtualization", f.nested_virtualization,
              "enable nested virtualization (macOS only)");
  c->add_option("--gateway-address", f.gateway_address, "gateway address")->capture_default_str();
  c->add_flag("--binfmt", f.binfmt, "use binfmt for foreign architecture emulation (default true)");
  c->add_flag("-e,--edit", f.edit, "edit the configuration file before starting");
  c->add_option("--editor", f.editor,
                "editor to use for edit e.g. vim, nano, code (default \"$EDITOR\" env var)");
  c->add_flag("--save-config", f.save_config,
              "persist and overwrite config file with (newly) specified flags (default true)");
  add_list(c, "-V,--mount", f.mounts,
           "directories to mount, suffix ':w' for writable, disable with 'none'");
  c->add_option("--mount-type", f.mount_type, "volume driver for the mount (sshfs, 9p)")
      ->capture_default_str();
  c->add_flag("--mount-inotify", f.mount_inotify, "propagate inotify file events to the VM");
  c->add_flag("-s,--ssh-agent", f.ssh_agent, "forward SSH agent to the VM");
  c->add_flag("--ssh-config", f.ssh_config, "generate SSH config in ~/.ssh/config (default true)");
  c->add_option("--ssh-port", f.ssh_port, "SSH server port")->capture_default_str();
  c->add_flag("-k,--kubernetes", f.kubernetes, "start with Kubernetes");
  c->add_flag("--with-kubernetes", f.legacy_kubernetes, "start with Kubernetes")->group("");
  c->add_option("--kubernetes-version", f.kubernetes_version,
                "a k3s release tag (vX.Y.Z+k3sN, downloaded) or a Kubernetes version (vX.Y.Z, "
                "built by colima from the Go module proxy)")
      ->capture_default_str();
  add_list(c, "--kubernetes-disable", f.kubernetes_disable,
           "components to disable for k3s e.g. traefik,servicelb")
      ->group("");
  add_list(c, "--k3s-arg", f.k3s_args,
           "additional args to pass to k3s (default [--disable=traefik])");
  c->add_option("--k3s-listen-port", f.k3s_listen_port,
                "Kubernetes API server port on the host (0: any free port)")
      ->capture_default_str();
  add_list(c, "--env", f.env, "environment variables for the VM (KEY=VALUE)");
  add_list(c, "-n,--dns", f.dns, "DNS resolvers for the VM");
  add_list(c, "--dns-host", f.dns_hosts, "custom DNS names to provide to resolver (NAME=TARGET)");
  add_list(c, "--registry-mirror", f.registry_mirrors, "registry mirrors for the docker runtime");
  c->add_option("--downloader", f.downloader,
                "downloader of guest images: curl (upstream's 'native' one is not built in)")
      ->capture_default_str()
      ->transform(CLI::IsMember({"native", "curl"}, CLI::ignore_case));

  invocation.on_run(c, [c, flags, &invocation] {
    check_downloader(*c, *flags, invocation.environment());
    app::StartRequest request;
    request.overrides = to_overrides(*c, *flags);
    if (!request.overrides.runtime) {
      if (auto runtime = invocation.environment().get_non_empty("COLIMA_DEFAULT_RUNTIME")) {
        request.default_runtime = *runtime;
      }
    }
    request.use_template = flags->use_template;
    request.save_config = flags->save_config;
    request.edit = flags->edit;
    request.editor = flags->editor;
    request.foreground = flags->foreground;
    invocation.app().start(invocation.profile(flags->profile), request);
  });
}

} // namespace colima::cli
