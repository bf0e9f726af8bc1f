#pragma once

#include "colima/process/runner.hpp"

#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace colima::host {

// The host incus client's remote for a profile's incus server: named `colima` or `colima-NAME`,
// with the address unix://<profile dir>/incus.sock. Added on start, made the default when
// activating, removed on stop and delete. Better than upstream: a user's own remote of the same
// name is never replaced or removed, and the default remote that was in use
// before colima took over becomes the default again when colima's remote goes away.
class IncusRemote {
public:
  // name: `colima` or `colima-NAME`; socket: the forwarded incus socket on the host;
  // state_dir: where the previous default remote is remembered.
  IncusRemote(process::Runner& runner, std::string name, std::filesystem::path socket,
              std::filesystem::path state_dir);

  // Throws colima::Error when a remote of that name exists with another address: the user's
  // own, which colima never changes or removes.
  void refuse_users_remote();
  // Adds the remote when it is missing and leaves it alone when it exists with our address;
  // refuses a user's remote of that name as refuse_users_remote does.
  void ensure();
  // Makes the remote the default, remembering the default it replaces.
  void activate();
  // When the remote is the default, makes the remembered previous default the default again
  // (`local` when there is none or it has gone); then removes the remote when it has our
  // address, and forgets the remembered default. A missing remote, or a user's remote of the
  // same name, is left as it is.
  void remove();
  // Whether the server answers through the remote (`incus info NAME:`).
  bool server_answers();

private:
  // The remotes the client knows, name -> address. Throws colima::Error when the client fails
  // or prints something other than its JSON object of remotes.
  std::map<std::string, std::string> remotes();
  void refuse_users_remote(const std::map<std::string, std::string>& existing) const;
  // The client's default remote, nullopt when it cannot tell.
  std::optional<std::string> default_remote();
  // Makes the named remote the default.
  void switch_to(const std::string& name);
  // The address the remote has when it is ours.
  std::string address() const;

  process::Runner& m_runner;
  std::string m_name;
  std::filesystem::path m_socket;
  std::filesystem::path m_previous_file;
};

} // namespace colima::host
