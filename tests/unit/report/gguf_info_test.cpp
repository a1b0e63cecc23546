// `info` on a GGUF file shows its metadata as written: a float hyper-parameter that is NaN or
// infinite appears as "nan" / "inf" (JSON has neither; it would silently become null).
#include "report/gguf_info.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <sstream>

#include "support/temp_dir.h"
#include "unit/io/gguf_builder.h"

namespace attnscope::report {
namespace {

TEST(GgufInfo, NonFiniteFloatsAreShownNotNulled) {
  testing::GgufBuilder b;
  b.header(3, 0, 4).kv_string("general.architecture", "llama");
  b.kv_f32("llama.embedding_length", std::numeric_limits<float>::quiet_NaN());
  b.kv_f32("llama.rope.freq_base", -std::numeric_limits<float>::infinity());
  b.kv_f32("llama.attention.layer_norm_rms_epsilon", 1e-5f);
  testing::TempDir dir("gguf-info");
  const std::string path = dir.write("nan.gguf", b.bytes());
  const GgufFile file(path);
  const auto info = gguf_info_json(file, {});
  const auto& hyper = info.at("hyperparameters");
  EXPECT_EQ(hyper.at("embedding_length"), "nan");
  EXPECT_EQ(hyper.at("rope.freq_base"), "-inf");
  EXPECT_FLOAT_EQ(hyper.at("attention.layer_norm_rms_epsilon").get<float>(), 1e-5f);
  std::ostringstream table;
  write_gguf_info(table, file, {});
  EXPECT_NE(table.str().find("nan"), std::string::npos) << table.str();
}

}  // namespace
}  // namespace attnscope::report
