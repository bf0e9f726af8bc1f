#pragma once

#include "colima/process/runner.hpp"

#include <filesystem>
#include <optional>
#include <string>

namespace colima::host {

// The host docker CLI's context for a profile's engine: created idempotently with upstream's
// name and description, made current on start when asked, removed on stop and delete. Better
// than upstream: the context that was current before colima took over is recorded and made
// current again when colima's context goes away.
class DockerContext {
public:
  // name: `colima` or `colima-NAME`; socket: the forwarded engine socket on the host;
  // state_dir: where the previous context is remembered.
  DockerContext(process::Runner& runner, std::string name, std::string description,
                std::filesystem::path socket, std::filesystem::path state_dir);

  // Creates the context when it does not exist yet.
  void ensure();
  // Makes the context current, remembering the one it replaces.
  void activate();
  // Removes the context; when it was current, the remembered one becomes current again.
  void remove();
  // Whether the engine answers through the context (`docker --context NAME version`).
  bool engine_answers();

private:
  std::optional<std::string> current();

  process::Runner& m_runner;
  std::string m_name;
  std::string m_description;
  std::filesystem::path m_socket;
  std::filesystem::path m_previous_file;
};

} // namespace colima::host
