#include "colima/util/strings.hpp"
#include "invocation.hpp"

#include <fmt/format.h>

namespace colima::cli {

namespace {

std::vector<const CLI::App*> subcommands(const CLI::App& command) {
  std::vector<const CLI::App*> result;
  for (const CLI::App* sub : command.get_subcommands([](const CLI::App*) { return true; })) {
    result.push_back(sub);
  }
  return result;
}

std::string words_of(const CLI::App& command) {
  std::vector<std::string> words;
  for (const CLI::App* sub : subcommands(command)) {
    words.push_back(sub->get_name());
    for (const auto& alias : sub->get_aliases()) {
      words.push_back(alias);
    }
  }
  for (const CLI::Option* option : command.get_options()) {
    if (option->get_group().empty()) {
      continue;
    }
    for (const auto& name : option->get_lnames()) {
      words.push_back("--" + name);
    }
    for (const auto& name : option->get_snames()) {
      words.push_back("-" + name);
    }
  }
  return util::join(words, " ");
}

std::string bash(const CLI::App& root) {
  std::string cases;
  for (const CLI::App* sub : subcommands(root)) {
    std::vector<std::string> names = {sub->get_name()};
    for (const auto& alias : sub->get_aliases()) {
      names.push_back(alias);
    }
    cases += fmt::format("    {}) words=\"{}\" ;;\n", util::join(names, "|"), words_of(*sub));
  }
  return fmt::format(R"(# bash completion for colima
_colima() {{
  local cur="${{COMP_WORDS[COMP_CWORD]}}" command="" words i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "${{COMP_WORDS[i]}}" in -*) ;; *) command="${{COMP_WORDS[i]}}"; break ;; esac
  done
  case "$command" in
    "") words="{}" ;;
{}    *) words="" ;;
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}}
complete -F _colima colima
)",
                     words_of(root), cases);
}

std::string fish(const CLI::App& root) {
  std::string out = "# fish completion for colima\ncomplete -c colima -f\n";
  for (const CLI::App* sub : subcommands(root)) {
    out += fmt::format("complete -c colima -n __fish_use_subcommand -a {} -d '{}'\n",
                       sub->get_name(), sub->get_description());
    for (const CLI::Option* option : sub->get_options()) {
      if (option->get_group().empty()) {
        continue;
      }
      for (const auto& name : option->get_lnames()) {
        out += fmt::format("complete -c colima -n '__fish_seen_subcommand_from {}' -l {}\n",
                           sub->get_name(), name);
      }
    }
  }
  return out;
}

std::string zsh(const CLI::App& root) {
  return "#compdef colima\n# zsh completion for colima (uses the bash completion)\n"
         "autoload -U +X bashcompinit && bashcompinit\n" +
         bash(root);
}

std::string powershell(const CLI::App& root) {
  return fmt::format("# powershell completion for colima\n"
                     "Register-ArgumentCompleter -Native -CommandName colima -ScriptBlock {{\n"
                     "  param($word)\n"
                     "  '{}'.Split(' ') | Where-Object {{ $_ -like \"$word*\" }}\n"
                     "}}\n",
                     words_of(root));
}

} // namespace

std::string completion_script(const CLI::App& root, const std::string& shell) {
  if (shell == "bash") {
    return bash(root);
  }
  if (shell == "zsh") {
    return zsh(root);
  }
  if (shell == "fish") {
    return fish(root);
  }
  return powershell(root);
}

} // namespace colima::cli
