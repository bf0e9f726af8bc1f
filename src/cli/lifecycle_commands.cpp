#include "colima/util/error.hpp"
#include "invocation.hpp"

#include <cstdio>
#include <fmt/format.h>
#include <iostream>
#include <optional>
#include <unistd.h>

#ifndef COLIMA_VERSION
#define COLIMA_VERSION "development"
#endif
#ifndef COLIMA_REVISION
#define COLIMA_REVISION "unknown"
#endif

namespace colima::cli {

namespace {

// `colima status` exit statuses besides 0 (running); see docs/exit-codes.md.
constexpr int k_status_stopped = 1;
constexpr int k_status_broken = 4;
constexpr int k_status_absent = 5;

// Adds the optional positional [profile] that upstream's VM commands take.
std::shared_ptr<std::string> add_profile_argument(CLI::App* command) {
  auto profile = std::make_shared<std::string>();
  command->add_option("profile", *profile, "profile name, for multiple instances")->type_name("");
  return profile;
}

std::string gib(std::int64_t bytes) {
  double value = static_cast<double>(bytes) / (1024.0 * 1024 * 1024);
  return fmt::format("{:.4g}GiB", value);
}

void print_status(const app::Status& s, bool extended, util::Progress& progress) {
  progress.info(fmt::format("{} is {} using {}", s.display_name,
                            s.status == "Running" ? "running" : s.status, s.driver));
  progress.info("arch: " + s.arch);
  if (!s.runtime.empty()) {
    progress.info("runtime: " + s.runtime);
  }
  if (!s.mount_type.empty()) {
    progress.info("mountType: " + s.mount_type);
  }
  if (!s.docker_socket.empty()) {
    progress.info("docker socket: " + s.docker_socket);
  }
  if (!s.containerd_socket.empty()) {
    progress.info("containerd socket: " + s.containerd_socket);
  }
  if (!s.buildkitd_socket.empty()) {
    progress.info("buildkitd socket: " + s.buildkitd_socket);
  }
  if (!s.incus_socket.empty()) {
    progress.info("incus socket: " + s.incus_socket);
  }
  if (extended) {
    progress.info(fmt::format("cpu: {}", s.cpu));
    progress.info("mem: " + gib(s.memory));
    progress.info("disk: " + gib(s.disk));
  }
}

} // namespace

void add_lifecycle_commands(CLI::App& root, Invocation& invocation) {
  {
    CLI::App* c = root.add_subcommand("stop", "stop Colima");
    auto profile = add_profile_argument(c);
    auto force = std::make_shared<bool>(false);
    c->add_flag("-f,--force", *force, "stop without graceful shutdown");
    invocation.on_run(c, [profile, force, &invocation] {
      invocation.app().stop(invocation.profile(*profile), *force);
    });
  }
  {
    CLI::App* c = root.add_subcommand("restart", "restart Colima");
    auto profile = add_profile_argument(c);
    auto force = std::make_shared<bool>(false);
    c->add_flag("-f,--force", *force, "during restart, do stop without graceful shutdown");
    invocation.on_run(c, [profile, force, &invocation] {
      invocation.app().restart(invocation.profile(*profile), *force);
    });
  }
  {
    CLI::App* c = root.add_subcommand("delete", "delete and teardown Colima and all settings");
    auto profile = add_profile_argument(c);
    auto force = std::make_shared<bool>(false);
    auto data = std::make_shared<bool>(false);
    c->add_flag("-f,--force", *force, "do not prompt for yes/no");
    c->add_flag("-d,--data", *data, "delete container runtime data");
    invocation.on_run(c, [profile, force, data, &invocation] {
      config::Profile p = invocation.profile(*profile);
      if (!*force) {
        if (!confirm("are you sure you want to delete " + p.display_name() + " and all settings")) {
          return;
        }
        if (*data && !confirm("this will delete ALL container data. Are you sure you want to "
                              "continue")) {
          return;
        }
      }
      invocation.app().remove(p, *data);
    });
  }
  {
    CLI::App* c = root.add_subcommand("status", "show the status of Colima");
    auto profile = add_profile_argument(c);
    auto extended = std::make_shared<bool>(false);
    auto json = std::make_shared<bool>(false);
    c->add_flag("-e,--extended", *extended, "include additional details");
    c->add_flag("-j,--json", *json, "print json output");
    c->footer("Exit status: 0 running, 1 stopped (or an error), 4 broken, 5 no such VM\n"
              "(docs/exit-codes.md). With --json one object is printed on stdout in every case;\n"
              "its 'status' is Running, Stopped, Broken or absent, or Unknown (with 'error',\n"
              "exit 1) when Lima cannot be asked.");
    invocation.on_run(c, [profile, extended, json, &invocation] {
      config::Profile p = invocation.profile(*profile);
      std::optional<app::Status> status;
      try {
        status = invocation.app().status(p);
      } catch (const std::exception& error) {
        if (*json) {
          nlohmann::ordered_json object;
          object["display_name"] = p.display_name();
          object["status"] = "Unknown";
          object["error"] = error.what();
          fmt::print("{}\n", object.dump());
        }
        throw;
      }
      if (*json) {
        nlohmann::ordered_json object;
        if (status) {
          object = status->to_json();
        } else {
          object["display_name"] = p.display_name();
          object["status"] = "absent";
        }
        fmt::print("{}\n", object.dump());
      }
      if (!status) {
        invocation.progress().info(p.display_name() + " does not exist");
        throw ExitStatus(k_status_absent);
      }
      if (status->status != "Running") {
        invocation.progress().info(p.display_name() + " is not running (" + status->status + ")");
        throw ExitStatus(status->status == "Stopped" ? k_status_stopped : k_status_broken);
      }
      if (!*json) {
        print_status(*status, *extended, invocation.progress());
      }
    });
  }
  {
    CLI::App* c = root.add_subcommand("list", "list instances");
    c->alias("ls");
    auto profile = add_profile_argument(c);
    auto json = std::make_shared<bool>(false);
    c->add_flag("-j,--json", *json, "print json output");
    invocation.on_run(c, [profile, json, &invocation] {
      std::optional<config::Profile> only;
      if (!profile->empty() || !invocation.profile_flag.empty() ||
          invocation.environment().get_non_empty("COLIMA_PROFILE")) {
        only = invocation.profile(*profile);
      }
      auto entries = invocation.app().list(only);
      if (*json) {
        for (const auto& entry : entries) {
          fmt::print("{}\n", entry.to_json().dump());
        }
        return;
      }
      fmt::print("{:<11}{:<11}{:<11}{:<8}{:<10}{:<10}{:<11}{}\n", "PROFILE", "STATUS", "ARCH",
                 "CPUS", "MEMORY", "DISK", "RUNTIME", "ADDRESS");
      for (const auto& e : entries) {
        fmt::print("{:<11}{:<11}{:<11}{:<8}{:<10}{:<10}{:<11}{}\n", e.name, e.status, e.arch,
                   e.cpus, gib(e.memory), gib(e.disk), e.runtime, e.address);
      }
      if (entries.empty()) {
        invocation.progress().warn("no instance found: run 'colima start' to create one");
      }
    });
  }
  {
    CLI::App* c = root.add_subcommand("ssh", "SSH into the VM");
    c->alias("exec");
    c->alias("x");
    auto words = std::make_shared<std::vector<std::string>>();
    c->add_option("command", *words, "command to run in the VM, after --")->type_name("");
    c->footer("Appending additional command runs the command instead, e.g.\n"
              "  colima ssh -- htop\n"
              "colima exits with the command's own exit status.");
    invocation.on_run(c, [words, &invocation] {
      exit_like(invocation.app().ssh(invocation.profile(), invocation.command_words(*words)));
    });
  }
  {
    CLI::App* c = root.add_subcommand("ssh-config", "show SSH connection config");
    auto profile = add_profile_argument(c);
    invocation.on_run(c, [profile, &invocation] {
      fmt::print("{}", invocation.app().ssh_config(invocation.profile(*profile)));
    });
  }
  {
    CLI::App* c = root.add_subcommand("update", "update the container runtime");
    c->alias("u");
    c->alias("up");
    auto profile = add_profile_argument(c);
    invocation.on_run(
        c, [profile, &invocation] { invocation.app().update(invocation.profile(*profile)); });
  }
  {
    CLI::App* c = root.add_subcommand("version", "print the version of Colima");
    auto profile = add_profile_argument(c);
    invocation.on_run(c, [profile, &invocation] {
      fmt::print("colima version {}\ngit commit: {}\n", COLIMA_VERSION, COLIMA_REVISION);
      std::fflush(stdout);
      if (::geteuid() != 0) {
        fmt::print("{}", invocation.app().version_details(invocation.profile(*profile)));
      }
    });
  }
}

} // namespace colima::cli
