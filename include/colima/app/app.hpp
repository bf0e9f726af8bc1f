#pragma once

#include "colima/config/overrides.hpp"
#include "colima/config/paths.hpp"
#include "colima/config/profile.hpp"
#include "colima/config/settings.hpp"
#include "colima/process/runner.hpp"
#include "colima/util/environment.hpp"
#include "colima/util/progress.hpp"

#include <filesystem>
#include <optional>
#include <string>

namespace colima::app {

// What `colima start` was asked to do.
struct StartRequest {
  config::SettingsOverrides overrides;
  // The runtime of a new profile when neither --runtime nor a template names one
  // ($COLIMA_DEFAULT_RUNTIME).
  std::string default_runtime;
  // Start a new profile from the template when it has no colima.yaml yet.
  bool use_template = true;
  // Write the resulting settings to the profile's colima.yaml.
  bool save_config = true;
  // Open the settings in an editor before starting.
  bool edit = false;
  std::string editor;
  bool foreground = false;
};

// colima's operations, one method per user-visible action. The command line maps flags onto
// these calls and does nothing else; everything that runs a program goes through the runner.
class App {
public:
  App(process::Runner& runner, util::Environment environment, config::Paths paths,
      util::Progress& progress);

  // The settings a start would use: flags over the profile's file, the template or the
  // defaults; validated, and checked against the running VM's unchangeable settings.
  // Throws UsageError for bad settings (nothing is written then).
  config::Settings prepare_settings(const config::Profile& profile,
                                    const StartRequest& request) const;

  // Prepares and saves the settings (and lets the user edit them with --edit), then starts
  // the VM.
  void start(const config::Profile& profile, const StartRequest& request);

  // The path of the template new profiles start from.
  std::filesystem::path template_path() const { return m_paths.template_file(); }

  // Opens the template in an editor and saves it when the edit parses and validates.
  void edit_template(const std::string& editor);

  // Empties colima's cache; with all, Lima's download cache too.
  void prune(bool all);

  // The directory prune empties.
  std::filesystem::path cache_dir() const { return m_paths.cache_dir(); }

  const config::Paths& paths() const { return m_paths; }

private:
  std::optional<config::Settings> load(const std::filesystem::path& path) const;
  // Writes header + settings text to a temporary file, opens the editor on it and returns the
  // settings parsed from what the user saved, or nullopt when the file was emptied.
  std::optional<config::Settings> edit_in_editor(const std::string& editor,
                                                 const std::string& header,
                                                 const config::Settings& settings);
  std::vector<std::string> editor_argv(const std::string& editor) const;

  process::Runner& m_runner;
  util::Environment m_environment;
  config::Paths m_paths;
  util::Progress& m_progress;
};

} // namespace colima::app
