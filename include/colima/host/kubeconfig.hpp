#pragma once

#include "colima/util/environment.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace colima::host {

// The host kubectl's configuration for a profile's Kubernetes: a cluster, a user and a context,
// all three named after the profile (`colima` or `colima-NAME`, passed by the caller), merged
// into the user's kubeconfig on start, made current when asked, removed on delete. Same shape
// as DockerContext, but in-process (yaml-cpp, no kubectl): every other cluster, user, context,
// preference, extension and unknown key is kept with the same values (comments, anchors and
// layout are not kept: yaml-cpp does not carry them, hence the backup). Better than upstream:
// the context that was current before colima took over is recorded and made current again when
// colima's context goes away; a file that is not a kubeconfig is refused before anything boots
// and never touched; a symlinked kubeconfig stays a symlink; writes are atomic with mode 0600.
//
// Before each write over an existing file, its bytes are copied (atomically, 0600, replacing the
// previous copy) to `<directory of the file>/.<name>/<file name>.bak`, e.g.
// ~/.kube/.colima/config.bak: next to the file, so the copy outlives the profile's deletion.
//
// With several files in $KUBECONFIG only the first is read and written: kubectl takes the
// first current-context set, so setting ours there wins, and unsetting it on removal hands
// the choice back to the later files.
class Kubeconfig {
public:
  // The file kubectl would write: the first non-empty entry of the colon-separated
  // $KUBECONFIG (made absolute), else <home>/.kube/config.
  static std::filesystem::path locate(const util::Environment& environment,
                                      const std::filesystem::path& home);

  // file: the kubeconfig (see locate; a symlink is followed on every access);
  // previous_context_file: where the context that was current before ours is remembered,
  // e.g. <COLIMA_HOME>/<profile>/kubeconfig-previous-context.
  Kubeconfig(std::filesystem::path file, std::filesystem::path previous_context_file);

  // The kubeconfig as given to the constructor.
  const std::filesystem::path& file() const { return m_file; }

  // Refuses a kubeconfig colima could not safely merge into, without touching it: a directory
  // or another non-regular file throws UsageError; a file that cannot be read, is not valid
  // YAML, is not a mapping, or whose clusters, users or contexts are not lists throws
  // colima::Error. Each names the path and ends with a hint. A missing file passes.
  void check() const;

  // Merges the kubeconfig the guest produced (k3s's k3s.yaml or any file with one cluster,
  // user and context): its first cluster's and first user's data, renamed to name, with the
  // cluster's server replaced by server_url (e.g. https://127.0.0.1:6443), and a context
  // name -> (name, name). Entries already named name are replaced in place, others are kept.
  // With activate, current-context becomes name, and the one it replaces (when set and not
  // name) is recorded in the previous-context file (0600). A missing file is created (its
  // directory with mode 0700); nothing is written when the content would not change. Throws
  // colima::Error naming the guest's kubeconfig when it lacks a cluster or a user, and as
  // check() does for the host's file.
  void merge(const std::string& name, std::string_view guest_kubeconfig,
             const std::string& server_url, bool activate);

  // Removes exactly the cluster, user and context named name. When current-context was name,
  // the recorded previous context becomes current again if the file still has it; otherwise
  // current-context is unset. A missing file, or one with nothing of ours, is not written.
  // The previous-context file is removed. Throws as check() does.
  void remove(const std::string& name);

  // The file's current-context, or nullopt when the file is missing or sets none.
  std::optional<std::string> current_context() const;

private:
  std::filesystem::path m_file;
  std::filesystem::path m_previous_context_file;
};

} // namespace colima::host
