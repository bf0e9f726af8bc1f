// Profiles side by side on real VMs: a clone of the stopped default profile (its settings, VM
// and container data); the stopped default refusing a smaller data disk and growing its data
// file system when started with a larger one; both running at once, each reached through its own
// docker context (named in `docker context ls`) with its own containers; stopping or deleting one
// leaving the other untouched; and a third profile whose 9p mount the guest reads and writes.
// Runs after docker_test.cpp, before persistence_test.cpp, and leaves the default profile running.
#include "colima/util/fs.hpp"
#include "colima/util/strings.hpp"
#include "vm_test.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace colima::e2e {

namespace fs = std::filesystem;

namespace {

constexpr std::int64_t k_gib = 1024LL * 1024 * 1024;

class Profiles : public VmTest {
protected:
  // The size in bytes of a Lima instance's container data disk as Lima reports it; 0 when the
  // instance has none.
  static std::int64_t data_disk_size(const std::string& instance) {
    process::Result r = vm().run({"limactl", "disk", "list", "--json", instance}, {},
                                 {{"LIMA_HOME", (vm().home() / ".config/colima/_lima").string()}});
    for (const auto& line : util::split(r.out, '\n')) {
      nlohmann::json disk = nlohmann::json::parse(line, nullptr, false);
      if (disk.is_object() && disk.value("name", "") == instance) {
        return disk.value("size", std::int64_t{0});
      }
    }
    return 0;
  }

  // The host file's owner and permission bits; nullopt when it does not exist.
  static std::optional<struct stat> host_stat(const fs::path& file) {
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0) {
      return std::nullopt;
    }
    return st;
  }
};

// Lines of text as numbers, for the sizes a guest command prints one a line.
std::vector<std::int64_t> numbers(const std::string& text) {
  std::vector<std::int64_t> values;
  for (const auto& line : util::split(text, '\n')) {
    std::string value = util::trim(line);
    if (!value.empty()) {
      values.push_back(std::stoll(value));
    }
  }
  return values;
}

} // namespace

TEST_F(Profiles, ARunningProfileCannotBeCloned) {
  process::Result r = vm().colima({"clone", "default", "copy"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("colima is running: stop it first"), std::string::npos) << r.err;
}

TEST_F(Profiles, AStoppedProfileIsClonedWithItsContainerData) {
  ASSERT_EQ(vm().colima({"stop"}).exit_code, 0);
  process::Result r = vm().colima({"clone", "default", "copy"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = vm().colima({"clone", "default", "copy"});
  EXPECT_NE(r.err.find("colima profile 'copy' already exists"), std::string::npos) << r.err;
  r = vm().colima({"start", "copy"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = vm().run({"docker", "context", "show"});
  EXPECT_EQ(r.out, "colima-copy\n");
  r = vm().run({"docker", "--context", "colima-copy", "image", "inspect", "--format", "ok",
                "colima-e2e/web"});
  EXPECT_EQ(r.out, "ok\n") << "the clone has the images of the original: " << r.err;
  r = vm().colima({"ssh", "--profile", "copy", "--", "hostname"});
  EXPECT_EQ(r.out, "colima-copy\n");
}

TEST_F(Profiles, ShrinkingTheDataDiskOfAStoppedProfileIsRefusedAndChangesNothing) {
  fs::path settings = vm().home() / ".config/colima/default/colima.yaml";
  std::string before = util::read_file(settings).value_or("");
  ASSERT_NE(before.find("\ndisk: 100\n"), std::string::npos) << before;
  process::Result r = vm().colima({"start", "--disk", "99"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("colima: error: the disk cannot shrink from 100GiB to 99GiB: use --disk "
                       "100 or more, or delete the VM and its data with 'colima delete --data'"),
            std::string::npos)
      << r.err;
  nlohmann::json status = status_json();
  EXPECT_EQ(status["status"], "Stopped");
  EXPECT_EQ(status["disk"], 100 * k_gib);
  EXPECT_EQ(data_disk_size("colima"), 100 * k_gib);
  EXPECT_EQ(util::read_file(settings).value_or(""), before);
}

TEST_F(Profiles, AStoppedProfileStartedWithALargerDiskHasALargerDataFileSystem) {
  process::Result r = vm().colima({"start", "--disk", "120"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("growing the data disk to 120GiB"), std::string::npos) << r.err;
  EXPECT_EQ(status_json()["disk"], 120 * k_gib);
  EXPECT_EQ(data_disk_size("colima"), 120 * k_gib);
  // The disk as the guest sees it, then the file system on it under Lima's mount and under the
  // engine's data directory: one file system, grown past what the old 100GiB could hold.
  r = vm().colima({"ssh", "--", "sh", "-c",
                   "set -e; part=$(findmnt -n -o SOURCE /mnt/lima-colima); "
                   "lsblk -n -b -d -o SIZE \"/dev/$(lsblk -n -o PKNAME \"$part\")\"; "
                   "df -B1 --output=size /mnt/lima-colima /var/lib/docker | tail -n +2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::int64_t> sizes = numbers(r.out);
  ASSERT_EQ(sizes.size(), 3U) << r.out;
  EXPECT_EQ(sizes[0], 120 * k_gib) << "the guest's data disk";
  EXPECT_GT(sizes[1], 100 * k_gib) << "the data file system grew with its disk";
  EXPECT_LE(sizes[1], 120 * k_gib);
  EXPECT_EQ(sizes[2], sizes[1]) << "the engine's data lies on the grown file system";
  r = vm().run(
      {"docker", "--context", "colima", "image", "inspect", "--format", "ok", "colima-e2e/web"});
  EXPECT_EQ(r.out, "ok\n") << "images survive the growth: " << r.err;
}

TEST_F(Profiles, TwoProfilesRunAtOnceEachWithItsOwnContextAndContainers) {
  process::Result r = vm().colima({"start"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = vm().run({"docker", "--context", "colima-copy", "create", "--name", "only-in-copy",
                "colima-e2e/busybox", "/bin/busybox", "true"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = vm().run({"docker", "--context", "colima-copy", "ps", "-a", "--format", "{{.Names}}"});
  EXPECT_NE(r.out.find("only-in-copy"), std::string::npos) << r.out;
  r = vm().run({"docker", "--context", "colima", "ps", "-a", "--format", "{{.Names}}"});
  // A listing that failed would lack the container too.
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.find("only-in-copy"), std::string::npos) << r.out;
  r = vm().colima({"list", "--json"});
  ASSERT_EQ(r.exit_code, 0);
  std::size_t running = 0;
  for (const auto& line : util::split(r.out, '\n')) {
    if (!line.empty() && nlohmann::json::parse(line)["status"] == "Running") {
      ++running;
    }
  }
  EXPECT_EQ(running, 2U) << r.out;
  EXPECT_NE(vm().colima({"ssh-config", "copy"}).out, vm().colima({"ssh-config"}).out);
}

TEST_F(Profiles, DockerContextLsNamesEachProfilesContextWithItsSocket) {
  process::Result r = vm().run({"docker", "context", "ls", "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::map<std::string, nlohmann::json> contexts;
  for (const auto& line : util::split(r.out, '\n')) {
    nlohmann::json context = nlohmann::json::parse(line, nullptr, false);
    if (context.is_object()) {
      contexts[context.value("Name", "")] = context;
    }
  }
  ASSERT_TRUE(contexts.contains("colima")) << r.out;
  ASSERT_TRUE(contexts.contains("colima-copy")) << r.out;
  fs::path config = vm().home() / ".config/colima";
  EXPECT_EQ(contexts["colima"]["DockerEndpoint"],
            "unix://" + (config / "default/docker.sock").string());
  EXPECT_EQ(contexts["colima"]["Description"], "colima");
  EXPECT_EQ(contexts["colima"]["Current"], true) << "the profile started last is current";
  EXPECT_EQ(contexts["colima-copy"]["DockerEndpoint"],
            "unix://" + (config / "copy/docker.sock").string());
  EXPECT_EQ(contexts["colima-copy"]["Description"], "colima [profile=copy]");
  EXPECT_EQ(contexts["colima-copy"]["Current"], false);
}

TEST_F(Profiles, StoppingAndDeletingOneProfileLeavesTheOtherRunning) {
  process::Result r = vm().colima({"stop", "copy"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(vm().colima({"status"}).exit_code, 0);
  r = vm().run({"docker", "--context", "colima", "version", "--format", "{{.Server.Version}}"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = vm().colima({"delete", "copy", "--force", "--data"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(vm().colima({"status", "copy"}).exit_code, 5);
  EXPECT_EQ(vm().colima({"status"}).exit_code, 0);
  r = vm().run(
      {"docker", "--context", "colima", "image", "inspect", "--format", "ok", "colima-e2e/web"});
  EXPECT_EQ(r.out, "ok\n") << r.err;
  r = vm().run({"docker", "context", "ls", "--format", "{{.Name}}"});
  EXPECT_NE(r.out.find("colima\n"), std::string::npos) << "the running one's stays: " << r.out;
  EXPECT_EQ(r.out.find("colima-copy"), std::string::npos) << "its context goes with it: " << r.out;
}

TEST_F(Profiles, A9pMountIsReadAndWrittenByTheGuestAndTheHost) {
  fs::path share = vm().home() / "share-9p";
  util::create_directories(share, fs::perms(0755));
  util::atomic_write(share / "from-host.txt", "written on the host\n", fs::perms(0644));
  // A second mount the guest cannot make (no directory can be created under /proc): the start
  // still succeeds, as Lima's mounts are `nofail`, but says which mount is missing.
  fs::path lost = vm().home() / "share-9p-lost";
  util::create_directories(lost, fs::perms(0755));
  process::Result r = vm().colima(
      {"start", "--profile", "ninep", "--mount-type", "9p", "--mount", share.string() + ":w",
       "--mount", lost.string() + ":/proc/colima-unmountable", "--memory", "1", "--disk", "10"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("the mount '/proc/colima-unmountable' is not mounted in the VM"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("the mount '" + share.string() + "' is not mounted"), std::string::npos)
      << "the share that is mounted is not named: " << r.err;
  nlohmann::json status = nlohmann::json::parse(vm().colima({"status", "ninep", "--json"}).out);
  EXPECT_EQ(status["mount_type"], "9p");
  auto ssh = [](std::vector<std::string> argv) {
    argv.insert(argv.begin(), {"ssh", "--profile", "ninep", "--"});
    return vm().colima(argv);
  };
  r = ssh({"findmnt", "-n", "-o", "FSTYPE", share.string()});
  if (r.out != "9p\n") {
    process::Result kernel = ssh({"sh", "-c", "uname -r; modinfo -F filename 9p 9pnet_virtio"});
    FAIL() << "'" << share.string() << "' is not a 9p mount in the guest (findmnt: '"
           << util::trim(r.out) << "'); the guest kernel and its 9p modules: " << kernel.out
           << kernel.err;
  }
  std::string uid = std::to_string(::getuid());
  r = ssh({"id", "-u"});
  EXPECT_EQ(r.out, uid + "\n") << "the guest user has the host user's uid";
  r = ssh({"cat", (share / "from-host.txt").string()});
  EXPECT_EQ(r.out, "written on the host\n") << r.err;
  r = ssh({"stat", "-c", "%u %a", (share / "from-host.txt").string()});
  EXPECT_EQ(r.out, uid + " 644\n") << "the guest sees the host's owner and mode";

  r = ssh({"sh", "-c", "echo written in the guest > \"$1\" && mkdir \"$2\"", "sh",
           (share / "from-guest.txt").string(), (share / "made-in-guest").string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(util::read_file(share / "from-guest.txt"), "written in the guest\n");
  for (const fs::path& made : {share / "from-guest.txt", share / "made-in-guest"}) {
    auto st = host_stat(made);
    ASSERT_TRUE(st) << made;
    EXPECT_EQ(st->st_uid, ::getuid()) << made << " belongs to the host user";
    EXPECT_EQ(st->st_mode & 0600, 0600U) << made << " is the owner's to read and write";
    EXPECT_EQ(st->st_mode & 0002, 0U) << made << " is not world-writable";
  }
  EXPECT_TRUE(fs::is_directory(share / "made-in-guest"));
  // QEMU serves the share as the host user: what root writes in the guest is the user's too.
  r = ssh({"sudo", "sh", "-c", "echo written by root > \"$1\"", "sh",
           (share / "from-root.txt").string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(util::read_file(share / "from-root.txt"), "written by root\n");
  auto st = host_stat(share / "from-root.txt");
  ASSERT_TRUE(st);
  EXPECT_EQ(st->st_uid, ::getuid());

  util::atomic_write(share / "from-host.txt", "changed on the host\n", fs::perms(0644));
  r = ssh({"cat", (share / "from-host.txt").string()});
  EXPECT_EQ(r.out, "changed on the host\n") << "the guest sees a host change at once";
  r = ssh({"rm", (share / "from-guest.txt").string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(fs::exists(share / "from-guest.txt")) << "a removal in the guest reaches the host";
}

TEST_F(Profiles, TheMountTypeOfAnExistingProfileCannotChange) {
  process::Result r = vm().colima({"start", "--profile", "ninep", "--mount-type", "sshfs"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("the mount type cannot change once the VM exists ('9p' to 'sshfs')"),
            std::string::npos)
      << r.err;
  r = vm().colima({"delete", "ninep", "--force", "--data"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = vm().run({"docker", "context", "show"});
  EXPECT_EQ(r.out, "colima\n") << "the context current before the profile is current again: "
                               << r.err;
  EXPECT_NE(vm().run({"docker", "context", "inspect", "colima-ninep"}).exit_code, 0);
}

} // namespace colima::e2e
