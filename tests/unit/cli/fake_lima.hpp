#pragma once
// A black-box fixture: the real colima binary in a fresh HOME, with a limactl 2.2.0 that records
// every call (argv, the stdin of `limactl shell`, its LIMA_SSH_PORT_FORWARDER) and, like Lima,
// makes <LIMA_HOME>/_config/networks.yaml on its first call. It lists the instances written to
// $HOME/instances (JSON lines; none when absent) and `limactl start FILE` copies FILE into the
// instance's directory. qemu-img calls every image qcow2.
#include "colima/process/posix_runner.hpp"
#include "colima/util/fs.hpp"
#include "colima/util/strings.hpp"
#include "temp_dir.hpp"

#include <gtest/gtest.h>

namespace colima::cli {

class FakeLima : public ::testing::Test {
protected:
  // One limactl call.
  struct Call {
    std::vector<std::string> argv;
    std::string stdin_data;
    // Its LIMA_SSH_PORT_FORWARDER ("unset" when it had none).
    std::string port_forwarder;
  };

  void SetUp() override {
    std::filesystem::path bin = home() / "bin";
    util::atomic_write(
        bin / "limactl",
        "#!/bin/sh\n"
        "calls=\"$HOME/calls\"; mkdir -p \"$calls\"\n"
        "if [ -n \"$LIMA_HOME\" ]; then\n"
        "  mkdir -p \"$LIMA_HOME/_config\"; touch \"$LIMA_HOME/_config/networks.yaml\"\n"
        "fi\n"
        "n=$(ls \"$calls\" | grep -c 'argv$')\n"
        "printf '%s\\0' \"$@\" > \"$calls/$n.argv\"\n"
        "printf '%s' \"${LIMA_SSH_PORT_FORWARDER-unset}\" > \"$calls/$n.forwarder\"\n"
        "case \"$1\" in\n"
        "  --version) echo 'limactl version 2.2.0' ;;\n"
        "  list) cat \"$HOME/instances\" 2>/dev/null || true ;;\n"
        "  shell) cat > \"$calls/$n.stdin\" ;;\n"
        "  start) for last; do :; done\n"
        "    case \"$last\" in *.yaml) mkdir -p \"$LIMA_HOME/$4\"; cp \"$last\" \"$LIMA_HOME/$4/\" "
        ";;"
        " esac ;;\n"
        "esac\n",
        std::filesystem::perms(0755));
    util::atomic_write(bin / "qemu-img", "#!/bin/sh\necho '{\"format\": \"qcow2\"}'\n",
                       std::filesystem::perms(0755));
    util::atomic_write(image(), "image");
  }

  std::filesystem::path home() const { return m_home.path(); }
  std::filesystem::path colima_home() const { return home() / ".config" / "colima"; }
  std::filesystem::path lima_home() const { return colima_home() / "_lima"; }
  std::filesystem::path profile_dir(const std::string& profile) const {
    return colima_home() / profile;
  }
  // A local disk image that colima boots instead of building one.
  std::filesystem::path image() const { return home() / "image.qcow2"; }

  // Lima lists this instance from now on.
  void add_instance(const std::string& name, const std::string& status) {
    std::string line = "{\"name\":\"" + name + "\",\"status\":\"" + status + "\",\"dir\":\"" +
                       (lima_home() / name).string() + "\"}\n";
    util::atomic_write(home() / "instances",
                       util::read_file(home() / "instances").value_or("") + line);
    util::create_directories(lima_home() / name);
  }

  process::Result colima(std::vector<std::string> args,
                         std::map<std::string, std::string> env = {}) {
    args.insert(args.begin(), COLIMA_BINARY_PATH);
    env["HOME"] = home().string();
    env["PATH"] = (home() / "bin").string() + ":/usr/bin:/bin";
    env["COLIMA_ACCELERATOR"] = "tcg";
    return m_runner.run(process::Command{
        .argv = args,
        .env = env,
        .unset_env = {"COLIMA_HOME", "COLIMA_PROFILE", "COLIMA_DEFAULT_PROFILE", "XDG_CONFIG_HOME",
                      "COLIMA_CACHE_HOME", "COLIMA_DOWNLOADER", "COLIMA_INSECURE_MIRROR",
                      "LIMA_SSH_PORT_FORWARDER", "EDITOR", "VISUAL"}});
  }

  std::vector<Call> calls() const {
    std::vector<Call> found;
    std::filesystem::path dir = home() / "calls";
    for (int i = 0;; ++i) {
      std::string n = std::to_string(i);
      auto argv = util::read_file(dir / (n + ".argv"));
      if (!argv) {
        return found;
      }
      Call call{util::split(*argv, '\0'), util::read_file(dir / (n + ".stdin")).value_or(""),
                util::read_file(dir / (n + ".forwarder")).value_or("")};
      if (!call.argv.empty() && call.argv.back().empty()) {
        call.argv.pop_back();
      }
      found.push_back(call);
    }
  }

  // The `limactl start` calls.
  std::vector<Call> starts() const {
    std::vector<Call> found;
    for (const auto& call : calls()) {
      if (!call.argv.empty() && call.argv.front() == "start") {
        found.push_back(call);
      }
    }
    return found;
  }

  static bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
  }

  test::TempDir m_home;
  process::PosixRunner m_runner;
};

} // namespace colima::cli
