#include "colima/lima/instance_reader.hpp"
#include "colima/util/fs.hpp"
#include "live_process.hpp"
#include "temp_dir.hpp"

#include <gtest/gtest.h>

namespace colima::lima {

namespace fs = std::filesystem;

namespace {

constexpr std::int64_t k_mib = 1024 * 1024;
constexpr std::int64_t k_gib = 1024 * k_mib;

// An instance directory as Lima leaves it: lima.yaml with what colima writes, one line of it
// replaced by `changed` (a key: value line; its value empty to leave the key out).
fs::path instance(const fs::path& home, const std::string& name,
                  const std::pair<std::string, std::string>& changed = {}) {
  std::vector<std::pair<std::string, std::string>> lines = {
      {"vmType", "qemu"},    {"arch", "aarch64"}, {"cpus", "3"},
      {"memory", "2048MiB"}, {"disk", "20GiB"},   {"images", "[{location: /x.qcow2}]"}};
  std::string text;
  for (auto& [key, value] : lines) {
    std::string shown = key == changed.first ? changed.second : value;
    if (!shown.empty()) {
      text += key + ": " + shown + "\n";
    }
  }
  fs::path dir = home / name;
  util::atomic_write(dir / "lima.yaml", text);
  return dir;
}

} // namespace

TEST(InstanceReader, AStoppedInstanceReadsAsLimactlListsIt) {
  test::TempDir home;
  fs::path dir = instance(home.path(), "colima-work");
  auto instances = read_instances(home.path());
  ASSERT_TRUE(instances);
  ASSERT_EQ(instances->size(), 1U);
  const Instance& read = instances->front();
  EXPECT_EQ(read.name, "colima-work");
  EXPECT_EQ(read.status, "Stopped");
  EXPECT_EQ(read.arch, "aarch64");
  EXPECT_EQ(read.cpus, 3);
  EXPECT_EQ(read.memory, 2048 * k_mib);
  EXPECT_EQ(read.disk, 20 * k_gib);
  EXPECT_EQ(read.dir, dir.string());
}

TEST(InstanceReader, LiveHostAgentAndQemuMakeItRunningAndOneOfThemBroken) {
  test::TempDir home;
  fs::path dir = instance(home.path(), "colima-work");
  test::LiveProcess agent("limactl hostagent --pidfile ha.pid colima-work");
  test::LiveProcess qemu("qemu-system-aarch64 -m 2048");
  test::write_pid_file(dir / "ha.pid", agent.pid());
  test::write_pid_file(dir / "qemu.pid", qemu.pid());
  EXPECT_EQ(read_instances(home.path())->front().status, "Running");
  fs::remove(dir / "qemu.pid");
  EXPECT_EQ(read_instances(home.path())->front().status, "Broken") << "an agent without a VM";
  test::write_pid_file(dir / "qemu.pid", qemu.pid());
  fs::remove(dir / "ha.pid");
  EXPECT_EQ(read_instances(home.path())->front().status, "Broken") << "a VM without its agent";
}

TEST(InstanceReader, PidFilesOfDeadOrOtherProcessesCountAsAbsent) {
  test::TempDir home;
  fs::path dir = instance(home.path(), "colima-work");
  test::LiveProcess other("sleep");
  test::write_pid_file(dir / "ha.pid", test::dead_pid());
  test::write_pid_file(dir / "qemu.pid", other.pid());
  EXPECT_EQ(read_instances(home.path())->front().status, "Stopped");
  test::LiveProcess agent("limactl hostagent colima-work");
  test::write_pid_file(dir / "ha.pid", agent.pid());
  EXPECT_EQ(read_instances(home.path())->front().status, "Broken");
}

TEST(InstanceReader, OnlyDirectoriesWithALimaYamlAndNoLeadingUnderscoreOrDotAreInstances) {
  test::TempDir home;
  instance(home.path(), "colima-b");
  instance(home.path(), "colima-a");
  instance(home.path(), "_disks");
  instance(home.path(), ".hidden");
  fs::create_directories(home.path() / "half-made");
  util::atomic_write(home.path() / "a-file", "x");
  auto instances = read_instances(home.path());
  ASSERT_TRUE(instances);
  ASSERT_EQ(instances->size(), 2U);
  EXPECT_EQ((*instances)[0].name, "colima-a");
  EXPECT_EQ((*instances)[1].name, "colima-b");
}

TEST(InstanceReader, OneNamedInstanceIsReadAloneAndAnOddNeighbourDoesNotMatter) {
  test::TempDir home;
  instance(home.path(), "colima-work");
  instance(home.path(), "colima-odd", {"memory", "lots"});
  EXPECT_FALSE(read_instances(home.path())) << "the whole home holds what only limactl reads";
  auto one = read_instances(home.path(), "colima-work");
  ASSERT_TRUE(one);
  ASSERT_EQ(one->size(), 1U);
  EXPECT_EQ(one->front().name, "colima-work");
  EXPECT_EQ(one->front().memory, 2048 * k_mib);
  auto none = read_instances(home.path(), "colima-absent");
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  EXPECT_FALSE(read_instances(home.path(), "colima-odd"));
}

TEST(InstanceReader, AMissingHomeHasNoInstances) {
  test::TempDir home;
  auto instances = read_instances(home.path() / "nothing-here");
  ASSERT_TRUE(instances);
  EXPECT_TRUE(instances->empty());
}

TEST(InstanceReader, WhatOnlyLimactlReadsIsLeftToIt) {
  test::TempDir home;
  instance(home.path(), "colima-work");
  ASSERT_TRUE(read_instances(home.path()));
  util::atomic_write(home.path() / "_config" / "override.yaml", "cpus: 8\n");
  EXPECT_FALSE(read_instances(home.path())) << "overrides merged into every instance";
  fs::remove(home.path() / "_config" / "override.yaml");
  util::atomic_write(home.path() / "_config" / "default.yaml", "cpus: 8\n");
  EXPECT_FALSE(read_instances(home.path())) << "defaults";
  fs::remove(home.path() / "_config" / "default.yaml");
  ASSERT_TRUE(read_instances(home.path()));

  // Beside a readable instance, one that is not: the whole home is left to limactl.
  std::vector<std::pair<std::string, std::string>> odd = {
      {"vmType", "vz"}, {"memory", "lots"}, {"cpus", "two"}, {"arch", "[x86_64]"}, {"arch", ""},
      {"cpus", ""},     {"memory", ""},     {"disk", ""},    {"disk", "{ size"}};
  for (const auto& changed : odd) {
    instance(home.path(), "colima-odd", changed);
    EXPECT_FALSE(read_instances(home.path())) << changed.first << ": '" << changed.second << "'";
  }
  instance(home.path(), "colima-odd", {"vmType", ""});
  EXPECT_TRUE(read_instances(home.path())) << "Lima's default VM type is qemu";
  util::atomic_write(home.path() / "colima-odd" / "lima.yaml", "- a list\n");
  EXPECT_FALSE(read_instances(home.path())) << "not a map";
}

TEST(InstanceReader, SizesAreReadAsLimaReadsThem) {
  EXPECT_EQ(parse_size("2048MiB"), 2048 * k_mib);
  EXPECT_EQ(parse_size("2GiB"), 2 * k_gib);
  EXPECT_EQ(parse_size("2G"), 2 * k_gib);
  EXPECT_EQ(parse_size("2gb"), 2 * k_gib);
  EXPECT_EQ(parse_size("1.5GiB"), 3 * k_gib / 2);
  EXPECT_EQ(parse_size("100 GiB"), 100 * k_gib);
  EXPECT_EQ(parse_size("512"), 512);
  EXPECT_EQ(parse_size("1k"), 1024);
  EXPECT_EQ(parse_size("1T"), 1024 * k_gib);
  for (const char* bad :
       {"", "GiB", "2 GiB ", "2XiB", "-2GiB", "2..5G", "1.G", "2GiBs", "9999999999999999999P"}) {
    EXPECT_FALSE(parse_size(bad)) << bad;
  }
}

} // namespace colima::lima
