#include "vm_session.hpp"

#include "colima/util/fs.hpp"
#include "colima/util/strings.hpp"

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <unistd.h>

namespace colima::e2e {

namespace fs = std::filesystem;

namespace {
std::string cache_dir() {
  const char* cache = std::getenv("COLIMA_E2E_CACHE");
  return cache != nullptr && *cache != '\0' ? cache : "/var/tmp/colima-e2e-cache";
}
} // namespace

bool all_tiers_required() {
  const char* required = std::getenv("COLIMA_REQUIRE_ALL_TIERS");
  return required != nullptr && std::string(required) == "1";
}

std::string VmSession::unavailable_reason() {
  if (::geteuid() == 0) {
    return "running as root (limactl refuses root)";
  }
  process::PosixRunner runner;
  if (runner.run(process::Command{.argv = {"limactl", "--version"}}).exit_code != 0) {
    return "limactl is not installed";
  }
  if (runner.run(process::Command{.argv = {"qemu-img", "--version"}}).exit_code != 0) {
    return "qemu-img is not installed";
  }
  return {};
}

VmSession::VmSession() {
  // Short paths: Lima's sockets live under HOME and must stay below 108 characters.
  std::string pattern = "/var/tmp/ce2e-XXXXXX";
  m_home = ::mkdtemp(pattern.data());
  fs::permissions(m_home, fs::perms(0755));
  util::create_directories(cache_dir(), fs::perms(0755));
}

std::filesystem::path VmSession::cache() {
  return cache_dir();
}

VmSession::~VmSession() {
  // Every profile a suite made, even when it failed half way: no VM outlives the session.
  process::Result list = colima({"list", "--json"});
  for (const auto& line : util::split(list.out, '\n')) {
    nlohmann::json entry = nlohmann::json::parse(line, nullptr, false);
    if (entry.is_object() && entry.contains("name")) {
      colima({"delete", "--force", "--data", "--profile", entry["name"].get<std::string>()});
    }
  }
  colima({"delete", "--force", "--data"});
  std::error_code ignored;
  fs::remove_all(m_home, ignored);
}

process::Result VmSession::run(std::vector<std::string> argv, const std::string& stdin_data,
                               std::map<std::string, std::string> env) {
  env["HOME"] = m_home.string();
  process::Command command{
      .argv = std::move(argv),
      .env = std::move(env),
      .unset_env = {"DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_CONFIG", "KUBECONFIG"},
      .cwd = m_home,
      .stdin_data = stdin_data};
  return m_runner.run(command);
}

process::Result VmSession::colima(std::vector<std::string> args, const std::string& stdin_data,
                                  std::map<std::string, std::string> env,
                                  const std::filesystem::path& cwd) {
  args.insert(args.begin(), COLIMA_BINARY_PATH);
  env["HOME"] = m_home.string();
  env.try_emplace("COLIMA_CACHE_HOME", cache_dir());
  process::Command command{.argv = args,
                           .env = env,
                           .unset_env = {"COLIMA_HOME", "COLIMA_PROFILE", "XDG_CONFIG_HOME",
                                         "LIMA_HOME", "DOCKER_HOST", "DOCKER_CONTEXT",
                                         "KUBECONFIG"},
                           .cwd = cwd.empty() ? m_home : cwd,
                           .stdin_data = stdin_data};
  command.on_line = [](process::Stream, std::string_view line) {
    std::fprintf(stderr, "    | %.*s\n", static_cast<int>(line.size()), line.data());
  };
  return m_runner.run(command);
}

} // namespace colima::e2e
