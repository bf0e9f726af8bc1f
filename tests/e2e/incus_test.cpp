// The incus runtime on a real VM, driven from the host's incus client through the remote colima
// adds: `colima start --runtime incus` on colima's own image, an image imported from a busybox
// root file system made here (no image server is reachable), a system container launched,
// `incus exec` passing output and exit status, two containers reaching each other over the
// bridge, the instance kept across `colima stop` + `start` (the pool grown with the disk) and
// `colima delete` (without --data) + `start`, a disk of incus's refused to another runtime, and
// `delete --data` removing it, the host's remotes as they were. One profile, `inc`; runs after
// containerd_test.cpp.
#include "colima/util/fs.hpp"
#include "colima/util/strings.hpp"
#include "vm_test.hpp"

#include <filesystem>

namespace colima::e2e {

namespace fs = std::filesystem;

namespace {

class Incus : public VmTest {
protected:
  // The host's incus client, with the session's HOME (its remotes in ~/.config/incus).
  static process::Result incus(std::vector<std::string> args) {
    args.insert(args.begin(), "incus");
    return vm().run(args);
  }

  static nlohmann::json remotes() {
    process::Result r = incus({"remote", "list", "--format", "json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out, nullptr, false);
  }

  static std::string default_remote() { return util::trim(incus({"remote", "get-default"}).out); }

  static fs::path socket() { return vm().home() / ".config" / "colima" / "inc" / "incus.sock"; }

  // An incus image of a static busybox: a root file system whose init waits for the signal
  // incus stops it with, and the metadata incus needs, each in a tarball.
  static process::Result import_image(const std::string& alias) {
    fs::path work = vm().home() / "incus-image";
    fs::path root = work / "rootfs";
    for (const char* dir : {"bin", "sbin", "dev", "proc", "sys", "tmp", "etc", "root", "run"}) {
      fs::create_directories(root / dir);
    }
    fs::copy_file("/bin/busybox", root / "bin" / "busybox", fs::copy_options::overwrite_existing);
    fs::permissions(root / "bin" / "busybox", fs::perms(0755));
    process::Result applets = vm().run({"/bin/busybox", "--list"});
    if (!applets.ok()) {
      return applets;
    }
    for (const auto& applet : util::split(util::trim(applets.out), '\n')) {
      if (!applet.empty() && applet != "busybox" && !fs::is_symlink(root / "bin" / applet)) {
        fs::create_symlink("busybox", root / "bin" / applet);
      }
    }
    util::atomic_write(root / "sbin" / "init",
                       "#!/bin/sh\ntrap 'exit 0' PWR TERM INT\nwhile :; do sleep 1; done\n",
                       fs::perms(0755));
    util::atomic_write(work / "metadata" / "metadata.yaml",
                       "architecture: x86_64\ncreation_date: 1764892800\nproperties:\n"
                       "  description: colima e2e busybox\n  os: busybox\n  release: e2e\n");
    for (const auto& [dir, tarball] : {std::pair{root, work / "rootfs.tar.gz"},
                                       std::pair{work / "metadata", work / "metadata.tar.gz"}}) {
      process::Result r = vm().run({"tar", "-C", dir.string(), "-czf", tarball.string(), "."});
      if (!r.ok()) {
        return r;
      }
    }
    return incus({"image", "import", (work / "metadata.tar.gz").string(),
                  (work / "rootfs.tar.gz").string(), "--alias", alias});
  }
};

} // namespace

TEST_F(Incus, StartMakesTheProfilesRemoteCurrentOnTheHost) {
  process::Result r = vm().colima({"start", "--profile", "inc", "--runtime", "incus"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("provisioning incus"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("incus remote 'colima-inc' is now current"), std::string::npos) << r.err;
  nlohmann::json status = nlohmann::json::parse(vm().colima({"status", "inc", "--json"}).out);
  EXPECT_EQ(status["runtime"], "incus");
  EXPECT_EQ(status["incus_socket"], "unix://" + socket().string());
  EXPECT_FALSE(status.contains("docker_socket")) << status;
  EXPECT_TRUE(fs::is_socket(socket()));
  auto mode = static_cast<unsigned>(fs::status(socket()).permissions());
  EXPECT_EQ(mode & 0077U, 0U) << "the socket is the user's alone: " << std::oct << mode;
  EXPECT_EQ(default_remote(), "colima-inc");
  nlohmann::json list = remotes();
  ASSERT_TRUE(list.contains("colima-inc")) << list;
  EXPECT_EQ(list["colima-inc"]["Addr"], "unix://" + socket().string()) << list;
  r = vm().colima({"version", "inc"});
  EXPECT_NE(r.out.find("runtime: incus"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Server version: 6."), std::string::npos) << r.out;
}

TEST_F(Incus, AnImportedImageLaunchesAndExecPassesOutputAndExitStatus) {
  process::Result r = import_image("e2e-busybox");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  r = incus({"launch", "e2e-busybox", "c1"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  r = incus({"exec", "c1", "--", "sh", "-c", "echo from the container; exit 3"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_EQ(r.out, "from the container\n");
  r = incus({"exec", "c1", "--", "sh", "-c", "echo kept >/root/marker"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_F(Incus, TwoContainersReachEachOtherOverTheBridge) {
  process::Result r = incus({"launch", "e2e-busybox", "c2"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  for (const auto& [name, address] :
       {std::pair{"c1", "192.168.100.11"}, std::pair{"c2", "192.168.100.12"}}) {
    r = incus({"exec", name, "--", "sh", "-c",
               std::string("ip link set eth0 up && ip addr add ") + address + "/24 dev eth0"});
    ASSERT_EQ(r.exit_code, 0) << name << ": " << r.err;
  }
  r = incus({"exec", "c2", "--", "ping", "-c", "1", "-W", "10", "192.168.100.11"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  r = incus({"exec", "c1", "--", "ping", "-c", "1", "-W", "10", "192.168.100.1"});
  EXPECT_EQ(r.exit_code, 0) << "the bridge answers: " << r.out << r.err;
  EXPECT_EQ(incus({"delete", "--force", "c2"}).exit_code, 0);
}

TEST_F(Incus, StopRestoresTheHostsRemotesAndStartBringsTheInstanceBackOnAGrownPool) {
  process::Result r = vm().colima({"stop", "inc"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(default_remote(), "local");
  EXPECT_FALSE(remotes().contains("colima-inc")) << remotes();
  r = vm().colima({"start", "inc", "--disk", "120"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(default_remote(), "colima-inc");
  r = incus({"storage", "get", "default", "size"});
  EXPECT_EQ(r.out, "120GiB\n") << "the pool grows with the data disk: " << r.err;
  r = incus({"list", "c1", "--format", "csv", "--columns", "s"});
  EXPECT_EQ(r.out, "RUNNING\n") << "running again, as it was at the stop: " << r.err;
  r = incus({"exec", "c1", "--", "cat", "/root/marker"});
  EXPECT_EQ(r.out, "kept\n") << "kept across stop and start: " << r.err;
}

TEST_F(Incus, DeleteWithoutDataKeepsTheInstanceForTheNextStartAndNoOtherRuntime) {
  process::Result r = vm().colima({"delete", "inc", "--force"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(default_remote(), "local");
  EXPECT_FALSE(remotes().contains("colima-inc"));

  fs::path settings = vm().home() / ".config" / "colima" / "inc" / "colima.yaml";
  std::string before = util::read_file(settings).value_or("<missing>");
  r = vm().colima({"start", "--profile", "inc", "--runtime", "docker"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("colima: error: the data disk of colima [profile=inc] holds the data of "
                       "the 'incus' runtime"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("'colima delete --data inc'"), std::string::npos) << r.err;
  EXPECT_EQ(util::read_file(settings).value_or("<missing>"), before) << "nothing changed";

  r = vm().colima({"start", "--profile", "inc", "--runtime", "incus"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = incus({"list", "c1", "--format", "csv", "--columns", "s"});
  EXPECT_EQ(r.out, "RUNNING\n") << "running again, as it was: " << r.err;
  r = incus({"exec", "c1", "--", "cat", "/root/marker"});
  EXPECT_EQ(r.out, "kept\n") << "kept across delete without --data: " << r.err;
}

TEST_F(Incus, DeleteWithDataRemovesTheInstancesAndLeavesTheHostsRemotesAsTheyWere) {
  process::Result r = vm().colima({"delete", "inc", "--force", "--data"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  fs::path disk = vm().home() / ".config" / "colima" / "_lima" / "_disks" / "colima-inc";
  EXPECT_FALSE(fs::exists(disk));
  EXPECT_EQ(default_remote(), "local");
  nlohmann::json list = remotes();
  EXPECT_FALSE(list.contains("colima-inc")) << list;
  EXPECT_TRUE(list.contains("local")) << list;
  EXPECT_TRUE(list.contains("images")) << list;
}

} // namespace colima::e2e
