// The VM lifecycle on a real VM, last part: stop -> a start the engine refuses -> a start that
// repairs it with new resources -> restart (the engine started at boot) -> QEMU killed -> update ->
// delete keeping the data -> start -> delete --data. Images and containers must survive all but the
// last. Runs after profiles_test.cpp.
#include "colima/util/fs.hpp"
#include "colima/util/strings.hpp"
#include "vm_test.hpp"

#include <chrono>
#include <set>
#include <thread>

namespace colima::e2e {

namespace fs = std::filesystem;

namespace {

class VmPersistence : public VmTest {
protected:
  static fs::path settings_file() { return vm().home() / ".config/colima/default/colima.yaml"; }

  // Replaces the `docker:` entry (its line and the indented lines under it) of the profile's
  // colima.yaml with one line.
  static void set_docker_line(const std::string& line) {
    std::string text = util::read_file(settings_file()).value_or("");
    std::string out;
    std::size_t replaced = 0;
    bool in_docker = false;
    for (const auto& current : util::split(text, '\n')) {
      if (in_docker && current.starts_with(" ")) {
        continue;
      }
      in_docker = current.starts_with("docker:");
      if (in_docker) {
        out += line + "\n";
        ++replaced;
      } else {
        out += current + "\n";
      }
    }
    ASSERT_EQ(replaced, 1U) << text;
    util::atomic_write(settings_file(), out, fs::perms(0644));
  }

  static void expect_images_kept(const std::string& when) {
    process::Result r =
        vm().run({"docker", "run", "--rm", "colima-e2e/web", "/bin/busybox", "true"});
    EXPECT_EQ(r.exit_code, 0) << "images survive " << when << ": " << r.err;
    r = vm().run({"docker", "container", "inspect", "--format", "{{.Name}}", "kept"});
    EXPECT_EQ(r.out, "/kept\n") << "containers survive " << when << ": " << r.err;
  }
};

} // namespace

TEST_F(VmPersistence, StopStopsTheVmAndRestoresThePreviousDockerContext) {
  process::Result r = vm().run(
      {"docker", "create", "--name", "kept", "colima-e2e/busybox", "/bin/busybox", "true"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = vm().colima({"stop"});
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
  r = vm().colima({"update"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("runtime cannot be updated, colima is not running"), std::string::npos)
      << r.err;
}

TEST_F(VmPersistence, AStartWithADockerSettingTheEngineRefusesReportsTheEnginesError) {
  set_docker_line("docker: {no-such-option: true}");
  process::Result r = vm().colima({"start", "--cpus", "3", "--memory", "3"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("the docker engine refused its configuration"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("no-such-option"), std::string::npos) << r.err;
}

TEST_F(VmPersistence, TheNextStartRepairsTheEngineWithNewResourcesAndARegistryMirror) {
  set_docker_line("docker: {}");
  process::Result r = vm().colima(
      {"start", "--cpus", "3", "--memory", "3", "--registry-mirror", "http://mirror.invalid:5000"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json json = status_json();
  EXPECT_EQ(json["status"], "Running");
  EXPECT_EQ(json["cpu"], 3);
  EXPECT_EQ(json["memory"], 3LL * 1024 * 1024 * 1024);
  r = vm().colima({"ssh", "--", "nproc"});
  EXPECT_EQ(r.out, "3\n");
  r = vm().colima({"ssh", "--", "cat", (vm().home() / "from-guest.txt").string()});
  EXPECT_EQ(r.out, "written in the guest\n");
  r = vm().run({"docker", "info", "--format", "{{json .RegistryConfig.Mirrors}}"});
  EXPECT_EQ(r.out, "[\"http://mirror.invalid:5000/\"]\n") << r.err;
  expect_images_kept("stop and start");
}

TEST_F(VmPersistence, RestartKeepsImagesAndContainersAndTheEngineStartsAsTheDataDiskMounts) {
  process::Result r = vm().colima({"restart"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(status_json()["status"], "Running");
  expect_images_kept("restart");
  // Only the data disk's mount unit wants colima-engine.service (colima's script never starts
  // it): active means the engine was started at boot, before Lima's READY.
  r = vm().colima({"ssh", "--", "systemctl", "is-active", "colima-engine.service"});
  EXPECT_EQ(r.out, "active\n") << r.err;
}

TEST_F(VmPersistence, AVmWhoseQemuWasKilledIsReportedAndTheNextStartRecoversIt) {
  fs::path pid_file = vm().home() / ".config/colima/_lima/colima/qemu.pid";
  std::string pid = util::trim(util::read_file(pid_file).value_or(""));
  ASSERT_FALSE(pid.empty()) << pid_file;
  ASSERT_EQ(vm().run({"kill", "-KILL", pid}).exit_code, 0);
  // Lima's host agent notices the dead QEMU: Broken (4) while it winds down, then Stopped (1).
  // On a loaded host it may stay Broken for minutes; the next start ends it (stop --force).
  process::Result status;
  std::set<int> seen;
  for (int i = 0; i < 120; ++i) {
    status = vm().colima({"status", "--json"});
    seen.insert(status.exit_code);
    if (status.exit_code == 1) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  EXPECT_TRUE(status.exit_code == 1 || status.exit_code == 4) << status.out;
  EXPECT_EQ(nlohmann::json::parse(status.out)["status"],
            status.exit_code == 1 ? "Stopped" : "Broken");
  for (int code : seen) {
    EXPECT_TRUE(code == 0 || code == 1 || code == 4) << "status exited " << code;
  }
  process::Result r = vm().colima({"start"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(status_json()["status"], "Running");
  expect_images_kept("QEMU being killed");
}

TEST_F(VmPersistence, UpdateUpdatesTheEnginePackagesAndKeepsImages) {
  process::Result r = vm().colima({"update"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.err.find("no updates available") != std::string::npos ||
              r.err.find("current:") != std::string::npos)
      << r.err;
  r = vm().colima({"version"});
  EXPECT_NE(r.out.find("\nserver: v26."), std::string::npos) << r.out;
  expect_images_kept("update");
}

TEST_F(VmPersistence, DeleteWithoutDataKeepsImagesForTheNextStart) {
  // The data disk was grown beyond the default (profiles_test.cpp): the settings go with the
  // VM, the disk stays, and the next start with default settings must report its real size.
  nlohmann::json disk_before = status_json()["disk"];
  process::Result r = vm().colima({"delete"});
  EXPECT_EQ(r.exit_code, 2) << "delete without a terminal must ask for --force";
  r = vm().colima({"delete", "--force"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(vm().colima({"status"}).exit_code, 5);
  EXPECT_EQ(vm().colima({"list", "--json"}).out, "");
  r = vm().colima({"start"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_images_kept("delete without --data");
  EXPECT_EQ(status_json()["disk"], disk_before) << "the kept data disk's size: " << r.err;
}

TEST_F(VmPersistence, DeleteWithDataRemovesTheContainerDataDisk) {
  fs::path disk = vm().home() / ".config/colima/_lima/_disks/colima";
  ASSERT_TRUE(fs::exists(disk)) << disk;
  process::Result r = vm().colima({"delete", "--force", "--data"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(fs::exists(disk)) << "the data disk, and every image on it, is gone";
  EXPECT_EQ(vm().colima({"status"}).exit_code, 5);
}

} // namespace colima::e2e
