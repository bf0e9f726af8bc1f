#pragma once

#include "colima/config/settings.hpp"

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace colima::runtime {

// A socket the runtime serves in the guest, forwarded to <COLIMA_HOME>/<profile>/<file_name>.
struct Socket {
  std::string guest_path;
  std::string file_name;
  // The key `colima status --json` reports it under (docker_socket, containerd_socket, ...).
  std::string status_key;
};

// A shipped script run in the guest as root with its values as arguments, never as code:
// `limactl shell <id> sudo sh -s -- args...` with the script on stdin (see script_stdin).
struct GuestScript {
  // What the user sees while it runs ("provisioning docker").
  std::string stage;
  std::string text;
  // Short values only: a command line is public (/proc/*/cmdline on the host, ps in the guest).
  std::vector<std::string> args;
  // File contents the script needs, by name (a shell identifier): they travel on stdin, and the
  // script writes input NAME's exact bytes with the function `input_NAME`.
  std::map<std::string, std::string> inputs;
  // What the user can do when the script fails.
  std::string hint;
};

// A configuration file of the engine that the user may supply, as upstream: for one profile at
// <COLIMA_HOME>/<profile>/<name>, else for every profile at <XDG_CONFIG_HOME or
// ~/.config>/<shared>.
struct ConfigFile {
  std::string name;
  std::string shared;
};

// What the guest script of a stage needs beyond the profile's settings.
struct GuestContext {
  // Where Lima mounted the profile's data disk (/mnt/lima-<id>); empty without a data disk.
  std::string data_mount;
  // The VM was already running: leave an engine that is up alone.
  bool already_running = false;
  // The text of each of the runtime's config_files() the user supplied, by name.
  std::map<std::string, std::string> config_files;
};

// A container runtime: everything colima must know to provision it, forward its sockets and
// update it. Runtimes describe; the app runs what they describe through Lima, so adding one
// means adding a description and its shipped scripts, nothing else.
class Runtime {
public:
  virtual ~Runtime() = default;

  virtual std::string_view name() const = 0;
  // The sockets forwarded to the host, in the order status reports them.
  virtual std::vector<Socket> sockets() const = 0;
  // Whether the container data lives on a separate Lima disk that survives `colima delete`.
  virtual bool uses_data_disk() const = 0;
  // The guest script that configures and starts the engine after every boot; nullopt when the
  // runtime needs none. Throws UsageError for settings the runtime cannot use.
  virtual std::optional<GuestScript> provision(const config::Settings& settings,
                                               const GuestContext& context) const = 0;
  // The guest script that updates the runtime's packages from the Debian mirror and restarts
  // the engine; nullopt when the runtime cannot be updated.
  virtual std::optional<GuestScript> update() const = 0;
  // Whether the host's docker CLI gets a context for the engine.
  virtual bool has_docker_context() const = 0;
  // The engine's configuration files the user may supply; provision() receives their text.
  virtual std::vector<ConfigFile> config_files() const { return {}; }
};

// What colima sends on the stdin of `sh -s` for the script: for each input a function
// `input_NAME() { printf '%s' 'BASE64' | base64 -d; }` (base64 holds no quote, so no content can
// end the quoting, and any byte survives), then the script's text.
std::string script_stdin(const GuestScript& script);

// The runtime of a name (docker, containerd, incus, none). Throws UsageError for any other name.
std::unique_ptr<Runtime> make(std::string_view name);

} // namespace colima::runtime
