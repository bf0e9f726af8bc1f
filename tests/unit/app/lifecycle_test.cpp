// The exact commands that start (create and resume), stop, delete and delete --data run, in
// order, as ninja's tests pin command lines: a command added, dropped or reordered fails here.
#include "colima/app/app.hpp"
#include "colima/config/settings_file.hpp"
#include "colima/util/fs.hpp"
#include "fake_runner.hpp"
#include "progress.hpp"
#include "temp_dir.hpp"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

namespace colima::app {

namespace {

class Lifecycle : public ::testing::Test {
protected:
  void SetUp() override {
    m_paths = config::Paths(m_home.path(), m_home.path() / ".config" / "colima");
    util::atomic_write(m_home.path() / "image.qcow2", "image");
    config::Settings settings;
    settings.runtime = "none";
    settings.disk_image = (m_home.path() / "image.qcow2").string();
    config::save_settings(m_paths.settings_file(m_profile), settings);
    m_runner.on({"limactl", "--version"}, process::Result{0, "limactl version 2.2.0\n", ""});
    m_runner.on({"qemu-img", "info"}, process::Result{0, R"({"format": "qcow2"})", ""});
    m_runner.on({"qemu-img", "check"}, process::Result{});
    m_runner.on({"limactl", "start"}, [this](const process::Command& command) {
      // Lima makes the instance directory with its document when it creates the VM.
      std::filesystem::path document = m_paths.instance_dir(m_profile) / "lima.yaml";
      if (!std::filesystem::exists(document)) {
        util::atomic_write(document, "mounts: []\n");
      }
      set_status("Running");
      (void)command;
      return process::Result{};
    });
    m_runner.on({"limactl", "stop"}, [this](const process::Command&) {
      set_status("Stopped");
      return process::Result{};
    });
    m_runner.on({"limactl", "delete"}, [this](const process::Command&) {
      std::filesystem::remove_all(m_paths.instance_dir(m_profile));
      set_status("");
      return process::Result{};
    });
    m_runner.on({"limactl", "disk"}, process::Result{});
    // No docker context for this profile (a stop and a delete remove a stale one).
    m_runner.on({"docker", "context", "inspect"}, process::Result{1, "", "not found"});
    m_runner.on({"limactl", "shell"}, process::Result{});
    set_status("");
  }

  void set_status(const std::string& status) {
    m_runner.on(
        {"limactl", "list", "--json"},
        process::Result{
            0, status.empty() ? "" : "{\"name\":\"colima-seq\",\"status\":\"" + status + "\"}\n",
            ""});
  }

  App app() {
    return App(m_runner,
               util::Environment(std::map<std::string, std::string>{{"COLIMA_ACCELERATOR", "tcg"}}),
               m_paths, m_progress);
  }

  // The commands run since the last call, with the test's temporary home written as HOME.
  test::Argvs commands() {
    test::Argvs all = m_runner.argvs();
    test::Argvs fresh(all.begin() + static_cast<std::ptrdiff_t>(m_seen), all.end());
    m_seen = all.size();
    for (auto& argv : fresh) {
      for (auto& word : argv) {
        std::size_t at = word.find(m_home.path().string());
        if (at != std::string::npos) {
          word.replace(at, m_home.path().string().size(), "HOME");
        }
      }
    }
    return fresh;
  }

  test::TempDir m_home;
  config::Paths m_paths{"/", "/"};
  config::Profile m_profile = config::Profile::from_name("seq");
  test::FakeRunner m_runner;
  test::QuietProgress m_progress;
  std::size_t m_seen = 0;
};

} // namespace

const std::string k_document = "HOME/.config/colima/seq/lima.yaml";

TEST_F(Lifecycle, ACreatingStartChecksTheImageAndLimactlThenCreatesTheVmByName) {
  app().start(m_profile, StartRequest{});
  EXPECT_EQ(commands(),
            (test::Argvs{{"qemu-img", "info", "--output=json", "HOME/image.qcow2"},
                         {"limactl", "--version"},
                         {"limactl", "list", "--json"},
                         {"qemu-img", "info", "--output=json", "HOME/image.qcow2"},
                         {"limactl", "start", "--tty=false", "--name", "colima-seq", k_document},
                         {"limactl", "list", "--json"}}));
}

TEST_F(Lifecycle, StopStopsTheVmByNameAndAResumingStartStartsItByName) {
  app().start(m_profile, StartRequest{});
  commands();
  app().stop(m_profile, false);
  EXPECT_EQ(commands(), (test::Argvs{{"limactl", "list", "--json"},
                                     {"docker", "context", "inspect", "colima-seq"},
                                     {"limactl", "stop", "colima-seq"}}));
  app().start(m_profile, StartRequest{});
  // After the boot, the mounts of the VM's document are checked in the guest.
  EXPECT_EQ(
      commands(),
      (test::Argvs{{"limactl", "--version"},
                   {"limactl", "list", "--json"},
                   {"limactl", "start", "--tty=false", "colima-seq"},
                   {"limactl", "shell", "--workdir", "/", "colima-seq", "sh", "-c",
                    "for m; do mountpoint -q \"$m\" || printf '%s\\n' \"$m\"; done", "sh", "HOME"},
                   {"limactl", "list", "--json"}}));
}

TEST_F(Lifecycle, AResumingStartKeepsTheDiskKernelAndFirmwareTheVmWasCreatedWith) {
  app().start(m_profile, StartRequest{});
  app().stop(m_profile, false);
  std::filesystem::path document = m_paths.instance_dir(m_profile) / "lima.yaml";
  util::atomic_write(document, "images:\n"
                               "- location: /old/disk.qcow2\n"
                               "  arch: x86_64\n"
                               "  kernel: {location: /old/vmlinuz, arch: x86_64, cmdline: ro}\n"
                               "  initrd: {location: /old/initrd.img, arch: x86_64}\n"
                               "firmware: {legacyBIOS: true}\n"
                               "mounts: []\n");
  app().start(m_profile, StartRequest{});
  YAML::Node resumed = YAML::LoadFile(document.string());
  EXPECT_EQ(resumed["images"][0]["location"].as<std::string>(), "/old/disk.qcow2");
  EXPECT_EQ(resumed["images"][0]["kernel"]["location"].as<std::string>(), "/old/vmlinuz");
  EXPECT_EQ(resumed["images"][0]["initrd"]["location"].as<std::string>(), "/old/initrd.img");
  EXPECT_TRUE(resumed["firmware"]["legacyBIOS"].as<bool>());

  // A VM made without a firmware section keeps Lima's default (UEFI) for its disk's GRUB.
  app().stop(m_profile, false);
  util::atomic_write(document, "images:\n- location: /old/disk.qcow2\n  arch: x86_64\n"
                               "mounts: []\n");
  app().start(m_profile, StartRequest{});
  resumed = YAML::LoadFile(document.string());
  EXPECT_FALSE(resumed["firmware"]);
  EXPECT_FALSE(resumed["images"][0]["kernel"]);
}

TEST_F(Lifecycle, DeleteDeletesTheVmAndKeepsTheDataDisk) {
  app().start(m_profile, StartRequest{});
  commands();
  app().remove(m_profile, false);
  EXPECT_EQ(commands(), (test::Argvs{{"limactl", "list", "--json"},
                                     {"docker", "context", "inspect", "colima-seq"},
                                     {"limactl", "delete", "--force", "colima-seq"}}));
}

TEST_F(Lifecycle, DeleteWithDataAlsoDeletesTheDataDisk) {
  util::atomic_write(m_paths.lima_home() / "_disks" / "colima-seq" / "datadisk", "disk");
  m_runner.on({"limactl", "disk", "list"}, process::Result{0, "{\"name\":\"colima-seq\"}\n", ""});
  app().start(m_profile, StartRequest{});
  commands();
  app().remove(m_profile, true);
  EXPECT_EQ(commands(), (test::Argvs{{"limactl", "list", "--json"},
                                     {"docker", "context", "inspect", "colima-seq"},
                                     {"limactl", "delete", "--force", "colima-seq"},
                                     {"limactl", "disk", "list", "--json", "colima-seq"},
                                     {"limactl", "disk", "delete", "--force", "colima-seq"}}));
}

} // namespace colima::app
