#include "colima/util/error.hpp"
#include "colima/util/file_lock.hpp"
#include "temp_dir.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace colima::util {

namespace fs = std::filesystem;

TEST(FileLock, ASecondHolderIsRefusedAndSeesTheFirstOwner) {
  test::TempDir dir;
  fs::path file = dir.path() / "locks" / "colima.lock";
  auto first = FileLock::try_lock(file, "pid 1: colima start");
  ASSERT_TRUE(first);
  EXPECT_FALSE(FileLock::try_lock(file, "pid 2: colima stop"));
  EXPECT_EQ(FileLock::owner_of(file), "pid 1: colima start");
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777U, 0600U);
}

TEST(FileLock, TheLockIsFreeAgainOnceTheHolderIsGone) {
  test::TempDir dir;
  fs::path file = dir.path() / "colima.lock";
  { auto first = FileLock::try_lock(file, "first"); }
  EXPECT_TRUE(FileLock::try_lock(file, "second"));
}

TEST(FileLock, AKilledHolderLeavesNoStaleLock) {
  test::TempDir dir;
  fs::path file = dir.path() / "colima.lock";
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  pid_t child = ::fork();
  if (child == 0) {
    auto lock = FileLock::try_lock(file, "child");
    char byte = lock ? 'y' : 'n';
    [[maybe_unused]] auto written = ::write(ready[1], &byte, 1);
    ::pause();
    ::_exit(0);
  }
  char byte = 0;
  ASSERT_EQ(::read(ready[0], &byte, 1), 1);
  ASSERT_EQ(byte, 'y');
  EXPECT_FALSE(FileLock::try_lock(file, "parent")) << "the child holds it";
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  EXPECT_TRUE(FileLock::try_lock(file, "parent")) << "the kernel released the dead child's lock";
  ::close(ready[0]);
  ::close(ready[1]);
}

TEST(FileLock, AnUnwritableDirectoryIsAClearError) {
  if (::geteuid() == 0) {
    GTEST_SKIP() << "root can write anywhere";
  }
  test::TempDir dir;
  fs::create_directories(dir.path() / "ro");
  fs::permissions(dir.path() / "ro", fs::perms(0500));
  EXPECT_THROW(FileLock::try_lock(dir.path() / "ro" / "colima.lock", "x"), Error);
  fs::permissions(dir.path() / "ro", fs::perms(0700));
}

} // namespace colima::util
