#pragma once

#include "colima/config/overrides.hpp"
#include "colima/config/paths.hpp"
#include "colima/config/profile.hpp"
#include "colima/config/settings.hpp"
#include "colima/lima/document.hpp"
#include "colima/process/runner.hpp"
#include "colima/runtime/runtime.hpp"
#include "colima/util/environment.hpp"
#include "colima/util/file_lock.hpp"
#include "colima/util/progress.hpp"

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

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

// A profile's state as `colima status` reports it.
struct Status {
  // Running, Stopped, Broken, or another state Lima names.
  std::string status;
  std::string display_name;
  std::string driver = "QEMU";
  std::string arch;
  std::string runtime;
  std::string mount_type;
  std::string docker_socket;
  std::string containerd_socket;
  std::string buildkitd_socket;
  std::string incus_socket;
  bool kubernetes = false;
  int cpu = 0;
  std::int64_t memory = 0;
  std::int64_t disk = 0;

  // Upstream's keys, in upstream's order, plus `status`.
  nlohmann::ordered_json to_json() const;
};

// One row of `colima list`.
struct ListEntry {
  std::string name;
  std::string status;
  std::string arch;
  int cpus = 0;
  std::int64_t memory = 0;
  std::int64_t disk = 0;
  std::string address;
  std::string runtime;

  // Upstream's keys in upstream's order, empty ones left out.
  nlohmann::ordered_json to_json() const;
};

// The text of the nerdctl shim for a profile: `exec <colima_binary> nerdctl --profile <profile>
// -- "$@"`, both words quoted for sh, with the marker line that lets a later install replace it.
std::string nerdctl_shim(const std::string& profile, const std::filesystem::path& colima_binary);

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

  // Stops the VM (`--force`: without a graceful shutdown). Says so when it is not running.
  void stop(const config::Profile& profile, bool force);

  // Updates the container runtime's packages in the running VM from the Debian mirror.
  void update(const config::Profile& profile);

  // Stops and starts the VM with its saved settings.
  void restart(const config::Profile& profile, bool force);

  // Deletes the VM and its settings; with data, also the container data disk.
  void remove(const config::Profile& profile, bool data);

  // Copies a profile: its settings, and when its VM exists (it must be stopped) the VM and its
  // container data disk. The copy starts with `colima start <to>`.
  void clone(const config::Profile& from, const config::Profile& to);

  // The profile's status; nullopt when the profile has no VM.
  std::optional<Status> status(const config::Profile& profile);

  // Every colima VM, or only the given profile's.
  std::vector<ListEntry> list(const std::optional<config::Profile>& only);

  // Runs argv in the VM (a login shell when empty) on the user's terminal; returns its exit
  // status.
  int ssh(const config::Profile& profile, const std::vector<std::string>& argv);

  // Runs nerdctl in the VM as root (`sudo nerdctl args...`) on the user's terminal, in the
  // user's directory when a mount holds it, with the host's CONTAINERD_* and NERDCTL_*
  // variables; returns nerdctl's exit status. Throws Error unless the profile runs containerd.
  int nerdctl(const config::Profile& profile, const std::vector<std::string>& args);

  // Writes the shell script at path that runs `colima nerdctl` for the profile, so that users
  // type `nerdctl`. A file there that colima did not write is refused unless force (then kept
  // as <path>.moved). colima_binary is the absolute path the script calls.
  void install_nerdctl(const config::Profile& profile, const std::filesystem::path& path,
                       bool force, const std::filesystem::path& colima_binary);

  // The SSH client configuration of the VM, its Host named after the instance.
  std::string ssh_config(const config::Profile& profile);

  // What `colima kubernetes` can do to the cluster of a running VM.
  enum class KubernetesAction { start, stop, remove, reset };
  // Starts (provisioning when needed), stops, deletes or resets the profile's cluster. The
  // settings' kubernetes.enabled is left as it is, as upstream: the next `colima start`
  // applies the settings again. Throws Error when the VM is not running.
  void kubernetes(const config::Profile& profile, KubernetesAction action);

  // Copies images from the runtime's store (docker's, or nerdctl's default namespace) into the
  // store the cluster's kubelet reads (containerd's k8s.io namespace), so that pods run them
  // with imagePullPolicy Never. Throws Error naming an image the runtime does not have.
  void kubernetes_load(const config::Profile& profile, const std::vector<std::string>& images);

  // Builds (a plain version) or downloads (a k3s version) a Kubernetes distribution for the
  // architecture ahead of a start.
  void build_kubernetes(const std::string& version, const std::string& arch);

  // Builds the guest image for the architecture and runtime.
  void build_image(const std::string& arch, const std::string& runtime, const std::string& suite);

  // What `colima version` adds to colima's own version: limactl's version and, when the VM
  // runs, the runtime, the guest architecture and the engine's client and server versions.
  std::string version_details(const config::Profile& profile);

  // The guest images in the cache.
  std::vector<std::string> list_images();

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
  // The guest directory of the user's current directory when one of the running VM's mounts
  // holds it (at its mount point); nullopt otherwise.
  std::optional<std::string> guest_workdir(const config::Profile& profile) const;
  // Takes the profile's lock for an action that changes its VM (start, stop, restart, delete,
  // update); throws Error naming the holder when another colima command has it.
  util::FileLock lock_profile(const config::Profile& profile, const std::string& action);
  // Creates the directory 0700, or takes group and other permissions off it (a warning when
  // that fails): colima's directories hold settings with environment values and sockets.
  void make_private(const std::filesystem::path& directory);
  // Whether Lima has an instance directory for the profile (no limactl run): commands that
  // act on an existing VM check it before they take the profile's lock.
  bool vm_exists(const config::Profile& profile) const;
  // A start asked of a running VM with settings it takes only at a start (cpu, memory, disk,
  // mounts, env, network, port forwarder, provision scripts) other than those it runs with:
  // refused (UsageError) before anything is saved.
  void refuse_changes_to_running(const config::Profile& profile, const config::Settings& settings);
  // stop() without the lock.
  void stop_vm(const config::Profile& profile, bool force);
  std::optional<config::Settings> load(const std::filesystem::path& path) const;
  // Writes header + settings text to a temporary file, opens the editor on it and returns the
  // settings parsed from what the user saved, or nullopt when the file was emptied.
  std::optional<config::Settings> edit_in_editor(const std::string& editor,
                                                 const std::string& header,
                                                 const config::Settings& settings);
  std::vector<std::string> editor_argv(const std::string& editor) const;
  // For a VM about to be created on a data disk that `delete` kept: a kept disk larger than
  // settings.disk sets settings.disk (disks never shrink), so that the settings and status tell
  // the truth; a smaller one is grown by boot.
  void adopt_kept_data_disk(const config::Profile& profile, config::Settings& settings);
  // For a VM about to be created on a data disk that `delete` kept: refuses (UsageError) a
  // runtime that cannot use the data the disk holds (incus's, or docker's and containerd's).
  void refuse_foreign_data_disk(const config::Profile& profile, const std::string& runtime);
  // What the runtime needs of the host, checked before anything is written: for incus, the
  // incus client, and no remote of the profile's name that the user made.
  void check_runtime_host(const config::Profile& profile, const config::Settings& settings);
  // Boots the VM, provisions its runtime, connects the host and writes the SSH config.
  void bring_up(const config::Profile& profile, const config::Settings& settings);
  // Boots the VM of a profile with the given settings: creates it or resumes it. Returns false
  // when it was already running.
  bool boot(const config::Profile& profile, const config::Settings& settings);
  // Configures and starts the runtime in the guest (with already_running, only when its engine
  // is down) and connects the host's docker CLI when the runtime has a docker context.
  void provision_runtime(const config::Profile& profile, const config::Settings& settings,
                         bool already_running);
  // The engine configuration files the user supplied for the runtime (the profile's own, else
  // the shared one), by name.
  std::map<std::string, std::string> supplied_config_files(const config::Profile& profile,
                                                           const runtime::Runtime& runtime) const;
  // Runs the user's provision scripts of a mode colima runs (after-boot, ready) as the Lima user,
  // each with `sh -s`; a failing script is a warning, as upstream.
  void run_provision_scripts(const config::Profile& profile, const config::Settings& settings,
                             const std::string& mode);
  // Runs a runtime's guest script as root; throws Error with the script's last stderr line.
  process::Result run_guest_script(const config::Profile& profile,
                                   const runtime::GuestScript& script);
  // The guest disk image for a new VM: --disk-image, the cache, or a fresh build.
  // The disk image (and, for colima's own images, its kernel for a direct boot).
  std::pair<std::string, std::optional<lima::DirectBoot>>
  choose_image(const config::Settings& settings, const std::string& arch);
  // The absolute path of --disk-image once qemu-img has read it: a raw or qcow2 image, or with
  // force_disk_image any format (then a warning when warn). Throws UsageError otherwise.
  std::string check_disk_image(const config::Settings& settings, bool warn);
  // The Debian suite of guest images ($COLIMA_IMAGE_SUITE, default trixie).
  std::string image_suite() const;
  // Connects the host's docker CLI to the profile's engine: waits for the forwarded socket to
  // answer, creates the context and, with auto_activate, makes it current.
  void connect_docker(const config::Profile& profile, const config::Settings& settings);
  // Removes the profile's docker context, restoring the context that was current before.
  void disconnect_docker(const config::Profile& profile);
  // Connects the host's incus client to the profile's incus: waits for the server to answer
  // through the forwarded socket, adds the remote and, with auto_activate, makes it current.
  void connect_incus(const config::Profile& profile, const config::Settings& settings);
  // Removes the profile's incus remote, making the one current before (or `local`) current.
  void disconnect_incus(const config::Profile& profile);
  // Writes <COLIMA_HOME>/ssh_config for the running VMs; with include_in_user_config, adds an
  // Include of it to ~/.ssh/config once.
  void write_ssh_config(bool include_in_user_config);

  process::Runner& m_runner;
  util::Environment m_environment;
  config::Paths m_paths;
  util::Progress& m_progress;
};

} // namespace colima::app
