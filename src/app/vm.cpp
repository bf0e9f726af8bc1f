// The VM's lifecycle: boot (create or resume), stop, restart, delete.
#include "colima/app/app.hpp"
#include "colima/app/kubernetes.hpp"
#include "colima/config/settings_file.hpp"
#include "colima/host/accelerator.hpp"
#include "colima/image/builder.hpp"
#include "colima/image/downloader.hpp"
#include "colima/lima/disk_check.hpp"
#include "colima/lima/document.hpp"
#include "colima/lima/driver.hpp"
#include "colima/lima/start_monitor.hpp"
#include "colima/lima/version.hpp"
#include "colima/process/interrupt.hpp"
#include "colima/util/error.hpp"
#include "colima/util/fs.hpp"
#include "colima/util/strings.hpp"

#include <fmt/format.h>
#include <functional>
#include <spdlog/spdlog.h>
#include <yaml-cpp/yaml.h>

namespace colima::app {

namespace fs = std::filesystem;

namespace {

std::string suite_of(const util::Environment& environment) {
  return environment.get_non_empty("COLIMA_IMAGE_SUITE").value_or("trixie");
}

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

// " NAME" for a command line naming the profile, empty for the default one.
std::string profile_argument(const config::Profile& profile) {
  return profile.is_default() ? std::string() : " " + profile.short_name();
}

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
    remedy = fmt::format("run 'colima start{}' again (Lima's log: '{}')", profile_argument(profile),
                         agent_log.string());
  }
  bool said = cause.empty() || what.find(cause) != std::string::npos;
  return fmt::format("the VM failed while {}: {}{}; {}", stage, what,
                     said ? "" : "; cause: " + cause, remedy);
}

// The names of the settings a running VM only takes at its next start that differ between its
// own and the new ones.
std::vector<std::string> changed_settings(const config::Settings& running,
                                          const config::Settings& wanted) {
  std::vector<std::string> changed;
  auto note = [&](bool differs, const char* name) {
    if (differs) {
      changed.emplace_back(name);
    }
  };
  note(running.cpu != wanted.cpu, "cpu");
  note(running.memory != wanted.memory, "memory");
  note(running.disk != wanted.disk, "disk");
  note(running.mounts != wanted.mounts || running.mount_type != wanted.mount_type, "mounts");
  note(running.env != wanted.env, "env");
  note(running.docker != wanted.docker, "docker");
  note(running.network != wanted.network, "network");
  note(running.provision != wanted.provision, "provision");
  return changed;
}

// Refuses to boot from a damaged disk, naming it; nothing is changed.
void refuse_damaged_disks(process::Runner& runner, lima::Driver& driver,
                          const config::Profile& profile, bool data_disk) {
  fs::path boot_disk = driver.boot_disk_file(profile);
  if (auto damage = lima::disk_damage(runner, boot_disk, true)) {
    throw Error(fmt::format("the VM's disk '{}' is damaged: {}; 'colima delete{}' removes the VM "
                            "(the container data disk is kept) and the next start creates it anew",
                            boot_disk.string(), *damage, profile_argument(profile)));
  }
  fs::path data = driver.data_disk_file(profile);
  if (data_disk) {
    if (auto damage = lima::disk_damage(runner, data, false)) {
      throw Error(fmt::format("the container data disk '{}' is damaged: {}; 'colima delete{} "
                              "--data' removes it with the images and containers it held",
                              data.string(), *damage, profile_argument(profile)));
    }
  }
}

} // namespace

std::string App::choose_image(const config::Settings& settings, const std::string& arch) {
  if (!settings.disk_image.empty()) {
    fs::path image = settings.disk_image;
    std::error_code error;
    if (!fs::is_regular_file(image, error)) {
      throw UsageError(fmt::format("invalid disk image '{}': no such file", image.string()));
    }
    process::Result info = m_runner.run(
        process::Command{.argv = {"qemu-img", "info", "--output=json", image.string()}});
    nlohmann::json json = nlohmann::json::parse(info.out, nullptr, false);
    std::string format = json.is_object() ? json.value("format", "") : "";
    if (!info.ok() || (format != "raw" && format != "qcow2")) {
      throw UsageError(
          fmt::format("invalid disk image '{}': {}", image.string(),
                      info.ok() ? "not a raw or qcow2 disk image" : util::trim(info.err)));
    }
    return fs::absolute(image).string();
  }
  image::Store store(m_paths.cache_dir() / "images");
  image::ImageSpec spec{suite_of(m_environment), arch, settings.runtime};
  if (auto cached = store.find(spec, image::recipe_id(spec.runtime))) {
    return cached->disk().string();
  }
  if (auto downloaded = store.find_downloaded(spec)) {
    return downloaded->disk().string();
  }
  if (!settings.disk_image_mirror.empty()) {
    image::Downloader downloader(m_runner, store, m_progress);
    return downloader.download(spec, settings.disk_image_mirror).disk().string();
  }
  image::Builder builder(m_runner, store, m_progress, m_environment);
  return builder.build(spec, image::debian_mirror(m_environment)).disk().string();
}

void App::adopt_kept_data_disk(const config::Profile& profile, config::Settings& settings) {
  if (!runtime::make(settings.runtime)->uses_data_disk()) {
    return;
  }
  std::error_code error;
  if (fs::exists(m_paths.instance_dir(profile) / "lima.yaml", error)) {
    return; // the VM exists: boot grows its disk, shrinking is refused before
  }
  lima::Driver driver(m_runner, m_paths);
  if (auto bytes = driver.data_disk_bytes(profile)) {
    int gib = static_cast<int>(*bytes / (1024LL * 1024 * 1024));
    if (gib > settings.disk) {
      m_progress.info(fmt::format("the container data disk kept from before is {}GiB: it stays "
                                  "{}GiB (disks never shrink)",
                                  gib, gib));
      settings.disk = gib;
    }
  }
}

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
                                    util::join(changed, ", "), profile_argument(profile)));
      }
    }
    return false;
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
  if (auto cached = store.find(image::ImageSpec{suite_of(m_environment), arch, settings.runtime},
                               image::recipe_id(settings.runtime))) {
    probe.kernel = cached->kernel();
  }
  host::AcceleratorChoice accelerator = host::choose_accelerator(
      m_runner, m_environment.get_non_empty("COLIMA_ACCELERATOR").value_or("auto"), arch, host,
      settings.cpu_type, probe);
  if (!accelerator.warning.empty()) {
    m_progress.warn(accelerator.warning);
  }

  fs::path instance_dir = m_paths.instance_dir(profile);
  bool data_disk = runtime->uses_data_disk();
  lima::DocumentInputs inputs{.image_location = "", .home = m_paths.home(), .data_disk = data_disk};
  for (const auto& socket : runtime->sockets()) {
    inputs.sockets.push_back({socket.guest_path, m_paths.profile_dir(profile) / socket.file_name});
  }
  process::Command options;
  options.env = accelerator.lima_environment;
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
  // A failed `limactl start` becomes an error with its stage, root cause and remedy.
  auto explained = [&](const std::function<void()>& limactl_start) {
    try {
      limactl_start();
    } catch (const process::ProcessError& error) {
      throw Error(start_failure(profile, monitor, error.what(), instance_dir / "ha.stderr.log"));
    }
  };
  util::create_directories(m_paths.profile_dir(profile));
  write_networks(m_paths, settings);
  try {
    if (!instance) {
      inputs.image_location = choose_image(settings, arch);
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
      YAML::Node existing = YAML::LoadFile(file.string());
      YAML::Node document = lima::render_document(settings, profile, inputs);
      document["images"] = existing["images"];
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
  config::save_settings(m_paths.state_file(profile), settings);
  return true;
}

void App::stop(const config::Profile& profile, bool force) {
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
  driver.stop(profile, force);
  m_progress.info("done");
}

void App::restart(const config::Profile& profile, bool force) {
  util::FileLock lock = lock_profile(profile, "restart");
  lima::Driver driver(m_runner, m_paths);
  if (!driver.find(profile)) {
    throw Error(profile.display_name() + " does not exist: start it with 'colima start" +
                (profile.is_default() ? std::string() : " " + profile.short_name()) + "'");
  }
  stop_vm(profile, force);
  auto saved = config::load_settings(m_paths.settings_file(profile));
  bring_up(profile, saved ? saved->settings : config::Settings{});
  m_progress.info("done");
}

void App::remove(const config::Profile& profile, bool data) {
  util::FileLock lock = lock_profile(profile, "delete");
  lima::Driver driver(m_runner, m_paths);
  auto instance = driver.find(profile);
  if (instance) {
    m_progress.stage("deleting " + profile.display_name());
    disconnect_docker(profile);
    driver.remove(profile);
  } else if (!data) {
    m_progress.info(profile.display_name() + " does not exist");
  }
  try {
    KubernetesLayer(m_runner, m_environment, m_paths, m_progress).remove(profile, false);
  } catch (const Error& error) {
    m_progress.warn(error.what());
  }
  if (data && driver.data_disk_exists(profile)) {
    m_progress.stage("deleting the container data disk");
    driver.delete_data_disk(profile);
  }
  std::error_code error;
  fs::remove_all(m_paths.profile_dir(profile), error);
  fs::remove_all(m_paths.instance_dir(profile), error);
  m_progress.info("done");
}

void App::build_image(const std::string& arch, const std::string& runtime,
                      const std::string& suite) {
  std::string normal = config::normalize_arch(arch).value_or("");
  if (normal.empty()) {
    throw UsageError(fmt::format("invalid architecture '{}' (valid: x86_64, aarch64, host)", arch));
  }
  if (runtime != "docker" && runtime != "containerd" && runtime != "none") {
    throw UsageError(fmt::format("invalid runtime '{}'{}", runtime,
                                 util::did_you_mean(runtime, {"docker", "containerd", "none"})));
  }
  image::Store store(m_paths.cache_dir() / "images");
  image::Builder builder(m_runner, store, m_progress, m_environment);
  image::CachedImage image = builder.build(
      image::ImageSpec{suite.empty() ? suite_of(m_environment) : suite, normal, runtime},
      image::debian_mirror(m_environment));
  m_progress.info("built '" + image.disk().string() + "'");
}

std::vector<std::string> App::list_images() {
  std::vector<std::string> lines;
  image::Store store(m_paths.cache_dir() / "images");
  for (const auto& image : store.list()) {
    const image::Manifest& m = image.manifest;
    lines.push_back(fmt::format("{:<28} {:>6}MiB  kernel {}  built {}  {}", m.spec.key(),
                                m.size / (1024 * 1024), m.kernel_version, m.built_at,
                                image.disk().string()));
  }
  return lines;
}

} // namespace colima::app
