// The shipped guest init (templates/image/guest-init.sh), run for real by /bin/sh against cidata
// files in the shape Lima v2.2.0 writes them: what it reads of the NICs, the user's keys and the
// mounts, and what it refuses to read.
#include "colima/process/posix_runner.hpp"
#include "colima/util/fs.hpp"
#include "colima/util/templates.hpp"
#include "temp_dir.hpp"

#include <gtest/gtest.h>

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

  process::Result show(const std::string& what) {
    process::PosixRunner runner;
    return runner.run(process::Command{.argv = {"sh", m_script.string(), "show", what},
                                       .env = {{"COLIMA_INIT_CIDATA", m_cidata.string()}}});
  }

  test::TempDir m_dir;
  fs::path m_script;
  fs::path m_cidata;
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
  process::PosixRunner runner;
  process::Result r = runner.run(process::Command{.argv = {"sh", m_script.string(), "nonsense"}});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("usage: colima-init network|local|boot|grow|show"), std::string::npos)
      << r.out;
}

} // namespace colima::image
