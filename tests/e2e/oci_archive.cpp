#include "oci_archive.hpp"

#include "colima/util/fs.hpp"
#include "colima/util/strings.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace colima::e2e {

namespace fs = std::filesystem;

namespace {

// The sha256 of a file, as hex.
std::string sha256(VmSession& vm, const fs::path& file) {
  process::Result r = vm.run({"sha256sum", file.string()});
  return util::split(util::trim(r.out), ' ').front();
}

// Stores a blob of the OCI layout at dir and returns its descriptor.
nlohmann::json add_blob(VmSession& vm, const fs::path& dir, const fs::path& file,
                        const std::string& media_type) {
  std::string digest = sha256(vm, file);
  fs::create_directories(dir / "blobs" / "sha256");
  fs::copy_file(file, dir / "blobs" / "sha256" / digest, fs::copy_options::overwrite_existing);
  return {{"mediaType", media_type}, {"digest", "sha256:" + digest}, {"size", fs::file_size(file)}};
}

} // namespace

fs::path make_oci_archive(VmSession& vm, const std::string& image, const fs::path& work) {
  fs::path root = work / "rootfs";
  fs::path layout = work / "layout";
  fs::create_directories(root / "bin");
  fs::copy_file("/usr/bin/busybox", root / "bin" / "busybox", fs::copy_options::overwrite_existing);
  fs::permissions(root / "bin" / "busybox", fs::perms(0755));
  if (!fs::is_symlink(root / "bin" / "sh")) {
    fs::create_symlink("busybox", root / "bin" / "sh");
  }
  fs::path layer = work / "layer.tar";
  EXPECT_EQ(vm.run({"tar", "-C", root.string(), "-cf", layer.string(), "."}).exit_code, 0);
  nlohmann::json layer_blob = add_blob(vm, layout, layer, "application/vnd.oci.image.layer.v1.tar");
  nlohmann::json config = {{"architecture", "amd64"},
                           {"os", "linux"},
                           {"config", {{"Env", {"PATH=/bin"}}, {"Cmd", {"/bin/sh"}}}},
                           {"rootfs", {{"type", "layers"}, {"diff_ids", {layer_blob["digest"]}}}}};
  util::atomic_write(work / "config.json", config.dump());
  nlohmann::json manifest = {{"schemaVersion", 2},
                             {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                             {"config", add_blob(vm, layout, work / "config.json",
                                                 "application/vnd.oci.image.config.v1+json")},
                             {"layers", {layer_blob}}};
  util::atomic_write(work / "manifest.json", manifest.dump());
  nlohmann::json manifest_blob =
      add_blob(vm, layout, work / "manifest.json", "application/vnd.oci.image.manifest.v1+json");
  std::string tag = image.substr(image.rfind(':') + 1);
  manifest_blob["annotations"] = {{"io.containerd.image.name", image},
                                  {"org.opencontainers.image.ref.name", tag}};
  util::atomic_write(layout / "index.json",
                     nlohmann::json{{"schemaVersion", 2}, {"manifests", {manifest_blob}}}.dump());
  util::atomic_write(layout / "oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
  fs::path archive = work / "busybox-oci.tar";
  EXPECT_EQ(vm.run({"tar", "-C", layout.string(), "-cf", archive.string(), "oci-layout",
                    "index.json", "blobs"})
                .exit_code,
            0);
  return archive;
}

} // namespace colima::e2e
