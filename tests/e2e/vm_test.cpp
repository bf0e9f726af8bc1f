#include "vm_test.hpp"

#include <memory>

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

// Deletes the VM and the HOME once every suite has run.
class SessionEnvironment : public ::testing::Environment {
public:
  void TearDown() override { session().reset(); }
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
