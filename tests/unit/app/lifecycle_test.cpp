// The exact commands that start (create and resume), stop, delete and delete --data run, in
// order, as ninja's tests pin command lines: a command added, dropped or reordered fails here.
#include "colima/app/app.hpp"
#include "colima/config/settings_file.hpp"
#include "colima/util/error.hpp"
#include "colima/util/fs.hpp"
#include "fake_runner.hpp"
#include "progress.hpp"
#include "temp_dir.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

namespace colima::app {

namespace {

class Lifecycle : public ::testing::Test {
protected:
  void SetUp() override {
    m_paths = config::Paths(m_home.path(), m_home.path() / ".config" / "colima");
    util::atomic_write(m_home.path() / "image.qcow2", "image");
    save_runtime("none");
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

  // Saves the profile's settings: the runtime, on the test's disk image.
  void save_runtime(const std::string& runtime) {
    config::Settings settings;
    settings.runtime = runtime;
    settings.disk_image = (m_home.path() / "image.qcow2").string();
    config::save_settings(m_paths.settings_file(m_profile), settings);
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
  // After the boot, the mounts of the VM's document are checked in the guest; the ssh config
  // is then written from Lima's instance directories, without another limactl.
  EXPECT_EQ(commands(),
            (test::Argvs{{"limactl", "--version"},
                         {"limactl", "list", "--json"},
                         {"limactl", "start", "--tty=false", "colima-seq"},
                         {"limactl", "shell", "--workdir", "/", "colima-seq", "sh", "-c",
                          "for m; do mountpoint -q \"$m\" || printf '%s\\n' \"$m\"; done", "sh",
                          "HOME"}}));
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

TEST_F(Lifecycle, AKeptDataDiskOfIncusIsRefusedToDockerWithTheRemedyAndNothingChanged) {
  util::atomic_write(m_paths.lima_home() / "_disks" / "colima-seq" / "datadisk", "disk");
  util::atomic_write(m_paths.lima_home() / "_disks" / "colima-seq" / "colima-runtime", "incus\n");
  save_runtime("docker");
  std::string before = util::read_file(m_paths.settings_file(m_profile)).value_or("");
  StartRequest request;
  request.save_config = true;
  try {
    app().start(m_profile, request);
    FAIL() << "no error";
  } catch (const UsageError& error) {
    EXPECT_STREQ(error.what(),
                 "the data disk of colima [profile=seq] holds the data of the 'incus' runtime, "
                 "which the 'docker' runtime cannot use: start it with '--runtime incus', or "
                 "delete that disk and its data first with 'colima delete --data seq'");
  }
  for (const auto& argv : commands()) {
    EXPECT_NE(argv[0], "limactl") << "nothing run but the disk image's check";
  }
  EXPECT_EQ(util::read_file(m_paths.settings_file(m_profile)), before);
}

// A fake host incus client: its remotes, and the default one.
class FakeIncusClient {
public:
  explicit FakeIncusClient(test::FakeRunner& runner) {
    runner.on({"incus", "--version"}, process::Result{0, "6.0.4\n", ""});
    runner.on({"incus", "info"}, process::Result{});
    runner.on({"incus", "remote", "list"}, [this](const process::Command&) {
      nlohmann::json list = nlohmann::json::object();
      for (const auto& [name, address] : remotes) {
        list[name] = {{"Addr", address}, {"Protocol", "incus"}};
      }
      return process::Result{0, list.dump() + "\n", ""};
    });
    runner.on({"incus", "remote", "get-default"}, [this](const process::Command&) {
      return process::Result{0, current + "\n", ""};
    });
    runner.on({"incus", "remote", "add"}, [this](const process::Command& command) {
      remotes[command.argv[3]] = command.argv[4];
      return process::Result{};
    });
    runner.on({"incus", "remote", "switch"}, [this](const process::Command& command) {
      current = command.argv[3];
      return process::Result{};
    });
    runner.on({"incus", "remote", "remove"}, [this](const process::Command& command) {
      remotes.erase(command.argv[3]);
      return process::Result{};
    });
  }

  std::map<std::string, std::string> remotes = {{"local", "unix://"},
                                                {"mine", "https://incus.example:8443"}};
  std::string current = "mine";
};

TEST_F(Lifecycle, AnIncusStartMakesItsRemoteCurrentAndStopPutsTheUsersBack) {
  save_runtime("incus");
  FakeIncusClient incus(m_runner);
  app().start(m_profile, StartRequest{});
  std::string socket = "unix://" + (m_paths.profile_dir(m_profile) / "incus.sock").string();
  EXPECT_EQ(incus.remotes.at("colima-seq"), socket);
  EXPECT_EQ(incus.current, "colima-seq");
  EXPECT_EQ(util::read_file(m_paths.lima_home() / "_disks" / "colima-seq" / "colima-runtime"),
            "incus\n")
      << "the data disk says whose data it holds";
  app().stop(m_profile, false);
  EXPECT_FALSE(incus.remotes.contains("colima-seq"));
  EXPECT_EQ(incus.current, "mine") << "the default the user had before";
  EXPECT_TRUE(incus.remotes.contains("mine"));
}

TEST_F(Lifecycle, AnIncusStartWithoutTheClientOrOverAUsersRemoteIsRefusedBeforeItBoots) {
  save_runtime("incus");
  m_runner.on({"incus"}, process::Result{127, "", "incus: not found"});
  try {
    app().start(m_profile, StartRequest{});
    FAIL() << "no error";
  } catch (const Error& error) {
    EXPECT_TRUE(std::string(error.what()).starts_with("dependency check failed for incus"))
        << error.what();
  }
  FakeIncusClient incus(m_runner);
  incus.remotes["colima-seq"] = "https://other.example:8443";
  try {
    app().start(m_profile, StartRequest{});
    FAIL() << "no error";
  } catch (const Error& error) {
    EXPECT_TRUE(std::string(error.what()).starts_with("incus remote 'colima-seq' already exists"))
        << error.what();
  }
  for (const auto& argv : commands()) {
    EXPECT_TRUE(argv[0] != "limactl" || argv[1] == "--version") << "no VM was made";
  }
  EXPECT_EQ(incus.remotes.at("colima-seq"), "https://other.example:8443");
  EXPECT_EQ(incus.current, "mine");
}

} // namespace colima::app
