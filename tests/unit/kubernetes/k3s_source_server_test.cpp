// K3sSource against a real HTTP server on loopback (busybox httpd), the real curl and the real
// sha256sum. Skips when a tool is missing unless COLIMA_REQUIRE_ALL_TIERS=1.
#include "colima/kubernetes/k3s_source.hpp"
#include "colima/process/posix_runner.hpp"
#include "colima/util/error.hpp"
#include "colima/util/fs.hpp"
#include "loopback.hpp"
#include "progress.hpp"
#include "temp_dir.hpp"

#include <csignal>
#include <cstdlib>
#include <gtest/gtest.h>
#include <mutex>
#include <random>
#include <sys/wait.h>
#include <unistd.h>

namespace colima::kubernetes {

namespace fs = std::filesystem;

namespace {

const std::string k_version = "v1.35.0+k3s1";

// The real runner, remembering every argv it ran.
class RecordingRunner : public process::Runner {
public:
  process::Result run(const process::Command& command) override {
    record(command);
    return m_runner.run(command);
  }
  int run_interactive(const process::Command& command) override {
    record(command);
    return m_runner.run_interactive(command);
  }
  // The programs run so far (argv[0] of each command).
  std::vector<std::string> programs() {
    std::lock_guard lock(m_mutex);
    return m_programs;
  }

private:
  void record(const process::Command& command) {
    std::lock_guard lock(m_mutex);
    m_programs.push_back(command.argv.front());
  }
  process::PosixRunner m_runner;
  std::mutex m_mutex;
  std::vector<std::string> m_programs;
};

// A fake k3s release page served by busybox httpd: <www>/v1.35.0+k3s1/ holds a small "k3s",
// an air-gap archive of random bytes and a sums file with their real sha256 among lines for
// other files.
class K3sRelease : public ::testing::Test {
protected:
  void SetUp() override {
    for (const char* tool : {"busybox", "curl", "sha256sum"}) {
      process::Result probe = m_probe.run(process::Command{.argv = {tool, "--help"}});
      if (probe.exit_code == 127) {
        const char* required = std::getenv("COLIMA_REQUIRE_ALL_TIERS");
        if (required != nullptr && std::string(required) == "1") {
          FAIL() << "'" << tool << "' is missing, and COLIMA_REQUIRE_ALL_TIERS=1";
        }
        GTEST_SKIP() << "'" << tool << "' is not installed";
      }
    }
    m_binary = "#!/bin/sh\necho 'k3s version " + k_version + " (fake)'\n";
    std::mt19937 random(7);
    m_images.resize(256 * 1024);
    for (auto& c : m_images) {
      c = static_cast<char>(random());
    }
    publish("k3s", m_binary);
    publish("k3s-airgap-images-amd64.tar.gz", m_images);
    write_sums();
    start_server();
  }
  void TearDown() override { stop_server(); }

  void publish(const std::string& file, const std::string& content) {
    util::atomic_write(release() / file, content, fs::perms(0644));
  }
  std::string sha256(const std::string& file) {
    process::Result sum =
        m_probe.run(process::Command{.argv = {"sha256sum", "--", file}, .cwd = release()});
    EXPECT_TRUE(sum.ok()) << sum.err;
    return sum.out.substr(0, 64);
  }
  // The sums file as k3s publishes it, with a line for each of our files and for others.
  void write_sums(bool with_images = true) {
    std::string sums = std::string(64, 'e') + "  k3s-airgap-images-amd64.tar\n" + sha256("k3s") +
                       "  k3s\n" + std::string(64, 'f') + "  k3s-images.txt\n";
    if (with_images) {
      sums += sha256("k3s-airgap-images-amd64.tar.gz") + "  k3s-airgap-images-amd64.tar.gz\n";
    }
    publish("sha256sum-amd64.txt", sums);
  }
  void start_server() {
    m_port = test::free_port();
    m_server = ::fork();
    if (m_server == 0) {
      std::string port = "127.0.0.1:" + std::to_string(m_port);
      ::execlp("busybox", "busybox", "httpd", "-f", "-p", port.c_str(), "-h", www().c_str(),
               static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ASSERT_TRUE(test::wait_until_accepting(m_port)) << "busybox httpd did not start";
  }
  void stop_server() {
    if (m_server > 0) {
      ::kill(m_server, SIGTERM);
      ::waitpid(m_server, nullptr, 0);
      m_server = -1;
    }
  }

  fs::path www() const { return m_dir.path() / "www"; }
  fs::path release() const { return www() / k_version; }
  fs::path cache() const { return m_dir.path() / "cache" / "k3s"; }
  fs::path cached() const { return cache() / (k_version + "-x86_64"); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(m_port); }
  // An environment naming the local server as mirror, as the tests must for plain http.
  util::Environment mirror(const std::string& base) const {
    return util::Environment(std::map<std::string, std::string>{{"COLIMA_K3S_MIRROR", base},
                                                                {"COLIMA_INSECURE_MIRROR", "1"}});
  }
  K3sFiles fetch(const util::Environment& environment) {
    return K3sSource(m_runner, cache(), environment, m_progress).fetch(k_version, "x86_64");
  }
  // The message of the colima::Error that fetching throws.
  std::string failure(const util::Environment& environment) {
    try {
      fetch(environment);
    } catch (const Error& error) {
      return error.what();
    }
    ADD_FAILURE() << "the fetch did not fail";
    return "";
  }

  test::TempDir m_dir;
  std::string m_binary;
  std::string m_images;
  int m_port = 0;
  pid_t m_server = -1;
  process::PosixRunner m_probe;
  RecordingRunner m_runner;
  test::QuietProgress m_progress;
};

} // namespace

TEST_F(K3sRelease, TheReleaseIsDownloadedCheckedAndCachedUnderItsVersionAndArchitecture) {
  K3sFiles files = fetch(mirror(url() + "/"));
  EXPECT_EQ(files.binary, cached() / "k3s");
  EXPECT_EQ(files.images, cached() / "k3s-airgap-images-amd64.tar.gz");
  EXPECT_EQ(util::read_file(files.binary), m_binary);
  EXPECT_TRUE(util::read_file(files.images) == m_images) << "the air-gap archive differs";
  EXPECT_EQ(util::read_file(cached() / "sha256sum-amd64.txt"),
            util::read_file(release() / "sha256sum-amd64.txt"));
  std::vector<std::string> left;
  for (const auto& entry : fs::directory_iterator(cached())) {
    left.push_back(entry.path().filename().string());
  }
  std::sort(left.begin(), left.end());
  EXPECT_EQ(left, (std::vector<std::string>{"k3s", "k3s-airgap-images-amd64.tar.gz",
                                            "sha256sum-amd64.txt"}))
      << "no part file is left behind";
}

TEST_F(K3sRelease, ASecondFetchUsesTheCacheWithoutTheServer) {
  K3sFiles first = fetch(mirror(url()));
  stop_server();
  std::size_t before = m_runner.programs().size();
  K3sFiles second = fetch(mirror(url()));
  EXPECT_EQ(second.binary, first.binary);
  EXPECT_EQ(second.images, first.images);
  std::vector<std::string> programs = m_runner.programs();
  EXPECT_EQ(std::vector<std::string>(programs.begin() + static_cast<long>(before), programs.end()),
            (std::vector<std::string>{"sha256sum", "sha256sum"}))
      << "the cache is checked again, with no download";
}

TEST_F(K3sRelease, AFileThatFailsItsPublishedSumIsRefusedDeletedAndNothingIsCached) {
  std::string published = sha256("k3s-airgap-images-amd64.tar.gz");
  publish("k3s-airgap-images-amd64.tar.gz", "tampered");
  std::string actual = sha256("k3s-airgap-images-amd64.tar.gz");
  std::string message = failure(mirror(url()));
  EXPECT_NE(message.find("'k3s-airgap-images-amd64.tar.gz' from '" + url() +
                         "/v1.35.0%2Bk3s1/k3s-airgap-images-amd64.tar.gz' has sha256 " + actual +
                         ", but '" + url() + "/v1.35.0%2Bk3s1/sha256sum-amd64.txt' says " +
                         published + ": the file was deleted and nothing was cached"),
            std::string::npos)
      << message;
  EXPECT_FALSE(fs::exists(cached()));
}

TEST_F(K3sRelease, AMissingReleaseNamesEveryPlaceLookedAndTheOfflineCommand) {
  fs::remove_all(release());
  std::string message = failure(mirror(url()));
  EXPECT_NE(message.find("cannot get k3s v1.35.0+k3s1 for x86_64; colima looked at:\n  '" +
                         cached().string() + "': not cached\n  COLIMA_K3S_BINARY: not set\n  '" +
                         url() + "/v1.35.0%2Bk3s1/sha256sum-amd64.txt': curl: (22)"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("colima start --kubernetes --kubernetes-version v1.35.4"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("COLIMA_K3S_MIRROR"), std::string::npos) << message;
  EXPECT_FALSE(fs::exists(cached() / "sha256sum-amd64.txt"));
}

TEST_F(K3sRelease, AMissingAirGapArchiveIsNamedAndLeavesNoUsableCache) {
  fs::remove(release() / "k3s-airgap-images-amd64.tar.gz");
  std::string message = failure(mirror(url()));
  EXPECT_NE(message.find("'" + url() + "/v1.35.0%2Bk3s1/k3s-airgap-images-amd64.tar.gz': curl: "),
            std::string::npos)
      << message;
  EXPECT_FALSE(fs::exists(cached() / "sha256sum-amd64.txt"));
  EXPECT_FALSE(fs::exists(cached() / "k3s-airgap-images-amd64.tar.gz.part"));
}

TEST_F(K3sRelease, ASumsFileWithoutALineForTheArchiveIsAnError) {
  write_sums(/*with_images=*/false);
  std::string message = failure(mirror(url()));
  EXPECT_NE(message.find("the sums file '" + url() +
                         "/v1.35.0%2Bk3s1/sha256sum-amd64.txt' has no sha256 line for "
                         "'k3s-airgap-images-amd64.tar.gz'"),
            std::string::npos)
      << message;
  EXPECT_FALSE(fs::exists(cached() / "sha256sum-amd64.txt"));
}

TEST_F(K3sRelease, AFileUrlMirrorIsReadAndChecked) {
  stop_server();
  K3sFiles files = fetch(util::Environment(
      std::map<std::string, std::string>{{"COLIMA_K3S_MIRROR", "file://" + www().string()}}));
  EXPECT_EQ(util::read_file(files.binary), m_binary);
  EXPECT_TRUE(util::read_file(files.images) == m_images) << "the air-gap archive differs";
}

TEST_F(K3sRelease, ALocalDirectoryMirrorIsCopiedAndChecked) {
  stop_server();
  K3sFiles files = fetch(util::Environment(
      std::map<std::string, std::string>{{"COLIMA_K3S_MIRROR", www().string() + "/"}}));
  EXPECT_EQ(util::read_file(files.binary), m_binary);
  EXPECT_TRUE(util::read_file(files.images) == m_images) << "the air-gap archive differs";
  EXPECT_EQ(m_runner.programs(), (std::vector<std::string>{"sha256sum", "sha256sum"}))
      << "a directory needs no curl";

  publish("k3s", "tampered");
  fs::remove_all(cache());
  std::string message = failure(
      util::Environment(std::map<std::string, std::string>{{"COLIMA_K3S_MIRROR", www().string()}}));
  EXPECT_NE(message.find("'k3s' from '" + (release() / "k3s").string() + "' has sha256 "),
            std::string::npos)
      << message;
  EXPECT_FALSE(fs::exists(cached()));
}

TEST_F(K3sRelease, PlainHttpIsRefusedUnlessTheUserAcceptsIt) {
  try {
    fetch(util::Environment(std::map<std::string, std::string>{{"COLIMA_K3S_MIRROR", url()}}));
    FAIL() << "plain http was accepted";
  } catch (const UsageError& error) {
    EXPECT_NE(std::string(error.what()).find("set COLIMA_INSECURE_MIRROR=1"), std::string::npos)
        << error.what();
  }
  EXPECT_TRUE(m_runner.programs().empty());
  EXPECT_FALSE(fs::exists(cached()));
}

TEST_F(K3sRelease, ACorruptedCachedFileIsFetchedAgainOrRefusedWithoutTheServer) {
  K3sFiles files = fetch(mirror(url()));
  util::atomic_write(files.images, "bit rot", fs::perms(0644));
  EXPECT_TRUE(util::read_file(fetch(mirror(url())).images) == m_images)
      << "the air-gap archive differs";
  ASSERT_EQ(m_progress.warnings.size(), 1u);
  EXPECT_NE(m_progress.warnings.front().find("the cached '" + files.images.string() +
                                             "' no longer matches its sha256 sum"),
            std::string::npos)
      << m_progress.warnings.front();

  util::atomic_write(files.binary, "bit rot", fs::perms(0755));
  stop_server();
  std::string message = failure(mirror(url()));
  EXPECT_NE(message.find("cannot get k3s v1.35.0+k3s1"), std::string::npos) << message;
  EXPECT_FALSE(fs::exists(files.binary)) << "the damaged file is not kept";
}

TEST_F(K3sRelease, AFetchInterruptedAfterTheBinaryKeepsItForTheNextOne) {
  std::string images = m_images;
  fs::remove(release() / "k3s-airgap-images-amd64.tar.gz");
  failure(mirror(url()));
  EXPECT_TRUE(fs::exists(cached() / "k3s")) << "the checked binary stays";
  publish("k3s-airgap-images-amd64.tar.gz", images);
  std::size_t before = m_runner.programs().size();
  K3sFiles files = fetch(mirror(url()));
  EXPECT_TRUE(util::read_file(files.images) == m_images) << "the air-gap archive differs";
  std::vector<std::string> programs = m_runner.programs();
  EXPECT_EQ(std::vector<std::string>(programs.begin() + static_cast<long>(before), programs.end()),
            (std::vector<std::string>{"curl", "sha256sum", "curl", "sha256sum"}))
      << "the sums, the kept binary checked, the archive downloaded and checked";
}

} // namespace colima::kubernetes
