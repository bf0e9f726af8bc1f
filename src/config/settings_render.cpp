// Writing colima.yaml: the commented default file (templates/colima.yaml) with the current
// values put in place of the defaults, comments kept.
#include "colima/config/settings_file.hpp"

#include "colima/util/fs.hpp"
#include "colima/util/strings.hpp"
#include "colima/util/templates.hpp"
#include "settings_yaml.hpp"

#include <set>
#include <yaml-cpp/yaml.h>

namespace colima::config {

namespace {

std::string indent_lines(const std::string& text, std::size_t indent) {
  std::string result;
  std::string pad(indent, ' ');
  for (const auto& line : util::split(text, '\n')) {
    result += pad + line + "\n";
  }
  return result;
}

std::string emit_entry(std::size_t indent, const std::string& key, const YAML::Node& value) {
  std::string pad(indent, ' ');
  if (!value || value.IsNull()) {
    return pad + key + ": null\n";
  }
  YAML::Emitter emitter;
  emitter << value;
  std::string text = emitter.c_str();
  bool inline_value = value.IsScalar() || value.size() == 0 ||
                      (value.IsSequence() && value.Style() == YAML::EmitterStyle::Flow);
  if (inline_value) {
    return pad + key + ": " + text + "\n";
  }
  return pad + key + ":\n" + indent_lines(text, indent + 2);
}

std::size_t indentation(const std::string& line) {
  return line.find_first_not_of(' ');
}

bool is_blank_or_comment(const std::string& line) {
  std::string trimmed = util::trim(line);
  return trimmed.empty() || trimmed.front() == '#';
}

} // namespace

std::string render_settings(const Settings& settings) {
  YAML::Node root = detail::to_node(settings);
  std::string_view layout = templates::find("colima.yaml").value();
  std::vector<std::string> lines = util::split(layout, '\n');
  if (!lines.empty() && lines.back().empty()) {
    lines.pop_back();
  }
  static const std::set<std::string> sections = {"kubernetes", "network"};
  std::string out;
  std::string section;
  std::set<std::string> written;
  for (std::size_t i = 0; i < lines.size();) {
    const std::string& line = lines[i];
    if (is_blank_or_comment(line)) {
      out += line + "\n";
      ++i;
      continue;
    }
    std::size_t indent = indentation(line);
    std::string key = util::trim(line.substr(indent, line.find(':') - indent));
    if (indent == 0) {
      section.clear();
      written.insert(key);
      if (sections.count(key) != 0) {
        section = key;
        out += key + ":\n";
        ++i;
        continue;
      }
    }
    YAML::Node value = section.empty() ? root[key] : root[section][key];
    ++i;
    while (i < lines.size() && !util::trim(lines[i]).empty() && indentation(lines[i]) > indent &&
           !is_blank_or_comment(lines[i])) {
      ++i;
    }
    out += emit_entry(indent, key, value);
  }
  for (const auto& entry : root) {
    const std::string key = entry.first.Scalar();
    if (written.count(key) == 0) {
      out += "\n" + emit_entry(0, key, entry.second);
    }
  }
  return out;
}

void save_settings(const std::filesystem::path& path, const Settings& settings) {
  // Owner only: the settings hold environment values, which may be secrets.
  util::atomic_write(path, render_settings(settings), std::filesystem::perms(0600));
}

} // namespace colima::config
