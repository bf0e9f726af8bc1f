#include "colima/image/builder.hpp"
#include "colima/image/store.hpp"
#include "colima/util/error.hpp"
#include "colima/util/fs.hpp"
#include "fake_runner.hpp"
#include "temp_dir.hpp"

#include <gtest/gtest.h>

namespace colima::image {

namespace fs = std::filesystem;

namespace {

// Answers the build script's run the way the real script does: phases on stdout and the
// output files in the --output directory.
process::Result fake_build(const process::Command& command) {
  fs::path output;
  for (std::size_t i = 0; i + 1 < command.argv.size(); ++i) {
    if (command.argv[i] == "--output") {
      output = command.argv[i + 1];
    }
  }
  util::atomic_write(output / "disk.qcow2", "disk");
  util::atomic_write(output / "packages.tsv", "docker.io\t26.1.5\ncloud-init\t25.1\n");
  util::atomic_write(output / "kernel-version", "6.12.0-cloud-amd64\n");
  util::atomic_write(output / "vmlinuz", "kernel");
  return process::Result{0, "phase: bootstrap\nphase: disk\nphase: done\n", ""};
}

class RecordingProgress : public util::Progress {
public:
  void stage(std::string_view text) override { stages.emplace_back(text); }
  std::vector<std::string> stages;
};

} // namespace

TEST(DebianMirror, ComesFromTheVariableThenDeb822ThenTheOneLineList) {
  test::TempDir dir;
  util::atomic_write(dir.path() / "sources.list",
                     "# comment\ndeb [arch=amd64] http://mirror.example/debian bookworm main\n");
  util::Environment empty;
  EXPECT_EQ(debian_mirror(empty, dir.path()), "http://mirror.example/debian");
  util::atomic_write(dir.path() / "sources.list.d" / "debian.sources",
                     "Types: deb\nURIs: http://deb822.example/debian\nSuites: bookworm\n");
  EXPECT_EQ(debian_mirror(empty, dir.path()), "http://deb822.example/debian");
  util::Environment set(std::map<std::string, std::string>{{"COLIMA_DEBIAN_MIRROR", "file:///m"}});
  EXPECT_EQ(debian_mirror(set, dir.path()), "file:///m");
}

TEST(DebianMirror, NoSourcesIsAnErrorNamingTheVariable) {
  test::TempDir dir;
  try {
    debian_mirror(util::Environment(), dir.path());
    FAIL();
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("COLIMA_DEBIAN_MIRROR"), std::string::npos);
  }
}

TEST(ImageBuilder, RunsTheShippedScriptWithValuesAsArgumentsAndInstallsAManifest) {
  test::TempDir dir;
  test::FakeRunner runner;
  runner.on({"bash"}, fake_build);
  runner.on({"sha256sum"}, process::Result{0, "abc123  /x/disk.qcow2\n", ""});
  Store store(dir.path() / "images");
  RecordingProgress progress;
  Builder builder(runner, store, progress);
  ImageSpec spec{"trixie", "x86_64", "docker"};
  CachedImage image = builder.build(spec, "http://mirror.example/debian");

  ASSERT_EQ(runner.argvs().size(), 2u);
  std::vector<std::string> argv = runner.argvs()[0];
  ASSERT_EQ(argv.size(), 12u);
  EXPECT_EQ(argv[0], "bash");
  EXPECT_TRUE(argv[1].ends_with("/build-image.sh"));
  EXPECT_EQ(std::vector<std::string>(argv.begin() + 2, argv.begin() + 10),
            (std::vector<std::string>{"--arch", "x86_64", "--runtime", "docker", "--suite",
                                      "trixie", "--mirror", "http://mirror.example/debian"}));
  EXPECT_EQ(progress.stages,
            (std::vector<std::string>{"building guest image trixie-x86_64-docker: bootstrap",
                                      "building guest image trixie-x86_64-docker: disk"}));
  EXPECT_EQ(image.dir, dir.path() / "images" / "trixie-x86_64-docker");
  EXPECT_EQ(image.manifest.sha256, "abc123");
  EXPECT_EQ(image.manifest.packages.at("docker.io"), "26.1.5");
  EXPECT_EQ(image.manifest.kernel_version, "6.12.0-cloud-amd64");
  EXPECT_FALSE(fs::exists(image.dir / "build-image.sh"));
  auto found = store.find(spec, recipe_id());
  ASSERT_TRUE(found);
  EXPECT_EQ(found->manifest.sha256, "abc123");
  EXPECT_FALSE(store.find(spec, "another-recipe"));
  EXPECT_EQ(store.list().size(), 1u);
}

TEST(ImageBuilder, AFailedBuildNamesThePhaseAndLeavesNothingInTheCache) {
  test::TempDir dir;
  test::FakeRunner runner;
  runner.on({"bash"}, process::Result{1, "phase: bootstrap\n",
                                      "I: fine\nE: cannot download packages\nE: later\n"});
  Store store(dir.path() / "images");
  util::Progress progress;
  Builder builder(runner, store, progress);
  try {
    builder.build(ImageSpec{"trixie", "aarch64", "none"}, "http://m");
    FAIL();
  } catch (const Error& error) {
    fs::path log = dir.path() / "images" / "trixie-aarch64-none.build.log";
    EXPECT_EQ(std::string(error.what()), "building the guest image trixie-aarch64-none failed at "
                                         "'bootstrap': E: cannot download packages; see '" +
                                             log.string() + "'");
    EXPECT_NE(util::read_file(log).value_or("").find("E: later"), std::string::npos);
  }
  EXPECT_FALSE(store.find(ImageSpec{"trixie", "aarch64", "none"}, recipe_id()));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path() / "images"), fs::directory_iterator()),
            1);
}

TEST(ImageStore, AnIncompleteImageIsNotFound) {
  test::TempDir dir;
  Store store(dir.path());
  util::atomic_write(dir.path() / "trixie-x86_64-docker" / "manifest.json", "{not json");
  EXPECT_FALSE(store.find(ImageSpec{"trixie", "x86_64", "docker"}, recipe_id()));
  EXPECT_TRUE(store.list().empty());
}

} // namespace colima::image
