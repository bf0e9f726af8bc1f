#include "fake_runner.hpp"

#include <gtest/gtest.h>

namespace colima::test {

TEST(FakeRunner, RecordsEveryArgvInOrder) {
  FakeRunner runner;
  runner.run(process::Command{.argv = {"a", "1"}});
  runner.run_interactive(process::Command{.argv = {"b"}});
  EXPECT_EQ(runner.argvs(), (Argvs{{"a", "1"}, {"b"}}));
}

TEST(FakeRunner, TheLongestMatchingPrefixAnswers) {
  FakeRunner runner;
  runner.on({"limactl"}, process::Result{1, "", "short"});
  runner.on({"limactl", "list"}, process::Result{0, "long", ""});
  EXPECT_EQ(runner.run(process::Command{.argv = {"limactl", "list", "--json"}}).out, "long");
  EXPECT_EQ(runner.run(process::Command{.argv = {"limactl", "stop"}}).err, "short");
  EXPECT_EQ(runner.run(process::Command{.argv = {"other"}}).exit_code, 0);
}

TEST(FakeRunner, ALaterRegistrationReplacesAnEarlierOne) {
  FakeRunner runner;
  runner.on({"x"}, process::Result{1, "", ""});
  runner.on({"x"}, process::Result{5, "", ""});
  EXPECT_EQ(runner.run_interactive(process::Command{.argv = {"x"}}), 5);
}

} // namespace colima::test
