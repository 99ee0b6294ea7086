// Every hardware profile validates against schemas/hardware-profile.schema.json and loads.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "memwall/fit/hardware.hpp"
#include "memwall/util/files.hpp"
#include "support/schema.hpp"

namespace memwall::fit {
namespace {

const std::filesystem::path kProfiles = std::filesystem::path(MEMWALL_SOURCE_DIR) / "profiles" / "hardware";

TEST(FitProfiles, EveryFileValidatesAgainstTheSchema) {
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kProfiles)) {
    ++files;
    const nlohmann::json j = nlohmann::json::parse(read_file(entry.path()).value());
    const Status valid = testing::validate_against_schema(j, "hardware-profile.schema.json");
    EXPECT_TRUE(valid.ok()) << entry.path() << ": " << valid.error().message;
    EXPECT_EQ(j.at("name").get<std::string>() + ".json", entry.path().filename().string());
  }
  EXPECT_GE(files, 20);
}

TEST(FitProfiles, SchemaRejectsABrokenProfile) {
  nlohmann::json j = nlohmann::json::parse(read_file(kProfiles / "rtx-4090.json").value());
  j["device_class"] = "quantum";
  EXPECT_FALSE(testing::validate_against_schema(j, "hardware-profile.schema.json").ok());
  j = nlohmann::json::parse(read_file(kProfiles / "rtx-4090.json").value());
  j.erase("bandwidth_gbps");
  EXPECT_FALSE(testing::validate_against_schema(j, "hardware-profile.schema.json").ok());
}

TEST(FitProfiles, EmbeddedProfilesLoadWithTheIssuesMachines) {
  const Result<std::vector<Hardware>> machines = load_hardware_profiles();
  ASSERT_TRUE(machines.ok()) << machines.error().message;
  std::set<std::string> names;
  for (const Hardware& hw : *machines) {
    names.insert(hw.name);
    EXPECT_GT(hw.bandwidth_gbps, 0) << hw.name;
    EXPECT_LT(hw.os_reserve_bytes, hw.memory_bytes) << hw.name;
    EXPECT_FALSE(hw.source.empty()) << hw.name;
  }
  for (const char* wanted : {"mac-mini-m4-16gb", "mac-mini-m4-24gb", "mac-mini-m4-32gb", "mac-mini-m4-pro-24gb",
                             "mac-mini-m4-pro-48gb", "mac-mini-m4-pro-64gb", "mac-studio-m4-max-128gb",
                             "mac-studio-m3-ultra-512gb", "rtx-3090", "rtx-4090", "rtx-5090", "rtx-5060-ti-16gb",
                             "rx-7900-xtx", "a100-80gb-sxm", "h100-sxm", "h200-sxm", "l4", "dgx-spark",
                             "ryzen-ai-max-395-128gb", "desktop-ddr4-3200", "desktop-ddr5-5600"}) {
    EXPECT_TRUE(names.count(wanted)) << wanted;
  }
}

}  // namespace
}  // namespace memwall::fit
