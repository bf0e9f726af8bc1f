// The rules of Kubeconfig, read back with yaml-cpp. kubeconfig_kubectl_test.cpp proves the same
// files with the real kubectl.
#include "colima/host/kubeconfig.hpp"
#include "colima/util/error.hpp"
#include "colima/util/fs.hpp"
#include "kubeconfig_samples.hpp"
#include "temp_dir.hpp"

#include <gtest/gtest.h>
#include <map>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

namespace colima::host {

namespace fs = std::filesystem;

namespace {

const std::string k_server = "https://127.0.0.1:6443";

// A fresh HOME with the default kubeconfig path and a profile state file.
struct Scene {
  test::TempHome home;
  fs::path file = home.home() / ".kube" / "config";
  fs::path state = home.colima_home() / "default" / "kubeconfig-previous-context";
  Kubeconfig kubeconfig{file, state};

  YAML::Node read() const { return YAML::LoadFile(file.string()); }
  std::string bytes() const { return util::read_file(file).value_or("<missing>"); }
};

// The entry of the list named name, or an undefined node.
YAML::Node named(const YAML::Node& document, const std::string& list, const std::string& name) {
  for (const auto& item : document[list]) {
    if (item["name"].as<std::string>() == name) {
      return item;
    }
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

std::vector<std::string> names(const YAML::Node& document, const std::string& list) {
  std::vector<std::string> result;
  for (const auto& item : document[list]) {
    result.push_back(item["name"].as<std::string>());
  }
  return result;
}

std::map<std::string, std::string> kubeconfig_variable(const std::string& value) {
  return {{"KUBECONFIG", value}};
}

fs::perms mode_of(const fs::path& path) {
  return fs::status(path).permissions() & fs::perms::all;
}

ino_t inode_of(const fs::path& path) {
  struct stat info {};
  ::stat(path.c_str(), &info);
  return info.st_ino;
}

} // namespace

TEST(Kubeconfig, LocateTakesTheFirstNonEmptyEntryOfKubeconfig) {
  util::Environment environment(kubeconfig_variable("::/a/one:/b/two"));
  EXPECT_EQ(Kubeconfig::locate(environment, "/home/u"), fs::path("/a/one"));
}

TEST(Kubeconfig, LocateFallsBackToTheKubeDirectoryOfHome) {
  EXPECT_EQ(Kubeconfig::locate(util::Environment(), "/home/u"), fs::path("/home/u/.kube/config"));
  EXPECT_EQ(Kubeconfig::locate(util::Environment(kubeconfig_variable("::")), "/home/u"),
            fs::path("/home/u/.kube/config"));
}

TEST(Kubeconfig, LocateMakesARelativeEntryAbsolute) {
  fs::path located = Kubeconfig::locate(util::Environment(kubeconfig_variable("k.yaml")), "/h");
  EXPECT_EQ(located, fs::current_path() / "k.yaml");
}

TEST(Kubeconfig, MergeIntoAMissingFileCreatesItAndItsDirectoryPrivately) {
  Scene setup;
  setup.kubeconfig.merge("colima", samples::k_k3s, k_server, true);
  EXPECT_EQ(mode_of(setup.file.parent_path()), fs::perms(0700));
  EXPECT_EQ(mode_of(setup.file), fs::perms(0600));
  YAML::Node document = setup.read();
  EXPECT_EQ(document["apiVersion"].as<std::string>(), "v1");
  EXPECT_EQ(document["kind"].as<std::string>(), "Config");
  EXPECT_EQ(document["current-context"].as<std::string>(), "colima");
  EXPECT_FALSE(fs::exists(setup.file.parent_path() / ".colima")) << "no backup of nothing";
  EXPECT_FALSE(fs::exists(setup.state)) << "nothing was current before";
}

TEST(Kubeconfig, MergeRenamesTheGuestsEntriesAndPointsTheClusterAtTheServer) {
  Scene setup;
  setup.kubeconfig.merge("colima-work", samples::k_k3s, k_server, false);
  YAML::Node document = setup.read();
  YAML::Node guest = YAML::Load(samples::k_k3s);
  EXPECT_EQ(names(document, "clusters"), (std::vector<std::string>{"colima-work"}));
  EXPECT_EQ(names(document, "users"), (std::vector<std::string>{"colima-work"}));
  EXPECT_EQ(names(document, "contexts"), (std::vector<std::string>{"colima-work"}));
  YAML::Node cluster = named(document, "clusters", "colima-work")["cluster"];
  EXPECT_EQ(cluster["server"].as<std::string>(), k_server);
  EXPECT_EQ(cluster["certificate-authority-data"].as<std::string>(),
            guest["clusters"][0]["cluster"]["certificate-authority-data"].as<std::string>());
  YAML::Node user = named(document, "users", "colima-work")["user"];
  EXPECT_EQ(user["client-certificate-data"].as<std::string>(),
            guest["users"][0]["user"]["client-certificate-data"].as<std::string>());
  EXPECT_EQ(user["client-key-data"].as<std::string>(),
            guest["users"][0]["user"]["client-key-data"].as<std::string>());
  YAML::Node context = named(document, "contexts", "colima-work")["context"];
  EXPECT_EQ(context["cluster"].as<std::string>(), "colima-work");
  EXPECT_EQ(context["user"].as<std::string>(), "colima-work");
  EXPECT_FALSE(document["current-context"]) << "not activated";
}

TEST(Kubeconfig, MergeTakesATokenUserFromOtherwiseNamedGuestEntries) {
  Scene setup;
  setup.kubeconfig.merge("colima", samples::k_token_guest, k_server, false);
  YAML::Node document = setup.read();
  EXPECT_EQ(named(document, "users", "colima")["user"]["token"].as<std::string>(), "abc.def");
  EXPECT_EQ(named(document, "clusters", "colima")["cluster"]["server"].as<std::string>(), k_server);
  EXPECT_EQ(names(document, "contexts"), (std::vector<std::string>{"colima"}));
}

TEST(Kubeconfig, MergeKeepsEveryOtherClusterUserContextAndUnknownKey) {
  Scene setup;
  util::atomic_write(setup.file, samples::k_users_own);
  setup.kubeconfig.merge("colima", samples::k_k3s, k_server, false);
  YAML::Node before = YAML::Load(samples::k_users_own);
  YAML::Node after = setup.read();
  for (const char* list : {"clusters", "users", "contexts"}) {
    for (const auto& item : before[list]) {
      std::string name = item["name"].as<std::string>();
      EXPECT_EQ(YAML::Dump(named(after, list, name)), YAML::Dump(item)) << list << " " << name;
    }
  }
  EXPECT_EQ(names(after, "clusters"), (std::vector<std::string>{"work", "default", "colima"}));
  EXPECT_EQ(names(after, "users"), (std::vector<std::string>{"work-admin", "default", "colima"}));
  EXPECT_EQ(after["current-context"].as<std::string>(), "work");
  EXPECT_EQ(YAML::Dump(after["preferences"]), YAML::Dump(before["preferences"]));
  EXPECT_EQ(YAML::Dump(after["x-tooling"]), YAML::Dump(before["x-tooling"]));
}

TEST(Kubeconfig, MergeKeepsQuotedValuesText) {
  Scene setup;
  util::atomic_write(setup.file, samples::k_users_own);
  setup.kubeconfig.merge("colima", samples::k_k3s, k_server, false);
  YAML::Node after = setup.read();
  YAML::Node env = named(after, "users", "work-admin")["user"]["exec"]["env"];
  EXPECT_EQ(env[0]["value"].Tag(), "!") << "`value: \"1\"` must not become the number 1";
  EXPECT_EQ(env[1]["value"].Tag(), "!") << "`value: 'true'` must not become a boolean";
  EXPECT_EQ(named(after, "contexts", "work")["context"]["namespace"].Tag(), "!");
  EXPECT_EQ(after["x-tooling"]["owner"].Tag(), "!");
  EXPECT_EQ(named(after, "clusters", "default")["cluster"]["insecure-skip-tls-verify"].Tag(), "?")
      << "a plain boolean stays plain";
}

TEST(Kubeconfig, MergeReplacesOurEntriesInPlaceWithoutDuplicates) {
  Scene setup;
  util::atomic_write(setup.file, samples::k_users_own);
  setup.kubeconfig.merge("colima", samples::k_k3s, "https://127.0.0.1:1111", false);
  setup.kubeconfig.merge("colima", samples::k_token_guest, k_server, false);
  YAML::Node after = setup.read();
  EXPECT_EQ(names(after, "clusters"), (std::vector<std::string>{"work", "default", "colima"}));
  EXPECT_EQ(names(after, "contexts"), (std::vector<std::string>{"work", "default", "colima"}));
  EXPECT_EQ(named(after, "clusters", "colima")["cluster"]["server"].as<std::string>(), k_server);
  YAML::Node user = named(after, "users", "colima")["user"];
  EXPECT_EQ(user["token"].as<std::string>(), "abc.def");
  EXPECT_FALSE(user["client-key-data"]) << "the old user data is replaced, not mixed";
}

TEST(Kubeconfig, ActivatingRecordsThePreviousContextAndMakesOursCurrent) {
  Scene setup;
  util::atomic_write(setup.file, samples::k_users_own);
  setup.kubeconfig.merge("colima", samples::k_k3s, k_server, true);
  EXPECT_EQ(setup.kubeconfig.current_context(), "colima");
  EXPECT_EQ(util::read_file(setup.state), "work\n");
  EXPECT_EQ(mode_of(setup.state), fs::perms(0600));
  setup.kubeconfig.merge("colima", samples::k_k3s, k_server, true);
  EXPECT_EQ(util::read_file(setup.state), "work\n") << "ours is not recorded as the previous";
}

TEST(Kubeconfig, MergeBacksUpTheExistingFileBeforeChangingIt) {
  Scene setup;
  util::atomic_write(setup.file, samples::k_users_own, fs::perms(0644));
  setup.kubeconfig.merge("colima", samples::k_k3s, k_server, false);
  fs::path backup = setup.file.parent_path() / ".colima" / "config.bak";
  EXPECT_EQ(util::read_file(backup), samples::k_users_own);
  EXPECT_EQ(mode_of(backup), fs::perms(0600));
  EXPECT_EQ(mode_of(setup.file), fs::perms(0600));
}

TEST(Kubeconfig, AMergeThatChangesNothingDoesNotWrite) {
  Scene setup;
  setup.kubeconfig.merge("colima", samples::k_k3s, k_server, true);
  ino_t inode = inode_of(setup.file);
  setup.kubeconfig.merge("colima", samples::k_k3s, k_server, true);
  EXPECT_EQ(inode_of(setup.file), inode);
  EXPECT_FALSE(fs::exists(setup.file.parent_path() / ".colima"));
}

TEST(Kubeconfig, MergeWritesThroughASymlinkKeepingTheLink) {
  Scene setup;
  fs::path real = setup.home.home() / "dotfiles" / "kube.yaml";
  util::atomic_write(real, samples::k_users_own);
  fs::create_directories(setup.file.parent_path());
  fs::create_symlink("../dotfiles/kube.yaml", setup.file);
  setup.kubeconfig.merge("colima", samples::k_k3s, k_server, true);
  ASSERT_TRUE(fs::is_symlink(setup.file));
  EXPECT_EQ(fs::read_symlink(setup.file), fs::path("../dotfiles/kube.yaml"));
  EXPECT_EQ(names(YAML::LoadFile(real.string()), "contexts"),
            (std::vector<std::string>{"work", "default", "colima"}));
  EXPECT_EQ(util::read_file(real.parent_path() / ".colima" / "kube.yaml.bak"),
            samples::k_users_own);
}

TEST(Kubeconfig, ADanglingSymlinkGetsItsTargetCreated) {
  Scene setup;
  fs::create_directories(setup.file.parent_path());
  fs::create_symlink(setup.home.home() / "elsewhere" / "config", setup.file);
  setup.kubeconfig.merge("colima", samples::k_k3s, k_server, false);
  EXPECT_TRUE(fs::is_symlink(setup.file));
  EXPECT_TRUE(fs::is_regular_file(setup.home.home() / "elsewhere" / "config"));
}

TEST(Kubeconfig, ADirectoryIsAUsageErrorNamingIt) {
  Scene setup;
  fs::create_directories(setup.file);
  try {
    setup.kubeconfig.check();
    FAIL() << "no error";
  } catch (const UsageError& error) {
    EXPECT_EQ(error.exit_code(), 2);
    EXPECT_NE(std::string(error.what()).find("'" + setup.file.string() + "' is a directory"),
              std::string::npos)
        << error.what();
    EXPECT_NE(std::string(error.what()).find("set KUBECONFIG to a file"), std::string::npos);
  }
  EXPECT_THROW(setup.kubeconfig.merge("colima", samples::k_k3s, k_server, true), UsageError);
  EXPECT_TRUE(fs::is_empty(setup.file));
}

TEST(Kubeconfig, AFileThatIsNotAKubeconfigIsRefusedAndLeftAlone) {
  const char* texts[] = {"clusters: [unclosed\n",  "- a list\n",       "just text\n",
                         "clusters: {a: b}\n",     "users: text\n",    "contexts: 1\n",
                         "current-context: [a]\n", "a: 1\n---\nb: 2\n"};
  for (const char* text : texts) {
    Scene setup;
    util::atomic_write(setup.file, text, fs::perms(0644));
    try {
      setup.kubeconfig.check();
      ADD_FAILURE() << "no error for " << text;
    } catch (const UsageError& error) {
      ADD_FAILURE() << "a usage error for " << text << ": " << error.what();
    } catch (const Error& error) {
      EXPECT_NE(std::string(error.what()).find("'" + setup.file.string() + "'"), std::string::npos)
          << error.what();
      EXPECT_NE(std::string(error.what()).find("set KUBECONFIG to another file"), std::string::npos)
          << error.what();
    }
    EXPECT_THROW(setup.kubeconfig.merge("colima", samples::k_k3s, k_server, true), Error);
    EXPECT_THROW(setup.kubeconfig.remove("colima"), Error);
    EXPECT_EQ(setup.bytes(), text);
    EXPECT_EQ(mode_of(setup.file), fs::perms(0644));
    EXPECT_FALSE(fs::exists(setup.file.parent_path() / ".colima"));
  }
}

TEST(Kubeconfig, InvalidYamlIsReportedWithItsLine) {
  Scene setup;
  util::atomic_write(setup.file, "apiVersion: v1\nclusters: [unclosed\n");
  try {
    setup.kubeconfig.check();
    FAIL() << "no error";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("is not valid YAML (line "), std::string::npos)
        << error.what();
  }
}

TEST(Kubeconfig, AnEmptyFileIsAnEmptyKubeconfig) {
  Scene setup;
  util::atomic_write(setup.file, "");
  EXPECT_NO_THROW(setup.kubeconfig.check());
  EXPECT_EQ(setup.kubeconfig.current_context(), std::nullopt);
  setup.kubeconfig.merge("colima", samples::k_k3s, k_server, true);
  EXPECT_EQ(setup.kubeconfig.current_context(), "colima");
  EXPECT_EQ(setup.read()["kind"].as<std::string>(), "Config");
}

TEST(Kubeconfig, AGuestKubeconfigWithoutAUserIsAnErrorAndChangesNothing) {
  Scene setup;
  util::atomic_write(setup.file, samples::k_users_own);
  EXPECT_THROW(setup.kubeconfig.merge("colima", "clusters:\n- name: a\n  cluster: {server: x}\n",
                                      k_server, true),
               Error);
  EXPECT_THROW(setup.kubeconfig.merge("colima", "{unclosed", k_server, true), Error);
  EXPECT_EQ(setup.bytes(), samples::k_users_own);
  EXPECT_FALSE(fs::exists(setup.state));
}

TEST(Kubeconfig, RemoveRestoresThePreviousContextAndLeavesOtherEntries) {
  Scene setup;
  util::atomic_write(setup.file, samples::k_users_own);
  setup.kubeconfig.merge("colima", samples::k_k3s, k_server, true);
  setup.kubeconfig.remove("colima");
  YAML::Node after = setup.read();
  EXPECT_EQ(after["current-context"].as<std::string>(), "work");
  EXPECT_EQ(names(after, "clusters"), (std::vector<std::string>{"work", "default"}));
  EXPECT_EQ(names(after, "users"), (std::vector<std::string>{"work-admin", "default"}));
  EXPECT_EQ(names(after, "contexts"), (std::vector<std::string>{"work", "default"}));
  EXPECT_FALSE(fs::exists(setup.state));
}

TEST(Kubeconfig, RemoveUnsetsTheCurrentContextWhenThePreviousOneIsGone) {
  Scene setup;
  util::atomic_write(setup.file, samples::k_users_own);
  setup.kubeconfig.merge("colima", samples::k_k3s, k_server, true);
  util::atomic_write(setup.state, "vanished\n");
  setup.kubeconfig.remove("colima");
  EXPECT_FALSE(setup.read()["current-context"]);
}

TEST(Kubeconfig, RemoveRemovesOnlyTheEntriesNamedSo) {
  Scene setup;
  util::atomic_write(setup.file, samples::k_users_own);
  setup.kubeconfig.merge("colima", samples::k_k3s, k_server, false);
  setup.kubeconfig.merge("colima-work", samples::k_k3s, k_server, false);
  setup.kubeconfig.remove("colima");
  YAML::Node after = setup.read();
  EXPECT_EQ(names(after, "clusters"), (std::vector<std::string>{"work", "default", "colima-work"}));
  EXPECT_EQ(after["current-context"].as<std::string>(), "work");
}

TEST(Kubeconfig, RemoveWithNothingOfOursDoesNotWrite) {
  Scene setup;
  util::atomic_write(setup.file, samples::k_users_own, fs::perms(0644));
  util::atomic_write(setup.state, "work\n");
  ino_t inode = inode_of(setup.file);
  setup.kubeconfig.remove("colima");
  EXPECT_EQ(inode_of(setup.file), inode);
  EXPECT_EQ(setup.bytes(), samples::k_users_own);
  EXPECT_FALSE(fs::exists(setup.state));
}

TEST(Kubeconfig, RemoveWithoutAFileCreatesNothing) {
  Scene setup;
  util::atomic_write(setup.state, "work\n");
  setup.kubeconfig.remove("colima");
  EXPECT_FALSE(fs::exists(setup.file.parent_path()));
  EXPECT_FALSE(fs::exists(setup.state));
}

TEST(Kubeconfig, AStaleLockOfKubectlIsReportedNotBroken) {
  Scene setup;
  util::atomic_write(setup.file, samples::k_users_own);
  util::atomic_write(setup.file.string() + ".lock", "");
  try {
    setup.kubeconfig.merge("colima", samples::k_k3s, k_server, true);
    FAIL() << "no error";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("is locked by"), std::string::npos) << error.what();
  }
  EXPECT_EQ(setup.bytes(), samples::k_users_own);
  EXPECT_TRUE(fs::exists(setup.file.string() + ".lock"));
}

TEST(Kubeconfig, AnUnreadableFileIsRefusedAndLeftAlone) {
  Scene setup;
  util::atomic_write(setup.file, samples::k_users_own);
  fs::permissions(setup.file, fs::perms::none);
  auto refused = [&] {
    try {
      setup.kubeconfig.merge("colima", samples::k_k3s, k_server, true);
    } catch (const Error& error) {
      std::string message = error.what();
      return message.find("cannot read the kubeconfig '" + setup.file.string() + "'") !=
                 std::string::npos &&
             message.find("make it readable") != std::string::npos;
    }
    return false;
  };
  if (::geteuid() == 0) {
    // Root reads any file: the refusal is asserted in a child that drops to `nobody`.
    for (const fs::path& dir :
         {setup.file.parent_path(), setup.home.home(), setup.home.home().parent_path()}) {
      fs::permissions(dir, fs::perms(0755));
    }
    EXPECT_EXIT(
        {
          bool ok = ::setgid(65534) == 0 && ::setuid(65534) == 0 && refused();
          ::_exit(ok ? 0 : 1);
        },
        ::testing::ExitedWithCode(0), "");
  } else {
    EXPECT_TRUE(refused());
  }
  EXPECT_EQ(mode_of(setup.file), fs::perms::none);
  fs::permissions(setup.file, fs::perms(0600));
  EXPECT_EQ(setup.bytes(), samples::k_users_own);
  EXPECT_FALSE(fs::exists(setup.state));
}

} // namespace colima::host
