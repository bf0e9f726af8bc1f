// The containerd runtime on a real VM: `colima start --runtime containerd` on colima's own
// image, an OCI archive made here (there is no registry) loaded and run through `colima
// nerdctl`, stdin and exit codes passed through, `nerdctl build` FROM that local-only image
// through BuildKit, a published port, the nerdctl shim, a host crash with a reused pid, a stop
// with a running container whose first process SIGTERM cannot stop, `start --foreground` stopped
// by SIGTERM, SIGINT during boot, and the images kept across all of it and `delete` without
// --data. One profile, `ctr`; runs after persistence_test.cpp, when the default profile is gone.
#include "colima/util/fs.hpp"
#include "colima/util/strings.hpp"
#include "oci_archive.hpp"
#include "vm_test.hpp"

#include <chrono>
#include <filesystem>
#include <thread>

namespace colima::e2e {

namespace fs = std::filesystem;

namespace {

const std::string k_image = "localhost/colima-e2e/busybox:latest";

class Containerd : public VmTest {
protected:
  // `colima nerdctl --profile ctr -- args...`, in cwd (HOME when empty).
  static process::Result nerdctl(std::vector<std::string> args, const std::string& stdin_data = {},
                                 const fs::path& cwd = {}) {
    args.insert(args.begin(), {"nerdctl", "--profile", "ctr", "--"});
    return vm().colima(args, stdin_data, {}, cwd);
  }

  // Runs colima with args in the background, sends it signal once its stderr shows pattern,
  // and returns its exit status (in exit_code) and stderr (in err).
  static process::Result signal_when(const std::string& pattern, const std::string& signal,
                                     std::vector<std::string> args) {
    fs::path log = vm().home() / "signalled.log";
    std::vector<std::string> argv = {
        "sh",
        "-c",
        "log=$1 sig=$2 pattern=$3; shift 3; \"$@\" 2>\"$log\" & pid=$!; i=0; "
        "until grep -q -- \"$pattern\" \"$log\"; do i=$((i+1)); [ $i -lt 1500 ] || break; "
        "sleep 0.2; done; kill -s \"$sig\" $pid; wait $pid; echo $?",
        "sh",
        log.string(),
        signal,
        pattern,
        COLIMA_BINARY_PATH};
    argv.insert(argv.end(), args.begin(), args.end());
    process::Result r = vm().run(argv, {}, {{"COLIMA_CACHE_HOME", VmSession::cache().string()}});
    process::Result signalled;
    signalled.exit_code = std::stoi(util::trim(r.out).empty() ? "-1" : util::trim(r.out));
    signalled.err = util::read_file(log).value_or("");
    return signalled;
  }

  // Whether the profile's containerd store has the image.
  static bool has_image(const std::string& image) {
    return nerdctl({"image", "inspect", "--format", "ok", image}).out == "ok\n";
  }
};

} // namespace

TEST_F(Containerd, StartsOnColimasOwnImageWithNerdctlAndBuildkitBuiltIn) {
  process::Result r = vm().colima({"start", "--profile", "ctr", "--runtime", "containerd"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("provisioning containerd"), std::string::npos) << r.err;
  nlohmann::json status = nlohmann::json::parse(vm().colima({"status", "ctr", "--json"}).out);
  EXPECT_EQ(status["runtime"], "containerd");
  EXPECT_FALSE(status.contains("docker_socket")) << status;
  fs::path profile_dir = vm().home() / ".config" / "colima" / "ctr";
  EXPECT_EQ(status["containerd_socket"], "unix://" + (profile_dir / "containerd.sock").string());
  EXPECT_EQ(status["buildkitd_socket"], "unix://" + (profile_dir / "buildkitd.sock").string());
  EXPECT_TRUE(fs::is_socket(profile_dir / "containerd.sock"));
  EXPECT_TRUE(fs::is_socket(profile_dir / "buildkitd.sock"));

  auto manifest =
      util::read_file(VmSession::cache() / "images" / "trixie-x86_64-containerd" / "manifest.json");
  ASSERT_TRUE(manifest) << "the containerd image is in the cache";
  nlohmann::json json = nlohmann::json::parse(*manifest);
  EXPECT_EQ(json["tools"]["nerdctl"], "v2.3.5");
  EXPECT_EQ(json["tools"]["buildkit"], "v0.33.0");
  EXPECT_TRUE(json["packages"].contains("containerd"));
  EXPECT_TRUE(json["packages"].contains("containernetworking-plugins"));

  r = nerdctl({"version", "--format", "{{.Client.Version}}"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "v2.3.5\n");
  r = vm().colima({"version", "--profile", "ctr"});
  EXPECT_NE(r.out.find("runtime: containerd\narch: x86_64\nclient: v2.3.5\nserver: 1.7."),
            std::string::npos)
      << r.out;
  r = vm().colima({"ssh", "--profile", "ctr", "--", "sudo", "buildctl", "debug", "workers"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("linux/amd64"), std::string::npos) << "a containerd worker: " << r.out;
}

TEST_F(Containerd, LoadsALocallyMadeOciArchiveAndRunsIt) {
  fs::path archive = make_oci_archive(vm(), k_image, vm().home() / "oci");
  auto bytes = util::read_file(archive);
  ASSERT_TRUE(bytes);
  process::Result r = nerdctl({"load"}, *bytes);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(has_image(k_image));
  r = nerdctl({"run", "--rm", k_image, "/bin/busybox", "echo", "hello from containerd"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "hello from containerd\n");
}

TEST_F(Containerd, StdinAndTheExitCodePassThroughColimaNerdctl) {
  process::Result r = nerdctl(
      {"run", "-i", "--rm", k_image, "/bin/busybox", "sh", "-c", "cat; exit 7"}, "piped through\n");
  EXPECT_EQ(r.exit_code, 7) << r.err;
  EXPECT_EQ(r.out, "piped through\n");
}

TEST_F(Containerd, BuildsFromAnImageThatExistsOnlyLocally) {
  fs::path context = vm().home() / "build-context";
  util::atomic_write(context / "Dockerfile",
                     "FROM " + k_image +
                         "\n"
                         "COPY message.txt /message.txt\n"
                         "RUN [\"/bin/busybox\", \"sh\", \"-c\", \"echo built by buildkit >> "
                         "/message.txt\"]\n"
                         "CMD [\"/bin/busybox\", \"cat\", \"/message.txt\"]\n",
                     fs::perms(0644));
  util::atomic_write(context / "message.txt", "copied from the context\n", fs::perms(0644));
  // `.` is the user's directory: colima runs nerdctl there, through the home mount.
  process::Result r = nerdctl({"build", "-t", "localhost/colima-e2e/built:1", "."}, {}, context);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  r = nerdctl({"run", "--rm", "localhost/colima-e2e/built:1"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "copied from the context\nbuilt by buildkit\n");
}

TEST_F(Containerd, APublishedPortAnswersOnTheHostsLoopback) {
  process::Result r = nerdctl({"run", "-d", "--name", "web", "-p", "127.0.0.1:8082:80", k_image,
                               "/bin/busybox", "sh", "-c",
                               "mkdir /www && echo served by nerdctl > /www/index.html && exec "
                               "/bin/busybox httpd -f -p 80 -h /www"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string body;
  for (int attempt = 0; attempt < 60 && body.empty(); ++attempt) {
    body = vm().run({"curl", "-s", "--max-time", "3", "http://127.0.0.1:8082/"}).out;
    if (body.empty()) {
      std::this_thread::sleep_for(std::chrono::seconds(1));
    }
  }
  EXPECT_EQ(body, "served by nerdctl\n");
  nerdctl({"rm", "-f", "web"});
}

TEST_F(Containerd, TheInstalledShimRunsNerdctlForTheProfile) {
  fs::path shim = vm().home() / "bin" / "nerdctl";
  process::Result r = vm().colima({"nerdctl", "install", "--profile", "ctr", "--path", shim});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = vm().run({shim.string(), "run", "--rm", k_image, "/bin/busybox", "echo", "through the shim"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "through the shim\n");
}

TEST_F(Containerd, AfterAHostCrashAndAReusedPidTheNextStartCleansUpAndStarts) {
  fs::path dir = vm().home() / ".config" / "colima" / "_lima" / "colima-ctr";
  std::string agent = util::trim(util::read_file(dir / "ha.pid").value_or(""));
  std::string qemu = util::trim(util::read_file(dir / "qemu.pid").value_or(""));
  ASSERT_FALSE(agent.empty());
  ASSERT_FALSE(qemu.empty());
  // A crash: the host agent and QEMU die at once, and nobody tidies up after them.
  ASSERT_EQ(vm().run({"kill", "-KILL", agent, qemu}).exit_code, 0);
  for (int i = 0; i < 50 && (fs::exists("/proc/" + agent) || fs::exists("/proc/" + qemu)); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  // After the reboot another program has the pids the files name.
  process::Result sleeper = vm().run({"sh", "-c", "sleep 600 >/dev/null 2>&1 & echo $!"});
  std::string other = util::trim(sleeper.out);
  ASSERT_FALSE(other.empty());
  util::atomic_write(dir / "ha.pid", other + "\n");
  util::atomic_write(dir / "qemu.pid", other + "\n");

  process::Result r = vm().colima({"status", "ctr", "--json"});
  EXPECT_EQ(r.exit_code, 1) << "not running, whatever the pid files say: " << r.out;
  EXPECT_EQ(nlohmann::json::parse(r.out)["status"], "Stopped");
  r = vm().colima({"start", "ctr"});
  vm().run({"kill", other});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("removed what a crash or kill left behind: ha.pid (pid " + other +
                       " is now 'sleep 600')"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(nlohmann::json::parse(vm().colima({"status", "ctr", "--json"}).out)["status"],
            "Running");
  EXPECT_TRUE(has_image(k_image)) << "images kept across the crash";
}

// busybox's sleep as a container's first process has no SIGTERM handler, so the kernel drops the
// SIGTERM that systemd-shutdown sends every process left at the end of a shutdown (runc's scopes
// are not stopped with the units): it used to wait 90 s for it, then kill it ("Waiting for
// process: ... (busybox)", "Sending SIGKILL to PID ..." on the guest's console).
TEST_F(Containerd, StopWithARunningContainerDoesNotWaitOutSystemdsStopTimeout) {
  process::Result r =
      nerdctl({"run", "-d", "--name", "sleeper", k_image, "/bin/busybox", "sleep", "3600"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = vm().colima({"ssh", "--profile", "ctr", "--", "systemctl", "is-active",
                   "colima-stop-containers.service"});
  EXPECT_EQ(r.out, "active\n") << r.err;
  r = vm().colima({"stop", "ctr"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The guest's console of the boot that just ended, as Lima kept it.
  std::string console;
  for (const auto& entry :
       fs::directory_iterator(vm().home() / ".config" / "colima" / "_lima" / "colima-ctr")) {
    std::string name = entry.path().filename().string();
    if (name.starts_with("serial") && name.ends_with(".log")) {
      console += util::read_file(entry.path()).value_or("");
    }
  }
  std::string end = console.substr(console.size() > 4000 ? console.size() - 4000 : 0);
  EXPECT_NE(console.find("reboot: Power down"), std::string::npos) << end;
  EXPECT_EQ(console.find("systemd-shutdown[1]: Waiting for process"), std::string::npos) << end;
  EXPECT_EQ(console.find("systemd-shutdown[1]: Sending SIGKILL to PID"), std::string::npos) << end;
}

TEST_F(Containerd, ForegroundStartStopsTheVmCleanlyOnSigterm) {
  process::Result r =
      signal_when("keeping colima in the foreground", "TERM", {"start", "--foreground", "ctr"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("stopping colima [profile=ctr]"), std::string::npos) << r.err;
  r = vm().colima({"status", "ctr", "--json"});
  EXPECT_EQ(nlohmann::json::parse(r.out)["status"], "Stopped") << r.out;
}

TEST_F(Containerd, SigintDuringBootStopsTheHalfStartedVmWithAClearMessage) {
  process::Result r = signal_when("booting the VM", "INT", {"start", "ctr"});
  EXPECT_EQ(r.exit_code, 130) << r.err;
  EXPECT_NE(r.err.find("colima: error: interrupted by SIGINT while running 'limactl start'; "
                       "run the command again to continue"),
            std::string::npos)
      << r.err;
  r = vm().colima({"status", "ctr", "--json"});
  EXPECT_EQ(nlohmann::json::parse(r.out)["status"], "Stopped") << r.out;
}

TEST_F(Containerd, ImagesSurviveStopStartAndDeleteWithoutData) {
  process::Result r = vm().colima({"start", "ctr"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(has_image(k_image)) << "kept across stop and start";
  EXPECT_TRUE(has_image("localhost/colima-e2e/built:1"));

  ASSERT_EQ(vm().colima({"delete", "ctr", "--force"}).exit_code, 0);
  r = vm().colima({"start", "--profile", "ctr", "--runtime", "containerd"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(has_image(k_image)) << "kept across delete without --data";
  r = nerdctl({"run", "--rm", "localhost/colima-e2e/built:1"});
  EXPECT_EQ(r.out, "copied from the context\nbuilt by buildkit\n") << r.err;

  fs::path disk = vm().home() / ".config" / "colima" / "_lima" / "_disks" / "colima-ctr";
  EXPECT_TRUE(fs::exists(disk));
  r = vm().colima({"delete", "ctr", "--force", "--data"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(fs::exists(disk)) << "delete --data removes the images with the data disk";
}

} // namespace colima::e2e
