#include "colima/host/accelerator.hpp"

#include "colima/util/error.hpp"
#include "colima/util/strings.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

namespace colima::host {

namespace {

std::string qemu_variable(const std::string& guest_arch) {
  return guest_arch == "aarch64" ? "QEMU_SYSTEM_AARCH64" : "QEMU_SYSTEM_X86_64";
}

AcceleratorChoice tcg(const std::string& guest_arch, const std::string& cpu_type,
                      const std::string& qemu, std::string warning, bool force_through_lima) {
  AcceleratorChoice choice;
  choice.accelerator = Accelerator::tcg;
  choice.warning = std::move(warning);
  if (force_through_lima) {
    std::string machine = guest_arch == "aarch64" ? "virt" : "q35";
    std::string cpu = cpu_type.empty() || cpu_type == "host" ? "max" : cpu_type;
    choice.lima_environment[qemu_variable(guest_arch)] =
        fmt::format("{} -machine {},accel=tcg -cpu {}", qemu, machine, cpu);
  }
  return choice;
}

// Boots the kernel under KVM for a moment; nullopt when KVM works, else what went wrong.
std::optional<std::string> try_kvm(process::Runner& runner, const KvmProbe& probe) {
  bool console_line = false;
  std::string failure;
  process::Command command{.argv = {probe.qemu, "-accel", "kvm", "-cpu", "host", "-m", "256",
                                    "-nodefaults", "-display", "none", "-no-reboot", "-serial",
                                    "stdio", "-kernel", probe.kernel->string(), "-append",
                                    "console=ttyS0 panic=-1 earlyprintk=ttyS0"}};
  command.timeout = probe.timeout;
  command.on_line = [&](process::Stream, std::string_view line) {
    if (line.find("KVM internal error") != std::string_view::npos ||
        line.find("failed to set MSR") != std::string_view::npos) {
      failure = util::trim(line);
    } else if (line.find("Linux version") != std::string_view::npos) {
      console_line = true;
    }
  };
  command.watchdog = [&]() -> std::optional<std::string> {
    if (console_line) {
      return std::string("the kernel answered");
    }
    if (!failure.empty()) {
      return failure;
    }
    return std::nullopt;
  };
  process::Result result = runner.run(command);
  if (console_line) {
    return std::nullopt;
  }
  if (!failure.empty()) {
    return "QEMU reported '" + failure + "'";
  }
  if (result.timed_out) {
    return fmt::format("the guest printed nothing under KVM within {}s",
                       probe.timeout.count() / 1000);
  }
  std::string first_line = util::trim(util::split(result.err, '\n').front());
  return fmt::format("QEMU exited with status {} under KVM{}", result.exit_code,
                     first_line.empty() ? "" : ": " + first_line);
}

} // namespace

AcceleratorChoice choose_accelerator(process::Runner& runner, const std::string& wanted,
                                     const std::string& guest_arch, const std::string& host_arch,
                                     const std::string& cpu_type, const KvmProbe& probe) {
  if (wanted != "auto" && wanted != "kvm" && wanted != "tcg") {
    throw UsageError(fmt::format("invalid accelerator '{}' (valid: auto, kvm, tcg)", wanted));
  }
  if (guest_arch != host_arch) {
    if (wanted == "kvm") {
      throw UsageError(fmt::format("accelerator 'kvm' cannot run a {} guest on a {} host: use "
                                   "'auto' or 'tcg'",
                                   guest_arch, host_arch));
    }
    return tcg(guest_arch, cpu_type, probe.qemu, "", false);
  }
  if (wanted == "tcg") {
    return tcg(guest_arch, cpu_type, probe.qemu, "", true);
  }
  if (wanted == "kvm") {
    return AcceleratorChoice{Accelerator::kvm, "", {}};
  }
  std::error_code error;
  if (!std::filesystem::exists(probe.device, error)) {
    return tcg(guest_arch, cpu_type, probe.qemu,
               fmt::format("'{}' does not exist: using software emulation (TCG), which is much "
                           "slower",
                           probe.device.string()),
               false);
  }
  int fd = ::open(probe.device.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    return tcg(guest_arch, cpu_type, probe.qemu,
               fmt::format("cannot open '{}' ({}): using software emulation (TCG), which is much "
                           "slower; to use KVM, make the device accessible (e.g. join the kvm "
                           "group)",
                           probe.device.string(), std::strerror(errno)),
               true);
  }
  ::close(fd);
  if (!probe.kernel) {
    return AcceleratorChoice{Accelerator::kvm, "", {}};
  }
  if (auto problem = try_kvm(runner, probe)) {
    return tcg(guest_arch, cpu_type, probe.qemu,
               fmt::format("KVM is present but unusable ({}): using software emulation (TCG); "
                           "set 'accelerator: kvm' to insist",
                           *problem),
               true);
  }
  return AcceleratorChoice{Accelerator::kvm, "", {}};
}

void keep_users_qemu(AcceleratorChoice& choice, const util::Environment& environment) {
  for (auto& [name, ours] : choice.lima_environment) {
    auto users = environment.get_non_empty(name);
    if (!users || !name.starts_with("QEMU_SYSTEM_")) {
      continue;
    }
    for (const auto& word : util::split(*users, ' ')) {
      std::string option = word.substr(0, word.find('='));
      if (option == "-machine" || option == "--machine" || option == "-M" || option == "-accel" ||
          option == "--accel" || option == "-enable-kvm" || option == "-cpu" || option == "--cpu") {
        throw UsageError(fmt::format(
            "{}='{}' sets QEMU's '{}', but KVM is not usable here and colima runs the guest under "
            "software emulation (TCG), which needs its own '-machine ...,accel=tcg -cpu ...': "
            "remove '{}' from {} (colima keeps the rest of it)",
            name, *users, option, option, name));
      }
    }
    // ours is "QEMU -machine ...,accel=tcg -cpu ...": the user's binary and arguments instead of
    // QEMU, then the same options.
    std::size_t options = ours.find(" -machine ");
    ours = util::trim(*users) + (options == std::string::npos ? "" : ours.substr(options));
  }
}

} // namespace colima::host
