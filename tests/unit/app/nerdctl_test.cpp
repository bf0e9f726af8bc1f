#include "colima/app/app.hpp"
#include "colima/config/settings_file.hpp"
#include "colima/util/error.hpp"
#include "colima/util/fs.hpp"
#include "fake_runner.hpp"
#include "temp_dir.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

namespace colima::app {

namespace fs = std::filesystem;

namespace {

using Argv = std::vector<std::string>;

// An App whose profile `ctr` has a VM with the given runtime, mounts and status, in a temporary
// HOME.
class Nerdctl : public ::testing::Test {
protected:
  void SetUp() override {
    m_paths = config::Paths(m_home.path(), m_home.path() / ".config" / "colima");
    set_vm("containerd", "Running");
    m_runner.on({"limactl", "shell"}, process::Result{});
  }

  void set_vm(const std::string& runtime, const std::string& status,
              std::vector<config::Mount> mounts = {}) {
    config::Settings settings;
    settings.runtime = runtime;
    settings.mounts = std::move(mounts);
    config::save_settings(m_paths.state_file(m_profile), settings);
    config::save_settings(m_paths.settings_file(m_profile), settings);
    m_runner.on(
        {"limactl", "list", "--json"},
        process::Result{0, "{\"name\":\"colima-ctr\",\"status\":\"" + status + "\"}\n", ""});
  }

  App app(std::map<std::string, std::string> env = {}) {
    return App(m_runner, util::Environment(std::move(env)), m_paths, m_progress);
  }

  Argv last_argv() const { return m_runner.argvs().back(); }

  // The message of the Error f throws; fails the test when it throws none.
  template <typename F> std::string error_of(F f) {
    try {
      f();
    } catch (const Error& error) {
      return error.what();
    }
    ADD_FAILURE() << "no error";
    return "";
  }

  // Whether any command ran in the VM.
  bool ran_in_vm() const {
    for (const auto& argv : m_runner.argvs()) {
      if (argv.size() > 1 && argv[1] == "shell") {
        return true;
      }
    }
    return false;
  }

  test::TempDir m_home;
  config::Paths m_paths{"/", "/"};
  config::Profile m_profile = config::Profile::from_name("ctr");
  test::FakeRunner m_runner;
  util::Progress m_progress;
};

// The process's working directory is dir while the object lives.
class InDirectory {
public:
  explicit InDirectory(const fs::path& dir) : m_saved(fs::current_path()) { fs::current_path(dir); }
  InDirectory(const InDirectory&) = delete;
  InDirectory& operator=(const InDirectory&) = delete;
  ~InDirectory() { fs::current_path(m_saved); }

private:
  fs::path m_saved;
};

} // namespace

TEST_F(Nerdctl, RunsNerdctlAsRootInTheUsersDirectoryUnderTheHomeMount) {
  fs::path project = m_home.path() / "project";
  fs::create_directories(project);
  InDirectory here(project);
  EXPECT_EQ(app().nerdctl(m_profile, {"run", "--rm", "-it", "busybox"}), 0);
  EXPECT_EQ(last_argv(), (Argv{"limactl", "shell", "--workdir", project.string(), "colima-ctr",
                               "sudo", "nerdctl", "run", "--rm", "-it", "busybox"}));
}

TEST_F(Nerdctl, OutsideEveryMountItRunsAtTheGuestsRoot) {
  InDirectory here("/");
  EXPECT_EQ(app().nerdctl(m_profile, {"run", "--rm", "-it", "busybox"}), 0);
  EXPECT_EQ(last_argv(), (Argv{"limactl", "shell", "--workdir", "/", "colima-ctr", "sudo",
                               "nerdctl", "run", "--rm", "-it", "busybox"}));
}

TEST_F(Nerdctl, UnderAMountWithAMountPointItRunsAtTheGuestPath) {
  fs::path context = m_home.path() / "work" / "app";
  fs::create_directories(context);
  set_vm("containerd", "Running",
         {config::Mount{.location = (m_home.path() / "work").string(), .mount_point = "/w"}});
  InDirectory here(context);
  app().nerdctl(m_profile, {"build", "."});
  EXPECT_EQ(last_argv(), (Argv{"limactl", "shell", "--workdir", "/w/app", "colima-ctr", "sudo",
                               "nerdctl", "build", "."}));
}

TEST_F(Nerdctl, TheShellsPwdFindsAMountReachedThroughASymbolicLink) {
  fs::create_directories(m_home.path() / "real" / "app");
  fs::create_directory_symlink(m_home.path() / "real", m_home.path() / "link");
  set_vm("containerd", "Running",
         {config::Mount{.location = (m_home.path() / "link").string(), .writable = true}});
  fs::path logical = m_home.path() / "link" / "app";
  InDirectory here(logical);
  app({{"PWD", logical.string()}}).nerdctl(m_profile, {"ps"});
  EXPECT_EQ(last_argv(), (Argv{"limactl", "shell", "--workdir", logical.string(), "colima-ctr",
                               "sudo", "nerdctl", "ps"}));
  app({{"PWD", "/elsewhere"}}).nerdctl(m_profile, {"ps"});
  EXPECT_EQ(last_argv().at(3), "/") << "a $PWD that is not the directory is ignored";
}

TEST_F(Nerdctl, ExitsWithNerdctlsOwnExitStatus) {
  m_runner.on({"limactl", "shell"}, process::Result{125, "", ""});
  InDirectory here("/");
  EXPECT_EQ(app().nerdctl(m_profile, {"run", "--rm", "missing-image"}), 125);
}

TEST_F(Nerdctl, ContainerdAndNerdctlVariablesArePassedOnAsValues) {
  InDirectory here("/");
  app({{"NERDCTL_TOML", "/x; $(touch /tmp/p)"},
       {"CONTAINERD_NAMESPACE", "k8s.io"},
       {"DOCKER_HOST", "unix:///x"},
       {"HOME", "/home/u"}})
      .nerdctl(m_profile, {"images"});
  EXPECT_EQ(last_argv(), (Argv{"limactl", "shell", "--workdir", "/", "colima-ctr", "sudo", "env",
                               "CONTAINERD_NAMESPACE=k8s.io", "NERDCTL_TOML=/x; $(touch /tmp/p)",
                               "nerdctl", "images"}));
}

TEST_F(Nerdctl, ADockerProfileIsRefusedWithTheRemedyAndNothingRunsInTheVm) {
  set_vm("docker", "Running");
  EXPECT_EQ(error_of([&] { app().nerdctl(m_profile, {"ps"}); }),
            "nerdctl only supports the containerd runtime: profile 'ctr' uses 'docker'; name a "
            "containerd profile with --profile, or create one with 'colima start --profile NAME "
            "--runtime containerd'");
  EXPECT_FALSE(ran_in_vm());
}

TEST_F(Nerdctl, AStoppedOrMissingVmIsRefusedWithTheRemedy) {
  set_vm("containerd", "Stopped");
  EXPECT_EQ(error_of([&] { app().nerdctl(m_profile, {"ps"}); }),
            "colima [profile=ctr] is not running: start it with 'colima start ctr'");
  m_runner.on({"limactl", "list", "--json"}, process::Result{0, "", ""});
  EXPECT_EQ(error_of([&] { app().nerdctl(m_profile, {"ps"}); }),
            "colima [profile=ctr] does not exist: start it with 'colima start --profile ctr "
            "--runtime containerd'");
  EXPECT_FALSE(ran_in_vm());
}

TEST(NerdctlShim, CallsColimaNerdctlForTheProfileWithEveryWordQuotedForSh) {
  EXPECT_EQ(nerdctl_shim("ctr", "/usr/local/bin/colima"),
            "#!/usr/bin/env sh\n# colima nerdctl shim for profile 'ctr'; `colima nerdctl "
            "install` wrote it.\n\nexec /usr/local/bin/colima nerdctl --profile ctr -- \"$@\"\n");
  EXPECT_NE(nerdctl_shim("default", "/opt/my tools/it's/$(x)/colima")
                .find("\nexec '/opt/my tools/it'\\''s/$(x)/colima' nerdctl --profile default -- "
                      "\"$@\"\n"),
            std::string::npos);
}

TEST_F(Nerdctl, InstallWritesAnExecutableShimCreatingItsDirectory) {
  fs::path shim = m_home.path() / "new" / "bin" / "nerdctl";
  app().install_nerdctl(m_profile, shim, false, "/usr/bin/colima");
  EXPECT_EQ(util::read_file(shim), nerdctl_shim("ctr", "/usr/bin/colima"));
  EXPECT_EQ(fs::status(shim).permissions(), fs::perms(0755));
  EXPECT_EQ(fs::status(shim.parent_path()).permissions() & fs::perms(0755), fs::perms(0755))
      << "a directory for programs, readable by everyone";
}

TEST_F(Nerdctl, InstallReplacesColimasOwnShimWithoutForce) {
  fs::path shim = m_home.path() / "nerdctl";
  app().install_nerdctl(m_profile, shim, false, "/usr/bin/colima");
  app().install_nerdctl(m_profile, shim, false, "/opt/colima");
  EXPECT_EQ(util::read_file(shim), nerdctl_shim("ctr", "/opt/colima"));
  EXPECT_FALSE(fs::exists(shim.string() + ".moved"));
}

TEST_F(Nerdctl, InstallReplacesTheShimUpstreamColimaWroteWithoutForce) {
  fs::path shim = m_home.path() / "nerdctl";
  util::atomic_write(shim,
                     "#!/usr/bin/env sh\n\n/opt/homebrew/bin/colima nerdctl --profile default -- "
                     "\"$@\"\n",
                     fs::perms(0755));
  app().install_nerdctl(m_profile, shim, false, "/usr/bin/colima");
  EXPECT_EQ(util::read_file(shim), nerdctl_shim("ctr", "/usr/bin/colima"));
  EXPECT_FALSE(fs::exists(shim.string() + ".moved"));
}

TEST_F(Nerdctl, InstallRefusesAFileThatIsNotAColimaShimAndLeavesItUntouched) {
  fs::path shim = m_home.path() / "nerdctl";
  std::string foreign = "#!/bin/sh\necho the real nerdctl, not colima nerdctl --profile x\n";
  util::atomic_write(shim, foreign, fs::perms(0700));
  EXPECT_EQ(error_of([&] { app().install_nerdctl(m_profile, shim, false, "/usr/bin/colima"); }),
            "'" + shim.string() + "' exists and is not a colima shim: use --force to replace it");
  EXPECT_EQ(util::read_file(shim), foreign);
  EXPECT_EQ(fs::status(shim).permissions(), fs::perms(0700));
  EXPECT_FALSE(fs::exists(shim.string() + ".moved"));
}

TEST_F(Nerdctl, InstallWithForceKeepsTheForeignFileAsMovedAndWritesTheShim) {
  fs::path shim = m_home.path() / "nerdctl";
  util::atomic_write(shim,
                     std::string("\x7f"
                                 "ELF binary",
                                 11),
                     fs::perms(0755));
  app().install_nerdctl(m_profile, shim, true, "/usr/bin/colima");
  EXPECT_EQ(util::read_file(shim.string() + ".moved"), std::string("\x7f"
                                                                   "ELF binary",
                                                                   11));
  EXPECT_EQ(util::read_file(shim), nerdctl_shim("ctr", "/usr/bin/colima"));
}

TEST_F(Nerdctl, InstallRefusesADirectoryEvenWithForce) {
  fs::path dir = m_home.path() / "bin";
  fs::create_directories(dir);
  EXPECT_EQ(error_of([&] { app().install_nerdctl(m_profile, dir, true, "/usr/bin/colima"); }),
            "'" + dir.string() + "' is a directory: give --path the file to write, e.g. '" +
                (dir / "nerdctl").string() + "'");
  EXPECT_TRUE(fs::is_directory(dir));
}

TEST_F(Nerdctl, InstallIntoAnUnwritableDirectorySuggestsAnotherPath) {
  if (::geteuid() == 0) {
    GTEST_SKIP() << "root may write anywhere";
  }
  fs::path dir = m_home.path() / "locked";
  fs::create_directories(dir);
  fs::permissions(dir, fs::perms(0555));
  std::string message =
      error_of([&] { app().install_nerdctl(m_profile, dir / "nerdctl", false, "/c"); });
  fs::permissions(dir, fs::perms(0755));
  EXPECT_TRUE(message.starts_with("cannot write '" + (dir / "nerdctl").string() + "'")) << message;
  EXPECT_TRUE(message.ends_with("; choose a writable place with --path, e.g. --path "
                                "~/.local/bin/nerdctl, or run colima as a user who may write "
                                "there"))
      << message;
  EXPECT_TRUE(fs::is_empty(dir));
}

TEST_F(Nerdctl, InstallRefusesADockerProfileAndWritesNothing) {
  set_vm("docker", "Stopped");
  EXPECT_EQ(
      error_of([&] { app().install_nerdctl(m_profile, m_home.path() / "nerdctl", false, "/c"); }),
      "nerdctl only supports the containerd runtime: profile 'ctr' uses 'docker'; name a "
      "containerd profile with --profile, or create one with 'colima start --profile NAME "
      "--runtime containerd'");
  EXPECT_FALSE(fs::exists(m_home.path() / "nerdctl"));
}

} // namespace colima::app
