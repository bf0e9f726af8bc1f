// Whether a profile's cluster runs for status, list and version is whether its API server says
// it is ready on the forwarded port (a slow answer still counts); for `kubernetes stop`, whether
// its services run in the guest, so that a hung API server can be stopped.
#include "colima/app/kubernetes.hpp"
#include "colima/util/fs.hpp"
#include "fake_runner.hpp"
#include "progress.hpp"
#include "temp_dir.hpp"

#include <gtest/gtest.h>

namespace colima::app {

namespace {

using namespace std::chrono_literals;

class KubernetesProbe : public ::testing::Test {
protected:
  void SetUp() override {
    m_paths = config::Paths(m_home.path(), m_home.path() / ".config" / "colima");
    util::atomic_write(m_paths.profile_dir(m_profile) / "kubernetes.json",
                       R"({"distribution": "kubernetes", "version": "v1.35.4", "port": 16443})");
  }

  KubernetesLayer layer() {
    return KubernetesLayer(m_runner, util::Environment(std::map<std::string, std::string>{}),
                           m_paths, m_progress);
  }

  test::TempDir m_home;
  config::Paths m_paths{"/", "/"};
  config::Profile m_profile = config::Profile::from_name("k8s");
  test::FakeRunner m_runner;
  test::QuietProgress m_progress;
};

} // namespace

TEST_F(KubernetesProbe, TheClusterRunsWhenItsApiServerSaysReadyWithinTenSeconds) {
  m_runner.on({"curl"}, process::Result{0, "ok", ""});
  EXPECT_TRUE(layer().answers(m_profile));
  ASSERT_EQ(m_runner.commands().size(), 1U);
  const process::Command& asked = m_runner.commands().front();
  EXPECT_EQ(asked.argv, (std::vector<std::string>{"curl", "-sk", "--max-time", "10",
                                                  "https://127.0.0.1:16443/readyz"}));
  ASSERT_TRUE(asked.timeout);
  EXPECT_GT(*asked.timeout, 10s) << "curl's own limit comes first";
}

TEST_F(KubernetesProbe, AnApiServerThatIsNotReadyOrDoesNotAnswerIsNotRunning) {
  m_runner.on({"curl"},
              process::Result{0, "[-]etcd failed: reason withheld\nreadyz check failed", ""});
  EXPECT_FALSE(layer().answers(m_profile));
  m_runner.on({"curl"}, process::Result{28, "", ""}); // curl's time limit
  EXPECT_FALSE(layer().answers(m_profile));
  m_runner.on({"curl"}, process::Result{7, "", ""}); // refused
  EXPECT_FALSE(layer().answers(m_profile));
}

TEST_F(KubernetesProbe, TheServerVersionIsTheApiServersGitVersion) {
  m_runner.on({"curl"}, process::Result{0, R"({"major": "1", "gitVersion": "v1.35.4"})", ""});
  EXPECT_EQ(layer().server_version(m_profile), "v1.35.4");
  EXPECT_EQ(m_runner.commands().back().argv.back(), "https://127.0.0.1:16443/version");
  m_runner.on({"curl"}, process::Result{28, "", ""});
  EXPECT_EQ(layer().server_version(m_profile), std::nullopt);
}

TEST_F(KubernetesProbe, AProfileWithoutAClusterIsNotAsked) {
  config::Profile other = config::Profile::from_name("other");
  EXPECT_FALSE(layer().answers(other));
  EXPECT_EQ(layer().server_version(other), std::nullopt);
  EXPECT_TRUE(m_runner.commands().empty());
}

TEST_F(KubernetesProbe, WhetherTheClusterRunsInTheGuestIsAskedOfItsServicesByTheGuestScript) {
  m_runner.on({"limactl", "shell"}, process::Result{0, "", ""});
  EXPECT_TRUE(layer().runs_in_guest(m_profile));
  ASSERT_EQ(m_runner.commands().size(), 1U);
  const process::Command& asked = m_runner.commands().front();
  EXPECT_EQ(asked.argv,
            (std::vector<std::string>{"limactl", "shell", "--workdir", "/", "colima-k8s", "sudo",
                                      "sh", "-s", "--", "running", "kubernetes"}));
  EXPECT_NE(asked.stdin_data.find("action_running()"), std::string::npos)
      << "the guest script travels on stdin";
  m_runner.on({"limactl", "shell"}, process::Result{3, "", ""}); // no service active
  EXPECT_FALSE(layer().runs_in_guest(m_profile));
  EXPECT_FALSE(layer().runs_in_guest(config::Profile::from_name("other")));
  EXPECT_EQ(m_runner.commands().size(), 2U) << "a profile without a cluster is not asked";
}

} // namespace colima::app
