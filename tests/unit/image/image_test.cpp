#include "colima/image/builder.hpp"
#include "colima/image/store.hpp"
#include "colima/util/error.hpp"
#include "colima/util/file_lock.hpp"
#include "colima/util/fs.hpp"
#include "fake_runner.hpp"
#include "temp_dir.hpp"

#include <future>
#include <gtest/gtest.h>
#include <thread>

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
  Builder builder(runner, store, progress, util::Environment());
  ImageSpec spec{"trixie", "x86_64", "docker"};
  CachedImage image = builder.build(spec, "http://mirror.example/debian");

  ASSERT_EQ(runner.argvs().size(), 2u);
  std::vector<std::string> argv = runner.argvs()[0];
  ASSERT_EQ(argv.size(), 16u);
  EXPECT_EQ(argv[0], "bash");
  EXPECT_TRUE(argv[1].ends_with("/build-image.sh"));
  EXPECT_EQ(std::vector<std::string>(argv.begin() + 2, argv.begin() + 10),
            (std::vector<std::string>{"--arch", "x86_64", "--runtime", "docker", "--suite",
                                      "trixie", "--mirror", "http://mirror.example/debian"}));
  EXPECT_EQ(std::vector<std::string>(argv.begin() + 12, argv.begin() + 15),
            (std::vector<std::string>{"--init", "colima", "--guest-init"}))
      << "colima's own init, not cloud-init";
  EXPECT_TRUE(argv[15].ends_with("/guest-init.sh"));
  EXPECT_EQ(progress.stages,
            (std::vector<std::string>{"building guest image trixie-x86_64-docker: bootstrap",
                                      "building guest image trixie-x86_64-docker: disk"}));
  EXPECT_EQ(image.dir, dir.path() / "images" / "trixie-x86_64-docker");
  EXPECT_EQ(image.manifest.sha256, "abc123");
  EXPECT_EQ(image.manifest.packages.at("docker.io"), "26.1.5");
  EXPECT_EQ(image.manifest.kernel_version, "6.12.0-cloud-amd64");
  EXPECT_FALSE(fs::exists(image.dir / "build-image.sh"));
  EXPECT_FALSE(fs::exists(image.dir / "guest-init.sh"));
  auto found = store.find(spec, recipe_id("docker"));
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
  Builder builder(runner, store, progress, util::Environment());
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
  EXPECT_FALSE(store.find(ImageSpec{"trixie", "aarch64", "none"}, recipe_id("docker")));
  // The build log stays; the build lock (a hidden file) may.
  std::vector<std::string> left;
  for (const auto& entry : fs::directory_iterator(dir.path() / "images")) {
    if (!entry.path().filename().string().ends_with(".lock")) {
      left.push_back(entry.path().filename().string());
    }
  }
  EXPECT_EQ(left, (std::vector<std::string>{"trixie-aarch64-none.build.log"}));
}

TEST(ImageStore, AnIncompleteImageIsNotFound) {
  test::TempDir dir;
  Store store(dir.path());
  util::atomic_write(dir.path() / "trixie-aarch64-docker.build.log", "a failed build's log");
  util::atomic_write(dir.path() / "trixie-x86_64-docker" / "manifest.json", "{not json");
  EXPECT_FALSE(store.find(ImageSpec{"trixie", "x86_64", "docker"}, recipe_id("docker")));
  EXPECT_TRUE(store.list().empty());
}

} // namespace colima::image

namespace colima::image {

namespace {

std::string arg_after(const process::Command& command, const std::string& flag) {
  for (std::size_t i = 0; i + 1 < command.argv.size(); ++i) {
    if (command.argv[i] == flag) {
      return command.argv[i + 1];
    }
  }
  return {};
}

bool runs_script(const process::Command& command, const std::string& name) {
  return command.argv.size() > 1 && command.argv[1].ends_with("/" + name);
}

// Answers build-tools.sh as the real script does: the three programs in --output.
process::Result fake_tools(const process::Command& command) {
  fs::path output = arg_after(command, "--output");
  for (const char* program : {"nerdctl", "buildkitd", "buildctl"}) {
    util::atomic_write(output / program, std::string("#!/bin/sh\n# ") + program + "\n",
                       fs::perms(0755));
  }
  return process::Result{0, "phase: nerdctl v2.3.5\nphase: buildkit v0.33.0\nphase: done\n", ""};
}

// Answers build-image.sh of a containerd image: waits, as the real script's customize step
// does, until the overlay is complete or has failed.
process::Result fake_overlay_build(const process::Command& command) {
  fs::path overlay = arg_after(command, "--overlay");
  for (int i = 0; i < 500 && !fs::exists(overlay / ".ready"); ++i) {
    if (fs::exists(overlay / ".failed")) {
      return process::Result{1, "phase: bootstrap\n",
                             "build-image: error: the programs for the image were not built\n"};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (!fs::exists(overlay / "usr/local/bin/nerdctl") ||
      !fs::exists(overlay / "etc/systemd/system/buildkit.service")) {
    return process::Result{1, "", "build-image: error: incomplete overlay\n"};
  }
  return fake_build(command);
}

process::Result dispatch(const process::Command& command) {
  if (runs_script(command, "build-tools.sh")) {
    return fake_tools(command);
  }
  return fake_overlay_build(command);
}

util::Environment with_go() {
  return util::Environment(
      std::map<std::string, std::string>{{"COLIMA_GO", "/bin/sh"}, {"PATH", "/nonexistent"}});
}

} // namespace

TEST(ImageBuilder, AContainerdImageCarriesNerdctlAndBuildkitBuiltAlongsideAndRecordsTheirVersions) {
  test::TempDir dir;
  test::FakeRunner runner;
  runner.on({"bash"}, dispatch);
  runner.on({"sha256sum"}, process::Result{0, "abc123  /x/disk.qcow2\n", ""});
  Store store(dir.path() / "images");
  util::Progress progress;
  Builder builder(runner, store, progress, with_go());
  ImageSpec spec{"trixie", "aarch64", "containerd"};
  CachedImage image = builder.build(spec, "http://m");

  EXPECT_EQ(image.manifest.tools,
            (std::map<std::string, std::string>{{"nerdctl", "v2.3.5"}, {"buildkit", "v0.33.0"}}));
  EXPECT_EQ(image.manifest.recipe, recipe_id("containerd"));
  EXPECT_NE(recipe_id("containerd"), recipe_id("docker"));
  EXPECT_TRUE(store.find(spec, recipe_id("containerd")));
  std::optional<process::Command> tools;
  for (const auto& command : runner.commands()) {
    if (runs_script(command, "build-tools.sh")) {
      tools = command;
    }
  }
  ASSERT_TRUE(tools);
  EXPECT_EQ(arg_after(*tools, "--go"), "/bin/sh");
  EXPECT_EQ(arg_after(*tools, "--arch"), "aarch64");
  EXPECT_EQ(arg_after(*tools, "--nerdctl"), "v2.3.5");
  EXPECT_EQ(arg_after(*tools, "--buildkit"), "v0.33.0");
  EXPECT_EQ(tools->env.at("GOMODCACHE"), (dir.path() / "images" / "tools" / "go" / "mod").string());
  fs::path cached = dir.path() / "images" / "tools" / "aarch64-nerdctl-v2.3.5-buildkit-v0.33.0";
  EXPECT_TRUE(fs::exists(cached / "buildkitd"));

  // A second image of the architecture takes the programs from the cache.
  test::FakeRunner again;
  again.on({"bash"}, dispatch);
  again.on({"sha256sum"}, process::Result{0, "def456  /x/disk.qcow2\n", ""});
  Builder second(again, store, progress, with_go());
  second.build(spec, "http://m");
  for (const auto& command : again.commands()) {
    EXPECT_FALSE(runs_script(command, "build-tools.sh")) << "built again";
  }
}

TEST(ImageBuilder, AFailedProgramBuildFailsTheImageWithTheProgramsOwnError) {
  test::TempDir dir;
  test::FakeRunner runner;
  runner.on({"bash"}, [](const process::Command& command) {
    if (runs_script(command, "build-tools.sh")) {
      return process::Result{1, "phase: nerdctl v2.3.5\n",
                             "build-tools: error: cannot download github.com/containerd/nerdctl/"
                             "v2@v2.3.5: 403 Forbidden\n"};
    }
    return fake_overlay_build(command);
  });
  Store store(dir.path() / "images");
  util::Progress progress;
  Builder builder(runner, store, progress, with_go());
  try {
    builder.build(ImageSpec{"trixie", "x86_64", "containerd"}, "http://m");
    FAIL();
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what())
                  .find("building nerdctl v2.3.5 for x86_64 failed: cannot download "
                        "github.com/containerd/nerdctl/v2@v2.3.5: 403 Forbidden"),
              std::string::npos)
        << error.what();
  }
  EXPECT_FALSE(store.find(ImageSpec{"trixie", "x86_64", "containerd"}, recipe_id("containerd")));
  EXPECT_FALSE(
      fs::exists(dir.path() / "images" / "tools" / "x86_64-nerdctl-v2.3.5-buildkit-v0.33.0"));
}

TEST(GoToolchain, ComesFromTheVariableThenPathAndIsAClearErrorWhenMissing) {
  EXPECT_EQ(
      find_go(util::Environment(std::map<std::string, std::string>{{"COLIMA_GO", "/bin/sh"}})),
      "/bin/sh");
  EXPECT_THROW(find_go(util::Environment(
                   std::map<std::string, std::string>{{"COLIMA_GO", "/nonexistent/go"}})),
               Error);
  test::TempDir dir;
  util::atomic_write(dir.path() / "go", "#!/bin/sh\n", fs::perms(0755));
  EXPECT_EQ(find_go(util::Environment(std::map<std::string, std::string>{
                {"PATH", "/nonexistent:" + dir.path().string()}})),
            dir.path() / "go");
}

} // namespace colima::image

namespace colima::image {

TEST(ImageBuilder, ASecondBuildOfTheSameImageWaitsAndTakesTheFirstOnesResult) {
  test::TempDir dir;
  Store store(dir.path() / "images");
  util::create_directories(store.root());
  ImageSpec spec{"trixie", "x86_64", "docker"};
  auto held = util::FileLock::try_lock(store.root() / ".trixie-x86_64-docker.lock", "pid 1: other");
  ASSERT_TRUE(held);
  test::FakeRunner runner;
  runner.on({"bash"}, fake_build);
  runner.on({"sha256sum"}, process::Result{0, "abc123  /x/disk.qcow2\n", ""});
  RecordingProgress progress;
  Builder builder(runner, store, progress, util::Environment());
  auto waiting = std::async(std::launch::async, [&] { return builder.build(spec, "http://m"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  // The other colima finishes: its image is in the store, its lock released.
  fs::path other = dir.path() / "other-build";
  util::atomic_write(other / "disk.qcow2", "disk");
  Manifest manifest;
  manifest.spec = spec;
  manifest.recipe = recipe_id("docker");
  manifest.sha256 = "from-the-other-colima";
  store.install(other, manifest);
  held.reset();
  CachedImage image = waiting.get();
  EXPECT_EQ(image.manifest.sha256, "from-the-other-colima");
  EXPECT_TRUE(runner.argvs().empty()) << "built nothing itself";
  ASSERT_FALSE(progress.stages.empty());
  EXPECT_EQ(progress.stages.front(),
            "waiting for another colima building trixie-x86_64-docker (pid 1: other)");
}

} // namespace colima::image
