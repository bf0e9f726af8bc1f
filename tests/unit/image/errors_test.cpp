// Failures of the image builder and store on the host's file system are colima errors naming
// the path and what to do, never a std::filesystem message reaching the generic handler.
#include "colima/image/builder.hpp"
#include "colima/image/store.hpp"
#include "colima/image/tools.hpp"
#include "colima/util/error.hpp"
#include "colima/util/fs.hpp"
#include "fake_runner.hpp"
#include "temp_dir.hpp"

#include <chrono>
#include <gtest/gtest.h>
#include <thread>
#include <unistd.h>

namespace colima::image {

namespace fs = std::filesystem;

namespace {

// The build script's output files, without the disk when told so.
process::Result fake_image_build(const process::Command& command, bool with_disk) {
  fs::path output;
  fs::path overlay;
  for (std::size_t i = 0; i + 1 < command.argv.size(); ++i) {
    if (command.argv[i] == "--output") {
      output = command.argv[i + 1];
    }
    if (command.argv[i] == "--overlay") {
      overlay = command.argv[i + 1];
    }
  }
  if (!overlay.empty()) {
    for (int i = 0; i < 500 && !fs::exists(overlay / ".ready"); ++i) {
      if (fs::exists(overlay / ".failed")) {
        return process::Result{1, "", "build-image: error: the programs were not built\n"};
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  if (with_disk) {
    util::atomic_write(output / "disk.qcow2", "disk");
  }
  util::atomic_write(output / "kernel-version", "6.12.0\n");
  return process::Result{0, "phase: done\n", ""};
}

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& error) {
    return error.what();
  } catch (const std::exception& error) {
    return std::string("not a colima error: ") + error.what();
  }
  return "no error";
}

bool root() {
  return ::geteuid() == 0;
}

} // namespace

TEST(ImageErrors, ABuildThatMadeNoDiskNamesTheDiskAndItsLog) {
  test::TempDir dir;
  test::FakeRunner runner;
  runner.on({"bash"}, [](const process::Command& c) { return fake_image_build(c, false); });
  Store store(dir.path() / "images");
  util::Progress progress;
  Builder builder(runner, store, progress, util::Environment());
  std::string error = error_of([&] {
    builder.build(ImageSpec{"trixie", "x86_64", "none"}, "http://m");
  });
  fs::path log = dir.path() / "images" / "trixie-x86_64-none.build.log";
  EXPECT_TRUE(error.starts_with("building the guest image trixie-x86_64-none made no disk '" +
                                (dir.path() / "images").string() + "/."))
      << error;
  EXPECT_TRUE(error.ends_with("/disk.qcow2': the build script ended without writing it; see '" +
                              log.string() + "'"))
      << error;
  EXPECT_FALSE(store.find(ImageSpec{"trixie", "x86_64", "none"}, recipe_id("none")));
}

TEST(ImageErrors, AProgramThatCannotBeCopiedIntoTheOverlayFailsTheBuildNamingIt) {
  if (root()) {
    GTEST_SKIP() << "root reads any file";
  }
  test::TempDir dir;
  Store store(dir.path() / "images");
  fs::path tools = store.root() / "tools" / GuestTools().key("aarch64");
  for (const char* program : k_guest_programs) {
    util::atomic_write(tools / program, "#!/bin/sh\n", fs::perms(0755));
  }
  fs::permissions(tools / "buildctl", fs::perms(0111));
  test::FakeRunner runner;
  runner.on({"bash"}, [](const process::Command& c) { return fake_image_build(c, true); });
  util::Progress progress;
  Builder builder(runner, store, progress,
                  util::Environment(std::map<std::string, std::string>{{"COLIMA_GO", "/bin/sh"}}));
  std::string error = error_of([&] {
    builder.build(ImageSpec{"trixie", "aarch64", "containerd"}, "http://m");
  });
  EXPECT_TRUE(error.starts_with("cannot copy '" + (tools / "buildctl").string() +
                                "' into the image overlay '"))
      << error;
  EXPECT_NE(error.find("Permission denied"), std::string::npos) << error;
}

TEST(ImageErrors, AnImageThatCannotBeMovedIntoTheCacheNamesThePlaceAndTheRemedy) {
  if (root()) {
    GTEST_SKIP() << "root writes anywhere";
  }
  test::TempDir dir;
  Store store(dir.path() / "images");
  fs::path build = store.root() / ".build";
  util::atomic_write(build / "disk.qcow2", "disk");
  fs::permissions(store.root(), fs::perms(0555));
  Manifest manifest;
  manifest.spec = ImageSpec{"trixie", "x86_64", "docker"};
  manifest.sha256 = std::string(64, 'a');
  std::string error = error_of([&] { store.install(build, manifest); });
  fs::permissions(store.root(), fs::perms(0755));
  EXPECT_EQ(error, "cannot move the image '" + build.string() + "' into the cache as '" +
                       (store.root() / "trixie-x86_64-docker").string() +
                       "': Permission denied; check the permissions of '" + store.root().string() +
                       "', or empty the cache with 'colima prune'");
}

TEST(ImageErrors, AnUnreadableCacheIsAnErrorNamingItAndTheRemedy) {
  if (root()) {
    GTEST_SKIP() << "root reads anything";
  }
  test::TempDir dir;
  Store store(dir.path() / "images");
  util::atomic_write(store.root() / "trixie-x86_64-docker" / "manifest.json", "{}");
  fs::permissions(store.root() / "trixie-x86_64-docker", fs::perms(0));
  std::string found = error_of([&] {
    store.find(ImageSpec{"trixie", "x86_64", "docker"}, recipe_id("docker"));
  });
  fs::permissions(store.root(), fs::perms(0));
  std::string listed = error_of([&] { store.list(); });
  fs::permissions(store.root(), fs::perms(0755));
  fs::permissions(store.root() / "trixie-x86_64-docker", fs::perms(0755));
  EXPECT_EQ(found, "cannot read the cached image '" +
                       (store.root() / "trixie-x86_64-docker").string() +
                       "': Permission denied; check its permissions, or empty the cache with "
                       "'colima prune'");
  EXPECT_EQ(listed, "cannot read the image cache '" + store.root().string() +
                        "': Permission denied; check its permissions, or empty the cache with "
                        "'colima prune'");
}

} // namespace colima::image
