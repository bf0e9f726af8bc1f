// A foreign architecture on a real VM: `colima start --profile armtest --arch aarch64` on this
// x86_64 host builds (or takes from the cache) the aarch64 guest image, Lima emulates it, and a
// container reports aarch64 through the profile's own docker context. Runs last.
#include "vm_test.hpp"

#include <filesystem>

namespace colima::e2e {

namespace {
class ForeignArch : public VmTest {};
} // namespace

TEST_F(ForeignArch, AnAarch64ProfileRunsAarch64Containers) {
  process::Result r =
      vm().colima({"start", "--profile", "armtest", "--arch", "aarch64", "--memory", "3"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json status = nlohmann::json::parse(vm().colima({"status", "armtest", "--json"}).out);
  EXPECT_EQ(status["arch"], "aarch64");
  EXPECT_EQ(status["display_name"], "colima [profile=armtest]");
  r = vm().run({"docker", "context", "show"});
  EXPECT_EQ(r.out, "colima-armtest\n");
  const char* busybox = "/usr/local/share/colima-dev/busybox.aarch64";
  ASSERT_TRUE(std::filesystem::exists(busybox)) << busybox << " is missing: run scripts/setup.sh";
  r = import_busybox(busybox, "colima-e2e/native-arm64");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = vm().run({"docker", "run", "--rm", "colima-e2e/native-arm64", "/bin/busybox", "uname", "-m"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "aarch64\n");
  r = vm().colima({"ssh", "--profile", "armtest", "--", "uname", "-m"});
  EXPECT_EQ(r.out, "aarch64\n");
}

TEST_F(ForeignArch, TheArchitectureCannotChangeAfterCreation) {
  process::Result r = vm().colima({"start", "--profile", "armtest", "--arch", "x86_64"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("the architecture cannot change once the VM exists"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("colima delete armtest"), std::string::npos) << r.err;
  r = vm().colima({"delete", "armtest", "--force", "--data"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

} // namespace colima::e2e
