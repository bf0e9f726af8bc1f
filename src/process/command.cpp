#include "colima/process/command.hpp"

namespace colima::process {

namespace {
bool is_safe(const std::string& word) {
  if (word.empty()) {
    return false;
  }
  for (char c : word) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 std::string_view("_@%+=:,./-").find(c) != std::string_view::npos;
    if (!plain) {
      return false;
    }
  }
  return true;
}
} // namespace

std::string format_argv(const std::vector<std::string>& argv) {
  std::string text;
  for (const auto& word : argv) {
    if (!text.empty()) {
      text += ' ';
    }
    if (is_safe(word)) {
      text += word;
      continue;
    }
    text += '\'';
    for (char c : word) {
      if (c == '\'') {
        text += "'\\''";
      } else {
        text += c;
      }
    }
    text += '\'';
  }
  return text;
}

} // namespace colima::process
