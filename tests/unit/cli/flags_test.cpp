// Black-box: every start flag either does what it says on Linux or is refused with the reason
// and exit status 2, before anything is written.
#include "colima/host/addresses.hpp"
#include "fake_lima.hpp"

#include <yaml-cpp/yaml.h>

namespace colima::cli {

namespace fs = std::filesystem;

namespace {

class StartFlag : public FakeLima {
protected:
  // `colima start` of a runtime-less profile booting the local image, plus the flags.
  process::Result start(std::vector<std::string> flags, std::map<std::string, std::string> env = {},
                        const fs::path& disk_image = {}) {
    std::vector<std::string> args = {"start",
                                     "--profile",
                                     "f",
                                     "--runtime",
                                     "none",
                                     "--disk-image",
                                     disk_image.empty() ? image().string() : disk_image.string()};
    args.insert(args.end(), flags.begin(), flags.end());
    return colima(args, std::move(env));
  }

  YAML::Node document() const { return YAML::LoadFile((profile_dir("f") / "lima.yaml").string()); }

  // A refused start: exit 2, the message, and nothing written or run.
  void expect_refused(const process::Result& r, const std::string& message) {
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_EQ(r.err, "colima: error: " + message + "\n");
    EXPECT_FALSE(fs::exists(colima_home())) << "a refused start wrote something";
    EXPECT_TRUE(calls().empty()) << "a refused start ran limactl";
  }
};

} // namespace

TEST_F(StartFlag, PortForwarderGrpcStartsLimaWithItsGrpcForwarder) {
  process::Result r = start({"--port-forwarder", "grpc"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(starts().size(), 1U);
  EXPECT_EQ(starts()[0].port_forwarder, "false");
}

TEST_F(StartFlag, PortForwarderSshIsTheDefaultAndStartsLimaWithItsSshForwarder) {
  ASSERT_EQ(start({}).exit_code, 0);
  ASSERT_EQ(starts().size(), 1U);
  EXPECT_EQ(starts()[0].port_forwarder, "true");
}

TEST_F(StartFlag, MountInotifyReachesTheLimaDocument) {
  ASSERT_EQ(start({"--mount-inotify"}).exit_code, 0);
  EXPECT_TRUE(document()["mountInotify"].as<bool>());
}

TEST_F(StartFlag, NetworkHostAddressesAddsTheirForwardsAndLoopbackAddresses) {
  ASSERT_EQ(start({"--network-host-addresses"}).exit_code, 0);
  auto settings = util::read_file(profile_dir("f") / "colima.yaml").value_or("");
  EXPECT_TRUE(contains(settings, "hostAddresses: true")) << settings;
  std::size_t rules = document()["portForwards"].size();
  std::size_t added = 0;
  for (const auto& call : calls()) {
    added += call.argv.size() > 5 && call.argv[0] == "shell" && call.argv[4] == "sudo" &&
             call.argv[5] == "ip";
  }
  // A host without an address but loopback would count nothing on both sides.
  ASSERT_FALSE(host::ipv4_addresses().empty()) << "no IPv4 address but loopback on this machine";
  EXPECT_EQ(added, host::ipv4_addresses().size()) << "each host address given to the guest";
  EXPECT_EQ(rules, 4 + added) << "one forward per address given to the guest";
}

TEST_F(StartFlag, ModelRunnerOtherThanDockerIsRefusedAsMacosOnly) {
  expect_refused(start({"--model-runner", "ramalama"}),
                 "the AI model runner 'ramalama' (--model-runner) is only available on macOS: "
                 "leave it at 'docker' on Linux");
}

TEST_F(StartFlag, DownloaderNativeIsRefusedBecauseColimaDownloadsWithCurl) {
  expect_refused(start({"--downloader", "native"}),
                 "downloader 'native' (--downloader) is not available: this colima downloads "
                 "guest images with curl only; use 'curl'");
  expect_refused(start({}, {{"COLIMA_DOWNLOADER", "Native"}}),
                 "downloader 'native' ($COLIMA_DOWNLOADER) is not available: this colima "
                 "downloads guest images with curl only; use 'curl'");
  expect_refused(start({}, {{"COLIMA_DOWNLOADER", "wget"}}),
                 "invalid downloader 'wget' ($COLIMA_DOWNLOADER): use 'curl'");
  EXPECT_EQ(start({"--downloader", "CURL"}, {{"COLIMA_DOWNLOADER", "native"}}).exit_code, 0)
      << "the flag wins over the variable";
}

TEST_F(StartFlag, ADiskImageOtherThanTheOneAnExistingVmWasMadeFromIsRefused) {
  ASSERT_EQ(start({}).exit_code, 0);
  add_instance("colima-f", "Stopped");
  fs::path other = home() / "other.qcow2";
  util::atomic_write(other, "other");
  process::Result r = start({"--force-disk-image"}, {}, other);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.err, "colima: error: the disk image of an existing VM cannot change (to '" +
                       other.string() + "'): its disk was made from '" + image().string() +
                       "' when it was created; drop --disk-image, or delete the VM with "
                       "'colima delete f' first\n");
  EXPECT_EQ(starts().size(), 1U);
  EXPECT_EQ(start({}).exit_code, 0) << "the same image is no change";
}

} // namespace colima::cli
