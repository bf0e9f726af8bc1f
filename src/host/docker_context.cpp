#include "colima/host/docker_context.hpp"

#include "colima/util/fs.hpp"
#include "colima/util/strings.hpp"

#include <chrono>

namespace colima::host {

namespace fs = std::filesystem;

DockerContext::DockerContext(process::Runner& runner, std::string name, std::string description,
                             fs::path socket, fs::path state_dir)
    : m_runner(runner), m_name(std::move(name)), m_description(std::move(description)),
      m_socket(std::move(socket)), m_previous_file(state_dir / "previous-docker-context") {}

std::optional<std::string> DockerContext::current() {
  process::Result result = m_runner.run(process::Command{.argv = {"docker", "context", "show"}});
  if (!result.ok()) {
    return std::nullopt;
  }
  return util::trim(result.out);
}

void DockerContext::ensure() {
  if (m_runner.run(process::Command{.argv = {"docker", "context", "inspect", m_name}}).ok()) {
    return;
  }
  process::run_checked(
      m_runner,
      process::Command{.argv = {"docker", "context", "create", m_name, "--description",
                                m_description, "--docker", "host=unix://" + m_socket.string()}},
      "error creating the docker context");
}

void DockerContext::activate() {
  auto before = current();
  if (before && *before != m_name) {
    util::atomic_write(m_previous_file, *before + "\n");
  }
  process::run_checked(m_runner, process::Command{.argv = {"docker", "context", "use", m_name}},
                       "error activating the docker context");
}

void DockerContext::remove() {
  if (!m_runner.run(process::Command{.argv = {"docker", "context", "inspect", m_name}}).ok()) {
    return;
  }
  if (current() == m_name) {
    std::string previous = util::trim(util::read_file(m_previous_file).value_or(""));
    if (previous.empty() ||
        !m_runner.run(process::Command{.argv = {"docker", "context", "inspect", previous}}).ok()) {
      previous = "default";
    }
    m_runner.run(process::Command{.argv = {"docker", "context", "use", previous}});
  }
  process::run_checked(m_runner,
                       process::Command{.argv = {"docker", "context", "rm", "--force", m_name}},
                       "error removing the docker context");
  std::error_code ignored;
  fs::remove(m_previous_file, ignored);
}

bool DockerContext::engine_answers() {
  process::Command command{
      .argv = {"docker", "--context", m_name, "version", "--format", "{{.Server.Version}}"}};
  command.timeout = std::chrono::seconds(20);
  return m_runner.run(command).ok();
}

} // namespace colima::host
