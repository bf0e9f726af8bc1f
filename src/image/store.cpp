#include "colima/image/store.hpp"

#include "colima/image/tools.hpp"
#include "colima/util/error.hpp"
#include "colima/util/fs.hpp"
#include "colima/util/strings.hpp"
#include "colima/util/templates.hpp"

#include <fmt/format.h>

namespace colima::image {

namespace fs = std::filesystem;

nlohmann::json Manifest::to_json() const {
  return nlohmann::json{{"suite", spec.suite},
                        {"arch", spec.arch},
                        {"runtime", spec.runtime},
                        {"recipe", recipe},
                        {"disk", "disk.qcow2"},
                        {"sha256", sha256},
                        {"size", size},
                        {"kernel_version", kernel_version},
                        {"built_at", built_at},
                        {"packages", packages},
                        {"tools", tools},
                        {"source", source}};
}

Manifest Manifest::from_json(const nlohmann::json& json) {
  try {
    Manifest manifest;
    manifest.spec.suite = json.at("suite").get<std::string>();
    manifest.spec.arch = json.at("arch").get<std::string>();
    manifest.spec.runtime = json.at("runtime").get<std::string>();
    manifest.sha256 = json.at("sha256").get<std::string>();
    manifest.recipe = json.value("recipe", "");
    manifest.size = json.value("size", std::uintmax_t{0});
    manifest.kernel_version = json.value("kernel_version", "");
    manifest.built_at = json.value("built_at", "");
    manifest.packages = json.value("packages", std::map<std::string, std::string>{});
    manifest.tools = json.value("tools", std::map<std::string, std::string>{});
    manifest.source = json.value("source", "");
    return manifest;
  } catch (const nlohmann::json::exception& error) {
    throw Error(fmt::format("invalid image manifest: {}", error.what()));
  }
}

Store::Store(fs::path root) : m_root(std::move(root)) {}

namespace {

// What verified.json records of a disk: its size and modification time when it was last hashed,
// and the sha256 it had then.
nlohmann::json disk_stamp(const fs::path& disk, const std::string& sha256) {
  std::error_code error;
  auto size = fs::file_size(disk, error);
  auto modified = fs::last_write_time(disk, error);
  if (error) {
    return nlohmann::json();
  }
  return nlohmann::json{
      {"size", size}, {"mtime_ns", modified.time_since_epoch().count()}, {"sha256", sha256}};
}

void record_verified(const CachedImage& image) {
  nlohmann::json stamp = disk_stamp(image.disk(), image.manifest.sha256);
  if (!stamp.is_null()) {
    util::atomic_write(image.dir / "verified.json", stamp.dump() + "\n", fs::perms(0644));
  }
}

} // namespace

void verify_image(process::Runner& runner, const CachedImage& image, util::Progress& progress) {
  auto recorded = util::read_file(image.dir / "verified.json");
  nlohmann::json stamp = disk_stamp(image.disk(), image.manifest.sha256);
  if (recorded && !stamp.is_null() && nlohmann::json::parse(*recorded, nullptr, false) == stamp) {
    return;
  }
  progress.stage(fmt::format("checking the cached guest image {}", image.manifest.spec.key()));
  process::Result sum =
      process::run_checked(runner, process::Command{.argv = {"sha256sum", image.disk().string()}},
                           "cannot hash the cached guest image");
  std::string actual = util::split(util::trim(sum.out), ' ').front();
  if (actual != image.manifest.sha256) {
    throw Error(fmt::format("the cached guest image '{}' does not match its manifest (sha256 {}, "
                            "recorded {}): it was damaged or changed; 'colima prune' empties the "
                            "cache and the next start makes the image again",
                            image.disk().string(), actual, image.manifest.sha256));
  }
  record_verified(image);
}

namespace {
constexpr const char* k_cache_remedy = "or empty the cache with 'colima prune'";

// A complete image in dir, nullopt when there is none there (no manifest, a manifest that is no
// JSON or lacks fields, no disk): the next start makes it anew. Throws Error when dir or its
// manifest cannot be read.
std::optional<CachedImage> read_image(const fs::path& dir) {
  fs::path file = dir / "manifest.json";
  std::error_code error;
  bool exists = fs::exists(file, error);
  if (error) {
    throw Error(fmt::format("cannot read the cached image '{}': {}; check its permissions, {}",
                            dir.string(), error.message(), k_cache_remedy));
  }
  std::optional<std::string> text;
  try {
    text = exists ? util::read_file(file) : std::nullopt;
  } catch (const Error& unreadable) {
    throw Error(fmt::format("{}; check its permissions, {}", unreadable.what(), k_cache_remedy));
  }
  if (!text) {
    return std::nullopt;
  }
  nlohmann::json json = nlohmann::json::parse(*text, nullptr, false);
  if (json.is_discarded()) {
    return std::nullopt;
  }
  try {
    CachedImage image{dir, Manifest::from_json(json)};
    if (!fs::is_regular_file(image.disk(), error)) {
      return std::nullopt;
    }
    return image;
  } catch (const Error&) {
    return std::nullopt;
  }
}
} // namespace

std::optional<CachedImage> Store::find(const ImageSpec& spec, const std::string& recipe) const {
  auto image = read_image(m_root / spec.key());
  if (!image || image->manifest.recipe != recipe) {
    return std::nullopt;
  }
  return image;
}

std::optional<CachedImage> Store::find_downloaded(const ImageSpec& spec) const {
  auto image = read_image(m_root / spec.key());
  if (!image || image->manifest.source.empty()) {
    return std::nullopt;
  }
  return image;
}

std::string recipe_id(const std::string& runtime) {
  std::string recipe(templates::find("image/build-image.sh").value_or(""));
  recipe += templates::find("image/guest-init.sh").value_or("");
  if (needs_guest_tools(runtime)) {
    GuestTools tools;
    recipe += templates::find("image/build-tools.sh").value_or("");
    recipe += templates::find("image/buildkit.service").value_or("");
    recipe += tools.key("") + tools.tigron;
  }
  std::uint64_t hash = 1469598103934665603ULL;
  for (char c : recipe) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ULL;
  }
  return fmt::format("{:016x}", hash);
}

std::vector<CachedImage> Store::list() const {
  std::vector<CachedImage> images;
  std::error_code error;
  if (!fs::is_directory(m_root, error)) {
    return images;
  }
  auto unreadable = [&](const std::error_code& why) {
    return Error(fmt::format("cannot read the image cache '{}': {}; check its permissions, {}",
                             m_root.string(), why.message(), k_cache_remedy));
  };
  fs::directory_iterator entries(m_root, error);
  if (error) {
    throw unreadable(error);
  }
  for (; entries != fs::directory_iterator(); entries.increment(error)) {
    const fs::directory_entry& entry = *entries;
    if (entry.path().filename().string().starts_with(".") || !entry.is_directory(error)) {
      continue;
    }
    if (auto image = read_image(entry.path())) {
      images.push_back(std::move(*image));
    }
  }
  if (error) {
    throw unreadable(error);
  }
  std::sort(images.begin(), images.end(), [](const CachedImage& a, const CachedImage& b) {
    return a.manifest.spec.key() < b.manifest.spec.key();
  });
  return images;
}

CachedImage Store::install(const fs::path& build_dir, const Manifest& manifest) {
  util::atomic_write(build_dir / "manifest.json", manifest.to_json().dump(2) + "\n",
                     fs::perms(0644));
  fs::path target = m_root / manifest.spec.key();
  fs::path old = m_root / ("." + manifest.spec.key() + ".old");
  std::error_code error;
  fs::remove_all(old, error);
  auto move = [&](const fs::path& from, const fs::path& to) {
    fs::rename(from, to, error);
    if (error) {
      throw Error(fmt::format("cannot move the image '{}' into the cache as '{}': {}; check the "
                              "permissions of '{}', {}",
                              from.string(), to.string(), error.message(), m_root.string(),
                              k_cache_remedy));
    }
  };
  if (fs::exists(target, error)) {
    move(target, old);
  }
  move(build_dir, target);
  fs::remove_all(old, error);
  CachedImage image{target, manifest};
  record_verified(image);
  return image;
}

} // namespace colima::image
