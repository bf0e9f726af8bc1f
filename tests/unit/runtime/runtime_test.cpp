#include "colima/runtime/docker_config.hpp"
#include "colima/runtime/runtime.hpp"
#include "colima/util/error.hpp"
#include "colima/util/templates.hpp"

#include <gtest/gtest.h>

namespace colima::runtime {

TEST(DockerDaemonConfig, TurnsBuildkitOnAndPointsTheHostGatewayAtTheHost) {
  config::Settings settings;
  nlohmann::json config = docker_daemon_config(settings);
  EXPECT_EQ(config, nlohmann::json::parse(
                        R"({"features":{"buildkit":true},"host-gateway-ip":"192.168.5.2"})"));
}

TEST(DockerDaemonConfig, KeysTheUserSetWinOverColimasDefaults) {
  config::Settings settings;
  settings.docker = nlohmann::json::parse(
      R"({"features":{"buildkit":false},"registry-mirrors":["http://m.example"],"debug":true})");
  settings.network.gateway_address = "192.168.6.2";
  nlohmann::json config = docker_daemon_config(settings);
  EXPECT_EQ(config["features"], nlohmann::json::parse(R"({"buildkit":false})"));
  EXPECT_EQ(config["registry-mirrors"][0], "http://m.example");
  EXPECT_EQ(config["debug"], true);
  EXPECT_EQ(config["host-gateway-ip"], "192.168.6.2");
}

TEST(DockerDaemonConfig, DockerSettingsThatAreNotAMapAreRefused) {
  config::Settings settings;
  settings.docker = nlohmann::json::array({"x"});
  EXPECT_THROW(docker_daemon_config(settings), UsageError);
}

TEST(Runtimes, DockerForwardsTheEngineAndContainerdSocketsAndKeepsDataOnTheDataDisk) {
  auto docker = make("docker");
  ASSERT_EQ(docker->sockets().size(), 2u);
  EXPECT_EQ(docker->sockets()[0].guest_path, "/var/run/docker.sock");
  EXPECT_EQ(docker->sockets()[0].file_name, "docker.sock");
  EXPECT_EQ(docker->sockets()[0].status_key, "docker_socket");
  EXPECT_EQ(docker->sockets()[1].status_key, "containerd_socket");
  EXPECT_TRUE(docker->uses_data_disk());
  EXPECT_TRUE(docker->has_docker_context());
}

TEST(Runtimes, NoneHasNoSocketsNoDataDiskAndNothingToProvisionOrUpdate) {
  auto none = make("none");
  EXPECT_TRUE(none->sockets().empty());
  EXPECT_FALSE(none->uses_data_disk());
  EXPECT_FALSE(none->provision(config::Settings{}, GuestContext{}));
  EXPECT_FALSE(none->update());
  EXPECT_FALSE(none->has_docker_context());
}

TEST(Runtimes, UnknownNamesAreBadInputWithASuggestion) {
  try {
    make("containrd");
    FAIL();
  } catch (const UsageError& error) {
    EXPECT_NE(std::string(error.what()).find("'containerd'"), std::string::npos) << error.what();
  }
  EXPECT_THROW(make("dokcer"), UsageError);
}

TEST(Runtimes, ContainerdForwardsItsAndBuildkitsSocketsAndKeepsDataOnTheDataDisk) {
  auto containerd = make("containerd");
  EXPECT_EQ(containerd->name(), "containerd");
  ASSERT_EQ(containerd->sockets().size(), 2u);
  EXPECT_EQ(containerd->sockets()[0].guest_path, "/var/run/containerd/containerd.sock");
  EXPECT_EQ(containerd->sockets()[0].file_name, "containerd.sock");
  EXPECT_EQ(containerd->sockets()[0].status_key, "containerd_socket");
  EXPECT_EQ(containerd->sockets()[1].guest_path, "/var/run/buildkit/buildkitd.sock");
  EXPECT_EQ(containerd->sockets()[1].file_name, "buildkitd.sock");
  EXPECT_EQ(containerd->sockets()[1].status_key, "buildkitd_socket");
  EXPECT_TRUE(containerd->uses_data_disk());
  EXPECT_FALSE(containerd->has_docker_context());
  EXPECT_FALSE(containerd->update());
}

TEST(Runtimes, ContainerdTakesUpstreamsConfigFilesPerProfileOrShared) {
  auto files = make("containerd")->config_files();
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].name, "containerd/config.toml");
  EXPECT_EQ(files[0].shared, "containerd/config.toml");
  EXPECT_EQ(files[1].name, "containerd/buildkitd.toml");
  EXPECT_EQ(files[1].shared, "buildkit/buildkitd.toml");
  EXPECT_TRUE(make("docker")->config_files().empty());
}

TEST(Runtimes, ContainerdProvisioningSendsTheSuppliedFilesAsInputsAndEmptyForDefaults) {
  std::string hostile = "[grpc]\n  gid = 1000 # $(touch /tmp/x) `id`; 'q' \"\"\n";
  auto script =
      make("containerd")
          ->provision(config::Settings{},
                      GuestContext{.data_mount = "/mnt/lima-colima-ctr",
                                   .config_files = {{"containerd/config.toml", hostile}}});
  ASSERT_TRUE(script);
  EXPECT_EQ(script->stage, "provisioning containerd");
  EXPECT_EQ(script->text, std::string(templates::find("runtime/guest-lib.sh").value()) + "\n" +
                              std::string(templates::find("runtime/containerd.sh").value()));
  EXPECT_EQ(script->args,
            (std::vector<std::string>{"boot", "/mnt/lima-colima-ctr", "binfmt", "no-cri"}))
      << "containerd's CRI plugin stays off without Kubernetes";
  EXPECT_EQ(script->inputs,
            (std::map<std::string, std::string>{
                {"containerd_toml", hostile},
                {"buildkitd_toml", ""},
                {"nerdctl_toml",
                 "# written by colima\nnamespace = \"default\"\ncni_path = \"/usr/lib/cni\"\n"}}))
      << "no buildkitd.toml supplied: empty, the script's default";
}

TEST(Runtimes, DockerProvisioningSendsDaemonJsonAsAnInputAndNeverInTheScriptOrArguments) {
  config::Settings settings;
  settings.docker = {{"labels", {"$(touch /tmp/x)", "`id`; rm -rf /", "x'\"\ny"}}};
  settings.binfmt = false;
  auto script = make("docker")->provision(settings, GuestContext{.data_mount = "/mnt/lima-colima"});
  ASSERT_TRUE(script);
  EXPECT_EQ(script->text, std::string(templates::find("runtime/guest-lib.sh").value()) + "\n" +
                              std::string(templates::find("runtime/docker.sh").value()));
  EXPECT_EQ(script->args,
            (std::vector<std::string>{"boot", "/mnt/lima-colima", "no-binfmt", "no-cri"}));
  ASSERT_EQ(script->inputs.size(), 1U);
  EXPECT_EQ(script->inputs.at("daemon_json"), docker_daemon_config(settings).dump() + "\n");
  auto running = make("docker")->provision(config::Settings{},
                                           GuestContext{.data_mount = "", .already_running = true});
  EXPECT_EQ(running->args, (std::vector<std::string>{"running", "", "binfmt", "no-cri"}));
  config::Settings kubernetes;
  kubernetes.kubernetes.enabled = true;
  EXPECT_EQ(make("docker")->provision(kubernetes, GuestContext{})->args[3], "no-cri")
      << "k3s configures containerd itself";
  kubernetes.kubernetes.version = "v1.35.4";
  EXPECT_EQ(make("docker")->provision(kubernetes, GuestContext{})->args[3], "cri");
  EXPECT_EQ(make("containerd")->provision(kubernetes, GuestContext{})->args[3], "cri");
}

TEST(Runtimes, DockerUpdatesDebiansEnginePackagesAndRestartsTheEngine) {
  auto script = make("docker")->update();
  ASSERT_TRUE(script);
  EXPECT_EQ(script->text, templates::find("runtime/update.sh").value());
  EXPECT_EQ(script->args, (std::vector<std::string>{"docker.service", "docker.io", "docker-cli",
                                                    "containerd", "runc", "docker-buildx"}));
}

} // namespace colima::runtime
