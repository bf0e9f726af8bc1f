#include "colima/app/app.hpp"
#include "colima/config/settings_file.hpp"
#include "colima/util/error.hpp"
#include "colima/util/fs.hpp"
#include "fake_runner.hpp"
#include "temp_dir.hpp"

#include <gtest/gtest.h>

namespace colima::app {

namespace fs = std::filesystem;

namespace {

// An App whose profile `ctr` has a VM with the given runtime and status, in a temporary HOME.
class Nerdctl : public ::testing::Test {
protected:
  void SetUp() override {
    m_paths = config::Paths(m_home.path(), m_home.path() / ".config" / "colima");
    set_vm("containerd", "Running");
  }

  void set_vm(const std::string& runtime, const std::string& status) {
    config::Settings settings;
    settings.runtime = runtime;
    settings.mounts = std::vector<config::Mount>{};
    config::save_settings(m_paths.state_file(m_profile), settings);
    config::save_settings(m_paths.settings_file(m_profile), settings);
    m_runner.on(
        {"limactl", "list", "--json"},
        process::Result{0, "{\"name\":\"colima-ctr\",\"status\":\"" + status + "\"}\n", ""});
  }

  App app(std::map<std::string, std::string> env = {}) {
    return App(m_runner, util::Environment(std::move(env)), m_paths, m_progress);
  }

  std::vector<std::string> last_argv() const { return m_runner.argvs().back(); }

  test::TempDir m_home;
  config::Paths m_paths{"/", "/"};
  config::Profile m_profile = config::Profile::from_name("ctr");
  test::FakeRunner m_runner;
  util::Progress m_progress;
};

// Runs f with the process's working directory at dir.
template <typename F> auto in_directory(const fs::path& dir, F f) {
  fs::path saved = fs::current_path();
  fs::current_path(dir);
  auto result = f();
  fs::current_path(saved);
  return result;
}

} // namespace

TEST_F(Nerdctl, RunsNerdctlAsRootInTheUsersDirectoryUnderTheHomeMount) {
  fs::path project = m_home.path() / "project";
  fs::create_directories(project);
  m_runner.on({"limactl", "shell"}, process::Result{7, "", ""});
  int status = in_directory(project, [&] {
    return app().nerdctl(m_profile, {"build", "-t", "x", "."});
  });
  EXPECT_EQ(status, 7) << "nerdctl's own exit status";
  EXPECT_EQ(last_argv(),
            (std::vector<std::string>{"limactl", "shell", "--workdir", project.string(),
                                      "colima-ctr", "sudo", "nerdctl", "build", "-t", "x", "."}));
}

TEST_F(Nerdctl, OutsideEveryMountItRunsAtTheGuestsRoot) {
  int status = in_directory("/", [&] { return app().nerdctl(m_profile, {"ps"}); });
  EXPECT_EQ(status, 0);
  EXPECT_EQ(last_argv(), (std::vector<std::string>{"limactl", "shell", "--workdir", "/",
                                                   "colima-ctr", "sudo", "nerdctl", "ps"}));
}

TEST_F(Nerdctl, ContainerdAndNerdctlVariablesArePassedOnAsValues) {
  in_directory("/", [&] {
    return app({{"NERDCTL_TOML", "/x; $(touch /tmp/p)"},
                {"CONTAINERD_NAMESPACE", "k8s.io"},
                {"HOME", "/home/u"}})
        .nerdctl(m_profile, {"images"});
  });
  EXPECT_EQ(last_argv(),
            (std::vector<std::string>{"limactl", "shell", "--workdir", "/", "colima-ctr", "sudo",
                                      "env", "CONTAINERD_NAMESPACE=k8s.io",
                                      "NERDCTL_TOML=/x; $(touch /tmp/p)", "nerdctl", "images"}));
}

TEST_F(Nerdctl, ADockerProfileOrAStoppedVmIsRefusedWithTheRemedy) {
  set_vm("docker", "Running");
  try {
    app().nerdctl(m_profile, {"ps"});
    FAIL();
  } catch (const Error& error) {
    EXPECT_EQ(std::string(error.what()),
              "nerdctl only supports the containerd runtime: colima [profile=ctr] uses 'docker'; "
              "start a profile with 'colima start --profile NAME --runtime containerd'");
  }
  set_vm("containerd", "Stopped");
  try {
    app().nerdctl(m_profile, {"ps"});
    FAIL();
  } catch (const Error& error) {
    EXPECT_EQ(std::string(error.what()),
              "colima [profile=ctr] is not running: start it with 'colima start ctr'");
  }
  for (const auto& argv : m_runner.argvs()) {
    EXPECT_NE(argv.at(1), "shell") << "nothing ran in a VM";
  }
}

TEST(NerdctlShim, CallsColimaNerdctlForTheProfileWithEveryWordQuotedForSh) {
  EXPECT_EQ(nerdctl_shim("ctr", "/usr/local/bin/colima"),
            "#!/usr/bin/env sh\n# colima nerdctl shim for profile 'ctr'; `colima nerdctl "
            "install` wrote it.\n\nexec /usr/local/bin/colima nerdctl --profile ctr -- \"$@\"\n");
  EXPECT_NE(nerdctl_shim("default", "/opt/my tools/it's/colima")
                .find("exec '/opt/my tools/it'\\''s/colima' nerdctl --profile default -- \"$@\""),
            std::string::npos);
}

TEST_F(Nerdctl, InstallWritesAnExecutableShim) {
  fs::path shim = m_home.path() / "bin" / "nerdctl";
  app().install_nerdctl(m_profile, shim, false, "/usr/bin/colima");
  EXPECT_EQ(util::read_file(shim), nerdctl_shim("ctr", "/usr/bin/colima"));
  EXPECT_EQ(fs::status(shim).permissions(), fs::perms(0755));
  // Installing again replaces colima's own shim without --force.
  app().install_nerdctl(m_profile, shim, false, "/opt/colima");
  EXPECT_EQ(util::read_file(shim), nerdctl_shim("ctr", "/opt/colima"));
  EXPECT_FALSE(fs::exists(shim.string() + ".moved"));
}

TEST_F(Nerdctl, InstallRefusesAFileColimaDidNotWriteUnlessForcedAndThenKeepsIt) {
  fs::path shim = m_home.path() / "nerdctl";
  util::atomic_write(shim, "#!/bin/sh\necho the real nerdctl\n", fs::perms(0755));
  try {
    app().install_nerdctl(m_profile, shim, false, "/usr/bin/colima");
    FAIL();
  } catch (const Error& error) {
    EXPECT_EQ(std::string(error.what()),
              "'" + shim.string() + "' exists and colima did not write it: use --force to " +
                  "replace it (it is kept as '" + shim.string() + ".moved')");
  }
  EXPECT_EQ(util::read_file(shim), "#!/bin/sh\necho the real nerdctl\n") << "left untouched";
  app().install_nerdctl(m_profile, shim, true, "/usr/bin/colima");
  EXPECT_EQ(util::read_file(shim.string() + ".moved"), "#!/bin/sh\necho the real nerdctl\n");
  EXPECT_EQ(util::read_file(shim), nerdctl_shim("ctr", "/usr/bin/colima"));
}

TEST_F(Nerdctl, InstallRefusesADockerProfile) {
  set_vm("docker", "Stopped");
  EXPECT_THROW(app().install_nerdctl(m_profile, m_home.path() / "nerdctl", false, "/c"), Error);
  EXPECT_FALSE(fs::exists(m_home.path() / "nerdctl"));
}

} // namespace colima::app
