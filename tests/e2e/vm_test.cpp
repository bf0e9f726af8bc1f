#include "vm_test.hpp"

#include "colima/image/store.hpp"

#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <fmt/format.h>
#include <memory>
#include <mutex>
#include <sys/wait.h>
#include <unistd.h>

namespace colima::e2e {

namespace fs = std::filesystem;

namespace {

std::unique_ptr<VmSession>& session() {
  static std::unique_ptr<VmSession> instance;
  return instance;
}

std::string& unavailable() {
  static std::string reason = VmSession::unavailable_reason();
  return reason;
}

// The guest images the later suites need but the first does not (containerd, aarch64), built
// in the background while the first suites run, when the cache lacks them. A suite that gets
// there first waits on the image's build lock and takes the result.
class Prebuild {
public:
  void start() {
    // COLIMA_E2E_PREBUILD=0: a developer running one suite builds only what it needs.
    const char* prebuild = std::getenv("COLIMA_E2E_PREBUILD");
    if (!unavailable().empty() || (prebuild != nullptr && std::string(prebuild) == "0")) {
      return;
    }
    image::Store store(VmSession::cache() / "images");
    // One after another (three mmdebstraps at once beside a booting VM failed in apt's hooks on
    // a 2-core host), each tried twice; the aarch64 suite, which needs the longest, runs last.
    std::string script;
    for (const auto& [arch, runtime] : std::vector<std::pair<std::string, std::string>>{
             {"x86_64", "containerd"}, {"x86_64", "incus"}, {"aarch64", "docker"}}) {
      if (!store.find(image::ImageSpec{"trixie", arch, runtime}, image::recipe_id(runtime))) {
        script += fmt::format("\"$0\" image build --arch {0} --runtime {1} || \"$0\" image build "
                              "--arch {0} --runtime {1}; ",
                              arch, runtime);
      }
    }
    if (script.empty()) {
      return;
    }
    fs::path log = VmSession::cache() / "prebuild.log";
    std::fprintf(stderr, "e2e: building guest images in the background (log: %s)\n", log.c_str());
    if (!session()) {
      session() = std::make_unique<VmSession>();
    }
    std::string home = session()->home().string();
    m_child = ::fork();
    if (m_child == 0) {
      ::setpgid(0, 0);
      ::setenv("HOME", home.c_str(), 1);
      for (const char* name : {"COLIMA_HOME", "COLIMA_PROFILE", "XDG_CONFIG_HOME", "LIMA_HOME"}) {
        ::unsetenv(name);
      }
      ::setenv("COLIMA_CACHE_HOME", VmSession::cache().c_str(), 1);
      std::string command = script + "exit 0";
      int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd >= 0) {
        ::dup2(fd, STDOUT_FILENO);
        ::dup2(fd, STDERR_FILENO);
        ::close(fd);
      }
      ::execl("/bin/sh", "sh", "-c", command.c_str(), COLIMA_BINARY_PATH, nullptr);
      ::_exit(127);
    }
  }
  // Stops a build that is still running when every suite is done.
  void stop() {
    if (m_child > 0) {
      ::kill(-m_child, SIGTERM);
      int status = 0;
      ::waitpid(m_child, &status, 0);
      m_child = -1;
    }
  }

private:
  pid_t m_child = -1;
};

// Starts the background image builds; deletes the VM and the HOME once every suite has run.
class SessionEnvironment : public ::testing::Environment {
public:
  void SetUp() override { m_prebuild.start(); }
  void TearDown() override {
    m_prebuild.stop();
    session().reset();
  }

private:
  Prebuild m_prebuild;
};

const auto* const k_environment = ::testing::AddGlobalTestEnvironment(new SessionEnvironment);

} // namespace

void VmTest::SetUp() {
  if (!unavailable().empty()) {
    if (all_tiers_required()) {
      FAIL() << "the real-VM tier cannot run: " << unavailable();
    }
    GTEST_SKIP() << unavailable();
  }
}

VmSession& VmTest::vm() {
  // A test's helper thread may be the first to ask (Faults' killer, when that suite runs alone).
  static std::mutex creating;
  std::lock_guard<std::mutex> lock(creating);
  if (!session()) {
    session() = std::make_unique<VmSession>();
  }
  return *session();
}

nlohmann::json VmTest::status_json() {
  process::Result r = vm().colima({"status", "--json"});
  return nlohmann::json::parse(r.out);
}

process::Result VmTest::import_busybox(const std::string& busybox, const std::string& image,
                                       const std::string& platform) {
  fs::path root = vm().home() / ("rootfs-" + fs::path(image).filename().string());
  fs::path tar = root.string() + ".tar";
  fs::create_directories(root / "bin");
  fs::copy_file(busybox, root / "bin" / "busybox", fs::copy_options::overwrite_existing);
  fs::permissions(root / "bin" / "busybox", fs::perms(0755));
  if (!fs::is_symlink(root / "bin" / "sh")) {
    fs::create_symlink("busybox", root / "bin" / "sh");
  }
  process::Result r = vm().run({"tar", "-C", root.string(), "-cf", tar.string(), "."});
  if (!r.ok()) {
    return r;
  }
  std::vector<std::string> argv = {"docker", "import"};
  if (!platform.empty()) {
    argv.insert(argv.end(), {"--platform", platform});
  }
  argv.insert(argv.end(), {tar.string(), image});
  return vm().run(argv);
}

} // namespace colima::e2e
