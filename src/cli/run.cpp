#include "colima/cli/run.hpp"

#include "colima/process/interrupt.hpp"
#include "colima/process/posix_runner.hpp"
#include "colima/util/error.hpp"
#include "colima/util/strings.hpp"
#include "invocation.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <regex>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#ifndef COLIMA_VERSION
#define COLIMA_VERSION "development"
#endif

namespace colima::cli {

namespace {

constexpr const char* k_exit_codes = "Exit status:\n"
                                     "  0  success\n"
                                     "  1  the command failed\n"
                                     "  2  bad command line or settings (nothing was changed)\n"
                                     "  3  the capability is not built yet in this colima\n"
                                     "See docs/exit-codes.md.";

// Commands that work as root because they touch no VM, settings or Lima state.
bool allowed_as_root(const CLI::App* command) {
  return command->get_name() == "version" || command->get_name() == "completion";
}

void allow_extras_everywhere(CLI::App* command) {
  command->allow_extras();
  for (CLI::App* sub : command->get_subcommands([](CLI::App*) { return true; })) {
    allow_extras_everywhere(sub);
  }
}

std::vector<std::string> names_of_commands(const CLI::App* command) {
  std::vector<std::string> names;
  for (const CLI::App* sub : command->get_subcommands([](const CLI::App*) { return true; })) {
    names.push_back(sub->get_name());
    for (const auto& alias : sub->get_aliases()) {
      names.push_back(alias);
    }
  }
  return names;
}

std::vector<std::string> names_of_flags(const CLI::App* command) {
  std::vector<std::string> names;
  for (const CLI::App* app = command; app != nullptr; app = app->get_parent()) {
    for (const CLI::Option* option : app->get_options()) {
      for (const auto& name : option->get_lnames()) {
        names.push_back("--" + name);
      }
    }
  }
  return names;
}

std::string command_path(const CLI::App* command) {
  std::string path = command->get_name();
  for (const CLI::App* app = command->get_parent(); app != nullptr; app = app->get_parent()) {
    path = app->get_name() + " " + path;
  }
  return path;
}

// Refuses what CLI11 let through as extras anywhere along the parsed command chain (unknown
// flags fall through to the parents): unknown commands and unknown flags, reported against the
// deepest command parsed.
void check_extras(const CLI::App* command) {
  std::vector<std::string> extras;
  for (const CLI::App* app = command; app != nullptr; app = app->get_parent()) {
    for (const auto& extra : app->remaining()) {
      extras.push_back(extra);
    }
  }
  if (extras.empty()) {
    return;
  }
  auto flag = std::find_if(extras.begin(), extras.end(),
                           [](const std::string& word) { return word.starts_with("-"); });
  if (flag != extras.end()) {
    std::string name = flag->substr(0, flag->find('='));
    throw UsageError(fmt::format("unknown flag '{}' for '{}'{}", name, command_path(command),
                                 util::did_you_mean(name, names_of_flags(command))));
  }
  const std::string& first = extras.front();
  std::vector<std::string> commands = names_of_commands(command);
  if (!commands.empty()) {
    throw UsageError(fmt::format("unknown command '{}' for '{}'{}", first, command_path(command),
                                 util::did_you_mean(first, commands)));
  }
  throw UsageError(fmt::format("unexpected argument '{}' for '{}'", first, command_path(command)));
}

// "could not convert: --cpus = many" as colima says it.
std::string describe_conversion_error(const std::string& message) {
  static const std::regex pattern("could not convert: (\\S+) = (.*)", std::regex::icase);
  std::smatch match;
  if (std::regex_search(message, match, pattern)) {
    return fmt::format("invalid value '{}' for '{}': it is not a number", match[2].str(),
                       match[1].str());
  }
  return message;
}

std::string lowercase_first(std::string text) {
  if (!text.empty() && text.front() >= 'A' && text.front() <= 'Z') {
    text.front() = static_cast<char>(text.front() - 'A' + 'a');
  }
  return text;
}

void configure_logging(const Invocation& invocation) {
  auto logger = spdlog::stderr_logger_mt("colima");
  logger->set_pattern("colima: %l: %v");
  spdlog::set_default_logger(logger);
  spdlog::set_level(invocation.very_verbose ? spdlog::level::trace
                    : invocation.verbose    ? spdlog::level::debug
                                            : spdlog::level::warn);
}

int run_command(CLI::App& root, Invocation& invocation, bool show_version) {
  CLI::App* command = &root;
  while (!command->get_subcommands().empty()) {
    command = command->get_subcommands().front();
  }
  check_extras(command);
  if (command == &root) {
    if (show_version) {
      fmt::print("colima version {}\n", COLIMA_VERSION);
    } else {
      fmt::print("{}", root.help());
    }
    return 0;
  }
  if (::geteuid() == 0 && !allowed_as_root(command)) {
    throw Error("colima must not be run as root: Lima refuses to run as root, so run colima as "
                "an ordinary user (e.g. 'runuser -u <user> -- colima " +
                command->get_name() + "')");
  }
  std::function<void()>* action = invocation.action_for(command);
  if (action == nullptr) {
    fmt::print("{}", command->help());
    return 0;
  }
  (*action)();
  return 0;
}

} // namespace

int run(int argc, char** argv) {
  process::catch_interrupts();
  process::PosixRunner runner;
  util::Progress progress;
  Invocation invocation(util::Environment::from_process(), runner, progress);
  CLI::App root("Colima: container runtimes on Linux with minimal setup.", "colima");
  root.fallthrough();
  // One command per invocation: a second command's name (or alias) is the first one's
  // argument, e.g. a profile named k8s in `colima status k8s`.
  root.require_subcommand(0, 1);
  root.footer(k_exit_codes);
  root.add_option("-p,--profile", invocation.profile_flag, "profile name, for multiple instances")
      ->default_str("default");
  root.add_flag("-v,--verbose", invocation.verbose, "enable verbose log");
  root.add_flag("--very-verbose", invocation.very_verbose, "enable more verbose log");
  bool show_version = false;
  root.add_flag("--version", show_version, "version for colima");
  add_start_command(root, invocation);
  add_lifecycle_commands(root, invocation);
  add_other_commands(root, invocation);
  allow_extras_everywhere(&root);
  try {
    // Everything after the first `--` is the command of `colima ssh` or `colima nerdctl`,
    // passed on as it is, never parsed as colima's flags.
    std::vector<std::string> words(argv + 1, argv + argc);
    auto separator = std::find(words.begin(), words.end(), std::string("--"));
    if (separator != words.end()) {
      invocation.passthrough.assign(separator + 1, words.end());
      words.erase(separator, words.end());
    }
    // CLI11 takes the words in reverse order.
    std::reverse(words.begin(), words.end());
    try {
      root.parse(words);
    } catch (const CLI::CallForHelp&) {
      CLI::App* command = &root;
      while (!command->get_subcommands().empty()) {
        command = command->get_subcommands().front();
      }
      fmt::print("{}", command->help());
      return 0;
    } catch (const CLI::CallForAllHelp&) {
      fmt::print("{}", root.help("", CLI::AppFormatMode::All));
      return 0;
    } catch (const CLI::ConversionError& error) {
      throw UsageError(describe_conversion_error(error.what()));
    } catch (const CLI::ParseError& error) {
      throw UsageError(lowercase_first(error.what()));
    }
    configure_logging(invocation);
    return run_command(root, invocation, show_version);
  } catch (const ExitStatus& status) {
    std::fflush(stdout);
    return status.exit_code();
  } catch (const Error& error) {
    std::fflush(stdout);
    fmt::print(stderr, "colima: error: {}\n", util::printable(error.what()));
    return error.exit_code();
  } catch (const std::exception& error) {
    std::fflush(stdout);
    fmt::print(stderr, "colima: error: {}\n", util::printable(error.what()));
    return 1;
  }
}

} // namespace colima::cli
