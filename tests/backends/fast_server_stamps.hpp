#pragma once
// What the fast streaming server (tests/backends/fast_server.cpp) says about its own sending.
#include <cstdint>
#include <map>
#include <string>

namespace memwall::testing {

// GET URL/stamps: request index -> the server's CLOCK_MONOTONIC (ns) just before it sent that
// request's first chunk. Empty when the server does not answer.
std::map<std::int64_t, std::int64_t> fast_server_send_ns(const std::string& url);

}  // namespace memwall::testing
