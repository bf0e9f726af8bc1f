// K3sSource through the fake runner: the exact commands, and what it refuses before any.
#include "colima/kubernetes/k3s_source.hpp"
#include "colima/util/error.hpp"
#include "colima/util/fs.hpp"
#include "fake_runner.hpp"
#include "progress.hpp"
#include "temp_dir.hpp"

#include <gtest/gtest.h>

namespace colima::kubernetes {

namespace fs = std::filesystem;

namespace {

// A release served by the fake curl: each file by its name; sha256sum answers with a made-up
// sum for each known content.
class FakeRelease : public ::testing::Test {
protected:
  void SetUp() override {
    m_runner.on({"curl"}, [this](const process::Command& command) {
      const auto& argv = command.argv;
      std::string url = argv.back();
      auto file = m_files.find(url.substr(url.rfind('/') + 1));
      if (file == m_files.end()) {
        return process::Result{.exit_code = 22,
                               .err = "curl: (22) The requested URL returned error: 404\n"};
      }
      auto output = std::find(argv.begin(), argv.end(), "--output");
      util::atomic_write(*(output + 1), file->second);
      return process::Result{};
    });
    m_runner.on({"sha256sum"}, [this](const process::Command& command) {
      std::string content = util::read_file(*command.cwd / command.argv.back()).value_or("");
      return process::Result{.out = m_sums[content] + "  " + command.argv.back() + "\n"};
    });
  }

  // Publishes the files of one architecture with their sums.
  void publish(const std::string& binary, const std::string& images, const std::string& sums) {
    m_files[binary] = "binary";
    m_files[images] = "images";
    m_sums["binary"] = std::string(64, 'a');
    m_sums["images"] = std::string(64, 'b');
    m_files[sums] =
        m_sums["binary"] + "  " + binary + "\n" + m_sums["images"] + " *" + images + "\n";
  }
  std::vector<std::string> curl(const std::string& output, const std::string& url) const {
    return {"curl",          "--fail", "--location", "--silent", "--show-error", "--retry", "2",
            "--proto-redir", "=https", "--output",   output,     "--",           url};
  }
  K3sFiles fetch(const util::Environment& environment, const std::string& version,
                 const std::string& arch) {
    return K3sSource(m_runner, m_dir.path(), environment, m_progress).fetch(version, arch);
  }

  test::TempDir m_dir;
  test::FakeRunner m_runner;
  test::QuietProgress m_progress;
  std::map<std::string, std::string> m_files;
  std::map<std::string, std::string> m_sums;
};

} // namespace

TEST_F(FakeRelease, TheReleasePageIsTheDefaultAndTheVersionsPlusIsEncoded) {
  publish("k3s", "k3s-airgap-images-amd64.tar.gz", "sha256sum-amd64.txt");
  K3sFiles files = fetch(util::Environment(), "v1.35.0+k3s1", "x86_64");
  fs::path dir = m_dir.path() / "v1.35.0+k3s1-x86_64";
  EXPECT_EQ(files.binary, dir / "k3s");
  EXPECT_EQ(files.images, dir / "k3s-airgap-images-amd64.tar.gz");
  std::string base = "https://github.com/k3s-io/k3s/releases/download/v1.35.0%2Bk3s1/";
  EXPECT_EQ(m_runner.argvs(),
            (test::Argvs{
                curl((dir / "sha256sum-amd64.txt.part").string(), base + "sha256sum-amd64.txt"),
                curl((dir / "k3s.part").string(), base + "k3s"),
                {"sha256sum", "--", "k3s.part"},
                curl((dir / "k3s-airgap-images-amd64.tar.gz.part").string(),
                     base + "k3s-airgap-images-amd64.tar.gz"),
                {"sha256sum", "--", "k3s-airgap-images-amd64.tar.gz.part"},
            }));
}

TEST_F(FakeRelease, AnAarch64GuestGetsTheArm64FilesFromTheMirror) {
  publish("k3s-arm64", "k3s-airgap-images-arm64.tar.gz", "sha256sum-arm64.txt");
  util::Environment environment(
      std::map<std::string, std::string>{{"COLIMA_K3S_MIRROR", "https://mirror.invalid/k3s//"}});
  K3sFiles files = fetch(environment, "v1.34.2+k3s10", "aarch64");
  fs::path dir = m_dir.path() / "v1.34.2+k3s10-aarch64";
  EXPECT_EQ(files.binary, dir / "k3s-arm64");
  EXPECT_EQ(files.images, dir / "k3s-airgap-images-arm64.tar.gz");
  EXPECT_EQ(m_runner.argvs().at(1), curl((dir / "k3s-arm64.part").string(),
                                         "https://mirror.invalid/k3s/v1.34.2%2Bk3s10/k3s-arm64"));
}

TEST_F(FakeRelease, AVersionOfAnyOtherShapeIsRefusedBeforeAnythingRuns) {
  for (const std::string& version : std::vector<std::string>{
           "v1.35.0", "1.35.0+k3s1", "v1.35.0+k3s1; rm -rf /", "../v1.35.0+k3s1", "v1.35.0+k3s1\n",
           "v1.35.0+k3s1/../../x", "v1.35.0-rc1+k3s1", "", "v1.35.0+k3s"}) {
    EXPECT_THROW(fetch(util::Environment(), version, "x86_64"), UsageError) << version;
  }
  EXPECT_TRUE(m_runner.argvs().empty());
  EXPECT_TRUE(fs::is_empty(m_dir.path()));
}

TEST_F(FakeRelease, AnotherArchitectureIsRefused) {
  try {
    fetch(util::Environment(), "v1.35.0+k3s1", "riscv64");
    FAIL() << "riscv64 was accepted";
  } catch (const UsageError& error) {
    EXPECT_STREQ(error.what(),
                 "unsupported guest architecture 'riscv64' for k3s, expected x86_64 or aarch64");
  }
}

TEST_F(FakeRelease, LocalFilesAreUsedAsGivenWithoutAnyCommand) {
  util::atomic_write(m_dir.path() / "my-k3s", "binary");
  util::atomic_write(m_dir.path() / "images.tar.zst", "images");
  K3sFiles files = fetch(util::Environment(std::map<std::string, std::string>{
                             {"COLIMA_K3S_BINARY", (m_dir.path() / "my-k3s").string()},
                             {"COLIMA_K3S_IMAGES", (m_dir.path() / "images.tar.zst").string()},
                             {"COLIMA_K3S_MIRROR", "http://ignored.invalid"}}),
                         "v1.35.0+k3s1", "aarch64");
  EXPECT_EQ(files.binary, m_dir.path() / "my-k3s");
  EXPECT_EQ(files.images, m_dir.path() / "images.tar.zst");
  EXPECT_EQ(fetch(util::Environment(std::map<std::string, std::string>{
                      {"COLIMA_K3S_BINARY", (m_dir.path() / "my-k3s").string()}}),
                  "v1.35.0+k3s1", "x86_64")
                .images,
            fs::path())
      << "without COLIMA_K3S_IMAGES the guest pulls its images";
  EXPECT_TRUE(m_runner.argvs().empty());
}

TEST_F(FakeRelease, LocalFilesThatAreMissingOrNotFilesAreNamedWithTheirVariable) {
  std::string missing = (m_dir.path() / "nope").string();
  try {
    fetch(util::Environment(std::map<std::string, std::string>{{"COLIMA_K3S_BINARY", missing}}),
          "v1.35.0+k3s1", "x86_64");
    FAIL() << "a missing binary was accepted";
  } catch (const UsageError& error) {
    EXPECT_EQ(std::string(error.what()), "COLIMA_K3S_BINARY is '" + missing +
                                             "', which does not exist; name a file or "
                                             "unset it");
  }
  util::atomic_write(m_dir.path() / "k3s", "binary");
  util::Environment directory(
      std::map<std::string, std::string>{{"COLIMA_K3S_BINARY", (m_dir.path() / "k3s").string()},
                                         {"COLIMA_K3S_IMAGES", m_dir.path().string()}});
  try {
    fetch(directory, "v1.35.0+k3s1", "x86_64");
    FAIL() << "a directory was accepted as the images";
  } catch (const UsageError& error) {
    EXPECT_EQ(std::string(error.what()), "COLIMA_K3S_IMAGES is '" + m_dir.path().string() +
                                             "', which is not a regular file; name a file or "
                                             "unset it");
  }
  util::atomic_write(m_dir.path() / "images.zip", "images");
  EXPECT_THROW(fetch(util::Environment(std::map<std::string, std::string>{
                         {"COLIMA_K3S_BINARY", (m_dir.path() / "k3s").string()},
                         {"COLIMA_K3S_IMAGES", (m_dir.path() / "images.zip").string()}}),
                     "v1.35.0+k3s1", "x86_64"),
               UsageError);
  EXPECT_THROW(fetch(util::Environment(std::map<std::string, std::string>{
                         {"COLIMA_K3S_IMAGES", (m_dir.path() / "k3s").string()}}),
                     "v1.35.0+k3s1", "x86_64"),
               UsageError);
  EXPECT_TRUE(m_runner.argvs().empty());
}

TEST_F(FakeRelease, AMirrorOfAnotherSchemeOrAMissingDirectoryIsRefused) {
  for (const std::string& mirror :
       std::vector<std::string>{"ftp://mirror.invalid/k3s", "http://mirror.invalid/k3s",
                                "HTTP://mirror.invalid", (m_dir.path() / "absent").string()}) {
    EXPECT_THROW(
        fetch(util::Environment(std::map<std::string, std::string>{{"COLIMA_K3S_MIRROR", mirror}}),
              "v1.35.0+k3s1", "x86_64"),
        UsageError)
        << mirror;
  }
  EXPECT_TRUE(m_runner.argvs().empty());
}

TEST_F(FakeRelease, APlainHttpMirrorIsAcceptedOnlyWithTheInsecureVariableAndAllowsRedirects) {
  publish("k3s", "k3s-airgap-images-amd64.tar.gz", "sha256sum-amd64.txt");
  util::Environment environment(std::map<std::string, std::string>{
      {"COLIMA_K3S_MIRROR", "http://mirror.invalid"}, {"COLIMA_INSECURE_MIRROR", "1"}});
  fetch(environment, "v1.35.0+k3s1", "x86_64");
  EXPECT_EQ(
      m_runner.argvs().front(),
      (std::vector<std::string>{
          "curl", "--fail", "--location", "--silent", "--show-error", "--retry", "2", "--output",
          (m_dir.path() / "v1.35.0+k3s1-x86_64" / "sha256sum-amd64.txt.part").string(), "--",
          "http://mirror.invalid/v1.35.0%2Bk3s1/sha256sum-amd64.txt"}));
}

} // namespace colima::kubernetes
