// The shipped guest init (templates/image/guest-init.sh), run for real by /bin/sh against cidata
// files in the shape Lima v2.2.0 writes them: what it reads of the NICs, the user's keys and the
// mounts, and what it refuses to read; when it grows the root, and the daemon-reloads it spares
// Lima's boot scripts.
#include "colima/process/posix_runner.hpp"
#include "colima/util/fs.hpp"
#include "colima/util/templates.hpp"
#include "temp_dir.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <map>

namespace colima::image {

namespace fs = std::filesystem;

namespace {

const char* const k_network_config = R"(version: 2
ethernets:
  eth0:
    match:
      macaddress: '52:55:55:12:34:56'
    dhcp4: true
    set-name: eth0
    dhcp4-overrides:
      route-metric: 200
    dhcp-identifier: mac
    nameservers:
      addresses:
      - 192.168.5.3
      - 1.1.1.1
  eth1:
    match:
      macaddress: '52:55:55:ab:cd:ef'
    dhcp4: true
    set-name: eth1
    optional: true
    dhcp4-overrides:
      route-metric: 100
    dhcp-identifier: mac
)";

const char* const k_user_data = R"yaml(#cloud-config
# vim:syntax=yaml

growpart:
  mode: auto
  devices: ['/']
mounts:
- [lima-0123456789abcdef, /home/me/work dir, 9p, "trans=virtio,version=9p2000.L,msize=131072,cache=fscache,nofail", "0", "0"]
- [lima-fedcba9876543210, /tmp/lima, 9p, "trans=virtio,version=9p2000.L,msize=131072,cache=mmap,nofail,ro", "0", "0"]
timezone: Europe/Berlin

users:
  - name: "me"
    uid: "1000"
    homedir: "/home/me.linux"
    shell: /bin/bash
    sudo: ALL=(ALL) NOPASSWD:ALL
    lock_passwd: true
    ssh-authorized-keys:
      - "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIabc me@host"
      - "$(touch /tmp/colima-init-pwned)"
      - "ecdsa-sha2-nistp256 AAAAE2VjZHNh= other key"
write_files:
 - content: |
      #!/bin/sh
      - "ssh-rsa AAAAB3NzaC1yc2E= not a key entry"
)yaml";

class GuestInit : public ::testing::Test {
protected:
  void SetUp() override {
    m_script = m_dir.path() / "guest-init.sh";
    util::atomic_write(m_script, templates::find("image/guest-init.sh").value(), fs::perms(0644));
    m_cidata = m_dir.path() / "cidata";
    fs::create_directories(m_cidata);
    util::atomic_write(m_cidata / "network-config", k_network_config, fs::perms(0644));
    util::atomic_write(m_cidata / "user-data", k_user_data, fs::perms(0644));
  }

  // Runs the script as `sh guest-init.sh ARGS...` with `env` added to the environment.
  process::Result run(const std::vector<std::string>& args,
                      std::map<std::string, std::string> env = {}) {
    std::vector<std::string> argv = {"sh", m_script.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    process::PosixRunner runner;
    return runner.run(process::Command{.argv = argv, .env = std::move(env)});
  }

  process::Result show(const std::string& what) {
    return run({"show", what}, {{"COLIMA_INIT_CIDATA", m_cidata.string()}});
  }

  // A sysfs with disk vda of `disk` sectors and its partition vda2 at `start`, `size` sectors.
  fs::path fake_sysfs(long disk, long start, long size) {
    fs::path sysfs = m_dir.path() / "sys";
    fs::create_directories(sysfs / "class/block/vda2");
    util::atomic_write(sysfs / "class/block/vda/size", std::to_string(disk) + "\n",
                       fs::perms(0644));
    util::atomic_write(sysfs / "class/block/vda2/start", std::to_string(start) + "\n",
                       fs::perms(0644));
    util::atomic_write(sysfs / "class/block/vda2/size", std::to_string(size) + "\n",
                       fs::perms(0644));
    return sysfs;
  }

  test::TempDir m_dir;
  fs::path m_script;
  fs::path m_cidata;
};

// A guest root where systemd last loaded its units a minute after its unit files were written,
// and a systemctl that records its arguments.
class BootSystemctl : public GuestInit {
protected:
  void SetUp() override {
    GuestInit::SetUp();
    m_root = m_dir.path() / "root";
    fs::create_directories(m_root / "etc/systemd/system/user@.service.d");
    fs::create_directories(m_root / "run/systemd/generator");
    m_unit = m_root / "etc/systemd/system/user@.service.d/lima.conf";
    util::atomic_write(m_unit, "[Service]\nDelegate=yes\n", fs::perms(0644));
    auto written = fs::file_time_type::clock::now() - std::chrono::minutes(2);
    for (const auto& entry : fs::recursive_directory_iterator(m_root / "etc")) {
      fs::last_write_time(entry.path(), written);
    }
    fs::last_write_time(m_root / "etc", written);
    fs::last_write_time(m_root / "run/systemd/generator",
                        fs::file_time_type::clock::now() - std::chrono::minutes(1));
    m_calls = m_dir.path() / "calls";
    m_systemctl = m_dir.path() / "systemctl";
    util::atomic_write(m_systemctl, "#!/bin/sh\necho \"$*\" >>'" + m_calls.string() + "'\n",
                       fs::perms(0755));
  }

  process::Result systemctl(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"systemctl"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv, {{"COLIMA_INIT_ROOT", m_root.string()},
                      {"COLIMA_INIT_SYSTEMCTL", m_systemctl.string()}});
  }

  std::string calls() const { return util::read_file(m_calls).value_or(""); }

  fs::path m_root;
  fs::path m_unit;
  fs::path m_calls;
  fs::path m_systemctl;
};

} // namespace

TEST_F(GuestInit, ReadsEachNicsNameMacRouteMetricAndDnsServersFromLimasNetworkConfig) {
  process::Result r = show("nics");
  ASSERT_TRUE(r.ok()) << r.err;
  EXPECT_EQ(r.out, "eth0 52:55:55:12:34:56 200 no 192.168.5.3,1.1.1.1\n"
                   "eth1 52:55:55:ab:cd:ef 100 yes -\n");
}

TEST_F(GuestInit, TakesTheUsersSshKeysAndNothingThatIsNotAKey) {
  process::Result r = show("keys");
  ASSERT_TRUE(r.ok()) << r.err;
  EXPECT_EQ(r.out, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIabc me@host\n"
                   "ecdsa-sha2-nistp256 AAAAE2VjZHNh= other key\n")
      << "a command substitution is not a key; a line of write_files is not in the key list";
  EXPECT_FALSE(fs::exists("/tmp/colima-init-pwned"));
}

TEST_F(GuestInit, ReadsEachMountsTagMountPointTypeAndOptions) {
  process::Result r = show("shares");
  ASSERT_TRUE(r.ok()) << r.err;
  EXPECT_EQ(r.out, "lima-0123456789abcdef\t/home/me/work dir\t9p\t"
                   "trans=virtio,version=9p2000.L,msize=131072,cache=fscache,nofail\n"
                   "lima-fedcba9876543210\t/tmp/lima\t9p\t"
                   "trans=virtio,version=9p2000.L,msize=131072,cache=mmap,nofail,ro\n");
}

TEST_F(GuestInit, UserDataWithoutMountsOrKeysGivesNone) {
  util::atomic_write(m_cidata / "user-data", "#cloud-config\nusers:\n  - name: \"me\"\n",
                     fs::perms(0644));
  process::Result keys = show("keys");
  process::Result shares = show("shares");
  ASSERT_TRUE(keys.ok()) << keys.err;
  ASSERT_TRUE(shares.ok()) << shares.err;
  EXPECT_EQ(keys.out, "");
  EXPECT_EQ(shares.out, "");
}

TEST_F(GuestInit, AnUnknownStepIsRefusedWithItsUsage) {
  process::Result r = run({"nonsense"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("usage: colima-init network|local|boot|grow|systemctl|show"),
            std::string::npos)
      << r.out;
}

TEST_F(GuestInit, TheRootIsGrownOnlyWhenItsPartitionEndsBeforeTheDiskDoes) {
  // Debian's 4 GiB image on Lima's 100 GiB disk, then as growpart leaves it (the GPT's backup
  // header after the partition).
  std::map<std::string, std::string> small = {
      {"COLIMA_INIT_SYSFS", fake_sysfs(209715200, 133120, 8253407).string()}};
  process::Result r = run({"show", "fills-disk", "vda", "vda2"}, small);
  ASSERT_TRUE(r.ok()) << r.err;
  EXPECT_EQ(r.out, "no\n");
  std::map<std::string, std::string> grown = {
      {"COLIMA_INIT_SYSFS", fake_sysfs(209715200, 133120, 209582047).string()}};
  r = run({"show", "fills-disk", "vda", "vda2"}, grown);
  ASSERT_TRUE(r.ok()) << r.err;
  EXPECT_EQ(r.out, "yes\n");
}

TEST_F(BootSystemctl, ADaemonReloadIsSkippedWhenNoUnitFileChangedSinceSystemdLoadedThem) {
  process::Result r = systemctl({"daemon-reload"});
  ASSERT_TRUE(r.ok()) << r.err;
  EXPECT_EQ(calls(), "");
}

TEST_F(BootSystemctl, ADaemonReloadIsMadeOnceAUnitFileIsNewerThanTheLastLoad) {
  fs::last_write_time(m_unit, fs::file_time_type::clock::now());
  process::Result r = systemctl({"daemon-reload"});
  ASSERT_TRUE(r.ok()) << r.err;
  EXPECT_EQ(calls(), "daemon-reload\n");
}

TEST_F(BootSystemctl, AnFstabNewerThanTheLastLoadAlsoNeedsAReload) {
  util::atomic_write(m_root / "etc/fstab", "/dev/vdb1 /mnt ext4 defaults 0 0\n", fs::perms(0644));
  process::Result r = systemctl({"daemon-reload"});
  ASSERT_TRUE(r.ok()) << r.err;
  EXPECT_EQ(calls(), "daemon-reload\n");
}

TEST_F(BootSystemctl, EveryOtherCommandGoesToSystemctlWithItsArguments) {
  process::Result r = systemctl({"start", "systemd-logind.service"});
  ASSERT_TRUE(r.ok()) << r.err;
  r = systemctl({"daemon-reload", "--no-block"});
  ASSERT_TRUE(r.ok()) << r.err;
  EXPECT_EQ(calls(), "start systemd-logind.service\ndaemon-reload --no-block\n");
}

} // namespace colima::image
