#include <gtest/gtest.h>

#include <algorithm>

#include "support/subprocess.hpp"

namespace memwall {
namespace {

using testing::run_memwall;

std::size_t lines(const std::string& s) { return std::count(s.begin(), s.end(), '\n'); }

TEST(Cli, UnknownFlagIsAOneLineUsageError) {
  const auto r = run_memwall({"probe", "--no-such-flag"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(lines(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find("--no-such-flag"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty());
}

TEST(Cli, UnknownSubcommandIsAUsageError) {
  const auto r = run_memwall({"teleport"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(lines(r.err), 1u) << r.err;
}

TEST(Cli, NoSubcommandIsAUsageError) {
  const auto r = run_memwall({});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(lines(r.err), 1u) << r.err;
}

TEST(Cli, HelpAndVersionSucceed) {
  const auto help = run_memwall({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("probe"), std::string::npos);
  const auto version = run_memwall({"--version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_NE(version.out.find("memwall"), std::string::npos);
}

}  // namespace
}  // namespace memwall
