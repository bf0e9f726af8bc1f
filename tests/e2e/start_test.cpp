// The VM lifecycle on a real VM, first part: start (building the guest image when the cache has
// none) -> ssh -> status and list JSON -> a mount both ways -> the docker engine from the host.
// The VM stays up for the suites that follow (vm_test.hpp).
#include "colima/util/fs.hpp"
#include "vm_test.hpp"

#include <filesystem>
#include <regex>

namespace colima::e2e {

namespace fs = std::filesystem;

namespace {
class VmStart : public VmTest {};
} // namespace

TEST_F(VmStart, StatusOfAProfileWithoutAVmSaysAbsent) {
  process::Result r = vm().colima({"status", "--json"});
  EXPECT_EQ(r.exit_code, 5);
  nlohmann::json json = nlohmann::json::parse(r.out);
  EXPECT_EQ(json["status"], "absent");
  r = vm().colima({"list", "--json"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "");
}

TEST_F(VmStart, StartBootsTheVmAndStatusSaysRunning) {
  // Provision scripts of every mode, from the profile's file (the flags add cpus and memory).
  util::atomic_write(vm().home() / ".config/colima/default/colima.yaml",
                     "provision:\n"
                     "  - mode: system\n"
                     "    script: id -un > /var/tmp/system-script\n"
                     "  - mode: after-boot\n"
                     "    script: echo \"$(id -u) $(systemctl is-active docker.service)\" > "
                     "/tmp/after-boot\n"
                     "  - mode: ready\n"
                     "    script: docker version --format '{{.Server.Version}}' > /tmp/ready\n"
                     "  - mode: ready\n"
                     "    script: echo failing on purpose >&2; exit 3\n");
  process::Result r = vm().colima({"start", "--cpus", "2", "--memory", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("warning: error running ready provision script(s): failing on purpose"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("VM ready"), std::string::npos) << r.err;
  // The mounts are checked in the guest after the boot: the home mount is there, so no warning;
  // the guest itself says it is a mount point (a probe that failed would warn about nothing).
  EXPECT_EQ(r.err.find("is not mounted in the VM"), std::string::npos) << r.err;
  process::Result mounted = vm().colima({"ssh", "--", "mountpoint", "-q", vm().home().string()});
  EXPECT_EQ(mounted.exit_code, 0) << "the home is no mount point in the guest: " << mounted.err;
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

TEST_F(VmStart, ProvisionScriptsRanInTheirStagesAsTheirUsers) {
  process::Result r = vm().colima({"ssh", "--", "cat", "/var/tmp/system-script"});
  EXPECT_EQ(r.out, "root\n") << r.err;
  r = vm().colima({"ssh", "--", "cat", "/tmp/after-boot"});
  // "<uid> <state>": a uid that is a number and not root's.
  EXPECT_TRUE(std::regex_match(r.out, std::regex("[1-9][0-9]* [a-z]+\n")))
      << "after-boot runs as the user: " << r.out << r.err;
  EXPECT_TRUE(r.out.ends_with(" inactive\n")) << "after-boot runs before the engine: " << r.out;
  r = vm().colima({"ssh", "--", "cat", "/tmp/ready"});
  EXPECT_TRUE(r.out.starts_with("26.")) << "ready runs once the engine answers: " << r.out;
}

TEST_F(VmStart, SshPassesTheExitCodeAndStdin) {
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

TEST_F(VmStart, ListJsonHasOneLinePerProfile) {
  process::Result r = vm().colima({"list", "--json"});
  ASSERT_EQ(r.exit_code, 0);
  nlohmann::json json = nlohmann::json::parse(r.out);
  EXPECT_EQ(json["name"], "default");
  EXPECT_EQ(json["status"], "Running");
  EXPECT_EQ(json["runtime"], "docker");
  EXPECT_EQ(r.out.find('\n'), r.out.size() - 1);
  // colima reads Lima's directories without limactl: what limactl says of the running VM.
  process::Result lima = vm().run({"limactl", "list", "--json", "colima"}, {},
                                  {{"LIMA_HOME", (vm().home() / ".config/colima/_lima").string()}});
  ASSERT_EQ(lima.exit_code, 0) << lima.err;
  nlohmann::json truth = nlohmann::json::parse(lima.out);
  EXPECT_EQ(truth["status"], json["status"]);
  EXPECT_EQ(truth["arch"], json["arch"]);
  EXPECT_EQ(truth["cpus"], json["cpus"]);
  EXPECT_EQ(truth["memory"], json["memory"]);
}

TEST_F(VmStart, TheHomeMountIsReadAndWrittenByTheGuest) {
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

TEST_F(VmStart, TheDockerEngineRunsInTheGuest) {
  process::Result r =
      vm().colima({"ssh", "--", "sudo", "docker", "version", "--format", "{{.Server.Version}}"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(r.out.empty());
}

TEST_F(VmStart, TheHostsDockerCliReachesTheEngineThroughTheColimaContext) {
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

TEST_F(VmStart, ALocallyImportedImageRunsFromTheHost) {
  process::Result r = import_busybox("/bin/busybox", "colima-e2e/busybox");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = vm().run({"docker", "run", "--rm", "colima-e2e/busybox", "/bin/busybox", "echo",
                "hello from a container"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "hello from a container\n");
}

TEST_F(VmStart, VersionShowsLimactlAndTheRuntimeInTheGuest) {
  process::Result r = vm().colima({"version"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out.starts_with("colima version v0.10.3\n")) << r.out;
  EXPECT_NE(r.out.find("limactl version "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\nruntime: docker\narch: x86_64\nclient: v"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\nserver: v26."), std::string::npos) << r.out;
}

TEST_F(VmStart, StartingARunningVmSaysSoAndChangesNothing) {
  process::Result r = vm().colima({"start"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.err.find("is already running"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("keeps running with its previous"), std::string::npos) << r.err;
  int cpus = status_json()["cpu"].get<int>();
  fs::path settings = vm().home() / ".config" / "colima" / "default" / "colima.yaml";
  std::string saved = util::read_file(settings).value_or("");
  r = vm().colima({"start", "--cpus", std::to_string(cpus + 1)});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("colima: error: colima is running with other cpu: a running VM takes them "
                       "only at a start, and nothing was saved; 'colima stop' first"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(status_json()["cpu"].get<int>(), cpus);
  EXPECT_EQ(util::read_file(settings).value_or(""), saved) << "colima.yaml was changed";
}

TEST_F(VmStart, SshConfigNamesTheInstance) {
  process::Result r = vm().colima({"ssh-config"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("Host colima\n"), std::string::npos) << r.out;
  // The file the start wrote from Lima's instance directories, which ~/.ssh/config includes
  // (sshConfig: true): the running VM's block, with the port Lima forwards to its sshd.
  std::string written =
      util::read_file(vm().home() / ".config" / "colima" / "ssh_config").value_or("");
  EXPECT_NE(written.find("Host colima\n"), std::string::npos) << written;
  EXPECT_NE(written.find("  Port "), std::string::npos) << written;
}

TEST_F(VmStart, ColimasFilesTheVmsDisksAndTheSshKeyAreTheUsersAlone) {
  fs::path home = vm().home() / ".config" / "colima";
  auto others = [](const fs::path& path) {
    return static_cast<unsigned>(fs::status(path).permissions() &
                                 (fs::perms::group_all | fs::perms::others_all));
  };
  // Nobody else can even enter colima's directory: settings, state, sockets, Lima's instances.
  EXPECT_EQ(others(home), 0U) << std::oct << others(home);
  for (const fs::path& private_path :
       {home / "_lima", home / "_lima" / "colima", home / "_lima" / "_disks",
        home / "_lima" / "_config" / "user", home / "ssh_config", home / "default"}) {
    ASSERT_TRUE(fs::exists(private_path)) << private_path;
    EXPECT_EQ(others(private_path), 0U) << private_path << ": " << std::oct << others(private_path);
  }
}

} // namespace colima::e2e
