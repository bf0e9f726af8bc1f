// The VM lifecycle on a real VM, in order: start (building the guest image when the cache has
// none) -> ssh -> status and list JSON -> a mount both ways -> stop -> start (resume) with new
// resources -> delete. One VM for the whole suite.
#include "colima/util/fs.hpp"
#include "vm_session.hpp"

#include <gtest/gtest.h>
#include <memory>
#include <nlohmann/json.hpp>

namespace colima::e2e {

namespace {

class VmLifecycle : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    std::string reason = VmSession::unavailable_reason();
    if (reason.empty()) {
      s_session = std::make_unique<VmSession>();
    } else {
      s_unavailable = reason;
    }
  }
  static void TearDownTestSuite() { s_session.reset(); }

  void SetUp() override {
    if (!s_unavailable.empty()) {
      if (all_tiers_required()) {
        FAIL() << "the real-VM tier cannot run: " << s_unavailable;
      }
      GTEST_SKIP() << s_unavailable;
    }
  }

  VmSession& vm() { return *s_session; }

  nlohmann::json status_json() {
    process::Result r = vm().colima({"status", "--json"});
    return nlohmann::json::parse(r.out);
  }

  static std::unique_ptr<VmSession> s_session;
  static std::string s_unavailable;
};

std::unique_ptr<VmSession> VmLifecycle::s_session;
std::string VmLifecycle::s_unavailable;

} // namespace

TEST_F(VmLifecycle, StatusOfAProfileWithoutAVmSaysAbsent) {
  process::Result r = vm().colima({"status", "--json"});
  EXPECT_EQ(r.exit_code, 5);
  nlohmann::json json = nlohmann::json::parse(r.out);
  EXPECT_EQ(json["status"], "absent");
  r = vm().colima({"list", "--json"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "");
}

TEST_F(VmLifecycle, StartBootsTheVmAndStatusSaysRunning) {
  process::Result r = vm().colima({"start", "--cpus", "2", "--memory", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("VM ready"), std::string::npos) << r.err;
  process::Result status = vm().colima({"status", "--json"});
  EXPECT_EQ(status.exit_code, 0);
  nlohmann::json json = nlohmann::json::parse(status.out);
  EXPECT_EQ(json["status"], "Running");
  EXPECT_EQ(json["display_name"], "colima");
  EXPECT_EQ(json["arch"], "x86_64");
  EXPECT_EQ(json["runtime"], "docker");
  EXPECT_EQ(json["cpu"], 2);
  EXPECT_EQ(json["memory"], 2147483648LL);
  EXPECT_EQ(json["docker_socket"],
            "unix://" + (vm().home() / ".config/colima/default/docker.sock").string());
}

TEST_F(VmLifecycle, SshPassesTheExitCodeAndStdin) {
  process::Result r = vm().colima({"ssh", "--", "sh", "-c", "exit 7"});
  EXPECT_EQ(r.exit_code, 7);
  r = vm().colima({"ssh", "--", "cat"}, "through stdin\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "through stdin\n");
  r = vm().colima({"ssh", "--", "uname", "-m"});
  EXPECT_EQ(r.out, "x86_64\n");
  r = vm().colima({"ssh", "--", "hostname"});
  EXPECT_EQ(r.out, "colima\n");
}

TEST_F(VmLifecycle, ListJsonHasOneLinePerProfile) {
  process::Result r = vm().colima({"list", "--json"});
  ASSERT_EQ(r.exit_code, 0);
  nlohmann::json json = nlohmann::json::parse(r.out);
  EXPECT_EQ(json["name"], "default");
  EXPECT_EQ(json["status"], "Running");
  EXPECT_EQ(json["runtime"], "docker");
  EXPECT_EQ(r.out.find('\n'), r.out.size() - 1);
}

TEST_F(VmLifecycle, TheHomeMountIsReadAndWrittenByTheGuest) {
  std::filesystem::path file = vm().home() / "from-host.txt";
  util::atomic_write(file, "written on the host\n", std::filesystem::perms(0644));
  process::Result r = vm().colima({"ssh", "--", "cat", file.string()});
  EXPECT_EQ(r.out, "written on the host\n") << r.err;
  std::filesystem::path back = vm().home() / "from-guest.txt";
  r = vm().colima(
      {"ssh", "--", "sh", "-c", "echo written in the guest > \"$1\"", "sh", back.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(util::read_file(back), "written in the guest\n");
}

TEST_F(VmLifecycle, TheDockerEngineRunsInTheGuest) {
  process::Result r =
      vm().colima({"ssh", "--", "sudo", "docker", "version", "--format", "{{.Server.Version}}"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(r.out.empty());
}

TEST_F(VmLifecycle, TheHostsDockerCliReachesTheEngineThroughTheColimaContext) {
  process::Result r = vm().run({"docker", "context", "show"});
  EXPECT_EQ(r.out, "colima\n") << r.err;
  r = vm().run(
      {"docker", "context", "inspect", "colima", "--format", "{{.Endpoints.docker.Host}}"});
  EXPECT_EQ(r.out,
            "unix://" + (vm().home() / ".config/colima/default/docker.sock").string() + "\n");
  r = vm().run({"docker", "version", "--format", "{{.Server.Version}}"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(r.out.empty());
  auto socket = std::filesystem::status(vm().home() / ".config/colima/default/docker.sock");
  EXPECT_EQ(socket.type(), std::filesystem::file_type::socket);
}

TEST_F(VmLifecycle, ALocallyImportedImageRunsFromTheHost) {
  std::filesystem::path root = vm().home() / "rootfs";
  std::filesystem::create_directories(root / "bin");
  std::filesystem::copy_file("/bin/busybox", root / "bin" / "busybox");
  std::filesystem::create_symlink("busybox", root / "bin" / "sh");
  process::Result r =
      vm().run({"tar", "-C", root.string(), "-cf", (vm().home() / "rootfs.tar").string(), "."});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = vm().run({"docker", "import", (vm().home() / "rootfs.tar").string(), "colima-e2e/busybox"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = vm().run({"docker", "run", "--rm", "colima-e2e/busybox", "/bin/busybox", "echo",
                "hello from a container"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "hello from a container\n");
}

TEST_F(VmLifecycle, VersionShowsLimactlAndTheRuntimeInTheGuest) {
  process::Result r = vm().colima({"version"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out.starts_with("colima version v0.10.3\n")) << r.out;
  EXPECT_NE(r.out.find("limactl version "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\nruntime: docker\narch: x86_64\nclient: v"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\nserver: v26."), std::string::npos) << r.out;
}

TEST_F(VmLifecycle, StopStopsTheVmAndStatusSaysStopped) {
  process::Result r = vm().colima({"stop"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  process::Result status = vm().colima({"status", "--json"});
  EXPECT_EQ(status.exit_code, 1);
  EXPECT_EQ(nlohmann::json::parse(status.out)["status"], "Stopped");
  r = vm().colima({"ssh", "--", "true"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("is not running"), std::string::npos) << r.err;
  r = vm().run({"docker", "context", "show"});
  EXPECT_EQ(r.out, "default\n") << "the context current before colima is current again";
  EXPECT_NE(vm().run({"docker", "context", "inspect", "colima"}).exit_code, 0);
}

TEST_F(VmLifecycle, StartResumesTheStoppedVmWithNewResources) {
  process::Result r = vm().colima({"start", "--cpus", "3", "--memory", "3"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json json = status_json();
  EXPECT_EQ(json["status"], "Running");
  EXPECT_EQ(json["cpu"], 3);
  EXPECT_EQ(json["memory"], 3LL * 1024 * 1024 * 1024);
  r = vm().colima({"ssh", "--", "nproc"});
  EXPECT_EQ(r.out, "3\n");
  r = vm().colima({"ssh", "--", "cat", (vm().home() / "from-guest.txt").string()});
  EXPECT_EQ(r.out, "written in the guest\n");
  r = vm().run({"docker", "run", "--rm", "colima-e2e/busybox", "/bin/busybox", "true"});
  EXPECT_EQ(r.exit_code, 0) << "images survive stop and start: " << r.err;
}

TEST_F(VmLifecycle, StartingARunningVmSaysSoAndChangesNothing) {
  process::Result r = vm().colima({"start"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.err.find("is already running"), std::string::npos) << r.err;
}

TEST_F(VmLifecycle, SshConfigNamesTheInstance) {
  process::Result r = vm().colima({"ssh-config"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("Host colima\n"), std::string::npos) << r.out;
}

TEST_F(VmLifecycle, DeleteRemovesTheVm) {
  process::Result r = vm().colima({"delete"});
  EXPECT_EQ(r.exit_code, 2) << "delete without a terminal must ask for --force";
  r = vm().colima({"delete", "--force"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(vm().colima({"status"}).exit_code, 5);
  EXPECT_EQ(vm().colima({"list", "--json"}).out, "");
}

} // namespace colima::e2e
