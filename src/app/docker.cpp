// The docker runtime's host side: the CLI context for the forwarded engine socket.
#include "colima/app/app.hpp"
#include "colima/host/docker_context.hpp"
#include "colima/util/error.hpp"

#include <chrono>
#include <thread>

namespace colima::app {

namespace {
host::DockerContext context_of(process::Runner& runner, const config::Paths& paths,
                               const config::Profile& profile) {
  return host::DockerContext(runner, profile.id(), profile.display_name(),
                             paths.profile_dir(profile) / "docker.sock",
                             paths.profile_dir(profile));
}
} // namespace

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
    std::this_thread::sleep_for(std::chrono::seconds(1));
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
