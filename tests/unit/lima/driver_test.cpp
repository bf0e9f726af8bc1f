#include "colima/lima/driver.hpp"
#include "colima/process/runner.hpp"
#include "fake_runner.hpp"

#include <gtest/gtest.h>

namespace colima::lima {

namespace {
const config::Paths k_driver_paths("/home/u", "/home/u/.config/colima");
const config::Profile k_work = config::Profile::from_name("work");
} // namespace

TEST(LimaDriver, EveryCallIsOneLimactlArgvWithColimasLimaHome) {
  test::FakeRunner runner;
  runner.on({"limactl"}, process::Result{});
  Driver driver(runner, k_driver_paths);
  driver.stop(k_work, false);
  driver.stop(k_work, true);
  driver.remove(k_work);
  driver.create_data_disk(k_work, 100);
  driver.resize_data_disk(k_work, 150);
  driver.delete_data_disk(k_work);
  driver.shell(k_work, {"uname", "-m"});
  driver.clone(k_work, config::Profile::from_name("copy"));
  driver.import_data_disk(config::Profile::from_name("copy"), "/d/datadisk");
  driver.shell_interactive(k_work, {"sh", "-c", "exit 7"}, std::string("/home/u/src"));
  driver.shell_interactive(config::Profile(), {}, std::nullopt);
  EXPECT_EQ(
      runner.argvs(),
      (test::Argvs{
          {"limactl", "stop", "colima-work"},
          {"limactl", "stop", "--force", "colima-work"},
          {"limactl", "delete", "--force", "colima-work"},
          {"limactl", "disk", "create", "colima-work", "--size", "100GiB", "--format", "raw"},
          {"limactl", "disk", "resize", "colima-work", "--size", "150GiB"},
          {"limactl", "disk", "delete", "--force", "colima-work"},
          {"limactl", "shell", "--workdir", "/", "colima-work", "uname", "-m"},
          {"limactl", "clone", "--tty=false", "colima-work", "colima-copy"},
          {"limactl", "disk", "import", "colima-copy", "/d/datadisk"},
          {"limactl", "shell", "--workdir", "/home/u/src", "colima-work", "sh", "-c", "exit 7"},
          {"limactl", "shell", "colima"}}));
  for (const auto& command : runner.commands()) {
    EXPECT_EQ(command.env.at("LIMA_HOME"), "/home/u/.config/colima/_lima");
  }
}

TEST(LimaDriver, CreateNamesTheInstanceAndResumeStartsItByName) {
  test::FakeRunner runner;
  runner.on({"limactl"}, process::Result{});
  Driver driver(runner, k_driver_paths);
  process::Command options;
  options.env["QEMU_SYSTEM_X86_64"] = "qemu-system-x86_64 -machine q35,accel=tcg -cpu max";
  driver.create(k_work, "/home/u/.config/colima/work/lima.yaml", options);
  driver.resume(k_work, options);
  EXPECT_EQ(runner.argvs(), (test::Argvs{{"limactl", "start", "--tty=false", "--name",
                                          "colima-work", "/home/u/.config/colima/work/lima.yaml"},
                                         {"limactl", "start", "--tty=false", "colima-work"}}));
  EXPECT_EQ(runner.commands()[0].env.at("QEMU_SYSTEM_X86_64"),
            "qemu-system-x86_64 -machine q35,accel=tcg -cpu max");
  EXPECT_EQ(runner.commands()[1].env.at("LIMA_HOME"), "/home/u/.config/colima/_lima");
}

TEST(LimaDriver, FindReadsTheListAndKnowsAbsentInstances) {
  test::FakeRunner runner;
  runner.on({"limactl", "list", "--json"},
            process::Result{0,
                            "{\"name\":\"colima\",\"status\":\"Running\"}\n"
                            "{\"name\":\"colima-work\",\"status\":\"Stopped\",\"cpus\":3}\n",
                            ""});
  Driver driver(runner, k_driver_paths);
  auto work = driver.find(k_work);
  ASSERT_TRUE(work);
  EXPECT_EQ(work->status, "Stopped");
  EXPECT_EQ(work->cpus, 3);
  EXPECT_FALSE(driver.find(config::Profile::from_name("other")));
}

TEST(LimaDriver, AFailedCallCarriesLimactlsFirstErrorLine) {
  test::FakeRunner runner;
  runner.on({"limactl", "stop"},
            process::Result{1, "", "level=fatal msg=\"expected status Running\"\n"});
  Driver driver(runner, k_driver_paths);
  try {
    driver.stop(k_work, false);
    FAIL();
  } catch (const process::ProcessError& error) {
    EXPECT_NE(std::string(error.what()).find("error stopping the VM"), std::string::npos);
    EXPECT_NE(std::string(error.what()).find("expected status Running"), std::string::npos);
  }
}

TEST(LimaDriver, TheDataDiskExistsWhenLimaListsItByName) {
  test::FakeRunner runner;
  runner.on({"limactl", "disk", "list"},
            process::Result{0, "{\"name\":\"colima-work\",\"size\":107374182400}\n", ""});
  Driver driver(runner, k_driver_paths);
  EXPECT_TRUE(driver.data_disk_exists(k_work));
  EXPECT_FALSE(driver.data_disk_exists(config::Profile()));
  EXPECT_EQ(runner.argvs()[0],
            (std::vector<std::string>{"limactl", "disk", "list", "--json", "colima-work"}));
}

} // namespace colima::lima
