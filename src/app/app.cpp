#include "colima/app/app.hpp"
#include "colima/app/kubernetes.hpp"
#include "colima/process/interrupt.hpp"

#include "colima/config/settings_file.hpp"
#include "colima/config/validate.hpp"
#include "colima/lima/document.hpp"
#include "colima/util/error.hpp"
#include "colima/util/fs.hpp"
#include "colima/util/strings.hpp"
#include "colima/util/templates.hpp"

#include <cstdlib>
#include <fmt/format.h>
#include <unistd.h>

namespace colima::app {

namespace fs = std::filesystem;

App::App(process::Runner& runner, util::Environment environment, config::Paths paths,
         util::Progress& progress)
    : m_runner(runner), m_environment(std::move(environment)), m_paths(std::move(paths)),
      m_progress(progress) {}

std::optional<config::Settings> App::load(const fs::path& path) const {
  auto loaded = config::load_settings(path);
  if (!loaded) {
    return std::nullopt;
  }
  for (const auto& warning : loaded->warnings) {
    m_progress.warn(path.string() + ": " + warning);
  }
  return loaded->settings;
}

config::Settings App::prepare_settings(const config::Profile& profile,
                                       const StartRequest& request) const {
  std::optional<config::Settings> saved = load(m_paths.settings_file(profile));
  std::optional<config::Settings> from_template;
  if (!saved && request.use_template) {
    from_template = load(m_paths.template_file());
  }
  config::SettingsOverrides overrides = request.overrides;
  if (!saved && !from_template && !overrides.runtime && !request.default_runtime.empty()) {
    overrides.runtime = request.default_runtime;
  }
  config::Settings settings =
      config::resolve_start_settings(overrides, saved, from_template, request.use_template);
  config::validate(settings);
  lima::check_mounts(settings, m_paths.home(), m_environment);
  // The manifest that vouches for a downloaded image comes from the same mirror as the image.
  if (settings.disk_image_mirror.starts_with("http://") &&
      m_environment.get("COLIMA_INSECURE_MIRROR").value_or("") != "1") {
    throw UsageError(fmt::format("the disk image mirror '{}' is plain http: the images and the "
                                 "checksums that vouch for them could be changed on the way; use "
                                 "https://, or set COLIMA_INSECURE_MIRROR=1 to accept it",
                                 settings.disk_image_mirror));
  }
  if (auto state = load(m_paths.state_file(profile))) {
    config::check_unchangeable(settings, *state, profile.short_name());
  }
  return settings;
}

void App::make_private(const std::filesystem::path& directory) {
  if (std::error_code error = util::create_private_directory(directory)) {
    m_progress.warn(fmt::format("cannot make '{}' private to its owner (mode 0700): {}",
                                directory.string(), error.message()));
  }
}

util::FileLock App::lock_profile(const config::Profile& profile, const std::string& action) {
  fs::path file = m_paths.lock_file(profile);
  auto lock = util::FileLock::try_lock(file, fmt::format("pid {}: colima {}", ::getpid(), action));
  if (!lock) {
    std::string owner = util::FileLock::owner_of(file);
    throw Error(fmt::format("another colima command is working on {}{}: wait for it to finish and "
                            "try again",
                            profile.display_name(), owner.empty() ? "" : " (" + owner + ")"));
  }
  return std::move(*lock);
}

void App::start(const config::Profile& profile, const StartRequest& request) {
  config::Settings settings = prepare_settings(profile, request);
  // A VM to create: its disk image is input to check before anything is written or run.
  std::error_code missing;
  if (!settings.disk_image.empty() && !fs::exists(m_paths.instance_dir(profile), missing)) {
    check_disk_image(settings, false);
  }
  if (settings.kubernetes.enabled) {
    KubernetesLayer(m_runner, m_environment, m_paths, m_progress)
        .check_before_start(profile, settings);
  }
  refuse_changes_to_running(profile, settings);
  util::FileLock lock = lock_profile(profile, "start");
  refuse_foreign_data_disk(profile, settings.runtime);
  check_runtime_host(profile, settings);
  make_private(m_paths.colima_home());
  make_private(m_paths.profile_dir(profile));
  adopt_kept_data_disk(profile, settings);
  if (request.save_config) {
    config::save_settings(m_paths.settings_file(profile), settings);
  }
  if (request.edit) {
    auto edited = edit_in_editor(request.editor, std::string(templates::find("abort.yaml").value()),
                                 settings);
    if (!edited) {
      throw Error("empty file, startup aborted");
    }
    config::validate(*edited);
    lima::check_mounts(*edited, m_paths.home(), m_environment);
    if (auto state = load(m_paths.state_file(profile))) {
      config::check_unchangeable(*edited, *state, profile.short_name());
    }
    settings = *edited;
    if (request.save_config) {
      config::save_settings(m_paths.settings_file(profile), settings);
    }
  }
  bring_up(profile, settings);
  m_progress.info("done");
  if (request.foreground) {
    m_progress.info("keeping colima in the foreground: Ctrl-C (SIGINT) or SIGTERM stops " +
                    profile.display_name());
    int signal = process::wait_for_interrupt();
    m_progress.info(fmt::format("received signal {}: stopping {}", signal, profile.display_name()));
    stop_vm(profile, false);
  }
}

void App::bring_up(const config::Profile& profile, const config::Settings& settings) {
  m_progress.stage("starting " + profile.display_name());
  if (settings.kubernetes.enabled && !vm_exists(profile)) {
    // A new VM gets the distribution after its boot: have it built (or downloaded) first, so
    // that a cold build does not leave the booted VM idle for minutes.
    KubernetesLayer(m_runner, m_environment, m_paths, m_progress)
        .prepare(settings.kubernetes.version,
                 config::normalize_arch(settings.arch).value_or(config::host_arch()), false);
  }
  bool booted = boot(profile, settings);
  run_provision_scripts(profile, settings, "after-boot");
  // With Kubernetes, a running VM's runtime is configured again: its containerd may lack the
  // CRI plugin that Kubernetes needs (it was started without); nothing restarts otherwise.
  provision_runtime(profile, settings, !booted && !settings.kubernetes.enabled);
  if (settings.kubernetes.enabled) {
    KubernetesLayer(m_runner, m_environment, m_paths, m_progress).start(profile, settings);
  }
  run_provision_scripts(profile, settings, "ready");
  write_ssh_config(settings.ssh_config);
  m_progress.stage(profile.display_name() + " is ready");
}

void App::edit_template(const std::string& editor) {
  config::Settings settings = load(m_paths.template_file()).value_or(config::Settings{});
  std::string header = std::string(templates::find("abort.yaml").value()) + "\n" +
                       std::string(templates::find("template-header.yaml").value());
  auto edited = edit_in_editor(editor, header, settings);
  if (!edited) {
    throw Error("empty file, template edit aborted");
  }
  config::validate(*edited);
  make_private(m_paths.colima_home());
  config::save_settings(m_paths.template_file(), *edited);
  m_progress.info("configurations template saved to '" + m_paths.template_file().string() + "'");
}

std::vector<std::string> App::editor_argv(const std::string& editor) const {
  std::string chosen = editor;
  if (chosen.empty()) {
    chosen = m_environment.get_non_empty("EDITOR").value_or(
        m_environment.get_non_empty("VISUAL").value_or(""));
  }
  if (chosen.empty()) {
    for (const char* candidate : {"vim", "nano", "vi"}) {
      if (m_environment.find_program(candidate)) {
        chosen = candidate;
        break;
      }
    }
  }
  if (chosen.empty()) {
    throw Error("no editor found: set $EDITOR or pass --editor");
  }
  // Split as a shell splits words (quotes and backslashes, no expansion): `code --wait` and
  // `"/opt/my editor/bin/ed"` both work.
  std::optional<std::vector<std::string>> words = util::split_shell_words(chosen);
  if (!words) {
    throw UsageError(fmt::format("invalid editor command '{}': a quote is not closed", chosen));
  }
  if (words->empty()) {
    throw Error("no editor found: set $EDITOR or pass --editor");
  }
  std::vector<std::string> argv = std::move(*words);
  std::string name = fs::path(argv.front()).filename().string();
  if ((name == "code" || name == "code-insiders" || name == "codium") && argv.size() == 1) {
    argv.insert(argv.end(), {"--wait", "--new-window"});
  }
  return argv;
}

std::optional<config::Settings> App::edit_in_editor(const std::string& editor,
                                                    const std::string& header,
                                                    const config::Settings& settings) {
  std::vector<std::string> argv = editor_argv(editor);
  fs::path directory = fs::temp_directory_path();
  std::string pattern = (directory / "colima-XXXXXX.yaml").string();
  int fd = ::mkstemps(pattern.data(), 5);
  if (fd < 0) {
    throw Error("cannot create a temporary file in '" + directory.string() + "'");
  }
  ::close(fd);
  fs::path file(pattern);
  struct Remove {
    fs::path path;
    ~Remove() {
      std::error_code ignored;
      fs::remove(path, ignored);
    }
  } remove{file};
  util::atomic_write(file, header + "\n" + config::render_settings(settings));
  argv.push_back(file.string());
  int status = m_runner.run_interactive(process::Command{.argv = argv});
  if (status != 0) {
    throw Error(fmt::format("the editor '{}' exited with status {}: nothing was changed",
                            argv.front(), status));
  }
  std::string text = util::read_file(file).value_or("");
  if (util::trim(text).empty()) {
    return std::nullopt;
  }
  return config::parse_settings(text, file.string()).settings;
}

void App::prune(bool all) {
  fs::path cache = m_paths.cache_dir();
  m_progress.info("pruning '" + cache.string() + "'");
  std::error_code error;
  fs::remove_all(cache, error);
  if (error) {
    throw Error("error during prune: cannot remove '" + cache.string() + "': " + error.message());
  }
  if (all) {
    process::run_checked(m_runner,
                         process::Command{.argv = {"limactl", "prune"},
                                          .env = {{"LIMA_HOME", m_paths.lima_home().string()}}},
                         "error during Lima prune");
  }
}

} // namespace colima::app
