// Each endpoint of docs/api.md over a real socket, checked against what the CLI prints for the
// same input (run in-process): the dashboard must answer exactly what `attnscope` answers.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "analysis/attention_file.h"
#include "core/dtype.h"
#include "demo/demo_model.h"
#include "server_test_support.h"
#include "support/cli_harness.h"
#include "support/temp_dir.h"
#include "web_assets.h"

namespace attnscope::testing {
namespace {

constexpr const char* kText = "the cat sat on the mat . the cat sat";

TestServer& shared_server() {
  static TestServer server;
  return server;
}

// {"model": "demo", "text": text<extra>}
std::string request_body(const std::string& text, const std::string& extra = "") {
  std::string body = nlohmann::json{{"model", "demo"}, {"text", text}}.dump();
  body.pop_back();
  return body + extra + "}";
}

TEST(ApiEndpoints, HealthNeedsNoToken) {
  const Reply r = http(shared_server().port(), {.path = "/api/health", .token = false});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(nlohmann::json::parse(r.body), nlohmann::json({{"status", "ok"}}));
  EXPECT_EQ(r.header("cache-control"), "no-store");
}

TEST(ApiEndpoints, ModelsListsDemoFromItsConfig) {
  const Reply r = shared_server().get("/api/models");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto models = nlohmann::json::parse(r.body).at("models");
  ASSERT_EQ(models.size(), 1u);
  EXPECT_EQ(models[0].at("id"), "demo");
  EXPECT_EQ(models[0].at("family"), "llama");
  EXPECT_EQ(models[0].at("layers"), 2);
  EXPECT_EQ(models[0].at("heads"), 4);
  EXPECT_EQ(models[0].at("causal"), true);
  EXPECT_EQ(models[0].at("max_tokens"), 4096);
}

TEST(ApiEndpoints, TokenizeEqualsTheCli) {
  const Reply r = shared_server().post("/api/tokenize", request_body(kText));
  ASSERT_EQ(r.status, 200) << r.body;
  const CliResult cli =
      run_cli({"tokenize", "--model", "demo", "--text", kText, "--format", "json"});
  ASSERT_EQ(cli.exit_code, 0) << cli.error;
  EXPECT_EQ(r.body, cli.out);
  EXPECT_EQ(r.header("content-type"), "application/json; charset=utf-8");
}

TEST(ApiEndpoints, AnalyzeEqualsTheCliInJsonAndCsv) {
  const Reply r = shared_server().post("/api/analyze", request_body(kText));
  ASSERT_EQ(r.status, 200) << r.body;
  const CliResult cli =
      run_cli({"analyze", "--model", "demo", "--text", kText, "--format", "json"});
  ASSERT_EQ(cli.exit_code, 0) << cli.error;
  EXPECT_EQ(r.body, cli.out);
  EXPECT_TRUE(nlohmann::json::parse(r.body).at("tokens").is_array());

  const Reply csv = shared_server().post("/api/analyze?format=csv", request_body(kText));
  ASSERT_EQ(csv.status, 200) << csv.body;
  const CliResult cli_csv =
      run_cli({"analyze", "--model", "demo", "--text", kText, "--format", "csv"});
  EXPECT_EQ(csv.body, cli_csv.out);
  EXPECT_EQ(csv.header("content-type"), "text/csv; charset=utf-8");
}

TEST(ApiEndpoints, AnalyzeLayersAsStringOrListEqualTheCli) {
  const CliResult cli = run_cli(
      {"analyze", "--model", "demo", "--text", kText, "--layers", "1-1", "--format", "json"});
  ASSERT_EQ(cli.exit_code, 0) << cli.error;
  const Reply as_string =
      shared_server().post("/api/analyze", request_body(kText, R"(,"layers": "1-1")"));
  const Reply as_list =
      shared_server().post("/api/analyze", request_body(kText, R"(,"layers": [1])"));
  EXPECT_EQ(as_string.body, cli.out);
  EXPECT_EQ(as_list.body, cli.out);
  const Reply bad = shared_server().post("/api/analyze", request_body(kText, R"(,"layers": "9")"));
  EXPECT_EQ(bad.status, 400) << bad.body;
  EXPECT_EQ(nlohmann::json::parse(bad.body).at("kind"), "input");
}

TEST(ApiEndpoints, ImportanceEqualsTheCliInJsonAndCsv) {
  const Reply r = shared_server().post("/api/importance", request_body(kText));
  ASSERT_EQ(r.status, 200) << r.body;
  const CliResult cli =
      run_cli({"importance", "--model", "demo", "--text", kText, "--format", "json"});
  EXPECT_EQ(r.body, cli.out);
  const Reply csv = shared_server().post("/api/importance?format=csv", request_body(kText));
  const CliResult cli_csv =
      run_cli({"importance", "--model", "demo", "--text", kText, "--format", "csv"});
  EXPECT_EQ(csv.body, cli_csv.out);
  const Reply unknown =
      shared_server().post("/api/importance", request_body(kText, R"(,"method": "nope")"));
  EXPECT_EQ(unknown.status, 400) << unknown.body;
}

TEST(ApiEndpoints, EveryImportanceMethodEqualsTheCli) {
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {R"(,"method": "rollout")", {"--method", "rollout"}},
      {R"(,"method": "flow")", {"--method", "flow"}},
      {R"(,"method": "norm")", {"--method", "norm"}},
      {R"(,"method": "raw", "visible_only": true)", {"--method", "raw", "--visible-only"}},
  };
  for (const auto& [extra, flags] : cases) {
    const Reply r = shared_server().post("/api/importance", request_body(kText, extra));
    ASSERT_EQ(r.status, 200) << extra << ": " << r.body;
    std::vector<std::string> args = {"importance", "--model",  "demo", "--text",
                                     kText,        "--format", "json"};
    args.insert(args.end(), flags.begin(), flags.end());
    EXPECT_EQ(r.body, run_cli(args).out) << extra;
  }
  // visible_only belongs to raw; a non-boolean is refused.
  for (const char* extra :
       {R"(,"method": "rollout", "visible_only": true)", R"(,"visible_only": "yes")"}) {
    const Reply bad = shared_server().post("/api/importance", request_body(kText, extra));
    EXPECT_EQ(bad.status, 400) << extra << ": " << bad.body;
  }
}

// The values `attnscope attention` writes for the same text, one layer: [head, query, key].
struct CliAttention {
  std::vector<std::string> tokens;
  Tensor layer;
};
CliAttention cli_attention(int layer) {
  TempDir dir("api");
  const std::string out = dir.file("a.safetensors");
  const CliResult cli = run_cli({"attention", "--model", "demo", "--text", kText, "--out", out});
  EXPECT_EQ(cli.exit_code, 0) << cli.error;
  const analysis::AttentionFile file(out);
  return {file.tokens(0), file.load_layer(0, layer)};
}

TEST(ApiEndpoints, AttentionJsonEqualsTheCliValues) {
  const CliAttention expected = cli_attention(1);
  const Reply r = shared_server().post("/api/attention", request_body(kText, R"(,"layer": 1)"));
  ASSERT_EQ(r.status, 200) << r.body.substr(0, 300);
  const auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j.at("tokens").get<std::vector<std::string>>(), expected.tokens);
  EXPECT_EQ(j.at("layer"), 1);
  EXPECT_EQ(j.at("heads"), nlohmann::json({0, 1, 2, 3}));
  EXPECT_EQ(j.at("causal"), true);
  const auto& attention = j.at("attention");
  const int64_t t = static_cast<int64_t>(expected.tokens.size());
  ASSERT_EQ(attention.size(), 4u);
  for (int64_t h = 0; h < 4; ++h) {
    ASSERT_EQ(static_cast<int64_t>(attention[h].size()), t);
    for (int64_t q = 0; q < t; ++q) {
      for (int64_t k = 0; k < t; ++k) {
        // Parsed as double, the shortest decimal gives back exactly the f32 value.
        ASSERT_EQ(static_cast<float>(attention[h][q][k].get<double>()),
                  expected.layer.data()[(h * t + q) * t + k])
            << h << " " << q << " " << k;
      }
    }
  }
  const Reply one =
      shared_server().post("/api/attention", request_body(kText, R"(,"layer": 1, "head": 3)"));
  const auto j1 = nlohmann::json::parse(one.body);
  EXPECT_EQ(j1.at("heads"), nlohmann::json({3}));
  EXPECT_EQ(j1.at("attention")[0], attention[3]);
}

TEST(ApiEndpoints, AttentionBinaryFormsFollowTheDocumentedLayout) {
  const CliAttention expected = cli_attention(0);
  const int64_t t = static_cast<int64_t>(expected.tokens.size());
  for (const std::string& dtype : std::vector<std::string>{"f32", "f16"}) {
    const Reply r = shared_server().post("/api/attention?format=" + dtype,
                                         request_body(kText, R"(,"layer": 0)"));
    ASSERT_EQ(r.status, 200) << r.body.substr(0, 300);
    EXPECT_EQ(r.header("content-type"), "application/octet-stream");
    ASSERT_GE(r.body.size(), 4u);
    const auto* bytes = reinterpret_cast<const unsigned char*>(r.body.data());
    const uint32_t n = bytes[0] | (bytes[1] << 8) | (bytes[2] << 16) | (uint32_t{bytes[3]} << 24);
    const auto header = nlohmann::json::parse(r.body.substr(4, n));
    EXPECT_FALSE(header.contains("attention"));
    EXPECT_EQ(header.at("dtype"), dtype);
    EXPECT_EQ(header.at("shape"), nlohmann::json({4, t, t}));
    EXPECT_EQ(header.at("tokens").get<std::vector<std::string>>(), expected.tokens);
    const size_t start = (4 + n + 7) / 8 * 8;
    for (size_t k = 4 + n; k < start; ++k) EXPECT_EQ(r.body[k], '\0');
    const size_t size = dtype == "f16" ? 2 : 4;
    ASSERT_EQ(r.body.size(), start + static_cast<size_t>(4 * t * t) * size);
    for (int64_t k = 0; k < 4 * t * t; ++k) {
      const float want = expected.layer.data()[k];
      if (dtype == "f32") {
        float got = 0;
        std::memcpy(&got, r.body.data() + start + 4 * k, 4);
        ASSERT_EQ(got, want) << k;
      } else {
        uint16_t got = 0;
        std::memcpy(&got, r.body.data() + start + 2 * k, 2);
        ASSERT_EQ(got, f32_to_f16(want)) << k;
      }
    }
  }
  const Reply json =
      shared_server().post("/api/attention?format=json", request_body(kText, R"(,"layer": 0)"));
  EXPECT_EQ(json.status, 200);
  EXPECT_TRUE(nlohmann::json::parse(json.body).contains("attention"));
  const Reply bad =
      shared_server().post("/api/attention?format=f64", request_body(kText, R"(,"layer": 1)"));
  EXPECT_EQ(bad.status, 400);
}

TEST(ApiEndpoints, AttentionRejectsLayersAndHeadsOutOfRange) {
  for (const std::string& extra :
       std::vector<std::string>{R"(,"layer": 2)", R"(,"layer": -1)", R"(,"layer": 0, "head": 4)",
                                R"(,"layer": "1")", ""}) {
    const Reply r = shared_server().post("/api/attention", request_body(kText, extra));
    EXPECT_EQ(r.status, 400) << extra << " " << r.body;
    EXPECT_EQ(nlohmann::json::parse(r.body).at("kind"), "input");
  }
}

TEST(ApiEndpoints, SwitchingLayerOrHeadRunsNoNewForwardPass) {
  TestServer server;
  const std::string text = "a fresh text for the cache test";
  ASSERT_EQ(server.post("/api/attention", request_body(text, R"(,"layer": 0)")).status, 200);
  const int64_t passes = server.dashboard().forward_passes();
  for (int layer = 0; layer < 2; ++layer) {
    const Reply r =
        server.post("/api/attention",
                    request_body(text, ",\"layer\": " + std::to_string(layer) + ", \"head\": 1"));
    EXPECT_EQ(r.status, 200);
  }
  EXPECT_EQ(server.dashboard().forward_passes(), passes);
  ASSERT_EQ(server.post("/api/analyze", request_body(text)).status, 200);
  ASSERT_EQ(server.post("/api/analyze", request_body(text)).status, 200);
  EXPECT_EQ(server.dashboard().forward_passes(), passes + 1);
  EXPECT_GT(server.dashboard().cache_stats().hits, 0u);
}

TEST(ApiEndpoints, UploadJsonlAnalysesEveryTextLikeTheCli) {
  const std::string content =
      "{\"text\": \"the cat sat\"}\n\n{\"text\": \"on the mat . the cat\"}\n";
  const nlohmann::json request = {
      {"model", "demo"}, {"filename", "texts.jsonl"}, {"content", content}};
  const Reply r = shared_server().post("/api/upload", request.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  const auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j.at("texts"), nlohmann::json({"the cat sat", "on the mat . the cat"}));
  EXPECT_EQ(j.at("names"), nlohmann::json({"texts.jsonl: line 1", "texts.jsonl: line 3"}));
  TempDir dir("api");
  const std::string path = dir.file("texts.jsonl");
  std::ofstream(path) << content;
  const CliResult cli =
      run_cli({"analyze", "--model", "demo", "--input", path, "--format", "json"});
  ASSERT_EQ(cli.exit_code, 0) << cli.error;
  EXPECT_EQ(j.at("analysis"), nlohmann::json::parse(cli.out));
  EXPECT_EQ(j.at("analysis").at("texts"), 2);

  const nlohmann::json txt = {
      {"model", "demo"}, {"filename", "../../etc/notes.txt"}, {"content", "one text\n"}};
  const auto single = nlohmann::json::parse(shared_server().post("/api/upload", txt.dump()).body);
  EXPECT_EQ(single.at("texts"), nlohmann::json({"one text"}));
  EXPECT_EQ(single.at("names"), nlohmann::json({"notes.txt"}));

  const nlohmann::json bad = {
      {"model", "demo"}, {"filename", "x.jsonl"}, {"content", "{\"text\": 1}\n"}};
  const Reply bad_reply = shared_server().post("/api/upload", bad.dump());
  EXPECT_EQ(bad_reply.status, 400);
  EXPECT_NE(bad_reply.body.find("line 1"), std::string::npos) << bad_reply.body;
}

TEST(ApiEndpoints, ReportEqualsTheCliSnapshot) {
  const Reply r = shared_server().post("/api/report", request_body(kText));
  ASSERT_EQ(r.status, 200) << r.body.substr(0, 300);
  EXPECT_EQ(r.header("content-type"), "text/html; charset=utf-8");
  EXPECT_EQ(r.header("content-disposition"), "attachment; filename=\"attnscope-report.html\"");
  TempDir dir("api");
  const std::string out = dir.file("report.html");
  const CliResult cli = run_cli({"report", "--model", "demo", "--text", kText, "--out", out});
  ASSERT_EQ(cli.exit_code, 0) << cli.error;
  std::ifstream in(out, std::ios::binary);
  const std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(r.body, file);
}

TEST(ApiEndpoints, BadJsonAndMissingFieldsAre400) {
  for (const std::string& body :
       std::vector<std::string>{"", "{", "[1]", R"({"text": "a"})", R"({"model": "demo"})",
                                R"({"model": 3, "text": "a"})"}) {
    const Reply r = shared_server().post("/api/analyze", body);
    EXPECT_EQ(r.status, 400) << body << " -> " << r.body;
    const auto j = nlohmann::json::parse(r.body);
    EXPECT_EQ(j.at("kind"), "input");
    EXPECT_EQ(j.at("error").get<std::string>().find('\n'), std::string::npos);
  }
}

TEST(ApiEndpoints, UnknownEndpointAndWrongMethod) {
  EXPECT_EQ(shared_server().get("/api/nothing").status, 404);
  EXPECT_EQ(shared_server().get("/api/analyze").status, 405);
  EXPECT_EQ(shared_server().post("/api/models", "{}").status, 405);
  EXPECT_EQ(shared_server().send({.method = "DELETE", .path = "/api/models"}).status, 405);
}

TEST(ApiEndpoints, PageAndAssetsAreServedWithTheirTypes) {
  const Reply page = http(shared_server().port(), {.path = "/", .token = false});
  ASSERT_EQ(page.status, 200);
  const web::Asset* index = web::find_asset("/index.html");
  ASSERT_NE(index, nullptr);
  EXPECT_EQ(page.body, index->body);
  EXPECT_EQ(page.header("content-type"), "text/html; charset=utf-8");
  for (const web::Asset& asset : web::assets()) {
    const Reply r = http(shared_server().port(), {.path = std::string(asset.path), .token = false});
    EXPECT_EQ(r.status, 200) << asset.path;
    EXPECT_EQ(r.body, asset.body) << asset.path;
    EXPECT_EQ(r.header("content-type"), asset.content_type) << asset.path;
  }
  EXPECT_EQ(http(shared_server().port(), {.path = "/nothing.js", .token = false}).status, 404);
}

TEST(ApiEndpoints, TokenInTheUrlBecomesACookie) {
  const uint16_t port = shared_server().port();
  const Reply r = http(port, {.path = std::string("/?token=") + kToken, .token = false});
  EXPECT_EQ(r.status, 303);
  EXPECT_EQ(r.header("location"), "/");
  EXPECT_EQ(r.header("set-cookie"),
            std::string("attnscope_token=") + kToken + "; HttpOnly; SameSite=Strict; Path=/");
  EXPECT_EQ(http(port, {.path = "/?token=wrong", .token = false}).status, 401);
  const Reply with_cookie =
      http(port, {.path = "/api/models",
                  .headers = {std::string("Cookie: attnscope_token=") + kToken},
                  .token = false});
  EXPECT_EQ(with_cookie.status, 200);
}

// HS-4: the allowlist comes from one models folder; a symlink out of it is not offered.
TEST(ApiEndpoints, ModelsDirOffersItsFoldersById) {
  TempDir dir("api-models");
  const std::filesystem::path models = dir.path() / "models";
  const std::filesystem::path outside = dir.path() / "outside";
  const std::filesystem::path demo = demo::demo_model_dir();
  std::filesystem::create_directories(models);
  std::filesystem::copy(demo, models / "tiny", std::filesystem::copy_options::recursive);
  std::filesystem::copy(demo, outside, std::filesystem::copy_options::recursive);
  std::filesystem::create_directory_symlink(outside, models / "escape");
  std::filesystem::create_directories(models / "no-config");
  std::filesystem::create_directories(models / "broken");
  std::ofstream(models / "broken" / "config.json") << "{";

  TestServerOptions options;
  options.dashboard.models_dir = models.string();
  TestServer server(options);
  const auto list = nlohmann::json::parse(server.get("/api/models").body).at("models");
  std::vector<std::string> ids;
  for (const auto& m : list) ids.push_back(m.at("id"));
  EXPECT_EQ(ids, (std::vector<std::string>{"tiny", "demo"}));
  const auto& warnings = server.dashboard().warnings();
  ASSERT_EQ(warnings.size(), 2u);
  const std::string all = warnings[0] + "\n" + warnings[1];
  EXPECT_NE(all.find("broken: skipped: "), std::string::npos) << all;
  EXPECT_NE(all.find("escape: skipped: it leads outside --models-dir"), std::string::npos) << all;

  const Reply tiny = server.post("/api/analyze", R"({"model": "tiny", "text": "the cat sat"})");
  ASSERT_EQ(tiny.status, 200) << tiny.body;
  EXPECT_EQ(
      nlohmann::json::parse(tiny.body).at("heads"),
      nlohmann::json::parse(shared_server().post("/api/analyze", request_body("the cat sat")).body)
          .at("heads"));
  EXPECT_EQ(server.post("/api/analyze", R"({"model": "escape", "text": "a"})").status, 404);
}

// The memory guard applies to every request that computes: over the budget, 422 naming sizes.
TEST(ApiEndpoints, MemoryGuardRefusesAttentionOverTheBudget) {
  TestServerOptions options;
  options.dashboard.memory_budget = 16 << 20;  // 16 MiB: less than one layer at T = 1024
  TestServer server(options);
  std::string text;
  for (int k = 0; k < 1023; ++k) text += "the ";
  const Reply r = server.post("/api/attention", request_body(text, R"(,"layer": 0)"));
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_NE(r.body.find("per-request budget"), std::string::npos) << r.body;
  EXPECT_EQ(server.post("/api/attention", request_body("the cat", R"(,"layer": 0)")).status, 200);
}

}  // namespace
}  // namespace attnscope::testing
