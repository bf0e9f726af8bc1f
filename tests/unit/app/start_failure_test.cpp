// A `colima start` that fails half way: the error names the stage, carries the root cause from
// Lima's and QEMU's logs and one remedy; the next start lets Lima format a data disk that the
// failed first boot never formatted; a damaged disk is refused before anything boots. And a
// start on a data disk that `delete` kept takes its size or grows it.
#include "colima/app/app.hpp"
#include "colima/config/settings_file.hpp"
#include "colima/util/error.hpp"
#include "colima/util/fs.hpp"
#include "fake_runner.hpp"
#include "progress.hpp"
#include "temp_dir.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <memory>
#include <yaml-cpp/yaml.h>

namespace colima::app {

namespace fs = std::filesystem;

namespace {

class StartFailure : public ::testing::Test {
protected:
  void SetUp() override {
    m_paths = config::Paths(m_home.path(), m_home.path() / ".config" / "colima");
    fs::path image = m_home.path() / "image.qcow2";
    util::atomic_write(image, "image");
    config::Settings settings;
    settings.disk_image = image.string();
    config::save_settings(m_paths.settings_file(m_profile), settings);
    m_runner.on({"limactl", "--version"}, process::Result{0, "limactl version 2.2.0\n", ""});
    m_runner.on({"qemu-img", "info"}, process::Result{0, R"({"format": "qcow2"})", ""});
    set_instance("");
    // A new data disk, a boot and the guest's provisioning succeed unless a test says not.
    m_runner.on({"limactl", "disk"}, process::Result{});
    m_runner.on({"limactl", "start"}, process::Result{});
    m_runner.on({"limactl", "shell"}, process::Result{});
    // The docker runtime's context on the host, there already.
    m_runner.on({"docker", "context"}, process::Result{});
    m_runner.on({"docker", "--context"}, process::Result{0, "28.5.2\n", ""});
  }

  // Lima lists the instance with the status, or no instance when it is empty.
  void set_instance(const std::string& status) {
    m_runner.on(
        {"limactl", "list", "--json"},
        process::Result{
            0, status.empty() ? "" : "{\"name\":\"colima-half\",\"status\":\"" + status + "\"}\n",
            ""});
  }

  // `limactl start` writes Lima's document into the instance directory (as Lima does), and
  // then fails or succeeds.
  void limactl_start(int exit_code, const std::string& agent_log, const std::string& err) {
    m_runner.on({"limactl", "start"}, [=, this](const process::Command& command) {
      fs::path dir = m_paths.instance_dir(m_profile);
      const std::string& last = command.argv.back();
      if (last.ends_with(".yaml")) {
        util::atomic_write(dir / "lima.yaml", *util::read_file(last));
      }
      util::atomic_write(dir / "ha.stderr.log", agent_log);
      return process::Result{exit_code, "", err};
    });
  }

  void start() {
    App app(m_runner,
            util::Environment(std::map<std::string, std::string>{{"COLIMA_ACCELERATOR", "tcg"}}),
            m_paths, m_progress);
    app.start(m_profile, StartRequest{});
  }

  // `limactl start` fails the first `stalls` times as it does when colima's watchdog stops it:
  // the guest's kernel reported a stalled vCPU timer on its console. Then it succeeds.
  void limactl_start_stalling(int stalls) {
    auto count = std::make_shared<int>(0);
    m_runner.on({"limactl", "start"}, [=, this](const process::Command& command) {
      fs::path dir = m_paths.instance_dir(m_profile);
      if (command.argv.back().ends_with(".yaml")) {
        util::atomic_write(dir / "lima.yaml", *util::read_file(command.argv.back()));
      }
      if (++*count > stalls) {
        return process::Result{};
      }
      util::atomic_write(dir / "serial.log",
                         "[    9.7] ata6: SATA max UDMA/133\n"
                         "[   22.8] rcu: rcu_preempt kthread timer wakeup didn't happen for 5251 "
                         "jiffies! g-1147 f0x0 RCU_GP_WAIT_FQS(5) ->state=0x402\n");
      process::Result stopped{143, "", ""};
      stopped.aborted = command.watchdog();
      return stopped;
    });
  }

  // The `limactl start` and `limactl stop` commands run, in order.
  test::Argvs lifecycle() const {
    test::Argvs found;
    for (const auto& argv : m_runner.argvs()) {
      if (argv.size() > 1 && argv[0] == "limactl" && (argv[1] == "stop" || argv[1] == "start")) {
        found.push_back(argv);
      }
    }
    return found;
  }

  std::string start_error() {
    try {
      start();
    } catch (const Error& error) {
      return error.what();
    }
    ADD_FAILURE() << "the start did not fail";
    return "";
  }

  bool lima_may_format_the_data_disk() const {
    YAML::Node document = YAML::LoadFile((m_paths.instance_dir(m_profile) / "lima.yaml").string());
    return document["additionalDisks"][0]["format"].as<bool>();
  }

  int limactl_starts() const {
    int count = 0;
    for (const auto& argv : m_runner.argvs()) {
      count += argv.size() > 1 && argv[0] == "limactl" && argv[1] == "start";
    }
    return count;
  }

  test::TempDir m_home;
  config::Paths m_paths{"/", "/"};
  config::Profile m_profile = config::Profile::from_name("half");
  test::FakeRunner m_runner;
  test::QuietProgress m_progress;
};

const std::string k_lima_stderr =
    "time=\"t\" level=info msg=\"Terminal is not available, proceeding without opening an "
    "editor\"\n"
    "time=\"t\" level=info msg=\"[hostagent] Starting QEMU (hint: to watch the boot progress, "
    "see serial*.log)\"\n"
    "time=\"t\" level=error msg=\"host agent process has exited: exit status 1\"\n"
    "time=\"t\" level=fatal msg=\"exiting, status={Running:false} (hint: see ha.stderr.log)\"\n";

// A start after `delete` without --data, on the data disk it kept.
class KeptDataDisk : public StartFailure {
protected:
  void keep_disk_of(std::int64_t gib) {
    util::atomic_write(m_paths.lima_home() / "_disks" / "colima-half" / "datadisk", "disk");
    m_runner.on({"limactl", "disk", "list"},
                process::Result{0, "{\"name\":\"colima-half\"}\n", ""});
    m_runner.on({"qemu-img", "info", "--output=json", "-U"},
                process::Result{0, fmt::format("{{\"virtual-size\": {}}}", gib << 30), ""});
    limactl_start(0, "", "");
  }

  int saved_disk(const fs::path& file) const {
    return config::load_settings(file).value().settings.disk;
  }

  bool resized() const {
    for (const auto& argv : m_runner.argvs()) {
      if (argv.size() > 2 && argv[1] == "disk" && argv[2] == "resize") {
        return true;
      }
    }
    return false;
  }
};

} // namespace

TEST_F(KeptDataDisk, ALargerKeptDiskKeepsItsSizeInTheSettingsAndTheState) {
  keep_disk_of(120);
  start();
  EXPECT_EQ(saved_disk(m_paths.settings_file(m_profile)), 120);
  EXPECT_EQ(saved_disk(m_paths.state_file(m_profile)), 120);
  EXPECT_FALSE(resized());
  EXPECT_FALSE(lima_may_format_the_data_disk()) << "a kept disk holds the user's images";
}

TEST_F(KeptDataDisk, ASmallerKeptDiskIsGrownToTheSizeAskedFor) {
  keep_disk_of(50);
  start();
  EXPECT_EQ(saved_disk(m_paths.state_file(m_profile)), 100);
  EXPECT_TRUE(resized());
  bool grown = false;
  for (const auto& argv : m_runner.argvs()) {
    grown = grown || argv == std::vector<std::string>{"limactl",     "disk",   "resize",
                                                      "colima-half", "--size", "100GiB"};
  }
  EXPECT_TRUE(grown);
}

TEST_F(StartFailure, StartingARunningVmWithOtherResourcesIsRefusedAndSavesNothing) {
  config::Settings running;
  running.disk_image = (m_home.path() / "image.qcow2").string();
  config::save_settings(m_paths.state_file(m_profile), running);
  config::save_settings(m_paths.settings_file(m_profile), running);
  util::atomic_write(m_paths.instance_dir(m_profile) / "lima.yaml", "");
  std::string saved = util::read_file(m_paths.settings_file(m_profile)).value_or("");
  set_instance("Running");
  App app(m_runner, util::Environment(std::map<std::string, std::string>{}), m_paths, m_progress);
  StartRequest request;
  request.overrides.cpu = 4;
  request.overrides.env = std::map<std::string, std::string>{{"A", "1"}};
  try {
    app.start(m_profile, request);
    ADD_FAILURE() << "a running VM was told to change its resources without a stop";
  } catch (const UsageError& error) {
    EXPECT_EQ(std::string(error.what()),
              "colima [profile=half] is running with other cpu, env: a running VM takes them only "
              "at a start, and nothing was saved; 'colima stop half' first, then start with the "
              "new ones");
  }
  EXPECT_EQ(util::read_file(m_paths.settings_file(m_profile)).value_or(""), saved);
  EXPECT_EQ(limactl_starts(), 0);

  // The same settings: it says it is running and changes nothing.
  app.start(m_profile, StartRequest{});
  EXPECT_EQ(limactl_starts(), 0);
}

TEST_F(StartFailure, AMountThatFailedInTheGuestIsNamedInAWarningAfterTheBoot) {
  limactl_start(0, "", "");
  std::string home = m_home.path().string();
  test::Argvs checks;
  m_runner.on({"limactl", "shell", "--workdir", "/", "colima-half", "sh", "-c"},
              [&](const process::Command& command) {
                checks.push_back(command.argv);
                return process::Result{0, home + "\n", ""};
              });
  test::QuietProgress progress;
  App app(m_runner,
          util::Environment(std::map<std::string, std::string>{{"COLIMA_ACCELERATOR", "tcg"}}),
          m_paths, progress);
  app.start(m_profile, StartRequest{});
  ASSERT_EQ(checks.size(), 1u);
  EXPECT_EQ(checks[0].back(), home) << "the guest is asked about the home mount by its path";
  EXPECT_NE(std::find(progress.warnings.begin(), progress.warnings.end(),
                      "the mount '" + home +
                          "' is not mounted in the VM (Lima's mounts do not stop a boot when they "
                          "fail): check that the host directory exists and is readable; 'colima "
                          "ssh half -- sudo journalctl -b -g mount' shows why"),
            progress.warnings.end())
      << ::testing::PrintToString(progress.warnings);
}

TEST_F(StartFailure, ABrokenVmWhoseHostAgentOutlivedItsQemuIsStoppedByForceThenStarted) {
  util::atomic_write(m_paths.instance_dir(m_profile) / "lima.yaml", "images: []\n");
  config::save_settings(m_paths.state_file(m_profile),
                        config::load_settings(m_paths.settings_file(m_profile))->settings);
  set_instance("Broken");
  m_runner.on({"limactl", "stop"}, process::Result{});
  limactl_start(0, "", "");
  start();
  test::Argvs lifecycle;
  for (const auto& argv : m_runner.argvs()) {
    if (argv.size() > 1 && (argv[1] == "stop" || argv[1] == "start")) {
      lifecycle.push_back(argv);
    }
  }
  ASSERT_GE(lifecycle.size(), 2U) << ::testing::PrintToString(m_runner.argvs());
  EXPECT_EQ(lifecycle[0], (std::vector<std::string>{"limactl", "stop", "--force", "colima-half"}));
  EXPECT_EQ(lifecycle[1],
            (std::vector<std::string>{"limactl", "start", "--tty=false", "colima-half"}));
}

TEST_F(StartFailure, AGuestWhoseKernelStalledWhileBootingIsStoppedAndBootedOnceMore) {
  m_runner.on({"limactl", "stop"}, process::Result{});
  limactl_start_stalling(1);
  start();
  test::Argvs expected = {{"limactl", "start", "--tty=false", "--name", "colima-half",
                           (m_paths.profile_dir(m_profile) / "lima.yaml").string()},
                          {"limactl", "stop", "--force", "colima-half"},
                          {"limactl", "start", "--tty=false", "colima-half"}};
  EXPECT_EQ(lifecycle(), expected);
  EXPECT_EQ(m_progress.warnings,
            std::vector<std::string>{"the guest's kernel stalled while booting (a vCPU timer "
                                     "never fired): stopping the VM and booting it again"});
  EXPECT_TRUE(fs::exists(m_paths.state_file(m_profile))) << "the second boot made the start";
}

TEST_F(StartFailure, AGuestWhoseKernelStallsAgainFailsTheStartWithTheStallAfterTwoBoots) {
  m_runner.on({"limactl", "stop"}, process::Result{});
  limactl_start_stalling(2);
  std::string error = start_error();
  EXPECT_EQ(lifecycle().size(), 3U) << ::testing::PrintToString(lifecycle());
  EXPECT_NE(error.find("error starting the VM: 'limactl start --tty=false colima-half' stopped: "
                       "the guest's kernel stalled: [   22.8] rcu: rcu_preempt kthread timer "
                       "wakeup didn't happen for 5251 jiffies!"),
            std::string::npos)
      << error;
  EXPECT_FALSE(fs::exists(m_paths.state_file(m_profile)));
}

TEST_F(StartFailure, AFailedBootNamesTheStageTheRootCauseInQemusWordsAndOneRemedy) {
  limactl_start(1,
                "{\"level\":\"info\",\"msg\":\"Starting QEMU\"}\n"
                "{\"level\":\"error\",\"msg\":\"qemu[stderr]: qemu-system-x86_64: -drive "
                "file=disk: Could not open 'disk': Permission denied\"}\n"
                "{\"level\":\"info\",\"msg\":\"Driver stopped due to error: exit status 1\"}\n",
                k_lima_stderr);
  std::string error = start_error();
  EXPECT_TRUE(error.starts_with("the VM failed while booting the VM: error creating the VM: "
                                "'limactl start --tty=false --name colima-half "))
      << error;
  EXPECT_NE(error.find("' exited with status 1: host agent process has exited: exit status 1; "
                       "cause: QEMU: qemu-system-x86_64: -drive file=disk: Could not open 'disk': "
                       "Permission denied; run 'colima start half' again (Lima's log: '" +
                       (m_paths.instance_dir(m_profile) / "ha.stderr.log").string() + "')"),
            std::string::npos)
      << error;
  EXPECT_EQ(error.find("Terminal is not available"), std::string::npos) << error;
  EXPECT_EQ(error.find('\n'), std::string::npos) << "one line: " << error;
}

TEST_F(StartFailure, AKvmFailureSuggestsSoftwareEmulation) {
  limactl_start(1,
                "{\"level\":\"error\",\"msg\":\"qemu[stderr]: KVM internal error. Suberror: 1\"}\n",
                k_lima_stderr);
  std::string error = start_error();
  EXPECT_NE(error.find("cause: KVM internal error. Suberror: 1; run again with "
                       "COLIMA_ACCELERATOR=tcg to use software emulation"),
            std::string::npos)
      << error;
}

TEST_F(StartFailure, AFirstBootThatFailedLetsTheNextStartFormatTheNewDataDiskAndOnlyThatOne) {
  limactl_start(1, "", k_lima_stderr);
  start_error();
  EXPECT_TRUE(lima_may_format_the_data_disk()) << "the new disk is formatted on its first boot";

  set_instance("Stopped");
  limactl_start(0, "", "");
  start();
  EXPECT_TRUE(lima_may_format_the_data_disk())
      << "the guest never formatted the disk: the next boot must, or nothing mounts";

  limactl_start(0, "", "");
  start();
  EXPECT_FALSE(lima_may_format_the_data_disk())
      << "once a boot has formatted it, Lima must never format it again";
}

TEST_F(StartFailure, ADamagedBootDiskIsRefusedBeforeAnythingBootsAndIsLeftAsItWas) {
  set_instance("Stopped");
  fs::path disk = m_paths.instance_dir(m_profile) / "disk";
  util::atomic_write(disk, std::string(512, 'x'));
  limactl_start(0, "", "");
  std::string error = start_error();
  EXPECT_EQ(error, "the VM's disk '" + disk.string() +
                       "' is damaged: it is no longer a qcow2 image (512 bytes, no qcow2 "
                       "header): truncated or overwritten; 'colima delete half' removes the VM "
                       "(the container data disk is kept) and the next start creates it anew");
  EXPECT_EQ(limactl_starts(), 0);
  EXPECT_EQ(*util::read_file(disk), std::string(512, 'x'));
}

} // namespace colima::app
