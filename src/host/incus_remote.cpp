#include "colima/host/incus_remote.hpp"

#include "colima/util/error.hpp"
#include "colima/util/fs.hpp"
#include "colima/util/strings.hpp"

#include <chrono>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <string_view>

namespace colima::host {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view k_list_command = "incus remote list --format json";

Error malformed_list(std::string_view what) {
  return Error(fmt::format("cannot read the incus remotes: '{}' printed {}; check the incus "
                           "client with 'incus remote list'",
                           k_list_command, what));
}

} // namespace

IncusRemote::IncusRemote(process::Runner& runner, std::string name, fs::path socket,
                         fs::path state_dir)
    : m_runner(runner), m_name(std::move(name)), m_socket(std::move(socket)),
      m_previous_file(state_dir / "previous-incus-remote") {}

std::string IncusRemote::address() const {
  return "unix://" + m_socket.string();
}

std::map<std::string, std::string> IncusRemote::remotes() {
  process::Result result = process::run_checked(
      m_runner, process::Command{.argv = {"incus", "remote", "list", "--format", "json"}},
      "error listing the incus remotes");
  nlohmann::json json = nlohmann::json::parse(result.out, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) {
    std::string start = util::trim(result.out).substr(0, 60);
    throw malformed_list(
        fmt::format("'{}' instead of a JSON object of remotes", util::printable(start)));
  }
  std::map<std::string, std::string> found;
  for (const auto& [name, remote] : json.items()) {
    // The client marshals its remote configuration as is: the address is the field `Addr`.
    if (!remote.is_object() || !remote.contains("Addr") || !remote["Addr"].is_string()) {
      throw malformed_list(
          fmt::format("remote '{}' without an 'Addr' string", util::printable(name)));
    }
    found.emplace(name, remote["Addr"].get<std::string>());
  }
  return found;
}

std::optional<std::string> IncusRemote::default_remote() {
  process::Result result =
      m_runner.run(process::Command{.argv = {"incus", "remote", "get-default"}});
  std::string name = util::trim(result.out);
  if (!result.ok() || name.empty()) {
    return std::nullopt;
  }
  return name;
}

void IncusRemote::switch_to(const std::string& name) {
  process::run_checked(m_runner, process::Command{.argv = {"incus", "remote", "switch", name}},
                       fmt::format("error making '{}' the default incus remote", name));
}

void IncusRemote::refuse_users_remote() {
  auto existing = remotes();
  refuse_users_remote(existing);
}

void IncusRemote::refuse_users_remote(const std::map<std::string, std::string>& existing) const {
  auto found = existing.find(m_name);
  if (found != existing.end() && found->second != address()) {
    throw Error(fmt::format(
        "incus remote '{}' already exists with the address '{}' instead of '{}': colima leaves a "
        "remote it did not make alone; remove or rename it with 'incus remote remove {}' or "
        "'incus remote rename {} NEW_NAME', then start again",
        m_name, util::printable(found->second), address(), m_name, m_name));
  }
}

void IncusRemote::ensure() {
  auto existing = remotes();
  refuse_users_remote(existing);
  if (!existing.contains(m_name)) {
    process::run_checked(m_runner,
                         process::Command{.argv = {"incus", "remote", "add", m_name, address()}},
                         "error adding the incus remote");
  }
}

void IncusRemote::activate() {
  auto before = default_remote();
  if (before && *before != m_name) {
    util::atomic_write(m_previous_file, *before + "\n");
  }
  switch_to(m_name);
}

void IncusRemote::remove() {
  auto existing = remotes();
  auto found = existing.find(m_name);
  if (found != existing.end() && found->second == address()) {
    if (default_remote() == m_name) {
      std::string previous = util::trim(util::read_file(m_previous_file).value_or(""));
      if (previous.empty() || previous == m_name || !existing.contains(previous)) {
        previous = "local";
      }
      switch_to(previous);
    }
    process::run_checked(m_runner, process::Command{.argv = {"incus", "remote", "remove", m_name}},
                         "error removing the incus remote");
  }
  std::error_code ignored;
  fs::remove(m_previous_file, ignored);
}

bool IncusRemote::server_answers() {
  process::Command command{.argv = {"incus", "info", m_name + ":"}};
  command.timeout = std::chrono::seconds(20);
  return m_runner.run(command).ok();
}

} // namespace colima::host
