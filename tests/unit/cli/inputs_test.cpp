// Black-box: what validation lets through, rendering takes: mount locations starting with
// $VAR, ${VAR}, ~ or ~user are expanded for Lima, or refused before anything is written; and
// $EDITOR is split into words as a shell would split it.
#include "fake_lima.hpp"

#include <yaml-cpp/yaml.h>

namespace colima::cli {

namespace fs = std::filesystem;

namespace {

class Inputs : public FakeLima {
protected:
  process::Result start(const std::string& mount, std::map<std::string, std::string> env = {}) {
    return colima({"start", "--profile", "in", "--runtime", "none", "--disk-image",
                   image().string(), "--mount", mount},
                  std::move(env));
  }

  std::string mounted() const {
    YAML::Node document = YAML::LoadFile((profile_dir("in") / "lima.yaml").string());
    return document["mounts"][0]["location"].as<std::string>();
  }

  void expect_refused(const process::Result& r, const std::string& message) {
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_EQ(r.err, "colima: error: " + message + "\n");
    EXPECT_FALSE(fs::exists(colima_home())) << "a refused start wrote something";
    EXPECT_TRUE(calls().empty()) << "a refused start ran limactl";
  }
};

} // namespace

TEST_F(Inputs, AMountLocationFromAVariableIsExpandedForLima) {
  util::create_directories(home() / "work");
  process::Result r =
      start("$COLIMA_TEST_WORK/src:w", {{"COLIMA_TEST_WORK", (home() / "work").string()}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(mounted(), (home() / "work" / "src").string());
  auto saved = util::read_file(profile_dir("in") / "colima.yaml").value_or("");
  EXPECT_TRUE(contains(saved, "location: $COLIMA_TEST_WORK/src")) << "saved as written: " << saved;
}

TEST_F(Inputs, AMountLocationInBracesAndTheHomeAreExpandedForLima) {
  process::Result r = start("${HOME}/src");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(mounted(), (home() / "src").string());
}

TEST_F(Inputs, AMountLocationOfAnotherUsersHomeIsExpandedForLima) {
  process::Result r = start("~root/src");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(mounted(), "/root/src");
}

TEST_F(Inputs, AnUnsetVariableInAMountLocationIsRefusedBeforeAnythingRuns) {
  expect_refused(start("$COLIMA_TEST_UNSET/src"),
                 "invalid mount location '$COLIMA_TEST_UNSET/src': the variable "
                 "'COLIMA_TEST_UNSET' is not set or empty");
}

TEST_F(Inputs, AnUnknownUserInAMountLocationIsRefusedBeforeAnythingRuns) {
  expect_refused(start("~colima-no-such-user/src"),
                 "invalid mount location '~colima-no-such-user/src': there is no user "
                 "'colima-no-such-user'");
}

TEST_F(Inputs, AVariableWhoseValueLimaCannotMountIsRefusedBeforeAnythingRuns) {
  expect_refused(start("$COLIMA_TEST_WORK/src", {{"COLIMA_TEST_WORK", "/tmp/a b"}}),
                 "invalid mount location '$COLIMA_TEST_WORK/src': it is '/tmp/a b/src' here, "
                 "and paths with spaces are not supported by Lima's mounts");
}

TEST_F(Inputs, AnEditorCommandIsSplitAsAShellWouldSplitIt) {
  fs::path editor = home() / "my editor" / "ed.sh";
  util::atomic_write(editor, "#!/bin/sh\nfor a; do printf '%s\\n' \"$a\"; done > \"$HOME/args\"\n",
                     fs::perms(0755));
  process::Result r =
      colima({"template"}, {{"EDITOR", "\"" + editor.string() + "\" --wait 'a b' c\\ d"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> args = util::split(util::read_file(home() / "args").value_or(""), '\n');
  ASSERT_EQ(args.size(), 5U) << util::read_file(home() / "args").value_or("");
  EXPECT_EQ(args[0], "--wait");
  EXPECT_EQ(args[1], "a b");
  EXPECT_EQ(args[2], "c d");
  EXPECT_TRUE(args[3].ends_with(".yaml")) << args[3];
}

TEST_F(Inputs, AnEditorCommandWithAnUnterminatedQuoteIsRefused) {
  process::Result r = colima({"template"}, {{"EDITOR", "\"/opt/my editor/ed --wait"}});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.err, "colima: error: invalid editor command '\"/opt/my editor/ed --wait': a quote "
                   "is not closed\n");
}

} // namespace colima::cli
