// Black-box: a damaged file colima reads on start is one `colima: error:` line naming the file
// and the remedy, not a library's message.
#include "fake_lima.hpp"

#include <unistd.h>

namespace colima::cli {

namespace fs = std::filesystem;

namespace {
class FileErrors : public FakeLima {};
} // namespace

TEST_F(FileErrors, ACorruptLimaDocumentOfAnExistingVmNamesItAndTheRemedy) {
  add_instance("colima-broken", "Stopped");
  fs::path document = lima_home() / "colima-broken" / "lima.yaml";
  util::atomic_write(document, "images: [\n  - location: x\n");
  process::Result r = colima({"start", "broken", "--runtime", "none"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(r.err.ends_with("colima: error: cannot read the VM's Lima document '" +
                              document.string() +
                              "': line 2, column 3: illegal block entry; repair it, or delete the "
                              "VM with 'colima delete broken'\n"))
      << r.err;
}

TEST_F(FileErrors, AnUnreadableImageCacheNamesItAndTheRemedy) {
  if (::geteuid() == 0) {
    GTEST_SKIP() << "root reads anything";
  }
  fs::path cache = colima_home() / "_cache" / "images";
  util::create_directories(cache);
  fs::permissions(cache, fs::perms(0));
  process::Result r = colima({"image", "list"});
  fs::permissions(cache, fs::perms(0700));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "colima: error: cannot read the image cache '" + cache.string() +
                       "': Permission denied; check its permissions, or empty the cache with "
                       "'colima prune'\n");
}

} // namespace colima::cli
