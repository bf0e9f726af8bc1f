// Profiles side by side on real VMs: a clone of the stopped default profile (its settings, VM
// and container data), both running at once, each reached through its own docker context with
// its own containers, and stopping or deleting one leaving the other untouched. Runs after
// docker_test.cpp, before persistence_test.cpp, and leaves the default profile running.
#include "colima/util/strings.hpp"
#include "vm_test.hpp"

namespace colima::e2e {

namespace {
class Profiles : public VmTest {};
} // namespace

TEST_F(Profiles, ARunningProfileCannotBeCloned) {
  process::Result r = vm().colima({"clone", "default", "copy"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("colima is running: stop it first"), std::string::npos) << r.err;
}

TEST_F(Profiles, AStoppedProfileIsClonedWithItsContainerData) {
  ASSERT_EQ(vm().colima({"stop"}).exit_code, 0);
  process::Result r = vm().colima({"clone", "default", "copy"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = vm().colima({"clone", "default", "copy"});
  EXPECT_NE(r.err.find("colima profile 'copy' already exists"), std::string::npos) << r.err;
  r = vm().colima({"start", "copy"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = vm().run({"docker", "context", "show"});
  EXPECT_EQ(r.out, "colima-copy\n");
  r = vm().run({"docker", "--context", "colima-copy", "image", "inspect", "--format", "ok",
                "colima-e2e/web"});
  EXPECT_EQ(r.out, "ok\n") << "the clone has the images of the original: " << r.err;
  r = vm().colima({"ssh", "--profile", "copy", "--", "hostname"});
  EXPECT_EQ(r.out, "colima-copy\n");
}

TEST_F(Profiles, TwoProfilesRunAtOnceEachWithItsOwnContextAndContainers) {
  process::Result r = vm().colima({"start"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = vm().run({"docker", "--context", "colima-copy", "create", "--name", "only-in-copy",
                "colima-e2e/busybox", "/bin/busybox", "true"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = vm().run({"docker", "--context", "colima-copy", "ps", "-a", "--format", "{{.Names}}"});
  EXPECT_NE(r.out.find("only-in-copy"), std::string::npos) << r.out;
  r = vm().run({"docker", "--context", "colima", "ps", "-a", "--format", "{{.Names}}"});
  EXPECT_EQ(r.out.find("only-in-copy"), std::string::npos) << r.out;
  r = vm().colima({"list", "--json"});
  ASSERT_EQ(r.exit_code, 0);
  std::size_t running = 0;
  for (const auto& line : util::split(r.out, '\n')) {
    if (!line.empty() && nlohmann::json::parse(line)["status"] == "Running") {
      ++running;
    }
  }
  EXPECT_EQ(running, 2U) << r.out;
  EXPECT_NE(vm().colima({"ssh-config", "copy"}).out, vm().colima({"ssh-config"}).out);
}

TEST_F(Profiles, StoppingAndDeletingOneProfileLeavesTheOtherRunning) {
  process::Result r = vm().colima({"stop", "copy"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(vm().colima({"status"}).exit_code, 0);
  r = vm().run({"docker", "--context", "colima", "version", "--format", "{{.Server.Version}}"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = vm().colima({"delete", "copy", "--force", "--data"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(vm().colima({"status", "copy"}).exit_code, 5);
  EXPECT_EQ(vm().colima({"status"}).exit_code, 0);
  r = vm().run(
      {"docker", "--context", "colima", "image", "inspect", "--format", "ok", "colima-e2e/web"});
  EXPECT_EQ(r.out, "ok\n") << r.err;
}

} // namespace colima::e2e
