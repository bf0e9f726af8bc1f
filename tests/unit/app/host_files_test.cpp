// Files colima trusts or shares: a cached guest image is checked against its manifest's sha256
// when a VM is made from it (rehashed only when the file changed since), and the SSH
// configuration is written by one colima at a time.
#include "colima/app/app.hpp"
#include "colima/config/settings_file.hpp"
#include "colima/image/store.hpp"
#include "colima/util/error.hpp"
#include "colima/util/file_lock.hpp"
#include "colima/util/fs.hpp"
#include "fake_runner.hpp"
#include "progress.hpp"
#include "temp_dir.hpp"

#include <chrono>
#include <gtest/gtest.h>
#include <thread>

namespace colima::app {

namespace fs = std::filesystem;

namespace {

const std::string k_sha(64, 'a');

class HostFiles : public ::testing::Test {
protected:
  void SetUp() override {
    m_paths = config::Paths(m_home.path(), m_home.path() / ".config" / "colima");
    m_runner.on({"limactl", "--version"}, process::Result{0, "limactl version 2.2.0\n", ""});
    m_runner.on({"limactl", "list", "--json"}, process::Result{0, "", ""});
    m_runner.on({"limactl", "start"}, process::Result{});
    config::Settings settings;
    settings.runtime = "none";
    config::save_settings(m_paths.settings_file(m_profile), settings);
    image::Manifest manifest;
    manifest.spec = image::ImageSpec{"trixie", config::host_arch(), "none"};
    manifest.recipe = image::recipe_id("none");
    manifest.sha256 = k_sha;
    m_image = m_paths.cache_dir() / "images" / manifest.spec.key();
    util::atomic_write(m_image / "manifest.json", manifest.to_json().dump());
    util::atomic_write(m_image / "disk.qcow2", "disk");
  }

  void start() {
    App app(m_runner, util::Environment(std::map<std::string, std::string>{}), m_paths, m_progress);
    app.start(m_profile, StartRequest{});
  }

  int runs_of(const std::string& program) const {
    int count = 0;
    for (const auto& argv : m_runner.argvs()) {
      count += argv.front() == program;
    }
    return count;
  }

  test::TempDir m_home;
  config::Paths m_paths{"/", "/"};
  config::Profile m_profile = config::Profile::from_name("files");
  fs::path m_image;
  test::FakeRunner m_runner;
  test::QuietProgress m_progress;
};

} // namespace

TEST_F(HostFiles, ACachedImageThatNoLongerMatchesItsManifestIsRefused) {
  std::string other(64, 'b');
  m_runner.on({"sha256sum"},
              process::Result{0, other + "  " + (m_image / "disk.qcow2").string(), ""});
  try {
    start();
    ADD_FAILURE() << "a damaged image was booted";
  } catch (const Error& error) {
    EXPECT_EQ(std::string(error.what()),
              "the cached guest image '" + (m_image / "disk.qcow2").string() +
                  "' does not match its manifest (sha256 " + other + ", recorded " + k_sha +
                  "): it was damaged or changed; 'colima prune' empties the cache and the next "
                  "start makes the image again");
  }
  EXPECT_EQ(runs_of("sha256sum"), 1);
  for (const auto& argv : m_runner.argvs()) {
    EXPECT_FALSE(argv.size() > 1 && argv[1] == "start") << "limactl start ran";
  }
}

TEST_F(HostFiles, ACachedImageIsHashedOnlyWhenItChangedSinceItsLastCheck) {
  m_runner.on({"sha256sum"}, process::Result{0, k_sha + "  disk.qcow2\n", ""});
  start();
  EXPECT_EQ(runs_of("sha256sum"), 1);
  start();
  EXPECT_EQ(runs_of("sha256sum"), 1) << "unchanged since its check: not hashed again";
  util::atomic_write(m_image / "disk.qcow2", "disk, changed");
  start();
  EXPECT_EQ(runs_of("sha256sum"), 2) << "changed: hashed again";
}

TEST_F(HostFiles, TheSshConfigIsWrittenByOneColimaAtATime) {
  m_runner.on({"sha256sum"}, process::Result{0, k_sha + "  disk.qcow2\n", ""});
  fs::path lock_file = m_paths.colima_home() / "_locks" / "ssh_config.lock";
  std::optional<util::FileLock> held = util::FileLock::try_lock(lock_file, "another colima");
  ASSERT_TRUE(held);
  std::thread other([this] { start(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  EXPECT_FALSE(fs::exists(m_home.path() / ".ssh" / "config"))
      << "written while another colima held the lock";
  held.reset();
  other.join();
  EXPECT_TRUE(util::read_file(m_home.path() / ".ssh" / "config")
                  .value_or("")
                  .starts_with("Include " + (m_paths.colima_home() / "ssh_config").string()));
}

} // namespace colima::app
