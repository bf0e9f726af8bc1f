#pragma once

#include <string>
#include <string_view>

namespace colima::config {

// A named, independent colima VM. The default profile is Lima instance `colima` with settings
// in `<COLIMA_HOME>/default/`; profile NAME is instance `colima-NAME` with settings in
// `<COLIMA_HOME>/NAME/`. Given `colima-NAME` as a name means NAME, as upstream Colima does.
class Profile {
public:
  // The profile for a user-supplied name ("" and "default" and "colima" mean the default).
  // Throws UsageError for names with '/', "..", white space, control characters, characters
  // Lima refuses in instance names, or more than 60 characters.
  static Profile from_name(std::string_view name);

  // The default profile.
  Profile();

  // The Lima instance name, docker context and SSH host: `colima` or `colima-NAME`.
  const std::string& id() const { return m_id; }
  // The settings directory name and the name `colima list` prints: `default` or `NAME`.
  const std::string& short_name() const { return m_short_name; }
  // How messages name the profile: `colima` or `colima [profile=NAME]`.
  std::string display_name() const;
  // How a command line in a hint names the profile: "" for the default one, else " NAME" (as in
  // "'colima start" + argument() + "'").
  std::string argument() const;
  // True for the default profile.
  bool is_default() const { return m_short_name == "default"; }

  bool operator==(const Profile& other) const { return m_id == other.m_id; }

private:
  Profile(std::string id, std::string short_name);

  std::string m_id;
  std::string m_short_name;
};

} // namespace colima::config
