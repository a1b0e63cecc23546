// `attention --out` written as computed: SafetensorsWriter's streamed tensors, the layer writer
// (f32 / f16 / bf16) read back by AttentionFile, and the progress line.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "analysis/attention_analyzer.h"
#include "analysis/attention_file.h"
#include "core/error.h"
#include "core/progress.h"
#include "demo/demo_model.h"
#include "io/safetensors.h"
#include "model/attention_store.h"
#include "model/model.h"
#include "report/attention_writer.h"

namespace attnscope {
namespace {

std::filesystem::path temp_file(const std::string& name) {
  return std::filesystem::temp_directory_path() /
         ("attnscope-writer-" + std::to_string(::getpid()) + "-" + name);
}

TEST(StreamedWriter, StreamedTensorsGiveTheSameBytesAsHeldOnes) {
  const Tensor t({2, 3}, {1, 2, 3, 4, 5, 6});
  SafetensorsWriter held, streamed;
  held.add_f32("a", t);
  held.add_i64("b", {2}, std::vector<int64_t>{7, 8});
  streamed.add_streamed("a", DType::kF32, {2, 3}, [&](const SafetensorsWriter::ByteSink& sink) {
    sink(std::as_bytes(t.values().first(2)));  // in two pieces
    sink(std::as_bytes(t.values().subspan(2)));
  });
  streamed.add_i64("b", {2}, std::vector<int64_t>{7, 8});
  EXPECT_EQ(held.serialize(), streamed.serialize());
}

TEST(StreamedWriter, AWrongByteCountLeavesNoFile) {
  const auto path = temp_file("short.safetensors");
  SafetensorsWriter writer;
  writer.add_streamed("a", DType::kF32, {4}, [](const SafetensorsWriter::ByteSink& sink) {
    const float two[2] = {1, 2};
    sink(std::as_bytes(std::span<const float>(two)));
  });
  EXPECT_THROW(writer.write(path.string()), ShapeError);
  EXPECT_FALSE(std::filesystem::exists(path));
  SafetensorsWriter failing;
  failing.add_streamed("a", DType::kF32, {1}, [](const SafetensorsWriter::ByteSink&) {
    throw LimitError("the forward pass stopped");
  });
  EXPECT_THROW(failing.write(path.string()), LimitError);
  EXPECT_FALSE(std::filesystem::exists(path));
}

// The demo model's attention through the layer writer, in each dtype, read back by the
// attention-file reader (which validates every row) and compared with an AttentionStore.
TEST(StreamedWriter, LayerWriterFilesReadBackInEveryDtype) {
  const Model model = Model::load(demo::demo_model_dir().string());
  const ModelConfig& c = model.config();
  const std::vector<int64_t> ids = {1, 24, 164, 260, 37, 24, 196, 5, 9, 11};
  const auto T = static_cast<int64_t>(ids.size());
  AttentionStore store;
  AttentionObserver* keep_all[] = {&store};
  model.forward(ForwardInput::single(ids), keep_all);
  KeepSpec keep;
  keep.layers = {1};
  keep.heads = {0, 2};
  for (const char* name : {"f32", "f16", "bf16"}) {
    SCOPED_TRACE(name);
    const DType dtype = report::parse_attention_dtype(name);
    const auto path = temp_file(std::string(name) + ".safetensors");
    SafetensorsWriter writer;
    writer.add_streamed("attentions", dtype, {1, 2, T, T},
                        [&](const SafetensorsWriter::ByteSink& sink) {
                          report::AttentionLayerWriter layers(keep, dtype, c, sink);
                          AttentionObserver* observers[] = {&layers};
                          model.forward(ForwardInput::single(ids), observers);
                          EXPECT_EQ(layers.layers_written(), 1);
                        });
    writer.add_i64("input_ids", {T}, ids);
    writer.set_metadata("causal", "true");
    writer.set_metadata("layers", "[1]");
    writer.set_metadata("heads", "[0, 2]");
    writer.write(path.string());
    EXPECT_EQ(std::filesystem::file_size(path) % 2, 0u);
    const analysis::AttentionFile file(path.string());
    const Tensor got = file.load_layer(0, 0);  // validated: rows sum to 1 within the dtype's bound
    const Tensor want = store.layer(1);
    const double tolerance = dtype == DType::kF32 ? 0.0 : dtype == DType::kF16 ? 1e-3 : 4e-3;
    for (int64_t k = 0; k < 2; ++k) {
      const int64_t head = keep.heads[k];
      for (int64_t i = 0; i < T * T; ++i) {
        ASSERT_NEAR(got.data()[k * T * T + i], want.data()[head * T * T + i], tolerance);
      }
    }
    EXPECT_NO_THROW(analysis::analyze_attention_file(file));
    std::filesystem::remove(path);
  }
  EXPECT_THROW(report::parse_attention_dtype("f64"), InputError);
}

TEST(ProgressLine, SilentWhenNotATerminalAndDrawnWhenForced) {
  std::FILE* quiet = std::tmpfile();
  {
    Progress p("analyze", 4, quiet, {.force = false, .delay = std::chrono::milliseconds(0)});
    EXPECT_FALSE(p.enabled());
    p.advance(2);
  }
  EXPECT_EQ(std::ftell(quiet), 0);  // nothing written
  std::fclose(quiet);

  std::FILE* out = std::tmpfile();
  {
    Progress p("analyze", 4, out, {.force = true, .delay = std::chrono::milliseconds(0)});
    p.set_detail("1/2 texts");
    p.advance(2);
  }
  std::rewind(out);
  char buffer[256] = {};
  const size_t n = std::fread(buffer, 1, sizeof buffer - 1, out);
  std::fclose(out);
  const std::string text(buffer, n);
  EXPECT_NE(text.find("analyze  [##########..........] 50%  1/2 texts"), std::string::npos) << text;
  EXPECT_TRUE(text.ends_with("\r\x1b[K")) << "the line is cleared at the end";
}

}  // namespace
}  // namespace attnscope
