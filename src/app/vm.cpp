// The VM's lifecycle: boot (create or resume), stop, restart, delete.
#include "colima/app/app.hpp"
#include "colima/app/kubernetes.hpp"
#include "colima/config/settings_file.hpp"
#include "colima/host/accelerator.hpp"
#include "colima/host/addresses.hpp"
#include "colima/image/builder.hpp"
#include "colima/lima/document.hpp"
#include "colima/lima/driver.hpp"
#include "colima/lima/start_monitor.hpp"
#include "colima/lima/version.hpp"
#include "colima/process/interrupt.hpp"
#include "colima/util/error.hpp"
#include "colima/util/fs.hpp"
#include "colima/util/strings.hpp"
#include "vm_checks.hpp"

#include <fmt/format.h>
#include <functional>
#include <spdlog/spdlog.h>
#include <tuple>
#include <yaml-cpp/yaml.h>

namespace colima::app {

namespace fs = std::filesystem;

namespace {

// Lima's user-v2 network with colima's gateway, as upstream writes it before every start.
void write_networks(const config::Paths& paths, const config::Settings& settings) {
  YAML::Node network(YAML::NodeType::Map);
  network["mode"] = "user-v2";
  network["gateway"] = settings.network.gateway_address;
  network["netmask"] = "255.255.255.0";
  YAML::Node root(YAML::NodeType::Map);
  root["networks"]["user-v2"] = network;
  util::atomic_write(paths.lima_home() / "_config" / "networks.yaml", lima::emit_document(root),
                     fs::perms(0644));
}

// How many times a start boots a guest whose kernel keeps stalling before it gives up.
constexpr int k_boots_of_a_stalled_guest = 2;

// A failed `limactl start`: the stage it reached, what failed, the root cause from Lima's and
// QEMU's logs, and one remedy.
std::string start_failure(const config::Profile& profile, const lima::StartMonitor& monitor,
                          const std::string& what, const fs::path& agent_log) {
  std::string stage = monitor.current_stage().empty() ? "creating the VM" : monitor.current_stage();
  std::string cause = monitor.root_cause();
  std::string remedy;
  if (cause.find("KVM") != std::string::npos) {
    remedy = "run again with COLIMA_ACCELERATOR=tcg to use software emulation";
  } else {
    remedy = fmt::format("run 'colima start{}' again (Lima's log: '{}')", profile.argument(),
                         agent_log.string());
  }
  bool said = cause.empty() || what.find(cause) != std::string::npos;
  return fmt::format("the VM failed while {}: {}{}; {}", stage, what,
                     said ? "" : "; cause: " + cause, remedy);
}

// Gives the guest's loopback each of the host's addresses (a /32, not upstream's /24, which
// would make the guest take the host's whole subnet for its own), so that a container can bind
// one; Lima forwards such ports to the same address on the host. Idempotent.
void add_host_addresses(lima::Driver& driver, const config::Profile& profile,
                        const std::vector<std::string>& addresses) {
  for (const auto& address : addresses) {
    process::Result result =
        driver.shell(profile, {"sudo", "ip", "address", "replace", address + "/32", "dev", "lo"});
    if (!result.ok()) {
      throw Error(fmt::format("cannot give the VM the host address '{}' (network.hostAddresses): "
                              "{}",
                              address, util::trim(result.err)));
    }
  }
}

// Warns about each mount of the VM's Lima document that is no mount point in the guest after a
// boot: Lima's 9p and sshfs mounts are nofail, so the boot goes on without one that failed.
void warn_unmounted(lima::Driver& driver, const config::Profile& profile,
                    const fs::path& document_file, util::Progress& progress) {
  std::vector<std::string> points;
  try {
    points = lima::mount_points(YAML::LoadFile(document_file.string()));
  } catch (const YAML::Exception& error) {
    spdlog::debug("boot: reading the mounts of '{}': {}", document_file.string(), error.what());
  }
  if (points.empty()) {
    return;
  }
  std::vector<std::string> argv = {
      "sh", "-c", "for m; do mountpoint -q \"$m\" || printf '%s\\n' \"$m\"; done", "sh"};
  argv.insert(argv.end(), points.begin(), points.end());
  process::Result result = driver.shell(profile, argv);
  if (!result.ok()) {
    spdlog::debug("boot: checking the mounts: {}", util::trim(result.err));
    return;
  }
  for (const auto& line : util::split(util::trim(result.out), '\n')) {
    if (!line.empty()) {
      progress.warn(fmt::format(
          "the mount '{}' is not mounted in the VM (Lima's mounts do not stop a boot when they "
          "fail): check that the host directory exists and is readable; 'colima ssh{} -- sudo "
          "journalctl -b -g mount' shows why",
          line, profile.argument()));
    }
  }
}

} // namespace

bool App::boot(const config::Profile& profile, const config::Settings& settings) {
  lima::check_limactl(m_runner);
  auto runtime = runtime::make(settings.runtime);
  lima::Driver driver(m_runner, m_paths);
  std::optional<lima::Instance> instance = driver.find(profile);
  if (instance && instance->running()) {
    m_progress.info(profile.display_name() + " is already running");
    if (auto running = config::load_settings(m_paths.state_file(profile))) {
      std::vector<std::string> changed = changed_settings(running->settings, settings);
      if (!changed.empty()) {
        m_progress.warn(fmt::format("it keeps running with its previous {}: the new ones apply at "
                                    "the next start ('colima restart{}')",
                                    util::join(changed, ", "), profile.argument()));
      }
    }
    return false;
  }
  if (instance && instance->status == "Broken") {
    // QEMU is gone but Lima's host agent still runs (on a loaded host it outlives a killed QEMU
    // for minutes), and `limactl start` refuses such an instance ("host agent is running but
    // driver is not"): a forced stop ends the host agent first.
    m_progress.warn(
        profile.display_name() +
        " is broken (its QEMU is gone, Lima's host agent still runs): stopping it first");
    try {
      driver.stop(profile, true);
    } catch (const Error& error) {
      spdlog::debug("boot: stopping the broken VM: {}", error.what());
    }
  }
  if (instance) {
    std::vector<std::string> removed = driver.clean_stale(profile);
    if (!removed.empty()) {
      m_progress.warn("removed what a crash or kill left behind: " + util::join(removed, ", "));
    }
    refuse_damaged_disks(m_runner, driver, profile, runtime->uses_data_disk());
  }
  std::string arch = config::normalize_arch(settings.arch).value_or(config::host_arch());
  std::string host = config::host_arch();
  host::KvmProbe probe;
  probe.qemu = arch == "aarch64" ? "qemu-system-aarch64" : "qemu-system-x86_64";
  image::Store store(m_paths.cache_dir() / "images");
  if (auto cached = store.find(image::ImageSpec{image_suite(), arch, settings.runtime},
                               image::recipe_id(settings.runtime))) {
    probe.kernel = cached->kernel();
  }
  host::AcceleratorChoice accelerator = host::choose_accelerator(
      m_runner, m_environment.get_non_empty("COLIMA_ACCELERATOR").value_or("auto"), arch, host,
      settings.cpu_type, probe);
  host::keep_users_qemu(accelerator, m_environment);
  if (!accelerator.warning.empty()) {
    m_progress.warn(accelerator.warning);
  }

  fs::path instance_dir = m_paths.instance_dir(profile);
  bool data_disk = runtime->uses_data_disk();
  lima::DocumentInputs inputs{.image_location = "",
                              .home = m_paths.home(),
                              .environment = m_environment,
                              .data_disk = data_disk};
  for (const auto& socket : runtime->sockets()) {
    inputs.sockets.push_back({socket.guest_path, m_paths.profile_dir(profile) / socket.file_name});
  }
  if (settings.network.host_addresses) {
    inputs.host_addresses = host::ipv4_addresses();
  }
  process::Command options;
  options.env = accelerator.lima_environment;
  options.env.merge(lima::start_environment(settings));
  lima::StartMonitor monitor(instance_dir,
                             [this](const std::string& stage) { m_progress.stage(stage); });
  monitor.attach(options);
  auto timeout = accelerator.accelerator == host::Accelerator::kvm ? std::chrono::minutes(10)
                                                                   : std::chrono::minutes(30);
  options.timeout = timeout + std::chrono::minutes(1);
  std::optional<config::Settings> state;
  if (auto loaded = config::load_settings(m_paths.state_file(profile))) {
    state = loaded->settings;
  }
  // A failed `limactl start` becomes an error with its stage, root cause and remedy. A guest
  // whose kernel stalled while booting (a vCPU timer that never fires, seen under software
  // emulation: such a boot does not recover) is stopped and booted once more first.
  auto explained = [&](const std::function<void()>& limactl_start) {
    for (int boot = 1;; ++boot) {
      try {
        boot == 1 ? limactl_start() : driver.resume(profile, options);
        return;
      } catch (const process::ProcessError& error) {
        if (!monitor.guest_stalled() || boot == k_boots_of_a_stalled_guest) {
          throw Error(
              start_failure(profile, monitor, error.what(), instance_dir / "ha.stderr.log"));
        }
        m_progress.warn("the guest's kernel stalled while booting (a vCPU timer never fired): "
                        "stopping the VM and booting it again");
        driver.stop(profile, true);
        monitor.restart();
      }
    }
  };
  util::create_directories(m_paths.profile_dir(profile));
  write_networks(m_paths, settings);
  try {
    if (!instance) {
      std::tie(inputs.image_location, inputs.boot) = choose_image(settings, arch);
      if (data_disk && !driver.data_disk_exists(profile)) {
        m_progress.stage(fmt::format("creating the {}GiB data disk", settings.disk));
        driver.create_data_disk(profile, settings.disk);
        driver.mark_data_disk_unformatted(profile);
      } else if (auto kept = data_disk ? driver.data_disk_bytes(profile) : std::nullopt;
                 kept && *kept < settings.disk * 1024LL * 1024 * 1024) {
        m_progress.stage(fmt::format("growing the kept data disk to {}GiB", settings.disk));
        driver.resize_data_disk(profile, settings.disk);
      }
      inputs.format_data_disk = data_disk && driver.data_disk_unformatted(profile);
      YAML::Node document = lima::render_document(settings, profile, inputs);
      fs::path file = m_paths.profile_dir(profile) / "lima.yaml";
      util::atomic_write(file, lima::emit_document(document));
      m_progress.stage("creating the VM");
      explained([&] { driver.create(profile, file, options); });
    } else {
      if (data_disk && state && settings.disk > state->disk) {
        m_progress.stage(fmt::format("growing the data disk to {}GiB", settings.disk));
        driver.resize_data_disk(profile, settings.disk);
      }
      // A first boot that failed before the guest formatted the new disk: let Lima format it.
      inputs.format_data_disk = data_disk && driver.data_disk_unformatted(profile);
      fs::path file = instance_dir / "lima.yaml";
      YAML::Node existing = load_lima_document(file, profile);
      YAML::Node document = lima::render_document(settings, profile, inputs);
      // The VM boots what it was made with: its disk, and the kernel and firmware Lima copied
      // in beside it (or none) at its creation.
      document["images"] = existing["images"];
      if (existing["firmware"]) {
        document["firmware"] = existing["firmware"];
      } else {
        document.remove("firmware");
      }
      util::atomic_write(file, lima::emit_document(document));
      m_progress.stage("starting the VM");
      explained([&] { driver.resume(profile, options); });
    }
  } catch (const process::Interrupted&) {
    // A VM left half-booted would look Running to the next start: stop it, then report.
    process::take_interrupt();
    m_progress.warn("interrupted: stopping the VM that was starting");
    try {
      driver.stop(profile, true);
    } catch (const Error& error) {
      spdlog::debug("boot: stopping the interrupted VM: {}", error.what());
    }
    throw;
  }
  if (inputs.format_data_disk) {
    driver.data_disk_formatted(profile);
  }
  if (data_disk) {
    driver.set_data_disk_runtime(profile, settings.runtime);
  }
  add_host_addresses(driver, profile, inputs.host_addresses);
  warn_unmounted(driver, profile, instance_dir / "lima.yaml", m_progress);
  config::save_settings(m_paths.state_file(profile), settings);
  return true;
}

void App::stop(const config::Profile& profile, bool force) {
  if (!vm_exists(profile)) {
    throw Error(profile.display_name() + " does not exist");
  }
  util::FileLock lock = lock_profile(profile, "stop");
  stop_vm(profile, force);
}

void App::stop_vm(const config::Profile& profile, bool force) {
  lima::Driver driver(m_runner, m_paths);
  auto instance = driver.find(profile);
  if (!instance) {
    throw Error(profile.display_name() + " does not exist");
  }
  if (!instance->running() && !force) {
    m_progress.info(profile.display_name() + " is not running");
    return;
  }
  m_progress.stage("stopping " + profile.display_name());
  if (instance->running()) {
    KubernetesLayer(m_runner, m_environment, m_paths, m_progress).stop(profile);
  }
  disconnect_docker(profile);
  disconnect_incus(profile);
  driver.stop(profile, force);
  m_progress.info("done");
}

void App::restart(const config::Profile& profile, bool force) {
  std::string absent = profile.display_name() + " does not exist: start it with 'colima start" +
                       profile.argument() + "'";
  if (!vm_exists(profile)) {
    throw Error(absent);
  }
  util::FileLock lock = lock_profile(profile, "restart");
  lima::Driver driver(m_runner, m_paths);
  if (!driver.find(profile)) {
    throw Error(absent);
  }
  stop_vm(profile, force);
  auto saved = config::load_settings(m_paths.settings_file(profile));
  bring_up(profile, saved ? saved->settings : config::Settings{});
  m_progress.info("done");
}

void App::remove(const config::Profile& profile, bool data) {
  lima::Driver driver(m_runner, m_paths);
  std::error_code error;
  bool kept_disk = fs::exists(driver.data_disk_file(profile).parent_path(), error);
  if (!vm_exists(profile) && !fs::exists(m_paths.profile_dir(profile), error) &&
      !(data && kept_disk)) {
    // Nothing to delete is an error, as for docker and limactl, with --force too.
    throw Error(fmt::format("{} does not exist{}", profile.display_name(),
                            kept_disk ? fmt::format("; its container data disk is kept: 'colima "
                                                    "delete{} --data' deletes it",
                                                    profile.argument())
                                      : ""));
  }
  util::FileLock lock = lock_profile(profile, "delete");
  auto instance = driver.find(profile);
  if (instance) {
    m_progress.stage("deleting " + profile.display_name());
    disconnect_docker(profile);
    disconnect_incus(profile);
    driver.remove(profile);
  } else if (!data) {
    m_progress.info(profile.display_name() + " does not exist");
  }
  try {
    KubernetesLayer(m_runner, m_environment, m_paths, m_progress).remove(profile, false);
  } catch (const Error& failure) {
    m_progress.warn(failure.what());
  }
  if (data && driver.data_disk_exists(profile)) {
    m_progress.stage("deleting the container data disk");
    driver.delete_data_disk(profile);
  }
  fs::remove_all(m_paths.profile_dir(profile), error);
  fs::remove_all(m_paths.instance_dir(profile), error);
  m_progress.info("done");
}

} // namespace colima::app
