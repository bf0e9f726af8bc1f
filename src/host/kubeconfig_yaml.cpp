#include "kubeconfig_yaml.hpp"

#include <string_view>

namespace colima::host::kubeconfig_yaml {

namespace {

constexpr std::string_view k_core_prefix = "tag:yaml.org,2002:";

// Whether, written plain, the value might read as something other than a string. Cautious on
// purpose: any value starting like a number, or spelling a YAML 1.1 boolean or null, is quoted.
bool ambiguous_when_plain(const std::string& value) {
  if (value.empty()) {
    return true;
  }
  static const char* const k_words[] = {"y",     "Y",     "yes",  "Yes",  "YES",  "n",    "N",
                                        "no",    "No",    "NO",   "true", "True", "TRUE", "false",
                                        "False", "FALSE", "on",   "On",   "ON",   "off",  "Off",
                                        "OFF",   "null",  "Null", "NULL", "~"};
  for (const char* word : k_words) {
    if (value == word) {
      return true;
    }
  }
  char first = value.front();
  return (first >= '0' && first <= '9') || first == '+' || first == '-' || first == '.';
}

void emit_tag(YAML::Emitter& out, const std::string& tag) {
  if (tag.empty() || tag == "?" || tag == "!") {
    return;
  }
  if (tag.rfind(k_core_prefix, 0) == 0) {
    out << YAML::SecondaryTag(tag.substr(k_core_prefix.size()));
  } else if (tag.size() > 1 && tag.front() == '!') {
    out << YAML::LocalTag(tag.substr(1));
  } else {
    out << YAML::VerbatimTag(tag);
  }
}

void emit_node(YAML::Emitter& out, const YAML::Node& node) {
  switch (node.Type()) {
  case YAML::NodeType::Map:
    emit_tag(out, node.Tag());
    if (node.Style() == YAML::EmitterStyle::Flow || node.size() == 0) {
      out << YAML::Flow;
    }
    out << YAML::BeginMap;
    for (const auto& entry : node) {
      out << YAML::Key;
      emit_node(out, entry.first);
      out << YAML::Value;
      emit_node(out, entry.second);
    }
    out << YAML::EndMap;
    return;
  case YAML::NodeType::Sequence:
    emit_tag(out, node.Tag());
    if (node.Style() == YAML::EmitterStyle::Flow || node.size() == 0) {
      out << YAML::Flow;
    }
    out << YAML::BeginSeq;
    for (const auto& item : node) {
      emit_node(out, item);
    }
    out << YAML::EndSeq;
    return;
  case YAML::NodeType::Scalar:
    emit_tag(out, node.Tag());
    if (node.Tag() == "!") {
      out << YAML::DoubleQuoted;
    }
    out << node.Scalar();
    return;
  case YAML::NodeType::Null:
  case YAML::NodeType::Undefined:
    out << YAML::Null;
    return;
  }
}

} // namespace

std::string emit(const YAML::Node& document) {
  YAML::Emitter out;
  emit_node(out, document);
  std::string text = out.c_str();
  if (!text.empty() && text.back() != '\n') {
    text += '\n';
  }
  return text;
}

YAML::Node text(const std::string& value) {
  YAML::Node node(value);
  if (ambiguous_when_plain(value)) {
    node.SetTag("!");
  }
  return node;
}

} // namespace colima::host::kubeconfig_yaml
