#include "colima/lima/disk_check.hpp"
#include "colima/util/fs.hpp"
#include "fake_runner.hpp"
#include "temp_dir.hpp"

#include <gtest/gtest.h>

namespace colima::lima {

namespace fs = std::filesystem;

namespace {

const std::string k_qcow2_header = std::string("QFI\xfb", 4) + std::string(60, '\0');

} // namespace

TEST(DiskCheck, AQcow2DiskWithoutItsHeaderIsDamagedWithoutRunningQemuImg) {
  test::TempDir dir;
  fs::path disk = dir.path() / "disk";
  util::atomic_write(disk, std::string(1024, '\0'));
  test::FakeRunner runner;
  auto damage = disk_damage(runner, disk, true);
  ASSERT_TRUE(damage);
  EXPECT_EQ(*damage, "it is no longer a qcow2 image (1024 bytes, no qcow2 header): truncated or "
                     "overwritten");
  EXPECT_TRUE(runner.argvs().empty());
  EXPECT_EQ(util::read_file(disk)->size(), 1024U) << "the check changes nothing";
}

TEST(DiskCheck, ARawDataDiskAndAMissingFileAreNotChecked) {
  test::TempDir dir;
  util::atomic_write(dir.path() / "raw", std::string(4096, 'x'));
  test::FakeRunner runner;
  EXPECT_FALSE(disk_damage(runner, dir.path() / "raw", false));
  EXPECT_FALSE(disk_damage(runner, dir.path() / "missing", true));
  EXPECT_TRUE(runner.argvs().empty());
}

TEST(DiskCheck, QemuImgCorruptionsAreDamageButLeakedClustersAreNot) {
  test::TempDir dir;
  fs::path disk = dir.path() / "datadisk";
  util::atomic_write(disk, k_qcow2_header);
  test::FakeRunner runner;
  runner.on({"qemu-img", "check"},
            process::Result{2, R"({"check-errors": 0, "corruptions": 245, "filename": "x"})", ""});
  EXPECT_EQ(disk_damage(runner, disk, false).value_or(""),
            "'qemu-img check' found 245 corruptions (is the file truncated?)");
  EXPECT_EQ(runner.argvs().back(), (std::vector<std::string>{"qemu-img", "check", "-f", "qcow2",
                                                             "--output=json", disk.string()}));
  runner.on({"qemu-img", "check"}, process::Result{3, R"({"leaks": 12})", ""});
  EXPECT_FALSE(disk_damage(runner, disk, false));
  runner.on({"qemu-img", "check"}, process::Result{0, "{}", ""});
  EXPECT_FALSE(disk_damage(runner, disk, true));
}

TEST(DiskCheck, AnImageQemuImgCannotOpenIsDamagedWithItsMessage) {
  test::TempDir dir;
  fs::path disk = dir.path() / "disk";
  util::atomic_write(disk, k_qcow2_header);
  test::FakeRunner runner;
  runner.on({"qemu-img", "check"},
            process::Result{1, "", "qemu-img: Could not open 'disk': Image is corrupt\n"});
  EXPECT_EQ(disk_damage(runner, disk, true).value_or(""),
            "qemu-img: Could not open 'disk': Image is corrupt");
}

TEST(DiskCheck, ADiskAnotherProcessHoldsIsNotCalledDamaged) {
  test::TempDir dir;
  fs::path disk = dir.path() / "disk";
  util::atomic_write(disk, k_qcow2_header);
  test::FakeRunner runner;
  runner.on({"qemu-img", "check"},
            process::Result{1, "",
                            "qemu-img: Could not open 'disk': Failed to get shared \"write\" "
                            "lock\nIs another process using the image [disk]?\n"});
  EXPECT_FALSE(disk_damage(runner, disk, true));
}

} // namespace colima::lima
