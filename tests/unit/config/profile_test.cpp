#include "colima/config/paths.hpp"
#include "colima/config/profile.hpp"
#include "colima/util/error.hpp"

#include <gtest/gtest.h>

namespace colima::config {

TEST(Profile, DefaultNamesMapToInstanceColimaAndDirectoryDefault) {
  for (const char* name : {"", "default", "colima"}) {
    Profile profile = Profile::from_name(name);
    EXPECT_EQ(profile.id(), "colima") << name;
    EXPECT_EQ(profile.short_name(), "default") << name;
    EXPECT_EQ(profile.display_name(), "colima") << name;
  }
}

TEST(Profile, ANamedProfileIsInstanceColimaDashName) {
  Profile profile = Profile::from_name("work");
  EXPECT_EQ(profile.id(), "colima-work");
  EXPECT_EQ(profile.short_name(), "work");
  EXPECT_EQ(profile.display_name(), "colima [profile=work]");
}

TEST(Profile, ColimaDashNameMeansName) {
  EXPECT_EQ(Profile::from_name("colima-work"), Profile::from_name("work"));
  EXPECT_EQ(Profile::from_name("colima-work").short_name(), "work");
}

TEST(Profile, UnsafeNamesAreRefusedWithTheNameQuoted) {
  for (const std::string& name : std::vector<std::string>{
           "a/b", "..", "a..b", "has space", "tab\there", "new\nline", "$(touch /tmp/x)", "`id`",
           "semi;colon", "quote'd", "nön-ascii", std::string(61, 'a'), "-leading", "trailing-"}) {
    try {
      Profile::from_name(name);
      FAIL() << "accepted '" << name << "'";
    } catch (const UsageError& error) {
      EXPECT_NE(std::string(error.what()).find("invalid profile name"), std::string::npos);
    }
  }
}

TEST(Profile, SixtyCharactersAndSingleSeparatorsAreAccepted) {
  EXPECT_EQ(Profile::from_name(std::string(60, 'a')).short_name(), std::string(60, 'a'));
  EXPECT_EQ(Profile::from_name("arm.test_1-x").id(), "colima-arm.test_1-x");
}

TEST(Paths, ColimaHomeComesFromTheVariableWhenSet) {
  util::Environment environment(
      std::map<std::string, std::string>{{"HOME", "/home/u"}, {"COLIMA_HOME", "/data/colima"}});
  Paths paths = Paths::resolve(environment);
  EXPECT_EQ(paths.colima_home(), "/data/colima");
  EXPECT_EQ(paths.lima_home(), "/data/colima/_lima");
}

TEST(Paths, ColimaHomeFollowsXdgConfigHomeThenDotConfig) {
  using Variables = std::map<std::string, std::string>;
  EXPECT_EQ(Paths::resolve(util::Environment(Variables{{"HOME", "/nonexistent-home"},
                                                       {"XDG_CONFIG_HOME", "/xdg"}}))
                .colima_home(),
            "/xdg/colima");
  EXPECT_EQ(
      Paths::resolve(util::Environment(Variables{{"HOME", "/nonexistent-home"}})).colima_home(),
      "/nonexistent-home/.config/colima");
}

TEST(Paths, ProfileFilesLiveUnderTheShortNameAndTheInstanceUnderLimaHome) {
  Paths paths("/home/u", "/home/u/.config/colima");
  Profile work = Profile::from_name("work");
  EXPECT_EQ(paths.settings_file(Profile()), "/home/u/.config/colima/default/colima.yaml");
  EXPECT_EQ(paths.settings_file(work), "/home/u/.config/colima/work/colima.yaml");
  EXPECT_EQ(paths.state_file(work), "/home/u/.config/colima/_lima/colima-work/colima.yaml");
  EXPECT_EQ(paths.template_file(), "/home/u/.config/colima/_templates/default.yaml");
}

TEST(Paths, AMissingHomeIsAClearError) {
  EXPECT_THROW(Paths::resolve(util::Environment()), Error);
}

} // namespace colima::config
