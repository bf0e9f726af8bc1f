// The files Kubeconfig writes, read by the real kubectl (`kubectl config ...`, no cluster
// needed). These tests skip when kubectl is not on PATH, unless COLIMA_REQUIRE_ALL_TIERS=1
// (as in CI), where a missing kubectl is a failure.
#include "colima/host/kubeconfig.hpp"
#include "colima/process/posix_runner.hpp"
#include "colima/util/error.hpp"
#include "colima/util/fs.hpp"
#include "colima/util/strings.hpp"
#include "kubeconfig_samples.hpp"
#include "temp_dir.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

namespace colima::host {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const std::string k_api_server = "https://127.0.0.1:6443";

class KubeconfigWithKubectl : public ::testing::Test {
protected:
  void SetUp() override {
    process::Result probe = m_runner.run(
        process::Command{.argv = {"kubectl", "version", "--client"}, .env = {}, .unset_env = {}});
    if (probe.exit_code == 127) {
      const char* required = std::getenv("COLIMA_REQUIRE_ALL_TIERS");
      if (required != nullptr && std::string(required) == "1") {
        FAIL() << "kubectl is not on PATH, and COLIMA_REQUIRE_ALL_TIERS=1";
      }
      GTEST_SKIP() << "kubectl is not on PATH";
    }
  }

  // `kubectl config ARGS...` on the test's kubeconfig.
  process::Result kubectl(std::vector<std::string> args, const fs::path& file) {
    process::Command command;
    command.argv = {"kubectl", "config"};
    command.argv.insert(command.argv.end(), args.begin(), args.end());
    command.env = {{"KUBECONFIG", file.string()}};
    command.timeout = std::chrono::seconds(60);
    return m_runner.run(command);
  }
  process::Result kubectl(std::vector<std::string> args) {
    return kubectl(std::move(args), m_file);
  }

  std::string succeeded(std::vector<std::string> args) {
    process::Result result = kubectl(std::move(args));
    EXPECT_TRUE(result.ok()) << result.err;
    return result.out;
  }
  json view() { return json::parse(succeeded({"view", "-o", "json", "--raw"})); }
  std::vector<std::string> contexts() {
    std::vector<std::string> names;
    for (const std::string& line :
         util::split(util::trim(succeeded({"get-contexts", "-o", "name"})), '\n')) {
      names.push_back(line);
    }
    std::sort(names.begin(), names.end());
    return names;
  }
  std::string current() { return util::trim(succeeded({"current-context"})); }

  test::TempHome m_home;
  fs::path m_file = m_home.home() / ".kube" / "config";
  fs::path m_state = m_home.colima_home() / "default" / "kubeconfig-previous-context";
  Kubeconfig m_kubeconfig{m_file, m_state};
  process::PosixRunner m_runner;
};

// The item of a kubectl JSON list named name (null when there is none).
json named(const json& list, const std::string& name) {
  for (const json& item : list) {
    if (item.value("name", "") == name) {
      return item;
    }
  }
  return nullptr;
}

} // namespace

TEST_F(KubeconfigWithKubectl, KubectlUsesOurContextInAFileThatDidNotExist) {
  EXPECT_EQ(kubectl({"current-context"}).exit_code, 1) << "no file at start";
  m_kubeconfig.merge("colima", samples::k_k3s, k_api_server, true);
  EXPECT_EQ(contexts(), (std::vector<std::string>{"colima"}));
  EXPECT_EQ(current(), "colima");
  json config = view();
  YAML::Node guest = YAML::Load(samples::k_k3s);
  json cluster = named(config["clusters"], "colima")["cluster"];
  EXPECT_EQ(cluster["server"], k_api_server);
  EXPECT_EQ(cluster["certificate-authority-data"],
            guest["clusters"][0]["cluster"]["certificate-authority-data"].as<std::string>());
  json user = named(config["users"], "colima")["user"];
  EXPECT_EQ(user["client-certificate-data"],
            guest["users"][0]["user"]["client-certificate-data"].as<std::string>());
  EXPECT_EQ(user["client-key-data"],
            guest["users"][0]["user"]["client-key-data"].as<std::string>());
  EXPECT_EQ(named(config["contexts"], "colima")["context"],
            (json{{"cluster", "colima"}, {"user", "colima"}}));
}

TEST_F(KubeconfigWithKubectl, KubectlSeesEveryOtherClusterAndUserUnchanged) {
  util::atomic_write(m_file, samples::k_users_own);
  json before = view();
  m_kubeconfig.merge("colima", samples::k_k3s, k_api_server, false);
  json after = view();
  for (const char* list : {"clusters", "users", "contexts"}) {
    for (const json& item : before[list]) {
      EXPECT_EQ(named(after[list], item["name"]), item) << list;
    }
    EXPECT_EQ(after[list].size(), before[list].size() + 1) << list;
  }
  EXPECT_EQ(after["preferences"], before["preferences"]);
  EXPECT_EQ(current(), "work");
  json env = named(after["users"], "work-admin")["user"]["exec"]["env"];
  EXPECT_EQ(env[0]["value"], "1");
  EXPECT_EQ(env[1]["value"], "true");
}

TEST_F(KubeconfigWithKubectl, KubectlReadsTheSymlinkedFileAndTheLinkStays) {
  fs::path real = m_home.home() / "dotfiles" / "kube.yaml";
  util::atomic_write(real, samples::k_users_own);
  fs::create_directories(m_file.parent_path());
  fs::create_symlink("../dotfiles/kube.yaml", m_file);
  m_kubeconfig.merge("colima", samples::k_k3s, k_api_server, true);
  EXPECT_TRUE(fs::is_symlink(m_file));
  EXPECT_EQ(contexts(), (std::vector<std::string>{"colima", "default", "work"}));
  EXPECT_EQ(current(), "colima");
  EXPECT_EQ(kubectl({"current-context"}, real).out, "colima\n") << "the target was updated";
}

TEST_F(KubeconfigWithKubectl, ACorruptFileIsRefusedAndKubectlSeesItAsBefore) {
  const std::string corrupt = "apiVersion: v1\nclusters: [unclosed\n";
  util::atomic_write(m_file, corrupt, fs::perms(0644));
  process::Result before = kubectl({"view", "-o", "json", "--raw"});
  EXPECT_FALSE(before.ok()) << "kubectl refuses it too";
  EXPECT_THROW(m_kubeconfig.check(), Error);
  EXPECT_THROW(m_kubeconfig.merge("colima", samples::k_k3s, k_api_server, true), Error);
  EXPECT_THROW(m_kubeconfig.remove("colima"), Error);
  process::Result after = kubectl({"view", "-o", "json", "--raw"});
  EXPECT_EQ(after.exit_code, before.exit_code);
  EXPECT_EQ(after.err, before.err);
  EXPECT_EQ(util::read_file(m_file), corrupt);
}

TEST_F(KubeconfigWithKubectl, AnUnreadableFileIsLeftAsKubectlSawIt) {
  util::atomic_write(m_file, samples::k_users_own);
  fs::permissions(m_file, fs::perms::none);
  process::Result before = kubectl({"view", "-o", "json", "--raw"});
  if (::geteuid() != 0) {
    EXPECT_FALSE(before.ok()) << "kubectl cannot read it either";
    EXPECT_THROW(m_kubeconfig.merge("colima", samples::k_k3s, k_api_server, true), Error);
  } // As root the file is readable; kubeconfig_test.cpp asserts the refusal as `nobody`.
  process::Result after = kubectl({"view", "-o", "json", "--raw"});
  EXPECT_EQ(after.exit_code, before.exit_code);
  EXPECT_EQ(after.out, before.out);
  EXPECT_EQ(fs::status(m_file).permissions() & fs::perms::all, fs::perms::none);
  fs::permissions(m_file, fs::perms(0600));
  EXPECT_EQ(util::read_file(m_file), samples::k_users_own);
}

TEST_F(KubeconfigWithKubectl, ADirectoryIsAUsageErrorAndStaysEmpty) {
  fs::create_directories(m_file);
  process::Result before = kubectl({"get-contexts", "-o", "name"});
  EXPECT_THROW(m_kubeconfig.check(), UsageError);
  EXPECT_THROW(m_kubeconfig.merge("colima", samples::k_k3s, k_api_server, true), UsageError);
  process::Result after = kubectl({"get-contexts", "-o", "name"});
  EXPECT_EQ(after.exit_code, before.exit_code);
  EXPECT_EQ(after.out, before.out);
  EXPECT_TRUE(fs::is_empty(m_file));
}

TEST_F(KubeconfigWithKubectl, ActivatingThenRemovingGivesKubectlBackTheSameConfig) {
  util::atomic_write(m_file, samples::k_users_own);
  json before = view();
  EXPECT_EQ(current(), "work");
  m_kubeconfig.merge("colima", samples::k_k3s, k_api_server, true);
  EXPECT_EQ(current(), "colima");
  m_kubeconfig.remove("colima");
  EXPECT_EQ(current(), "work");
  EXPECT_EQ(view(), before);
}

TEST_F(KubeconfigWithKubectl, RemovingOneProfileLeavesKubectlEveryOtherContext) {
  util::atomic_write(m_file, samples::k_users_own);
  m_kubeconfig.merge("colima", samples::k_k3s, k_api_server, true);
  m_kubeconfig.merge("colima-work", samples::k_token_guest, "https://127.0.0.1:7443", false);
  m_kubeconfig.remove("colima");
  EXPECT_EQ(contexts(), (std::vector<std::string>{"colima-work", "default", "work"}));
  EXPECT_EQ(current(), "work");
  json config = view();
  EXPECT_EQ(named(config["clusters"], "colima-work")["cluster"]["server"],
            "https://127.0.0.1:7443");
  EXPECT_EQ(named(config["users"], "colima-work")["user"]["token"], "abc.def");
}

} // namespace colima::host
