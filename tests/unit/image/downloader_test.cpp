// The downloader against a real HTTP server on loopback (busybox httpd) and the real curl.
#include "colima/image/downloader.hpp"
#include "colima/process/posix_runner.hpp"
#include "colima/util/error.hpp"
#include "colima/util/fs.hpp"
#include "loopback.hpp"
#include "temp_dir.hpp"

#include <csignal>
#include <gtest/gtest.h>
#include <random>
#include <sys/wait.h>
#include <unistd.h>

namespace colima::image {

namespace fs = std::filesystem;

namespace {

class QuietProgress : public util::Progress {
public:
  void stage(std::string_view text) override { stages.emplace_back(text); }
  void info(std::string_view) override {}
  std::vector<std::string> stages;
};

// A mirror: busybox httpd serving <dir>/www on a free loopback port for the test's lifetime,
// with one image, trixie-x86_64-docker, whose disk is 3 MiB of random bytes.
class Mirror : public ::testing::Test {
protected:
  void SetUp() override {
    fs::path image = www() / m_spec.key();
    fs::create_directories(image);
    std::mt19937 random(42);
    m_disk.resize(3 * 1024 * 1024);
    for (auto& c : m_disk) {
      c = static_cast<char>(random());
    }
    util::atomic_write(image / "disk.qcow2", m_disk, fs::perms(0644));
    process::Result sum =
        m_runner.run(process::Command{.argv = {"sha256sum", (image / "disk.qcow2").string()}});
    ASSERT_TRUE(sum.ok()) << sum.err;
    m_manifest.spec = m_spec;
    m_manifest.sha256 = sum.out.substr(0, 64);
    m_manifest.size = m_disk.size();
    m_manifest.recipe = "elsewhere";
    write_manifest(m_manifest);
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
  void TearDown() override {
    if (m_server > 0) {
      ::kill(m_server, SIGTERM);
      ::waitpid(m_server, nullptr, 0);
    }
  }

  fs::path www() const { return m_dir.path() / "www"; }
  fs::path cache() const { return m_dir.path() / "cache" / "images"; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(m_port) + "/"; }
  void write_manifest(const Manifest& manifest) {
    util::atomic_write(www() / m_spec.key() / "manifest.json", manifest.to_json().dump(),
                       fs::perms(0644));
  }

  test::TempDir m_dir;
  ImageSpec m_spec{"trixie", "x86_64", "docker"};
  std::string m_disk;
  Manifest m_manifest;
  int m_port = 0;
  pid_t m_server = -1;
  process::PosixRunner m_runner;
  QuietProgress m_progress;
};

} // namespace

TEST_F(Mirror, AnImageIsDownloadedCheckedAndInstalledWithItsSource) {
  Store store(cache());
  Downloader downloader(m_runner, store, m_progress);
  CachedImage image = downloader.download(m_spec, url());
  EXPECT_EQ(util::read_file(image.disk()), m_disk);
  auto found = store.find_downloaded(m_spec);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->manifest.source, url() + m_spec.key() + "/disk.qcow2");
  EXPECT_EQ(found->manifest.sha256, m_manifest.sha256);
  EXPECT_FALSE(store.find(m_spec, recipe_id("docker"))) << "another recipe's build is not ours";
  EXPECT_FALSE(fs::exists(cache() / ".downloads" / m_spec.key()));
  EXPECT_NE(std::find(m_progress.stages.begin(), m_progress.stages.end(),
                      "downloading trixie-x86_64-docker: 100% of 3 MiB"),
            m_progress.stages.end());
}

TEST_F(Mirror, AnInterruptedDownloadResumesWhereItStopped) {
  fs::path part = cache() / ".downloads" / m_spec.key() / "disk.qcow2";
  util::atomic_write(part, m_disk.substr(0, 1024 * 1024));
  Store store(cache());
  Downloader downloader(m_runner, store, m_progress);
  CachedImage image = downloader.download(m_spec, url());
  EXPECT_EQ(util::read_file(image.disk()), m_disk);
  EXPECT_EQ(m_progress.stages.front(),
            "resuming the download of '" + url() + m_spec.key() + "/disk.qcow2' at 1 MiB");
}

TEST_F(Mirror, ADiskThatFailsTheChecksumIsDeletedAndNothingIsInstalled) {
  // The kept part is not the start of the served disk: resuming appends the rest to it, so
  // the result cannot match, which proves both the resume and the check.
  fs::path part = cache() / ".downloads" / m_spec.key() / "disk.qcow2";
  util::atomic_write(part, std::string(1024 * 1024, 'x'));
  Store store(cache());
  Downloader downloader(m_runner, store, m_progress);
  try {
    downloader.download(m_spec, url());
    FAIL() << "a corrupt download was installed";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("its manifest says " + m_manifest.sha256),
              std::string::npos)
        << error.what();
  }
  EXPECT_FALSE(store.find_downloaded(m_spec));
  EXPECT_FALSE(fs::exists(part));
  EXPECT_EQ(util::read_file(downloader.download(m_spec, url()).disk()), m_disk)
      << "the next try starts afresh";
}

TEST_F(Mirror, AMissingImageOrAManifestOfAnotherImageIsAClearError) {
  Store store(cache());
  Downloader downloader(m_runner, store, m_progress);
  ImageSpec other{"trixie", "aarch64", "docker"};
  try {
    downloader.download(other, url());
    FAIL() << "no error";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what())
                  .find("cannot download the image manifest '" + url() +
                        "trixie-aarch64-docker/manifest.json'"),
              std::string::npos)
        << error.what();
  }
  Manifest wrong = m_manifest;
  wrong.spec.arch = "aarch64";
  write_manifest(wrong);
  EXPECT_THROW(downloader.download(m_spec, url()), Error);
  EXPECT_FALSE(store.find_downloaded(m_spec));
}

} // namespace colima::image
