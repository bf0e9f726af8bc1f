// The runtime's part of a start, stop and update: the guest script that configures and starts
// the engine, and the host's docker context for the forwarded engine socket.
#include "colima/app/app.hpp"
#include "colima/host/docker_context.hpp"
#include "colima/lima/driver.hpp"
#include "colima/util/error.hpp"
#include "colima/util/fs.hpp"
#include "colima/util/strings.hpp"
#include "guest_script.hpp"

#include <chrono>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <thread>

namespace colima::app {

namespace fs = std::filesystem;

namespace {

host::DockerContext context_of(process::Runner& runner, const config::Paths& paths,
                               const config::Profile& profile) {
  return host::DockerContext(runner, profile.id(), profile.display_name(),
                             paths.profile_dir(profile) / "docker.sock",
                             paths.profile_dir(profile));
}

} // namespace

process::Result App::run_guest_script(const config::Profile& profile,
                                      const runtime::GuestScript& script) {
  return app::run_guest_script(m_runner, m_paths, m_progress, profile, script);
}

std::map<std::string, std::string>
App::supplied_config_files(const config::Profile& profile, const runtime::Runtime& runtime) const {
  auto xdg = m_environment.get_non_empty("XDG_CONFIG_HOME");
  fs::path shared_root = xdg ? fs::path(*xdg) : m_paths.home() / ".config";
  std::map<std::string, std::string> texts;
  for (const auto& file : runtime.config_files()) {
    for (const fs::path& path :
         {m_paths.profile_dir(profile) / file.name, shared_root / file.shared}) {
      if (auto text = util::read_file(path)) {
        spdlog::debug("provision: {} from '{}'", file.name, path.string());
        texts[file.name] = *text;
        break;
      }
    }
  }
  return texts;
}

void App::provision_runtime(const config::Profile& profile, const config::Settings& settings,
                            bool already_running) {
  auto runtime = runtime::make(settings.runtime);
  runtime::GuestContext context{.data_mount =
                                    runtime->uses_data_disk() ? "/mnt/lima-" + profile.id() : "",
                                .already_running = already_running,
                                .config_files = supplied_config_files(profile, *runtime)};
  if (auto script = runtime->provision(settings, context)) {
    run_guest_script(profile, *script);
  }
  if (runtime->has_docker_context()) {
    connect_docker(profile, settings);
  }
  if (runtime->name() == "incus") {
    connect_incus(profile, settings);
  }
}

void App::run_provision_scripts(const config::Profile& profile, const config::Settings& settings,
                                const std::string& mode) {
  lima::Driver driver(m_runner, m_paths);
  for (const auto& script : settings.provision) {
    if (script.mode != mode) {
      continue;
    }
    m_progress.stage("running the " + mode + " provision script");
    process::Result result =
        driver.shell(profile, {"sh", "-s"}, script.script, std::chrono::minutes(15));
    if (!result.ok()) {
      m_progress.warn(
          fmt::format("error running {} provision script(s): {}", mode, failure_reason(result)));
    }
  }
}

void App::update(const config::Profile& profile) {
  std::string not_running =
      "runtime cannot be updated, " + profile.display_name() + " is not running";
  if (!vm_exists(profile)) {
    throw Error(not_running);
  }
  util::FileLock lock = lock_profile(profile, "update");
  lima::Driver driver(m_runner, m_paths);
  auto instance = driver.find(profile);
  if (!instance || !instance->running()) {
    throw Error(not_running);
  }
  auto state = load(m_paths.state_file(profile));
  auto runtime = runtime::make(state ? state->runtime : "docker");
  auto script = runtime->update();
  if (!script) {
    throw Error(fmt::format("update not supported for the {} runtime", runtime->name()));
  }
  process::Result result = run_guest_script(profile, *script);
  std::string report = util::trim(result.out);
  if (report == "no updates available") {
    m_progress.warn(report);
  } else {
    m_progress.info(report);
  }
}

void App::connect_docker(const config::Profile& profile, const config::Settings& settings) {
  host::DockerContext context = context_of(m_runner, m_paths, profile);
  context.ensure();
  m_progress.stage("waiting for the docker engine");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(3);
  while (!context.engine_answers()) {
    if (std::chrono::steady_clock::now() > deadline) {
      throw Error("the docker engine of " + profile.display_name() + " does not answer on '" +
                  (m_paths.profile_dir(profile) / "docker.sock").string() +
                  "': see 'colima ssh -- sudo journalctl -u docker'");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  if (settings.auto_activate) {
    context.activate();
    m_progress.info("docker context '" + profile.id() + "' is now current");
  }
}

void App::disconnect_docker(const config::Profile& profile) {
  try {
    context_of(m_runner, m_paths, profile).remove();
  } catch (const Error& error) {
    m_progress.warn(error.what());
  }
}

} // namespace colima::app
