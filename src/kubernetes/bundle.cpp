#include "colima/kubernetes/builder.hpp"

#include "colima/util/error.hpp"
#include "colima/util/fs.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace colima::kubernetes {

namespace fs = std::filesystem;

namespace {

std::string text_field(const nlohmann::json& manifest, const char* name) {
  auto it = manifest.find(name);
  return it != manifest.end() && it->is_string() ? it->get<std::string>() : std::string();
}

} // namespace

Bundle read_bundle(const fs::path& dir) {
  fs::path path = dir / "manifest.json";
  std::optional<std::string> text = util::read_file(path);
  if (!text) {
    throw Error(fmt::format("the kubernetes bundle '{}' has no manifest.json", dir.string()));
  }
  nlohmann::json manifest = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (!manifest.is_object() || text_field(manifest, "kubernetes").empty()) {
    throw Error(fmt::format("'{}' is not a kubernetes bundle manifest", path.string()));
  }
  Bundle bundle;
  bundle.dir = dir;
  bundle.archive = dir / "bundle.tar";
  bundle.kubernetes = text_field(manifest, "kubernetes");
  bundle.etcd = text_field(manifest, "etcd");
  bundle.coredns = text_field(manifest, "coredns");
  bundle.pause = text_field(manifest, "pause");
  bundle.arch = text_field(manifest, "arch");
  if (auto images = manifest.find("images"); images != manifest.end() && images->is_object()) {
    for (const auto& [name, reference] : images->items()) {
      if (reference.is_string()) {
        bundle.images[name] = reference.get<std::string>();
      }
    }
  }
  return bundle;
}

} // namespace colima::kubernetes
