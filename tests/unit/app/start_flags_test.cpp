// Start flags that reach Lima other than through the document: the environment of `limactl
// start` (the port forwarder), the guest commands of network.hostAddresses, and the disk image
// check that --force-disk-image relaxes.
#include "colima/app/app.hpp"
#include "colima/config/settings_file.hpp"
#include "colima/host/addresses.hpp"
#include "colima/util/error.hpp"
#include "colima/util/fs.hpp"
#include "fake_runner.hpp"
#include "progress.hpp"
#include "temp_dir.hpp"

#include <gtest/gtest.h>

namespace colima::app {

namespace fs = std::filesystem;

namespace {

class StartFlags : public ::testing::Test {
protected:
  void SetUp() override {
    m_paths = config::Paths(m_home.path(), m_home.path() / ".config" / "colima");
    m_image = m_home.path() / "image.qcow2";
    util::atomic_write(m_image, "image");
    m_runner.on({"limactl", "--version"}, process::Result{0, "limactl version 2.2.0\n", ""});
    m_runner.on({"limactl", "list", "--json"}, process::Result{0, "", ""});
    m_runner.on({"qemu-img", "info"}, process::Result{0, R"({"format": "qcow2"})", ""});
    // What a start runs after its checks: the data disk, the boot, the guest's provisioning.
    m_runner.on({"limactl", "disk"}, process::Result{});
    m_runner.on({"limactl", "start"}, process::Result{});
    m_runner.on({"limactl", "shell"}, process::Result{});
  }

  config::Settings settings() const {
    config::Settings s;
    s.runtime = "none";
    s.disk_image = m_image.string();
    return s;
  }

  void start(const config::Settings& s) {
    config::save_settings(m_paths.settings_file(m_profile), s);
    App app(m_runner,
            util::Environment(std::map<std::string, std::string>{{"COLIMA_ACCELERATOR", "tcg"}}),
            m_paths, m_progress);
    app.start(m_profile, StartRequest{});
  }

  // The one `limactl start` colima ran.
  process::Command limactl_start() const {
    std::vector<process::Command> starts;
    for (const auto& command : m_runner.commands()) {
      if (command.argv.size() > 1 && command.argv[0] == "limactl" && command.argv[1] == "start") {
        starts.push_back(command);
      }
    }
    EXPECT_EQ(starts.size(), 1U);
    return starts.empty() ? process::Command{} : starts.front();
  }

  test::TempDir m_home;
  config::Paths m_paths{"/", "/"};
  fs::path m_image;
  config::Profile m_profile = config::Profile::from_name("flags");
  test::FakeRunner m_runner;
  test::QuietProgress m_progress;
};

} // namespace

TEST_F(StartFlags, TheSshPortForwarderIsWhatLimactlStartIsToldByDefault) {
  start(settings());
  EXPECT_EQ(limactl_start().env.at("LIMA_SSH_PORT_FORWARDER"), "true");
}

TEST_F(StartFlags, TheGrpcPortForwarderTurnsLimasSshForwarderOff) {
  config::Settings s = settings();
  s.port_forwarder = "grpc";
  start(s);
  process::Command command = limactl_start();
  EXPECT_EQ(command.env.at("LIMA_SSH_PORT_FORWARDER"), "false");
  EXPECT_EQ(command.env.at("LIMA_HOME"), m_paths.lima_home().string());
}

TEST_F(StartFlags, HostAddressesAreGivenToTheGuestLoopbackAfterTheBootEachAsA32) {
  config::Settings s = settings();
  s.network.host_addresses = true;
  start(s);
  test::Argvs added;
  for (const auto& argv : m_runner.argvs()) {
    if (argv.size() > 6 && argv[1] == "shell" && argv[6] == "ip") {
      added.push_back(argv);
    }
  }
  test::Argvs expected;
  for (const auto& address : host::ipv4_addresses()) {
    expected.push_back({"limactl", "shell", "--workdir", "/", "colima-flags", "sudo", "ip",
                        "address", "replace", address + "/32", "dev", "lo"});
  }
  // A host without an address but loopback would compare two empty lists.
  ASSERT_FALSE(expected.empty()) << "no IPv4 address but loopback on this machine";
  EXPECT_EQ(added, expected);
}

TEST_F(StartFlags, WithoutHostAddressesTheGuestLoopbackIsLeftAlone) {
  start(settings());
  for (const auto& argv : m_runner.argvs()) {
    EXPECT_FALSE(argv.size() > 6 && argv[1] == "shell" && argv[6] == "ip");
  }
}

TEST_F(StartFlags, ADiskImageNeitherRawNorQcow2IsRefusedUnlessForced) {
  m_runner.on({"qemu-img", "info"}, process::Result{0, R"({"format": "vmdk"})", ""});
  try {
    start(settings());
    ADD_FAILURE() << "a vmdk image was taken without --force-disk-image";
  } catch (const UsageError& error) {
    EXPECT_EQ(std::string(error.what()),
              "invalid disk image '" + m_image.string() +
                  "': a vmdk image, not raw or qcow2; --force-disk-image lets Lima convert it");
  }

  config::Settings forced = settings();
  forced.force_disk_image = true;
  start(forced);
  EXPECT_EQ(limactl_start().argv.back(), (m_paths.profile_dir(m_profile) / "lima.yaml").string());
  EXPECT_EQ(m_progress.warnings,
            (std::vector<std::string>{"the disk image '" + m_image.string() +
                                      "' is a vmdk image, not raw or qcow2: Lima converts it, "
                                      "as --force-disk-image asks"}));
}

} // namespace colima::app
