#pragma once

#include "colima/process/runner.hpp"
#include "colima/util/environment.hpp"

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace colima::host {

// How QEMU runs the guest: with KVM, or under software emulation (TCG).
enum class Accelerator { kvm, tcg };

// The outcome of choosing an accelerator, with the reason shown to the user when colima falls
// back to emulation.
struct AcceleratorChoice {
  Accelerator accelerator = Accelerator::tcg;
  // Why TCG was chosen although KVM was wanted or present; empty when nothing to say.
  std::string warning;
  // Extra environment for limactl that makes Lima use this accelerator (Lima picks KVM
  // whenever /dev/kvm exists, so forcing TCG goes through QEMU_SYSTEM_<ARCH>).
  std::map<std::string, std::string> lima_environment;
};

// Where to look and what to run when probing KVM.
struct KvmProbe {
  // The device Lima would use.
  std::filesystem::path device = "/dev/kvm";
  // The QEMU system emulator for the host architecture.
  std::string qemu = "qemu-system-x86_64";
  // A Linux kernel to boot for a moment (the guest image's); without one the probe only opens
  // the device.
  std::optional<std::filesystem::path> kernel;
  // How long the kernel may take to print its first console line under KVM.
  std::chrono::milliseconds timeout{8000};
};

// Chooses the accelerator for a guest of guest_arch on a host of host_arch.
// wanted is the `accelerator` setting: "auto" probes, "kvm" and "tcg" force.
// Auto: a foreign architecture is TCG (Lima does so itself); a missing /dev/kvm is TCG; a
// device that cannot be opened read-write is TCG with a warning; a device that opens is then
// tried by booting the kernel under KVM for a moment: a console line means KVM, and "KVM
// internal error", QEMU exiting, or silence until the timeout means TCG with a warning naming
// what happened. Never waits longer than probe.timeout.
AcceleratorChoice choose_accelerator(process::Runner& runner, const std::string& wanted,
                                     const std::string& guest_arch, const std::string& host_arch,
                                     const std::string& cpu_type, const KvmProbe& probe);

// Lima's documented override QEMU_SYSTEM_<ARCH> ("BINARY ARGS...") set by the user survives
// colima forcing TCG through the same variable: the user's binary and arguments, then only what
// TCG needs. A user value that already names the machine, the accelerator or the CPU conflicts
// with that and is refused (util::Error naming the variable and the option).
void keep_users_qemu(AcceleratorChoice& choice, const util::Environment& environment);

} // namespace colima::host
