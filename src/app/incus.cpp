// The incus runtime's host side: the incus client's remote for the profile's server, and what a
// start needs of the host before it writes anything.
#include "colima/app/app.hpp"
#include "colima/host/incus_remote.hpp"
#include "colima/util/error.hpp"

#include <chrono>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <thread>

namespace colima::app {

namespace {

host::IncusRemote remote_of(process::Runner& runner, const config::Paths& paths,
                            const config::Profile& profile) {
  return host::IncusRemote(runner, profile.id(), paths.profile_dir(profile) / "incus.sock",
                           paths.profile_dir(profile));
}

} // namespace

void App::check_runtime_host(const config::Profile& profile, const config::Settings& settings) {
  if (settings.runtime != "incus") {
    return;
  }
  process::Result client = m_runner.run(process::Command{.argv = {"incus", "--version"}});
  if (!client.ok()) {
    throw Error("dependency check failed for incus: the incus client is not found (or does not "
                "run): install it, e.g. 'apt-get install -t bookworm-backports incus-client'");
  }
  remote_of(m_runner, m_paths, profile).refuse_users_remote();
}

void App::connect_incus(const config::Profile& profile, const config::Settings& settings) {
  host::IncusRemote remote = remote_of(m_runner, m_paths, profile);
  m_progress.stage("waiting for incus");
  // The client reads the server's details when it adds a remote: the forward may need a moment.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(2);
  while (true) {
    std::string why;
    try {
      remote.ensure();
      if (remote.server_answers()) {
        break;
      }
      why = "the server does not answer through the remote";
    } catch (const Error& error) {
      why = error.what();
    }
    spdlog::debug("incus: not ready yet: {}", why);
    if (std::chrono::steady_clock::now() > deadline) {
      throw Error(fmt::format("incus of {} does not answer on '{}' ({}): see 'colima ssh -- sudo "
                              "journalctl -u incus'",
                              profile.display_name(),
                              (m_paths.profile_dir(profile) / "incus.sock").string(), why));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  if (settings.auto_activate) {
    remote.activate();
    m_progress.info("incus remote '" + profile.id() + "' is now current");
  }
}

void App::disconnect_incus(const config::Profile& profile) {
  auto state = load(m_paths.state_file(profile));
  if (!state || state->runtime != "incus") {
    return;
  }
  try {
    remote_of(m_runner, m_paths, profile).remove();
  } catch (const Error& error) {
    m_progress.warn(error.what());
  }
}

} // namespace colima::app
