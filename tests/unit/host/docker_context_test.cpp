#include "colima/host/docker_context.hpp"
#include "colima/util/fs.hpp"
#include "fake_runner.hpp"
#include "temp_dir.hpp"

#include <gtest/gtest.h>

namespace colima::host {

TEST(DockerContext, IsCreatedOnlyWhenMissingAndActivatedRememberingThePrevious) {
  test::TempDir dir;
  test::FakeRunner runner;
  runner.on({"docker", "context"}, process::Result{});
  runner.on({"docker", "context", "inspect"}, process::Result{1, "", "not found"});
  runner.on({"docker", "context", "show"}, process::Result{0, "mine\n", ""});
  DockerContext context(runner, "colima-work", "colima [profile=work]", "/h/work/docker.sock",
                        dir.path());
  context.ensure();
  context.activate();
  EXPECT_EQ(runner.argvs(),
            (test::Argvs{{"docker", "context", "inspect", "colima-work"},
                         {"docker", "context", "create", "colima-work", "--description",
                          "colima [profile=work]", "--docker", "host=unix:///h/work/docker.sock"},
                         {"docker", "context", "show"},
                         {"docker", "context", "use", "colima-work"}}));
  EXPECT_EQ(util::read_file(dir.path() / "previous-docker-context"), "mine\n");
}

TEST(DockerContext, RemovingTheCurrentContextRestoresThePreviousOne) {
  test::TempDir dir;
  util::atomic_write(dir.path() / "previous-docker-context", "mine\n");
  test::FakeRunner runner;
  runner.on({"docker", "context"}, process::Result{});
  runner.on({"docker", "context", "show"}, process::Result{0, "colima\n", ""});
  DockerContext context(runner, "colima", "colima", "/h/default/docker.sock", dir.path());
  context.remove();
  EXPECT_EQ(runner.argvs(), (test::Argvs{{"docker", "context", "inspect", "colima"},
                                         {"docker", "context", "show"},
                                         {"docker", "context", "inspect", "mine"},
                                         {"docker", "context", "use", "mine"},
                                         {"docker", "context", "rm", "--force", "colima"}}));
}

TEST(DockerContext, AVanishedPreviousContextFallsBackToDefault) {
  test::TempDir dir;
  util::atomic_write(dir.path() / "previous-docker-context", "gone\n");
  test::FakeRunner runner;
  runner.on({"docker", "context"}, process::Result{});
  runner.on({"docker", "context", "show"}, process::Result{0, "colima\n", ""});
  runner.on({"docker", "context", "inspect", "gone"}, process::Result{1, "", ""});
  DockerContext context(runner, "colima", "colima", "/s", dir.path());
  context.remove();
  EXPECT_EQ(runner.argvs(), (test::Argvs{{"docker", "context", "inspect", "colima"},
                                         {"docker", "context", "show"},
                                         {"docker", "context", "inspect", "gone"},
                                         {"docker", "context", "use", "default"},
                                         {"docker", "context", "rm", "--force", "colima"}}));
}

TEST(DockerContext, RemovingAMissingContextDoesNothing) {
  test::TempDir dir;
  test::FakeRunner runner;
  runner.on({"docker", "context"}, process::Result{});
  runner.on({"docker", "context", "inspect"}, process::Result{1, "", ""});
  DockerContext context(runner, "colima", "colima", "/s", dir.path());
  context.remove();
  EXPECT_EQ(runner.argvs(), (test::Argvs{{"docker", "context", "inspect", "colima"}}));
}

} // namespace colima::host
