#include "colima/util/error.hpp"
#include "invocation.hpp"

#include <fmt/format.h>

#ifndef COLIMA_VERSION
#define COLIMA_VERSION "development"
#endif
#ifndef COLIMA_REVISION
#define COLIMA_REVISION "unknown"
#endif

namespace colima::cli {

namespace {
// Adds the optional positional [profile] that upstream's VM commands take.
std::shared_ptr<std::string> add_profile_argument(CLI::App* command) {
  auto profile = std::make_shared<std::string>();
  command->add_option("profile", *profile, "profile name, for multiple instances")->type_name("");
  return profile;
}
} // namespace

void add_lifecycle_commands(CLI::App& root, Invocation& invocation) {
  {
    CLI::App* c = root.add_subcommand("stop", "stop Colima");
    auto profile = add_profile_argument(c);
    auto force = std::make_shared<bool>(false);
    c->add_flag("-f,--force", *force, "stop without graceful shutdown");
    invocation.on_run(c, [profile, &invocation] {
      invocation.profile(*profile);
      not_built("stopping a virtual machine");
    });
  }
  {
    CLI::App* c = root.add_subcommand("restart", "restart Colima");
    auto profile = add_profile_argument(c);
    auto force = std::make_shared<bool>(false);
    c->add_flag("-f,--force", *force, "during restart, do stop without graceful shutdown");
    invocation.on_run(c, [profile, &invocation] {
      invocation.profile(*profile);
      not_built("restarting a virtual machine");
    });
  }
  {
    CLI::App* c = root.add_subcommand("delete", "delete and teardown Colima and all settings");
    auto profile = add_profile_argument(c);
    auto force = std::make_shared<bool>(false);
    auto data = std::make_shared<bool>(false);
    c->add_flag("-f,--force", *force, "do not prompt for yes/no");
    c->add_flag("-d,--data", *data, "delete container runtime data");
    invocation.on_run(c, [profile, &invocation] {
      invocation.profile(*profile);
      not_built("deleting a virtual machine");
    });
  }
  {
    CLI::App* c = root.add_subcommand("status", "show the status of Colima");
    auto profile = add_profile_argument(c);
    auto extended = std::make_shared<bool>(false);
    auto json = std::make_shared<bool>(false);
    c->add_flag("-e,--extended", *extended, "include additional details");
    c->add_flag("-j,--json", *json, "print json output");
    invocation.on_run(c, [profile, &invocation] {
      invocation.profile(*profile);
      not_built("the status of a virtual machine");
    });
  }
  {
    CLI::App* c = root.add_subcommand("list", "list instances");
    c->alias("ls");
    auto profile = add_profile_argument(c);
    auto json = std::make_shared<bool>(false);
    c->add_flag("-j,--json", *json, "print json output");
    invocation.on_run(c, [profile, &invocation] {
      invocation.profile(*profile);
      not_built("listing virtual machines");
    });
  }
  {
    CLI::App* c = root.add_subcommand("ssh", "SSH into the VM");
    c->alias("exec");
    c->alias("x");
    auto command = std::make_shared<std::vector<std::string>>();
    c->add_option("command", *command, "command to run in the VM, after --")->type_name("");
    c->footer("Appending additional command runs the command instead, e.g.\n"
              "  colima ssh -- htop");
    invocation.on_run(c, [&invocation] {
      invocation.profile();
      not_built("ssh into a virtual machine");
    });
  }
  {
    CLI::App* c = root.add_subcommand("ssh-config", "show SSH connection config");
    auto profile = add_profile_argument(c);
    invocation.on_run(c, [profile, &invocation] {
      invocation.profile(*profile);
      not_built("the SSH config of a virtual machine");
    });
  }
  {
    CLI::App* c = root.add_subcommand("update", "update the container runtime");
    c->alias("u");
    c->alias("up");
    auto profile = add_profile_argument(c);
    invocation.on_run(c, [profile, &invocation] {
      invocation.profile(*profile);
      not_built("updating the container runtime");
    });
  }
  {
    CLI::App* c = root.add_subcommand("version", "print the version of Colima");
    auto profile = add_profile_argument(c);
    invocation.on_run(c, [profile, &invocation] {
      invocation.profile(*profile);
      fmt::print("colima version {}\ngit commit: {}\n", COLIMA_VERSION, COLIMA_REVISION);
    });
  }
}

} // namespace colima::cli
