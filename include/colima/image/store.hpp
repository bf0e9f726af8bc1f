#pragma once

#include "colima/process/runner.hpp"
#include "colima/util/progress.hpp"

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace colima::image {

// Which guest image: Debian suite, architecture and the container runtime it carries.
struct ImageSpec {
  std::string suite = "trixie";
  std::string arch;
  std::string runtime;

  // The cache directory name, e.g. `trixie-x86_64-docker`.
  std::string key() const { return suite + "-" + arch + "-" + runtime; }
};

// What colima records about a built image, in manifest.json beside the disk.
struct Manifest {
  ImageSpec spec;
  // Which build recipe made the image (see recipe_id); an image of another recipe is stale.
  std::string recipe;
  std::string sha256;
  std::uintmax_t size = 0;
  std::string kernel_version;
  std::string built_at;
  std::map<std::string, std::string> packages;
  // Programs built from Go modules (containerd images: nerdctl, buildkit) -> version.
  std::map<std::string, std::string> tools;
  // Where a downloaded image came from (the mirror's URL); empty for a local build.
  std::string source;

  nlohmann::json to_json() const;
  // Throws colima::Error for a manifest that lacks the fields colima needs.
  static Manifest from_json(const nlohmann::json& json);
};

// An image in the cache, ready to boot.
struct CachedImage {
  std::filesystem::path dir;
  Manifest manifest;

  std::filesystem::path disk() const { return dir / "disk.qcow2"; }
  std::filesystem::path kernel() const { return dir / "vmlinuz"; }
  std::filesystem::path initrd() const { return dir / "initrd.img"; }
  // The kernel's command line of the image's boot loader, for a boot without one (written by
  // builds since 2026-12-05; older and downloaded images lack it).
  std::filesystem::path cmdline() const { return dir / "cmdline"; }
};

// The guest images colima built, under <COLIMA_HOME>/_cache/images/<key>/.
class Store {
public:
  explicit Store(std::filesystem::path root);

  const std::filesystem::path& root() const { return m_root; }
  // The image for the spec when it is complete (manifest and disk present) and was made by
  // the given recipe.
  std::optional<CachedImage> find(const ImageSpec& spec, const std::string& recipe) const;
  // The image for the spec when it is complete and was downloaded (whatever recipe made it).
  std::optional<CachedImage> find_downloaded(const ImageSpec& spec) const;
  // Every complete image, by key.
  std::vector<CachedImage> list() const;
  // Moves a finished build directory into place atomically, replacing an older build. The disk
  // was just hashed into the manifest: it is recorded as checked (see verify_image).
  CachedImage install(const std::filesystem::path& build_dir, const Manifest& manifest);

private:
  std::filesystem::path m_root;
};

// Checks the image's disk against its manifest's sha256 before a VM is made from it. Hashing
// ~1.3 GB takes seconds (3.6 s of CPU with SHA-NI), so it is rehashed (sha256sum, through the
// runner) only when its size or modification time differs from the last check's, which
// <dir>/verified.json records. Throws colima::Error naming the disk when it does not match.
void verify_image(process::Runner& runner, const CachedImage& image, util::Progress& progress);

// A short, stable identifier of the shipped build recipe of a runtime's images (FNV-1a of the
// scripts' text, and for containerd of its programs' versions and unit), so that a colima with a
// changed recipe rebuilds the images of the old one.
std::string recipe_id(const std::string& runtime);

} // namespace colima::image
