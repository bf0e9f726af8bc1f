#include "colima/host/incus_remote.hpp"
#include "colima/util/error.hpp"
#include "colima/util/fs.hpp"
#include "fake_runner.hpp"
#include "temp_dir.hpp"

#include <gtest/gtest.h>

namespace colima::host {

namespace {

// A remote as `incus remote list --format json` (incus-client 6.0.4) prints one added with
// `incus remote add NAME unix://PATH`, followed by a comma.
std::string remote_entry(const std::string& name, const std::string& address) {
  return "\"" + name + "\":{\"Addr\":\"" + address +
         R"(","AuthType":"tls","KeepAlive":0,"Project":"","Protocol":"incus","Public":false,)"
         R"("Global":false,"Static":false},)";
}

// The output of `incus remote list --format json` for a fresh client configuration, with the
// given entries first.
std::string remote_list(const std::string& entries = "") {
  return "{" + entries +
         R"("images":{"Addr":"https://images.linuxcontainers.org","AuthType":"","KeepAlive":0,)"
         R"("Project":"","Protocol":"simplestreams","Public":true,"Global":false,"Static":false},)"
         R"("local":{"Addr":"unix://","AuthType":"","KeepAlive":0,"Project":"","Protocol":"incus",)"
         R"("Public":false,"Global":false,"Static":true}})"
         "\n";
}

const test::Argvs k_list = {{"incus", "remote", "list", "--format", "json"}};

test::Argvs then(test::Argvs first, const test::Argvs& rest) {
  first.insert(first.end(), rest.begin(), rest.end());
  return first;
}

} // namespace

TEST(IncusRemote, IsAddedWhenMissingAndActivatedRememberingThePreviousDefault) {
  test::TempDir dir;
  test::FakeRunner runner;
  runner.on({"incus", "remote"}, process::Result{});
  runner.on({"incus", "remote", "list"}, process::Result{0, remote_list(), ""});
  runner.on({"incus", "remote", "get-default"}, process::Result{0, "local\n", ""});
  IncusRemote remote(runner, "colima-work", "/h/work/incus.sock", dir.path());
  remote.ensure();
  remote.activate();
  EXPECT_EQ(runner.argvs(),
            then(k_list, {{"incus", "remote", "add", "colima-work", "unix:///h/work/incus.sock"},
                          {"incus", "remote", "get-default"},
                          {"incus", "remote", "switch", "colima-work"}}));
  EXPECT_EQ(util::read_file(dir.path() / "previous-incus-remote"), "local\n");
}

TEST(IncusRemote, ActivatingWhenAlreadyTheDefaultRemembersNothing) {
  test::TempDir dir;
  test::FakeRunner runner;
  runner.on({"incus", "remote"}, process::Result{});
  runner.on({"incus", "remote", "get-default"}, process::Result{0, "colima\n", ""});
  IncusRemote remote(runner, "colima", "/h/default/incus.sock", dir.path());
  remote.activate();
  EXPECT_EQ(runner.argvs(), (test::Argvs{{"incus", "remote", "get-default"},
                                         {"incus", "remote", "switch", "colima"}}));
  EXPECT_EQ(util::read_file(dir.path() / "previous-incus-remote"), std::nullopt);
}

TEST(IncusRemote, AnExistingRemoteWithOurAddressIsLeftAsItIs) {
  test::TempDir dir;
  test::FakeRunner runner;
  runner.on(
      {"incus", "remote", "list"},
      process::Result{0, remote_list(remote_entry("colima", "unix:///h/default/incus.sock")), ""});
  IncusRemote remote(runner, "colima", "/h/default/incus.sock", dir.path());
  remote.ensure();
  EXPECT_EQ(runner.argvs(), k_list);
}

TEST(IncusRemote, AUsersRemoteOfTheSameNameWithAnotherAddressIsAnErrorAndLeftAlone) {
  test::TempDir dir;
  test::FakeRunner runner;
  runner.on(
      {"incus", "remote", "list"},
      process::Result{0, remote_list(remote_entry("colima", "https://incus.example:8443")), ""});
  IncusRemote remote(runner, "colima", "/h/default/incus.sock", dir.path());
  EXPECT_THROW(remote.refuse_users_remote(), Error);
  try {
    remote.ensure();
    FAIL() << "no error";
  } catch (const Error& error) {
    EXPECT_STREQ(error.what(),
                 "incus remote 'colima' already exists with the address "
                 "'https://incus.example:8443' instead of 'unix:///h/default/incus.sock': colima "
                 "leaves a remote it did not make alone; remove or rename it with 'incus remote "
                 "remove colima' or 'incus remote rename colima NEW_NAME', then start again");
  }
  EXPECT_EQ(runner.argvs(), (test::Argvs{k_list[0], k_list[0]})) << "only listed";
}

TEST(IncusRemote, RemovingTheDefaultRemoteRestoresThePreviousDefault) {
  test::TempDir dir;
  util::atomic_write(dir.path() / "previous-incus-remote", "mine\n");
  test::FakeRunner runner;
  runner.on({"incus", "remote"}, process::Result{});
  runner.on({"incus", "remote", "list"},
            process::Result{0,
                            remote_list(remote_entry("colima", "unix:///h/default/incus.sock") +
                                        remote_entry("mine", "https://incus.example:8443")),
                            ""});
  runner.on({"incus", "remote", "get-default"}, process::Result{0, "colima\n", ""});
  IncusRemote remote(runner, "colima", "/h/default/incus.sock", dir.path());
  remote.remove();
  EXPECT_EQ(runner.argvs(), then(k_list, {{"incus", "remote", "get-default"},
                                          {"incus", "remote", "switch", "mine"},
                                          {"incus", "remote", "remove", "colima"}}));
  EXPECT_EQ(util::read_file(dir.path() / "previous-incus-remote"), std::nullopt);
}

TEST(IncusRemote, AVanishedPreviousDefaultFallsBackToLocal) {
  test::TempDir dir;
  util::atomic_write(dir.path() / "previous-incus-remote", "gone\n");
  test::FakeRunner runner;
  runner.on({"incus", "remote"}, process::Result{});
  runner.on({"incus", "remote", "list"},
            process::Result{
                0, remote_list(remote_entry("colima-work", "unix:///h/work/incus.sock")), ""});
  runner.on({"incus", "remote", "get-default"}, process::Result{0, "colima-work\n", ""});
  IncusRemote remote(runner, "colima-work", "/h/work/incus.sock", dir.path());
  remote.remove();
  EXPECT_EQ(runner.argvs(), then(k_list, {{"incus", "remote", "get-default"},
                                          {"incus", "remote", "switch", "local"},
                                          {"incus", "remote", "remove", "colima-work"}}));
}

TEST(IncusRemote, RemovingARemoteThatIsNotTheDefaultLeavesTheDefaultAlone) {
  test::TempDir dir;
  test::FakeRunner runner;
  runner.on({"incus", "remote"}, process::Result{});
  runner.on({"incus", "remote", "list"},
            process::Result{0, remote_list(remote_entry("colima", "unix:///s/incus.sock")), ""});
  runner.on({"incus", "remote", "get-default"}, process::Result{0, "local\n", ""});
  IncusRemote remote(runner, "colima", "/s/incus.sock", dir.path());
  remote.remove();
  EXPECT_EQ(runner.argvs(), then(k_list, {{"incus", "remote", "get-default"},
                                          {"incus", "remote", "remove", "colima"}}));
}

TEST(IncusRemote, RemovingLeavesAUsersRemoteOfTheSameNameAlone) {
  test::TempDir dir;
  test::FakeRunner runner;
  runner.on(
      {"incus", "remote", "list"},
      process::Result{0, remote_list(remote_entry("colima", "https://incus.example:8443")), ""});
  IncusRemote remote(runner, "colima", "/s/incus.sock", dir.path());
  remote.remove();
  EXPECT_EQ(runner.argvs(), k_list);
}

TEST(IncusRemote, RemovingAMissingRemoteDoesNothing) {
  test::TempDir dir;
  test::FakeRunner runner;
  runner.on({"incus", "remote", "list"}, process::Result{0, remote_list(), ""});
  IncusRemote remote(runner, "colima", "/s/incus.sock", dir.path());
  remote.remove();
  EXPECT_EQ(runner.argvs(), k_list);
}

TEST(IncusRemote, TheServerAnswersWhenInfoSucceedsThroughTheRemote) {
  test::TempDir dir;
  test::FakeRunner runner;
  runner.on({"incus", "info"}, process::Result{0, "config: {}\n", ""});
  IncusRemote remote(runner, "colima", "/s/incus.sock", dir.path());
  EXPECT_TRUE(remote.server_answers());
  runner.on({"incus", "info"}, process::Result{1, "", "Error: daemon not started\n"});
  EXPECT_FALSE(remote.server_answers());
  EXPECT_EQ(runner.argvs(),
            (test::Argvs{{"incus", "info", "colima:"}, {"incus", "info", "colima:"}}));
}

TEST(IncusRemote, AMalformedRemoteListIsAnErrorThatChangesNothing) {
  test::TempDir dir;
  test::FakeRunner runner;
  runner.on({"incus", "remote", "list"}, process::Result{0, "+------+\n| NAME |\n", ""});
  IncusRemote remote(runner, "colima", "/s/incus.sock", dir.path());
  try {
    remote.ensure();
    FAIL() << "no error";
  } catch (const Error& error) {
    EXPECT_STREQ(error.what(),
                 "cannot read the incus remotes: 'incus remote list --format json' printed "
                 "'+------+\\x0a| NAME |' instead of a JSON object of remotes; check the incus "
                 "client with 'incus remote list'");
  }
  EXPECT_EQ(runner.argvs(), k_list);
}

TEST(IncusRemote, ARemoteWithoutAnAddressInTheListIsAnError) {
  test::TempDir dir;
  test::FakeRunner runner;
  runner.on({"incus", "remote", "list"},
            process::Result{0, remote_list(R"("colima":{"Protocol":"incus"},)"), ""});
  IncusRemote remote(runner, "colima", "/s/incus.sock", dir.path());
  try {
    remote.remove();
    FAIL() << "no error";
  } catch (const Error& error) {
    EXPECT_STREQ(error.what(),
                 "cannot read the incus remotes: 'incus remote list --format json' printed remote "
                 "'colima' without an 'Addr' string; check the incus client with 'incus remote "
                 "list'");
  }
  EXPECT_EQ(runner.argvs(), k_list);
}

TEST(IncusRemote, AFailingRemoteListIsAnErrorNamingTheCommand) {
  test::TempDir dir;
  test::FakeRunner runner;
  runner.on({"incus", "remote", "list"}, process::Result{1, "", "Error: bad config\n"});
  IncusRemote remote(runner, "colima", "/s/incus.sock", dir.path());
  EXPECT_THROW(remote.ensure(), process::ProcessError);
  EXPECT_EQ(runner.argvs(), k_list);
}

} // namespace colima::host
