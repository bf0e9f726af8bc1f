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

} // namespace colima::util
