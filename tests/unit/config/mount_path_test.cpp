#include "colima/config/mount_path.hpp"
#include "colima/util/error.hpp"

#include <gtest/gtest.h>

namespace colima::config {

namespace {
std::string expanded(const std::string& location,
                     std::map<std::string, std::string> variables = {}) {
  try {
    return expand_mount_location(location, "/home/u", util::Environment(std::move(variables)));
  } catch (const UsageError& error) {
    return error.what();
  }
}
} // namespace

TEST(MountPath, TheHomeAnotherUsersHomeAndALeadingVariableAreExpanded) {
  EXPECT_EQ(expanded("~"), "/home/u");
  EXPECT_EQ(expanded("~/src/"), "/home/u/src");
  EXPECT_EQ(expanded("~root"), "/root");
  EXPECT_EQ(expanded("~root/x/../y"), "/root/y");
  EXPECT_EQ(expanded("$W/src", {{"W", "/w"}}), "/w/src");
  EXPECT_EQ(expanded("${W}-1/src", {{"W", "/w"}}), "/w-1/src");
  EXPECT_EQ(expanded("/plain//path/"), "/plain/path");
}

TEST(MountPath, WhatCannotBeExpandedOrMountedIsRefusedNamingTheLocation) {
  EXPECT_EQ(expanded("$W/src"), "invalid mount location '$W/src': the variable 'W' is not set or "
                                "empty");
  EXPECT_EQ(expanded("$W/src", {{"W", ""}}),
            "invalid mount location '$W/src': the variable 'W' is not set or empty");
  EXPECT_EQ(expanded("${W/src", {{"W", "/w"}}), "invalid mount location '${W/src': a '${' is "
                                                "not closed");
  EXPECT_EQ(expanded("~colima-no-such-user"),
            "invalid mount location '~colima-no-such-user': there is no user "
            "'colima-no-such-user'");
  EXPECT_EQ(expanded("$W/src", {{"W", "relative"}}),
            "invalid mount location '$W/src': it is 'relative/src' here, and relative paths are "
            "not supported, use an absolute path");
  EXPECT_EQ(expanded("$W", {{"W", "/tmp/$(id)"}}),
            "invalid mount location '$W': it is '/tmp/$(id)' here, and the character '$' is not "
            "allowed, because Lima hands mount paths to a shell in the guest unquoted; rename the "
            "directory or mount a directory above it");
}

} // namespace colima::config
