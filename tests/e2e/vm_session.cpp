#include "vm_session.hpp"

#include "colima/config/paths.hpp"
#include "colima/util/environment.hpp"
#include "colima/util/fs.hpp"
#include "colima/util/strings.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <unistd.h>

namespace colima::e2e {

namespace fs = std::filesystem;

namespace {
std::string cache_dir() {
  const char* cache = std::getenv("COLIMA_E2E_CACHE");
  return cache != nullptr && *cache != '\0' ? cache : "/var/tmp/colima-e2e-cache";
}

// The last lines of a file, for the test log.
std::string tail(const fs::path& file, std::size_t lines) {
  std::ifstream in(file);
  std::vector<std::string> kept;
  for (std::string line; std::getline(in, line);) {
    kept.push_back(line);
    if (kept.size() > lines) {
      kept.erase(kept.begin());
    }
  }
  std::string out;
  for (const auto& line : kept) {
    out += "    " + line + "\n";
  }
  return out;
}

// When a test failed, Lima's logs of every VM the session made (the host agent's, QEMU's, the
// guest's serial console) outlive the HOME: copied under the cache's failed-logs/ and the tail
// of each host agent log printed, so that a VM that never came up can be diagnosed afterwards.
void keep_lima_logs(const fs::path& home) {
  // Where the session's colima keeps Lima's instances: its HOME, without COLIMA_HOME or
  // XDG_CONFIG_HOME (VmSession::colima unsets them).
  fs::path lima =
      config::Paths::resolve(
          util::Environment(std::map<std::string, std::string>{{"HOME", home.string()}}))
          .lima_home();
  std::error_code error;
  if (::testing::UnitTest::GetInstance()->failed_test_count() == 0 ||
      !fs::is_directory(lima, error)) {
    return;
  }
  fs::path kept = fs::path(cache_dir()) / "failed-logs" /
                  (std::to_string(std::time(nullptr)) + "-" + home.filename().string());
  for (const auto& instance : fs::directory_iterator(lima, error)) {
    if (!instance.is_directory() || instance.path().filename().string().starts_with("_")) {
      continue;
    }
    for (const auto& file : fs::directory_iterator(instance.path(), error)) {
      std::string name = file.path().filename().string();
      if (!name.ends_with(".log")) {
        continue;
      }
      fs::path target = kept / instance.path().filename() / name;
      fs::create_directories(target.parent_path(), error);
      fs::copy_file(file.path(), target, fs::copy_options::overwrite_existing, error);
      if (name == "ha.stderr.log" || name.starts_with("serial")) {
        std::fprintf(stderr, "e2e: %s, last lines:\n%s", target.c_str(),
                     tail(file.path(), 15).c_str());
      }
    }
  }
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
  keep_lima_logs(m_home);
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
