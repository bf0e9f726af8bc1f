#include "colima/host/kubeconfig.hpp"

#include "colima/util/error.hpp"
#include "colima/util/fs.hpp"
#include "colima/util/strings.hpp"
#include "kubeconfig_file.hpp"
#include "kubeconfig_yaml.hpp"

#include <system_error>
#include <utility>

namespace colima::host {

namespace fs = std::filesystem;
using kubeconfig_file::load;
using kubeconfig_file::Loaded;
using kubeconfig_file::quoted;
using kubeconfig_file::save;
using kubeconfig_file::WriteLock;

namespace {

constexpr const char* k_lists[] = {"clusters", "users", "contexts"};

// Whether the list item is a mapping whose name is name.
bool is_named(const YAML::Node& item, const std::string& name) {
  if (!item.IsMap()) {
    return false;
  }
  const YAML::Node& entry = item;
  YAML::Node value = entry["name"];
  return value && value.IsScalar() && value.Scalar() == name;
}

// The document's current-context when it sets a non-empty one.
std::optional<std::string> current_of(const YAML::Node& document) {
  const YAML::Node& map = document;
  YAML::Node value = map["current-context"];
  if (!value || !value.IsScalar() || value.Scalar().empty()) {
    return std::nullopt;
  }
  return value.Scalar();
}

// Runs the body, turning what yaml-cpp and std::filesystem throw into colima::Error.
template <typename Body> auto guarded(const fs::path& file, Body body) {
  try {
    return body();
  } catch (const Error&) {
    throw;
  } catch (const YAML::Exception& failure) {
    throw Error("cannot handle the kubeconfig " + quoted(file) + ": " + failure.what());
  } catch (const std::system_error& failure) {
    throw Error("cannot handle the kubeconfig " + quoted(file) + ": " + failure.what());
  }
}

// A list item: {name: NAME, KEY: DATA}.
YAML::Node entry(const std::string& name, const char* key, YAML::Node data) {
  YAML::Node node(YAML::NodeType::Map);
  node["name"] = kubeconfig_yaml::text(name);
  node[key] = std::move(data);
  return node;
}

// The list with entry in place of the first item named name (appended when none is) and no
// other item of that name.
YAML::Node with_entry(const YAML::Node& list, const std::string& name, const YAML::Node& entry) {
  YAML::Node result(YAML::NodeType::Sequence);
  bool placed = false;
  if (list && list.IsSequence()) {
    for (const auto& item : list) {
      if (!is_named(item, name)) {
        result.push_back(item);
      } else if (!placed) {
        result.push_back(entry);
        placed = true;
      }
    }
  }
  if (!placed) {
    result.push_back(entry);
  }
  return result;
}

// The first item's data under key (`cluster` of clusters[0], `user` of users[0]) of the
// guest's kubeconfig, copied.
YAML::Node first_data(const YAML::Node& guest, const char* list, const char* key) {
  const YAML::Node& map = guest;
  YAML::Node items = map[list];
  if (!items || !items.IsSequence() || items.size() == 0 || !items[0].IsMap()) {
    throw Error(std::string("the kubeconfig from the guest has no ") + key +
                ", is Kubernetes running in the VM?");
  }
  const YAML::Node& first = items[0];
  YAML::Node data = first[key];
  if (!data || !data.IsMap()) {
    throw Error(std::string("the kubeconfig from the guest has no ") + key +
                " data, is Kubernetes running in the VM?");
  }
  return YAML::Clone(data);
}

} // namespace

fs::path Kubeconfig::locate(const util::Environment& environment, const fs::path& home) {
  for (const std::string& entry : util::split(environment.get("KUBECONFIG").value_or(""), ':')) {
    if (!entry.empty()) {
      std::error_code error;
      fs::path absolute = fs::absolute(entry, error);
      return error ? fs::path(entry) : absolute;
    }
  }
  return home / ".kube" / "config";
}

Kubeconfig::Kubeconfig(fs::path file, fs::path previous_context_file)
    : m_file(std::move(file)), m_previous_context_file(std::move(previous_context_file)) {}

void Kubeconfig::check() const {
  guarded(m_file, [&] { load(m_file); });
}

std::optional<std::string> Kubeconfig::current_context() const {
  return guarded(m_file, [&] { return current_of(load(m_file).document); });
}

void Kubeconfig::merge(const std::string& name, std::string_view guest_kubeconfig,
                       const std::string& server_url, bool activate) {
  guarded(m_file, [&] {
    load(m_file);
    YAML::Node guest;
    try {
      guest = YAML::Load(std::string(guest_kubeconfig));
    } catch (const YAML::Exception& failure) {
      throw Error("the kubeconfig from the guest is not valid YAML: " + failure.msg);
    }
    if (!guest.IsMap()) {
      throw Error("the kubeconfig from the guest is not a mapping, is Kubernetes running in "
                  "the VM?");
    }
    YAML::Node cluster = first_data(guest, "clusters", "cluster");
    YAML::Node user = first_data(guest, "users", "user");
    cluster["server"] = kubeconfig_yaml::text(server_url);
    YAML::Node context(YAML::NodeType::Map);
    context["cluster"] = kubeconfig_yaml::text(name);
    context["user"] = kubeconfig_yaml::text(name);

    WriteLock lock(m_file);
    Loaded loaded = load(m_file);
    YAML::Node& document = loaded.document;
    if (document.size() == 0) {
      document["apiVersion"] = "v1";
      document["kind"] = "Config";
      document["preferences"] = YAML::Node(YAML::NodeType::Map);
    }
    const YAML::Node& before = document;
    document["clusters"] = with_entry(before["clusters"], name, entry(name, "cluster", cluster));
    document["users"] = with_entry(before["users"], name, entry(name, "user", user));
    document["contexts"] = with_entry(before["contexts"], name, entry(name, "context", context));
    if (activate) {
      std::optional<std::string> previous = current_of(document);
      if (previous && *previous != name) {
        util::atomic_write(m_previous_context_file, *previous + "\n");
      } else if (!previous) {
        std::error_code ignored;
        fs::remove(m_previous_context_file, ignored);
      }
      document["current-context"] = kubeconfig_yaml::text(name);
    }
    save(loaded, name);
  });
}

void Kubeconfig::remove(const std::string& name) {
  guarded(m_file, [&] {
    std::error_code ignored;
    if (!load(m_file).bytes) {
      fs::remove(m_previous_context_file, ignored);
      return;
    }
    std::optional<std::string> previous;
    if (auto recorded = util::read_file(m_previous_context_file)) {
      previous = util::trim(*recorded);
    }
    {
      WriteLock lock(m_file);
      Loaded loaded = load(m_file);
      YAML::Node& document = loaded.document;
      const YAML::Node& view = document;
      bool changed = false;
      for (const char* key : k_lists) {
        YAML::Node list = view[key];
        if (!list || !list.IsSequence()) {
          continue;
        }
        YAML::Node kept(YAML::NodeType::Sequence);
        for (const auto& item : list) {
          if (is_named(item, name)) {
            changed = true;
          } else {
            kept.push_back(item);
          }
        }
        document[key] = kept;
      }
      if (current_of(document) == name) {
        changed = true;
        bool restorable = false;
        if (previous && !previous->empty()) {
          for (const auto& item : view["contexts"]) {
            restorable = restorable || is_named(item, *previous);
          }
        }
        if (restorable) {
          document["current-context"] = kubeconfig_yaml::text(*previous);
        } else {
          document.remove("current-context");
        }
      }
      if (changed) {
        save(loaded, name);
      }
    }
    fs::remove(m_previous_context_file, ignored);
  });
}

} // namespace colima::host
