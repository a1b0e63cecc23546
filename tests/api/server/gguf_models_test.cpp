// GGUF files offered by the dashboard like model folders: --model FILE.gguf (id: the file name
// less .gguf) and the .gguf files of --models-dir, analysed through the same API.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "server_test_support.h"
#include "support/shared_data.h"
#include "support/temp_dir.h"

namespace attnscope::testing {
namespace {

std::vector<std::string> model_ids(TestServer& server) {
  std::vector<std::string> ids;
  const nlohmann::json reply = nlohmann::json::parse(server.get("/api/models").body);
  for (const auto& m : reply.at("models")) {
    ids.push_back(m.at("id"));
  }
  return ids;
}

TEST(ApiGguf, ModelOptionAndModelsDirOfferGgufFiles) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  TempDir dir("api-gguf");
  const std::filesystem::path models = dir.path() / "models";
  std::filesystem::create_directories(models);
  std::filesystem::copy_file(shared / "models/gguf/stories260k-hf-q4_k.gguf",
                             models / "stories-q4_k.gguf");
  std::ofstream(models / "notes.txt") << "not a model";

  TestServerOptions options;
  options.dashboard.models = {(shared / "models/gguf/stories260k-hf-f32.gguf").string()};
  options.dashboard.models_dir = models.string();
  TestServer server(options);
  EXPECT_EQ(model_ids(server),
            (std::vector<std::string>{"stories260k-hf-f32", "stories-q4_k", "demo"}));
  EXPECT_TRUE(server.dashboard().warnings().empty());

  for (const char* id : {"stories260k-hf-f32", "stories-q4_k"}) {
    SCOPED_TRACE(id);
    const Reply r = server.post(
        "/api/analyze", std::string(R"({"model": ")") + id + R"(", "text": "Once upon a time"})");
    ASSERT_EQ(r.status, 200) << r.body;
    const auto j = nlohmann::json::parse(r.body);
    EXPECT_EQ(j.at("heads").size(), 40u);    // 5 layers x 8 heads
    EXPECT_EQ(j.at("tokens").at(0), "<s>");  // the file's own tokenizer adds BOS
  }
}

}  // namespace
}  // namespace attnscope::testing
