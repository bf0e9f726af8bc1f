#include "colima/image/store.hpp"

#include "colima/image/tools.hpp"
#include "colima/util/error.hpp"
#include "colima/util/fs.hpp"
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
std::optional<CachedImage> read_image(const fs::path& dir) {
  auto text = util::read_file(dir / "manifest.json");
  if (!text) {
    return std::nullopt;
  }
  nlohmann::json json = nlohmann::json::parse(*text, nullptr, false);
  if (json.is_discarded()) {
    return std::nullopt;
  }
  try {
    CachedImage image{dir, Manifest::from_json(json)};
    std::error_code error;
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
  for (const auto& entry : fs::directory_iterator(m_root, error)) {
    if (entry.path().filename().string().starts_with(".") || !entry.is_directory(error)) {
      continue;
    }
    if (auto image = read_image(entry.path())) {
      images.push_back(std::move(*image));
    }
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
  if (fs::exists(target, error)) {
    fs::rename(target, old);
  }
  fs::rename(build_dir, target);
  fs::remove_all(old, error);
  return CachedImage{target, manifest};
}

} // namespace colima::image
