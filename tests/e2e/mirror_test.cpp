// A guest image from a mirror on a real VM: with an empty cache and --disk-image-mirror
// pointing at an HTTP server that serves the session's image cache (what `colima image build`
// writes), `colima start` downloads the image, checks it and boots it; --dns-host and a hostile
// --env value of that start reach the guest as values. Runs last.
#include "colima/util/strings.hpp"
#include "vm_test.hpp"

#include <filesystem>

namespace colima::e2e {

namespace fs = std::filesystem;

namespace {
class ImageMirror : public VmTest {};

// Shell syntax, quotes and non-ASCII: a value, never code, on the host or in the guest.
const std::string k_hostile = "$(touch /tmp/colima-pwned); `touch /tmp/colima-pwned` q'uote \u00fc";
} // namespace

TEST_F(ImageMirror, AFreshCacheStartsAVmFromAnImageDownloadedFromAMirror) {
  fs::path served = VmSession::cache() / "images";
  ASSERT_TRUE(fs::exists(served / "trixie-x86_64-docker" / "manifest.json"));
  process::Result server = vm().run(
      {"sh", "-c", "busybox httpd -f -p 127.0.0.1:18282 -h \"$1\" >/dev/null 2>&1 & echo $!", "sh",
       served.string()});
  ASSERT_EQ(server.exit_code, 0) << server.err;
  fs::path empty_cache = vm().home() / "empty-cache";
  process::Result r = vm().colima(
      {"start", "--profile", "mirrored", "--disk-image-mirror", "http://127.0.0.1:18282/",
       "--dns-host", "colima-e2e.test=10.0.2.99", "--env", "COLIMA_E2E_VALUE=" + k_hostile},
      {}, {{"COLIMA_CACHE_HOME", empty_cache.string()}, {"COLIMA_INSECURE_MIRROR", "1"}});
  vm().run({"kill", util::trim(server.out)});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("downloading 'http://127.0.0.1:18282/trixie-x86_64-docker/disk.qcow2'"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("checking the downloaded image"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::exists(empty_cache / "images" / "trixie-x86_64-docker" / "disk.qcow2"));
  r = vm().run(
      {"docker", "--context", "colima-mirrored", "version", "--format", "{{.Server.Version}}"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = vm().colima({"ssh", "--profile", "mirrored", "--", "getent", "hosts", "colima-e2e.test"});
  EXPECT_TRUE(r.out.starts_with("10.0.2.99"))
      << "--dns-host reaches the guest's resolver: " << r.out << r.err;
  r = vm().colima({"ssh", "--profile", "mirrored", "--", "sh", "-c", "echo \"$COLIMA_E2E_VALUE\""});
  EXPECT_EQ(r.out, k_hostile + "\n") << "--env reaches the guest as a value: " << r.err;
  // Prints only when the guest was asked and the file is not there: a failed ssh is no pass.
  r = vm().colima({"ssh", "--profile", "mirrored", "--", "sh", "-c",
                   "if [ -e /tmp/colima-pwned ]; then echo present; else echo absent; fi"});
  EXPECT_EQ(r.out, "absent\n") << "the value ran as code in the guest: " << r.err;
  EXPECT_FALSE(fs::exists("/tmp/colima-pwned")) << "the value ran as code on the host";
  r = vm().colima({"delete", "mirrored", "--force", "--data"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

} // namespace colima::e2e
