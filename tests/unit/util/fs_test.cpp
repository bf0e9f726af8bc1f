#include "colima/util/error.hpp"
#include "colima/util/fs.hpp"

#include <filesystem>
#include <gtest/gtest.h>
#include <unistd.h>

namespace colima::util {

namespace fs = std::filesystem;

namespace {
fs::path fresh_dir() {
  std::string pattern = (fs::temp_directory_path() / "colima-fs-test-XXXXXX").string();
  return fs::path(::mkdtemp(pattern.data()));
}
} // namespace

TEST(AtomicWrite, CreatesParentsAndWritesTheWholeContentWithTheMode) {
  fs::path dir = fresh_dir();
  fs::path file = dir / "a" / "b" / "settings.yaml";
  atomic_write(file, "cpu: 4\n", fs::perms(0640));
  EXPECT_EQ(read_file(file), "cpu: 4\n");
  EXPECT_EQ(fs::status(file).permissions() & fs::perms::all, fs::perms(0640));
  fs::remove_all(dir);
}

TEST(AtomicWrite, ReplacesAnExistingFileAndLeavesNoTemporaryFilesBehind) {
  fs::path dir = fresh_dir();
  fs::path file = dir / "settings.yaml";
  atomic_write(file, "old");
  atomic_write(file, "new");
  EXPECT_EQ(read_file(file), "new");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);
  fs::remove_all(dir);
}

TEST(AtomicWrite, FailsWithThePathWhenTheDirectoryIsAFile) {
  fs::path dir = fresh_dir();
  atomic_write(dir / "blocker", "x");
  try {
    atomic_write(dir / "blocker" / "settings.yaml", "y");
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("blocker"), std::string::npos) << error.what();
  }
  EXPECT_EQ(read_file(dir / "blocker"), "x");
  fs::remove_all(dir);
}

TEST(ReadFile, ReturnsNothingForAMissingFile) {
  EXPECT_EQ(read_file("/nonexistent/colima/file"), std::nullopt);
}

} // namespace colima::util
