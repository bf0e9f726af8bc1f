#include "colima/lima/instance_reader.hpp"

#include "colima/lima/stale_state.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <yaml-cpp/yaml.h>

namespace colima::lima {

namespace fs = std::filesystem;

namespace {

// The scalar at key, or nullopt when the document has none.
std::optional<std::string> scalar(const YAML::Node& document, const char* key) {
  YAML::Node node = document[key];
  if (!node || !node.IsScalar()) {
    return std::nullopt;
  }
  return node.as<std::string>();
}

// One instance directory; nullopt when it cannot be read as limactl reads it.
std::optional<Instance> read_instance(const fs::path& dir) {
  YAML::Node document;
  try {
    document = YAML::LoadFile((dir / "lima.yaml").string());
  } catch (const YAML::Exception&) {
    return std::nullopt;
  }
  if (!document.IsMap()) {
    return std::nullopt;
  }
  auto vm_type = scalar(document, "vmType");
  auto arch = scalar(document, "arch");
  auto cpus = scalar(document, "cpus");
  auto memory = scalar(document, "memory");
  auto disk = scalar(document, "disk");
  if ((vm_type && *vm_type != "qemu") || !arch || !cpus || !memory || !disk) {
    return std::nullopt;
  }
  Instance instance;
  instance.name = dir.filename().string();
  instance.dir = dir.string();
  instance.arch = *arch;
  auto memory_bytes = parse_size(*memory);
  auto disk_bytes = parse_size(*disk);
  bool whole = !cpus->empty() && cpus->size() <= 6 &&
               std::all_of(cpus->begin(), cpus->end(),
                           [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; });
  if (!memory_bytes || !disk_bytes || !whole) {
    return std::nullopt;
  }
  instance.cpus = std::stoi(*cpus);
  instance.memory = *memory_bytes;
  instance.disk = *disk_bytes;
  instance.status = status_of(check_claims(dir, instance.name));
  return instance;
}

} // namespace

std::optional<std::int64_t> parse_size(std::string_view text) {
  std::size_t at = 0;
  auto digits = [&] {
    std::size_t from = at;
    while (at < text.size() && std::isdigit(static_cast<unsigned char>(text[at])) != 0) {
      ++at;
    }
    return at > from;
  };
  if (!digits()) {
    return std::nullopt;
  }
  if (at < text.size() && text[at] == '.') {
    ++at;
    if (!digits()) {
      return std::nullopt;
    }
  }
  std::string number(text.substr(0, at));
  if (at < text.size() && text[at] == ' ') {
    ++at;
  }
  double unit = 1;
  const std::string_view units = "kmgtp";
  if (at < text.size()) {
    auto found = units.find(static_cast<char>(std::tolower(static_cast<unsigned char>(text[at]))));
    if (found != std::string_view::npos) {
      unit = std::pow(1024.0, static_cast<double>(found + 1));
      ++at;
    }
  }
  for (char optional : {'i', 'b'}) {
    if (at < text.size() && std::tolower(static_cast<unsigned char>(text[at])) == optional) {
      ++at;
    }
  }
  if (at != text.size() || number.size() > 18) {
    return std::nullopt;
  }
  double value = std::stod(number) * unit;
  if (value >= static_cast<double>(std::numeric_limits<std::int64_t>::max())) {
    return std::nullopt;
  }
  return static_cast<std::int64_t>(value);
}

std::optional<std::vector<Instance>> read_instances(const fs::path& lima_home,
                                                    const std::string& only) {
  std::vector<Instance> instances;
  std::error_code error;
  for (const char* merged : {"default.yaml", "override.yaml"}) {
    if (fs::exists(lima_home / "_config" / merged, error)) {
      return std::nullopt;
    }
  }
  if (!fs::is_directory(lima_home, error)) {
    return fs::exists(lima_home, error) ? std::nullopt : std::optional(instances);
  }
  fs::directory_iterator entries(lima_home, error);
  if (error) {
    return std::nullopt;
  }
  for (; entries != fs::directory_iterator(); entries.increment(error)) {
    std::string name = entries->path().filename().string();
    if ((!only.empty() && name != only) || name.starts_with("_") || name.starts_with(".") ||
        !entries->is_directory(error) || !fs::exists(entries->path() / "lima.yaml", error)) {
      continue;
    }
    auto instance = read_instance(entries->path());
    if (!instance) {
      return std::nullopt;
    }
    instances.push_back(std::move(*instance));
  }
  if (error) {
    return std::nullopt;
  }
  std::sort(instances.begin(), instances.end(),
            [](const Instance& a, const Instance& b) { return a.name < b.name; });
  return instances;
}

} // namespace colima::lima
