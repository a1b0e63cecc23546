// Shared pieces of the malformed-input suite (tests/hostile): a model folder to break (the demo
// export), writers for handmade safetensors files and tokenizers, and the assertion every case
// makes about a refusal:
//   - a non-zero exit code and a one-line "attnscope: error: ..." message containing the
//     expected words,
//   - no library exception text ([json.exception...], SentencePiece source locations), no
//     internal function names, no "internal error", and at most kMaxMessageBytes of message,
//   - bounded time (kMaxSeconds, generous enough for ASan) and peak memory.
//
//   HostileModel m;                                  // demo export in a temporary folder
//   m.edit_config([](nlohmann::json& c) { c["num_hidden_layers"] = 1e12; });
//   expect_refused(run_timed({"info", "--model", m.dir()}), {"num_hidden_layers", "limit"});
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/memory.h"
#include "demo/demo_model.h"
#include "support/cli_harness.h"
#include "support/temp_dir.h"

namespace attnscope::hostile {

namespace fs = std::filesystem;

inline constexpr double kMaxSeconds = 30.0;          // per case, ASan included
inline constexpr size_t kMaxMessageBytes = 600;      // one error line
inline constexpr uint64_t kMaxPeakRss = 3ull << 30;  // per test process

struct TimedResult {
  testing::CliResult result;
  double seconds = 0;
};

inline TimedResult run_timed(const std::vector<std::string>& args) {
  const auto start = std::chrono::steady_clock::now();
  TimedResult r{testing::run_cli(args), 0};
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

// The checks every refusal must pass; `words` must all appear in the error line.
inline void expect_refused(const TimedResult& r, std::initializer_list<std::string_view> words) {
  const std::string& error = r.result.error;
  EXPECT_NE(r.result.exit_code, 0) << "accepted; output: " << r.result.out.substr(0, 300);
  EXPECT_TRUE(error.starts_with("attnscope: error: ")) << error.substr(0, 400);
  EXPECT_FALSE(error.empty());
  if (!error.empty()) {
    EXPECT_EQ(error.find('\n'), error.size() - 1) << "not one line: " << error.substr(0, 400);
  }
  EXPECT_LE(error.size(), kMaxMessageBytes) << error.substr(0, 400) << "...";
  for (std::string_view banned : {"json.exception", "internal error", ".cc(", "load_f32",
                                  "load_i64", "basic_string", "vector::", "stoll", "what()"}) {
    EXPECT_EQ(error.find(banned), std::string::npos) << "'" << banned << "' in: " << error;
  }
  for (std::string_view word : words) {
    EXPECT_NE(error.find(word), std::string::npos) << "'" << word << "' missing from: " << error;
  }
  EXPECT_LT(r.seconds, kMaxSeconds);
  EXPECT_LT(peak_rss_bytes(), kMaxPeakRss);
}

inline std::string read_all(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void write_all(const fs::path& file, std::string_view content) {
  std::ofstream(file, std::ios::binary | std::ios::trunc)
      .write(content.data(), static_cast<std::streamsize>(content.size()));
}

// 8-byte little-endian length, the header text, then `data`.
inline std::string safetensors_bytes(std::string_view header, std::string_view data = {},
                                     std::optional<uint64_t> declared_length = std::nullopt) {
  const uint64_t n = declared_length.value_or(header.size());
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  out.append(header);
  out.append(data);
  return out;
}

// '[' x depth, then ']' x depth: the nesting that overflowed recursive printers.
inline std::string nested_array(size_t depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

// The demo model exported into a fresh temporary folder, ready to be broken.
class HostileModel {
 public:
  HostileModel() : tmp_("hostile") { demo::write_demo_model(dir_path()); }
  fs::path dir_path() const { return tmp_.path() / "model"; }
  std::string dir() const { return dir_path().string(); }
  std::string file(const std::string& name) const { return (dir_path() / name).string(); }
  const testing::TempDir& tmp() const { return tmp_; }

  nlohmann::json config() const {
    return nlohmann::json::parse(read_all(dir_path() / "config.json"));
  }
  void edit_config(const std::function<void(nlohmann::json&)>& edit) const {
    nlohmann::json c = config();
    edit(c);
    write_all(dir_path() / "config.json", c.dump());
  }
  void write(const std::string& name, std::string_view content) const {
    fs::remove(dir_path() / name);
    write_all(dir_path() / name, content);
  }
  nlohmann::json tokenizer() const {
    return nlohmann::json::parse(read_all(dir_path() / "tokenizer.json"));
  }
  void edit_tokenizer(const std::function<void(nlohmann::json&)>& edit) const {
    nlohmann::json t = tokenizer();
    edit(t);
    write_all(dir_path() / "tokenizer.json", t.dump());
  }

 private:
  testing::TempDir tmp_;
};

inline std::vector<std::string> info(const HostileModel& m) { return {"info", "--model", m.dir()}; }
inline std::vector<std::string> tokenize(const HostileModel& m,
                                         const std::string& text = "the cat") {
  return {"tokenize", "--model", m.dir(), "--text", text};
}

}  // namespace attnscope::hostile
