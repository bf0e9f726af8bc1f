#include "colima/config/profile.hpp"

#include "colima/util/error.hpp"
#include "colima/util/strings.hpp"

#include <cctype>

namespace colima::config {

namespace {
constexpr std::size_t k_max_name_length = 60;

bool is_alnum(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0;
}

// Lima's rule for instance names: alphanumeric runs joined by single '.', '_' or '-'.
bool is_valid_lima_name_part(std::string_view name) {
  if (name.empty() || !is_alnum(name.front()) || !is_alnum(name.back())) {
    return false;
  }
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (is_alnum(c)) {
      continue;
    }
    if (c != '.' && c != '_' && c != '-') {
      return false;
    }
    if (!is_alnum(name[i + 1])) {
      return false;
    }
  }
  return true;
}

void validate(std::string_view name) {
  std::string shown = util::printable(name);
  std::string hint = ": use letters, digits and single '.', '_' or '-' between them";
  if (name.size() > k_max_name_length) {
    throw UsageError("invalid profile name '" + shown + "': longer than 60 characters");
  }
  if (util::has_control_character(name)) {
    throw UsageError("invalid profile name '" + shown + "': it contains a control character" +
                     hint);
  }
  if (name.find('/') != std::string_view::npos || name.find("..") != std::string_view::npos) {
    throw UsageError("invalid profile name '" + shown + "': it must not contain '/' or '..'" +
                     hint);
  }
  for (char c : name) {
    if (c == ' ' || c == '\t') {
      throw UsageError("invalid profile name '" + shown + "': it contains white space" + hint);
    }
  }
  if (!is_valid_lima_name_part(name)) {
    throw UsageError("invalid profile name '" + shown + "'" + hint);
  }
  if (name.ends_with(".yaml") || name.ends_with(".yml")) {
    throw UsageError("invalid profile name '" + shown + "': it must not end in '.yaml' or '.yml'");
  }
}
} // namespace

Profile::Profile() : m_id("colima"), m_short_name("default") {}

Profile::Profile(std::string id, std::string short_name)
    : m_id(std::move(id)), m_short_name(std::move(short_name)) {}

Profile Profile::from_name(std::string_view name) {
  if (name.empty() || name == "default" || name == "colima") {
    return Profile();
  }
  std::string_view short_name = name;
  if (short_name.starts_with("colima-")) {
    short_name.remove_prefix(7);
  }
  validate(short_name);
  if (short_name == "default") {
    return Profile();
  }
  return Profile("colima-" + std::string(short_name), std::string(short_name));
}

std::string Profile::argument() const {
  return is_default() ? std::string() : " " + m_short_name;
}

std::string Profile::display_name() const {
  if (is_default()) {
    return "colima";
  }
  return "colima [profile=" + m_short_name + "]";
}

} // namespace colima::config
