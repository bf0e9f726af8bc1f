#include "colima/kubernetes/builder.hpp"
#include "colima/util/error.hpp"
#include "colima/util/file_lock.hpp"
#include "colima/util/fs.hpp"
#include "fake_runner.hpp"
#include "temp_dir.hpp"

#include <future>
#include <gtest/gtest.h>
#include <thread>

namespace colima::kubernetes {

namespace fs = std::filesystem;

namespace {

const char* const k_manifest = R"({
  "kubernetes": "v1.35.4",
  "etcd": "v3.6.6",
  "coredns": "v1.13.1",
  "pause": "3.10.1",
  "arch": "x86_64",
  "components": ["kube-apiserver","kubectl","etcd","coredns","pause"],
  "images": {"pause":"colima.local/kubernetes/pause:3.10.1","coredns":"colima.local/kubernetes/coredns:v1.13.1"}
}
)";

// Writes a complete cache entry, as the real script leaves it, into dir.
void write_entry(const fs::path& dir, const std::string& manifest = k_manifest) {
  util::atomic_write(dir / "bin" / "kubectl", "kubectl", fs::perms(0755));
  util::atomic_write(dir / "images" / "pause.tar", "pause");
  util::atomic_write(dir / "manifest.json", manifest);
  util::atomic_write(dir / "bundle.tar", "bundle");
}

// Answers the build script's run the way the real script does: phases on stdout, and the
// bundle in the --output directory.
process::Result fake_build(const process::Command& command) {
  for (std::size_t i = 0; i + 1 < command.argv.size(); ++i) {
    if (command.argv[i] == "--output") {
      write_entry(command.argv[i + 1]);
    }
  }
  return process::Result{0,
                         "phase: download kubernetes v1.35.4\nphase: build kubernetes v1.35.4\n"
                         "note: etcd v3.6.13 instead of v3.6.6\nphase: done\n",
                         "go: downloading k8s.io/api v0.35.4\n"};
}

class RecordingProgress : public util::Progress {
public:
  void stage(std::string_view text) override { stages.emplace_back(text); }
  void warn(std::string_view text) override { warnings.emplace_back(text); }
  std::vector<std::string> stages;
  std::vector<std::string> warnings;
};

util::Environment with_go(std::map<std::string, std::string> variables = {}) {
  variables["COLIMA_GO"] = "/bin/sh";
  return util::Environment(std::move(variables));
}

} // namespace

TEST(KubernetesBuilder, RunsTheShippedScriptWithValuesAsArgumentsAndReturnsTheBundle) {
  test::TempDir dir;
  fs::path root = dir.path() / "kubernetes";
  test::FakeRunner runner;
  runner.on({"bash"}, fake_build);
  RecordingProgress progress;
  std::atomic<bool> cancel{false};
  Builder builder(runner, root, with_go());
  Bundle bundle = builder.build("v1.35.4", "x86_64", cancel, progress);

  fs::path script = root / ".v1.35.4-x86_64-build-kubernetes.sh";
  EXPECT_EQ(runner.argvs(),
            (test::Argvs{{"bash", script.string(), "--go", "/bin/sh", "--version", "v1.35.4",
                          "--arch", "x86_64", "--output", (root / "v1.35.4-x86_64").string()}}));
  const process::Command& command = runner.commands().front();
  EXPECT_EQ(command.env.at("GOMODCACHE"), (root / "go" / "mod").string());
  EXPECT_EQ(command.env.at("GOCACHE"), (root / "go" / "build").string());
  EXPECT_FALSE(fs::exists(script)) << "the script is removed after the run";
  EXPECT_EQ(bundle.dir, root / "v1.35.4-x86_64");
  EXPECT_EQ(bundle.archive, root / "v1.35.4-x86_64" / "bundle.tar");
  EXPECT_EQ(bundle.kubernetes, "v1.35.4");
  EXPECT_EQ(progress.stages,
            (std::vector<std::string>{"building kubernetes v1.35.4 for x86_64: download kubernetes "
                                      "v1.35.4",
                                      "building kubernetes v1.35.4 for x86_64: build kubernetes "
                                      "v1.35.4"}));
  EXPECT_EQ(progress.warnings, (std::vector<std::string>{"etcd v3.6.13 instead of v3.6.6"}));
  EXPECT_NE(util::read_file(root / "v1.35.4-x86_64.build.log").value().find("go: downloading"),
            std::string::npos);
}

TEST(KubernetesBuilder, TheWorkOfAnEarlierKilledBuildIsRemovedFirst) {
  test::TempDir dir;
  fs::path stale = dir.path() / ".v1.35.4-x86_64.build-AbC123";
  util::atomic_write(stale / "out" / "bin" / "kubelet", "half");
  fs::permissions(stale / "out" / "bin", fs::perms(0500));
  util::atomic_write(dir.path() / ".v1.36.1-x86_64.build-XyZ789" / "other", "another entry's");
  test::FakeRunner runner;
  runner.on({"bash"}, fake_build);
  RecordingProgress progress;
  std::atomic<bool> cancel{false};
  Builder builder(runner, dir.path(), with_go());
  builder.build("v1.35.4", "x86_64", cancel, progress);
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_TRUE(fs::exists(dir.path() / ".v1.36.1-x86_64.build-XyZ789" / "other"));
}

TEST(KubernetesBuilder, GoCachesFromTheEnvironmentAreLeftToIt) {
  test::TempDir dir;
  test::FakeRunner runner;
  runner.on({"bash"}, fake_build);
  RecordingProgress progress;
  std::atomic<bool> cancel{false};
  Builder builder(runner, dir.path(),
                  with_go({{"GOMODCACHE", "/cache/mod"}, {"GOCACHE", "/cache/build"}}));
  builder.build("v1.35.4", "x86_64", cancel, progress);
  ASSERT_EQ(runner.commands().size(), 1u);
  EXPECT_FALSE(runner.commands().front().env.contains("GOMODCACHE"));
  EXPECT_FALSE(runner.commands().front().env.contains("GOCACHE"));
}

TEST(KubernetesBuilder, ACompleteCacheEntryIsTakenWithoutRunningAnything) {
  test::TempDir dir;
  write_entry(dir.path() / "v1.35.4-x86_64");
  test::FakeRunner runner;
  RecordingProgress progress;
  std::atomic<bool> cancel{false};
  Builder builder(runner, dir.path(), util::Environment());
  ASSERT_TRUE(builder.find("v1.35.4", "x86_64"));
  Bundle bundle = builder.build("v1.35.4", "x86_64", cancel, progress);
  EXPECT_EQ(bundle.dir, dir.path() / "v1.35.4-x86_64");
  EXPECT_TRUE(runner.argvs().empty());
  EXPECT_TRUE(progress.stages.empty());
}

TEST(KubernetesBuilder, AnEntryWithoutItsArchiveOrForAnotherVersionIsNotFound) {
  test::TempDir dir;
  test::FakeRunner runner;
  Builder builder(runner, dir.path(), util::Environment());
  write_entry(dir.path() / "v1.35.4-x86_64");
  fs::remove(dir.path() / "v1.35.4-x86_64" / "bundle.tar");
  EXPECT_FALSE(builder.find("v1.35.4", "x86_64"));
  // A manifest that describes something else than its directory's name.
  write_entry(dir.path() / "v1.36.1-x86_64");
  EXPECT_FALSE(builder.find("v1.36.1", "x86_64"));
  write_entry(dir.path() / "v1.35.4-aarch64");
  EXPECT_FALSE(builder.find("v1.35.4", "aarch64"));
  write_entry(dir.path() / "broken", "{not json");
  EXPECT_FALSE(builder.find("broken", ""));
}

TEST(KubernetesBundle, TheManifestGivesTheVersionsAndImageReferences) {
  test::TempDir dir;
  write_entry(dir.path());
  Bundle bundle = read_bundle(dir.path());
  EXPECT_EQ(bundle.kubernetes, "v1.35.4");
  EXPECT_EQ(bundle.etcd, "v3.6.6");
  EXPECT_EQ(bundle.coredns, "v1.13.1");
  EXPECT_EQ(bundle.pause, "3.10.1");
  EXPECT_EQ(bundle.arch, "x86_64");
  EXPECT_EQ(bundle.images, (std::map<std::string, std::string>{
                               {"pause", "colima.local/kubernetes/pause:3.10.1"},
                               {"coredns", "colima.local/kubernetes/coredns:v1.13.1"}}));
  EXPECT_EQ(bundle.archive, dir.path() / "bundle.tar");
}

TEST(KubernetesBundle, AMissingOrForeignManifestIsAnErrorNamingIt) {
  test::TempDir dir;
  EXPECT_THROW(read_bundle(dir.path()), Error);
  util::atomic_write(dir.path() / "manifest.json", R"({"name": "something else"})");
  try {
    read_bundle(dir.path());
    FAIL() << "no error";
  } catch (const Error& error) {
    EXPECT_EQ(std::string(error.what()), "'" + (dir.path() / "manifest.json").string() +
                                             "' is not a kubernetes bundle manifest");
  }
}

TEST(KubernetesBuilder, AFailedBuildNamesThePhaseTheScriptsErrorAndTheLog) {
  test::TempDir dir;
  test::FakeRunner runner;
  runner.on({"bash"}, process::Result{1,
                                      "phase: download kubernetes v1.35.4\n"
                                      "phase: build etcd v3.6.6\n",
                                      "go: build failed somewhere\n"
                                      "build-kubernetes: error: building etcd v3.6.6 failed\n"});
  RecordingProgress progress;
  std::atomic<bool> cancel{false};
  Builder builder(runner, dir.path(), with_go());
  fs::path log = dir.path() / "v1.35.4-x86_64.build.log";
  try {
    builder.build("v1.35.4", "x86_64", cancel, progress);
    FAIL() << "no error";
  } catch (const Error& error) {
    EXPECT_EQ(std::string(error.what()),
              "building kubernetes v1.35.4 for x86_64 failed at 'build etcd v3.6.6': building "
              "etcd v3.6.6 failed; see '" +
                  log.string() + "'");
  }
  EXPECT_NE(util::read_file(log).value().find("go: build failed somewhere"), std::string::npos);
  EXPECT_FALSE(builder.find("v1.35.4", "x86_64"));
}

TEST(KubernetesBuilder, AK3sVersionOrAnUnknownArchitectureIsAUsageErrorAndRunsNothing) {
  test::TempDir dir;
  test::FakeRunner runner;
  RecordingProgress progress;
  std::atomic<bool> cancel{false};
  Builder builder(runner, dir.path(), with_go());
  EXPECT_THROW(builder.build("v1.35.0+k3s1", "x86_64", cancel, progress), UsageError);
  EXPECT_THROW(builder.build("v1.35.4", "riscv64", cancel, progress), UsageError);
  EXPECT_THROW(builder.build("latest", "x86_64", cancel, progress), UsageError);
  EXPECT_TRUE(runner.argvs().empty());
}

TEST(KubernetesBuilder, ASecondBuildOfTheSameEntryWaitsAndTakesTheFirstOnesResult) {
  test::TempDir dir;
  auto held = util::FileLock::try_lock(dir.path() / ".v1.35.4-x86_64.lock", "pid 1: other");
  ASSERT_TRUE(held);
  test::FakeRunner runner;
  runner.on({"bash"}, fake_build);
  RecordingProgress progress;
  std::atomic<bool> cancel{false};
  Builder builder(runner, dir.path(), with_go());
  auto waiting = std::async(std::launch::async,
                            [&] { return builder.build("v1.35.4", "x86_64", cancel, progress); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  write_entry(dir.path() / "v1.35.4-x86_64");
  held.reset();
  Bundle bundle = waiting.get();
  EXPECT_EQ(bundle.kubernetes, "v1.35.4");
  EXPECT_TRUE(runner.argvs().empty()) << "built nothing itself";
  ASSERT_FALSE(progress.stages.empty());
  EXPECT_EQ(progress.stages.front(),
            "waiting for another colima building kubernetes v1.35.4-x86_64 (pid 1: other)");
}

} // namespace colima::kubernetes
