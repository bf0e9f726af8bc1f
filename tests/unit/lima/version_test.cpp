#include "colima/lima/version.hpp"
#include "colima/util/error.hpp"
#include "fake_runner.hpp"

#include <gtest/gtest.h>

namespace colima::lima {

TEST(LimaVersion, ParsesReleaseAndDevelopmentVersions) {
  EXPECT_EQ(parse_version("limactl version 2.2.0\n"), (Version{2, 2, 0}));
  EXPECT_EQ(parse_version("limactl version v2.2.0-153-g183a60d7"), (Version{2, 2, 0}));
  EXPECT_EQ(parse_version("limactl version <unknown>"), std::nullopt);
}

TEST(LimaVersion, CheckRunsLimactlVersionAndAcceptsTheMinimum) {
  test::FakeRunner runner;
  runner.on({"limactl", "--version"}, process::Result{0, "limactl version 2.0.0\n", ""});
  EXPECT_EQ(check_limactl(runner), (Version{2, 0, 0}));
  EXPECT_EQ(runner.argvs(), (test::Argvs{{"limactl", "--version"}}));
}

TEST(LimaVersion, AnOldLimactlIsRefusedWithTheInstallHint) {
  test::FakeRunner runner;
  runner.on({"limactl", "--version"}, process::Result{0, "limactl version 1.2.1\n", ""});
  try {
    check_limactl(runner);
    FAIL();
  } catch (const Error& error) {
    EXPECT_EQ(std::string(error.what()),
              "limactl 1.2.1 is older than the minimum 2.0.0: install Lima 2.0.0 or newer "
              "(scripts/setup.sh builds limactl v2.2.0)");
  }
}

TEST(LimaVersion, AMissingLimactlIsAClearError) {
  test::FakeRunner runner;
  runner.on({"limactl"}, process::Result{127, "", "not found"});
  try {
    check_limactl(runner);
    FAIL();
  } catch (const Error& error) {
    EXPECT_EQ(std::string(error.what()),
              "limactl not found on PATH: install Lima 2.0.0 or newer (scripts/setup.sh builds "
              "limactl v2.2.0)");
  }
}

TEST(LimaVersion, AnUnknownVersionIsRefused) {
  test::FakeRunner runner;
  runner.on({"limactl", "--version"}, process::Result{0, "limactl version <unknown>\n", ""});
  EXPECT_THROW(check_limactl(runner), Error);
}

} // namespace colima::lima
