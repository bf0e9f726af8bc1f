// The runtime's configuration files (daemon.json, the user's containerd and BuildKit files) reach
// the guest on the stdin of the provisioning script, never as a word of a command line, where
// /proc/*/cmdline of limactl and ssh on the host and `ps` in the guest would show them.
#include "colima/app/app.hpp"
#include "colima/config/settings_file.hpp"
#include "colima/runtime/docker_config.hpp"
#include "colima/util/fs.hpp"
#include "colima/util/strings.hpp"
#include "fake_runner.hpp"
#include "progress.hpp"
#include "temp_dir.hpp"

#include <gtest/gtest.h>

namespace colima::app {

namespace fs = std::filesystem;

namespace {

class Provision : public ::testing::Test {
protected:
  void SetUp() override {
    m_paths = config::Paths(m_home.path(), m_home.path() / ".config" / "colima");
    util::atomic_write(m_home.path() / "image.qcow2", "image");
    m_runner.on({"limactl", "--version"}, process::Result{0, "limactl version 2.2.0\n", ""});
    m_runner.on({"limactl", "list", "--json"}, process::Result{0, "", ""});
    m_runner.on({"qemu-img", "info"}, process::Result{0, R"({"format": "qcow2"})", ""});
    m_runner.on({"limactl", "disk"}, process::Result{});
    m_runner.on({"limactl", "start"}, process::Result{});
    m_runner.on({"limactl", "shell"}, process::Result{});
    // The docker runtime's context on the host, there already.
    m_runner.on({"docker", "context"}, process::Result{});
    m_runner.on({"docker", "--context"}, process::Result{0, "28.5.2\n", ""});
  }

  void start(config::Settings settings) {
    settings.disk_image = (m_home.path() / "image.qcow2").string();
    config::save_settings(m_paths.settings_file(m_profile), settings);
    App app(m_runner,
            util::Environment(std::map<std::string, std::string>{{"COLIMA_ACCELERATOR", "tcg"}}),
            m_paths, m_progress);
    app.start(m_profile, StartRequest{});
  }

  // Every word of every command colima ran, and every value of their environments.
  void expect_on_no_command_line(const std::string& secret) const {
    for (const auto& command : m_runner.commands()) {
      for (const auto& word : command.argv) {
        EXPECT_EQ(word.find(secret), std::string::npos) << "on a command line: " << word;
      }
      for (const auto& [name, value] : command.env) {
        EXPECT_EQ(value.find(secret), std::string::npos) << "in the environment: " << name;
      }
    }
  }

  // The command that ran the runtime's provisioning script.
  process::Command provisioning() const {
    for (const auto& command : m_runner.commands()) {
      const auto& argv = command.argv;
      if (argv.size() > 7 && argv[5] == "sudo" && argv[6] == "sh") {
        return command;
      }
    }
    return {};
  }

  // Whether the provisioning script's stdin carries content as one of its inputs (base64, as
  // runtime::script_stdin encodes them).
  bool on_stdin(const std::string& content) const {
    return provisioning().stdin_data.find(util::base64(content)) != std::string::npos;
  }

  test::TempDir m_home;
  config::Paths m_paths{"/", "/"};
  config::Profile m_profile = config::Profile::from_name("secret");
  test::FakeRunner m_runner;
  test::QuietProgress m_progress;
};

} // namespace

TEST_F(Provision, DaemonJsonTravelsOnStdinNotOnACommandLine) {
  config::Settings settings;
  settings.docker = {{"proxies", {{"http-proxy", "http://user:pw-daemon-json@proxy:3128"}}}};
  start(settings);
  std::string daemon_json = runtime::docker_daemon_config(settings).dump() + "\n";
  ASSERT_NE(daemon_json.find("pw-daemon-json"), std::string::npos);
  EXPECT_TRUE(on_stdin(daemon_json)) << "daemon.json is not on the script's stdin";
  expect_on_no_command_line("pw-daemon-json");
  expect_on_no_command_line(util::base64(daemon_json));
  EXPECT_EQ(provisioning().argv,
            (std::vector<std::string>{"limactl", "shell", "--workdir", "/", "colima-secret", "sudo",
                                      "sh", "-s", "--", "boot", "/mnt/lima-colima-secret", "binfmt",
                                      "no-cri"}));
}

TEST_F(Provision, ContainerdAndBuildkitFilesTravelOnStdinNotOnACommandLine) {
  std::string containerd_toml = "[plugins.registry]\n  token = \"containerd-secret\"\n";
  std::string buildkitd_toml = "[registry.\"r\"]\n  secret = \"buildkit-secret\"\n";
  util::atomic_write(m_paths.profile_dir(m_profile) / "containerd" / "config.toml",
                     containerd_toml);
  util::atomic_write(m_paths.profile_dir(m_profile) / "containerd" / "buildkitd.toml",
                     buildkitd_toml);
  config::Settings settings;
  settings.runtime = "containerd";
  settings.binfmt = false;
  start(settings);
  EXPECT_TRUE(on_stdin(containerd_toml)) << "config.toml is not on the script's stdin";
  EXPECT_TRUE(on_stdin(buildkitd_toml)) << "buildkitd.toml is not on the script's stdin";
  expect_on_no_command_line("containerd-secret");
  expect_on_no_command_line("buildkit-secret");
  expect_on_no_command_line(util::base64(containerd_toml));
  expect_on_no_command_line(util::base64(buildkitd_toml));
  EXPECT_EQ(provisioning().argv,
            (std::vector<std::string>{"limactl", "shell", "--workdir", "/", "colima-secret", "sudo",
                                      "sh", "-s", "--", "boot", "/mnt/lima-colima-secret",
                                      "no-binfmt", "no-cri"}));
}

} // namespace colima::app
