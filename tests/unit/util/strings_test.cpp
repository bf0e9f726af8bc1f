#include "colima/util/strings.hpp"

#include <gtest/gtest.h>

namespace colima::util {

TEST(Strings, SplitKeepsEmptyPiecesAndHonoursTheLimit) {
  EXPECT_EQ(split("a::b", ':'), (std::vector<std::string>{"a", "", "b"}));
  EXPECT_EQ(split("/a:/b:w:x", ':', 3), (std::vector<std::string>{"/a", "/b", "w:x"}));
}

TEST(Strings, TrimRemovesSurroundingWhiteSpaceOnly) {
  EXPECT_EQ(trim("  a b \n"), "a b");
  EXPECT_EQ(trim(""), "");
}

TEST(Strings, NearestSuggestsACloseCandidateAndNothingForAFarOne) {
  EXPECT_EQ(nearest("strat", {"start", "stop", "status"}), "start");
  EXPECT_EQ(nearest("dockr", {"docker", "containerd", "none"}), "docker");
  EXPECT_EQ(nearest("zzzzzz", {"docker", "containerd", "none"}), std::nullopt);
  EXPECT_EQ(did_you_mean("--cpuss", {"--cpus", "--cpu-type"}), ", did you mean '--cpus'?");
}

TEST(Strings, PrintableWritesControlCharactersAsHexAndKeepsTheRest) {
  EXPECT_EQ(printable("a\nb\tc\x1b[2J\x7f"), "a\\x0ab\\x09c\\x1b[2J\\x7f");
  EXPECT_EQ(printable("$(id) `q` 'x' \u00fc"), "$(id) `q` 'x' \u00fc");
}

TEST(Strings, ControlCharactersAreDetected) {
  EXPECT_TRUE(has_control_character("a\nb"));
  EXPECT_TRUE(has_control_character(std::string("a\x7f", 2)));
  EXPECT_FALSE(has_control_character("näme with spaces"));
}

TEST(Strings, Base64FollowsRfc4648WithPadding) {
  EXPECT_EQ(base64(""), "");
  EXPECT_EQ(base64("f"), "Zg==");
  EXPECT_EQ(base64("fo"), "Zm8=");
  EXPECT_EQ(base64("foo"), "Zm9v");
  EXPECT_EQ(base64("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64(std::string("\0\xff\xfe", 3)), "AP/+");
}

TEST(Strings, ShellWordsAreSplitAsAShellSplitsThemWithoutExpansion) {
  using Words = std::vector<std::string>;
  EXPECT_EQ(split_shell_words("code --wait"), (Words{"code", "--wait"}));
  EXPECT_EQ(split_shell_words("  \"/opt/my editor/bin/ed\"\t-x "),
            (Words{"/opt/my editor/bin/ed", "-x"}));
  EXPECT_EQ(split_shell_words("'/a b/ed' 'it''s' \"\""), (Words{"/a b/ed", "its", ""}));
  EXPECT_EQ(split_shell_words("/a\\ b/ed a\\\nb"), (Words{"/a b/ed", "ab"}));
  EXPECT_EQ(split_shell_words("\"q\\\"uote \\x $HOME `id`\""), (Words{"q\"uote \\x $HOME `id`"}));
  EXPECT_EQ(split_shell_words("vim -c 'set ft=yaml'"), (Words{"vim", "-c", "set ft=yaml"}));
  EXPECT_EQ(split_shell_words(""), Words{});
  EXPECT_EQ(split_shell_words("\"open"), std::nullopt);
  EXPECT_EQ(split_shell_words("'open"), std::nullopt);
}

} // namespace colima::util
