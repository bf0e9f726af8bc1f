#include "colima/config/mount_path.hpp"

#include "colima/util/error.hpp"
#include "colima/util/strings.hpp"

#include <cctype>
#include <fmt/format.h>
#include <pwd.h>
#include <string_view>
#include <unistd.h>
#include <vector>

namespace colima::config {

namespace fs = std::filesystem;

namespace {

bool is_name_character(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
}

// Where the plain part of a path starts: after a leading `~`/`~user` or `$VAR`/`${VAR}`.
std::size_t prefix_length(const std::string& path) {
  if (path.empty() || (path.front() != '~' && path.front() != '$')) {
    return 0;
  }
  if (path.front() == '~') {
    return 1;
  }
  bool braced = path.size() > 1 && path[1] == '{';
  std::size_t end = braced ? 2 : 1;
  while (end < path.size() && is_name_character(path[end])) {
    ++end;
  }
  if (braced && end < path.size() && path[end] == '}') {
    ++end;
  }
  return end;
}

std::optional<std::string> home_of(const std::string& user) {
  std::vector<char> buffer(16384);
  passwd entry{};
  passwd* found = nullptr;
  if (::getpwnam_r(user.c_str(), &entry, buffer.data(), buffer.size(), &found) != 0 ||
      found == nullptr || found->pw_dir == nullptr) {
    return std::nullopt;
  }
  return std::string(found->pw_dir);
}

[[noreturn]] void refuse(const std::string& location, const std::string& why) {
  throw UsageError(fmt::format("invalid mount location '{}': {}", location, why));
}

} // namespace

std::optional<std::string> mount_path_problem(const std::string& path) {
  if (util::has_control_character(path)) {
    return "it contains a control character";
  }
  if (path.find(' ') != std::string::npos) {
    return "paths with spaces are not supported by Lima's mounts";
  }
  if (path.empty() || (path.front() != '/' && path.front() != '~' && path.front() != '$')) {
    return "relative paths are not supported, use an absolute path";
  }
  // Allowed after the prefix: letters, digits, non-ASCII and /._-+@%,=
  for (std::size_t i = prefix_length(path); i < path.size(); ++i) {
    auto c = static_cast<unsigned char>(path[i]);
    bool plain = std::isalnum(c) != 0 || c >= 0x80 ||
                 std::string_view("/._-+@%,=").find(static_cast<char>(c)) != std::string_view::npos;
    if (!plain) {
      return fmt::format("the character '{}' is not allowed, because Lima hands mount paths to a "
                         "shell in the guest unquoted; rename the directory or mount a directory "
                         "above it",
                         static_cast<char>(c));
    }
  }
  return std::nullopt;
}

std::string expand_mount_location(const std::string& location, const fs::path& home,
                                  const util::Environment& environment) {
  std::string expanded = location;
  if (location.starts_with("~")) {
    std::size_t slash = location.find('/');
    std::string user = location.substr(1, slash == std::string::npos ? slash : slash - 1);
    std::string rest = slash == std::string::npos ? "" : location.substr(slash);
    if (user.empty()) {
      expanded = home.string() + rest;
    } else if (auto other = home_of(user)) {
      expanded = *other + rest;
    } else {
      refuse(location, fmt::format("there is no user '{}'", user));
    }
  } else if (location.starts_with("$")) {
    std::size_t end = prefix_length(location);
    bool braced = location.size() > 1 && location[1] == '{';
    if (braced && location[end - 1] != '}') {
      refuse(location, "a '${' is not closed");
    }
    std::string name = location.substr(braced ? 2 : 1, end - (braced ? 3 : 1));
    auto value = environment.get_non_empty(name);
    if (name.empty() || !value) {
      refuse(location, fmt::format("the variable '{}' is not set or empty", name));
    }
    expanded = *value + location.substr(end);
  }
  std::string normal = fs::path(expanded).lexically_normal().string();
  if (normal.size() > 1 && normal.back() == '/') {
    normal.pop_back();
  }
  if (auto problem = mount_path_problem(normal); problem || normal.front() != '/') {
    refuse(location, fmt::format("it is '{}' here, and {}", normal,
                                 problem.value_or("relative paths are not supported")));
  }
  return normal;
}

} // namespace colima::config
