// One hand-built file per rule of the GGUF reader (RELIABILITY.md section 2): llama.cpp's
// test-gguf.cpp failure classes under their names (GG-1), allocation-driving counts refused fast
// and without memory (GG-2), the overflow classes of the advisories (GG-3), data outside the
// file (GG-4), typed metadata access (GG-5). Each must be a typed error whose message names the
// rule, never a crash; the ASan+UBSan build runs the same tests.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <chrono>
#include <limits>
#include <random>

#include "core/error.h"
#include "core/mapped_file.h"
#include "gguf_builder.h"
#include "io/gguf.h"
#include "support/shared_data.h"
#include "support/temp_dir.h"

namespace attnscope {
namespace {

using ::attnscope::testing::GgufBuilder;
using ::attnscope::testing::TempDir;
using ::attnscope::testing::valid_gguf;

constexpr uint64_t kMax64 = std::numeric_limits<uint64_t>::max();

class GgufMalformed : public ::testing::Test {
 protected:
  std::string write(const std::string& bytes) {
    const std::string path = dir_.file("t" + std::to_string(count_++) + ".gguf");
    write_file_atomic(path, bytes);
    return path;
  }

  // Expects an error of type E whose message contains every fragment.
  template <typename E = FormatError>
  void expect_error(const std::string& bytes, std::initializer_list<std::string> expected) {
    const std::string path = write(bytes);
    try {
      GgufFile file(path);
      ADD_FAILURE() << "expected an error containing '" << *expected.begin() << "'";
    } catch (const E& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find(path), std::string::npos) << message;
      for (const auto& fragment : expected) {
        EXPECT_NE(message.find(fragment), std::string::npos)
            << "missing '" << fragment << "' in: " << message;
      }
    }
  }

  GgufFile open(const std::string& bytes) { return GgufFile(write(bytes)); }

 private:
  TempDir dir_{"gguf"};
  int count_ = 0;
};

// A file with one F32 tensor [32] named "w" and the given metadata/tensor bytes spliced in.
std::string one_tensor(uint64_t ne0 = 32, uint32_t type = 0, uint64_t offset = 0) {
  GgufBuilder b;
  b.header(3, 1, 0).tensor("w", {ne0}, type, offset).pad(32).zeros(128);
  return b.bytes();
}

// --- GG-1: llama.cpp's test-gguf.cpp classes -------------------------------------------------

TEST_F(GgufMalformed, ValidFileReads) {
  const GgufFile f = open(valid_gguf());
  EXPECT_EQ(f.version(), 3u);
  EXPECT_EQ(f.alignment(), 32u);
  ASSERT_EQ(f.tensors().size(), 2u);
  EXPECT_EQ(f.tensor("b").nbytes, 136u);
  EXPECT_EQ(f.tensor("b").shape(), (Shape{2, 64}));
  EXPECT_EQ(f.get_string("general.architecture"), "llama");
  EXPECT_EQ(f.get_f32_array("tokenizer.ggml.scores"), (std::vector<float>{0.5f, -1.0f}));
}

TEST_F(GgufMalformed, BAD_MAGIC) {
  std::string bytes = valid_gguf();
  bytes[0] = 'X';
  expect_error(bytes, {"bad magic"});
  expect_error("GG", {"truncated", "magic"});
  expect_error("", {"truncated"});
}

TEST_F(GgufMalformed, BAD_VERSION_0) {
  expect_error(GgufBuilder().header(0, 0, 0).bytes(), {"version 0 is unknown"});
}

TEST_F(GgufMalformed, BAD_VERSION_1) {
  expect_error<UnsupportedError>(GgufBuilder().header(1, 0, 0).bytes(),
                                 {"GGUF version 1 is not supported", "only version 3"});
  expect_error<UnsupportedError>(GgufBuilder().header(2, 0, 0).bytes(),
                                 {"GGUF version 2 is not supported"});
}

TEST_F(GgufMalformed, BAD_VERSION_FUTURE) {
  expect_error(GgufBuilder().header(4, 0, 0).bytes(), {"version 4 is unknown"});
  expect_error(GgufBuilder().header(0xFFFFFFFF, 0, 0).bytes(), {"is unknown"});
}

TEST_F(GgufMalformed, BAD_N_TENSORS) {
  expect_error(GgufBuilder().header(3, kMax64, 0).bytes(), {"tensor count", "more than the file"});
  expect_error(GgufBuilder().header(3, 1ull << 63, 0).bytes(), {"tensor count"});
}

TEST_F(GgufMalformed, BAD_N_KV) {
  expect_error(GgufBuilder().header(3, 0, kMax64).bytes(),
               {"metadata count", "more than the file"});
  // A plausible count with the keys missing: truncated.
  expect_error(GgufBuilder().header(3, 0, 1).str("k").u32(4).zeros(1).bytes(),
               {"truncated", "metadata 'k'"});
}

TEST_F(GgufMalformed, BAD_KEY_SIZE) {
  expect_error(GgufBuilder().header(3, 0, 1).u64(1ull << 63).u32(4).u32(0).bytes(),
               {"metadata key 0 length", "exceeds the limit"});
  expect_error(GgufBuilder().header(3, 0, 1).u64(100).raw("ab").u32(4).u32(0).zeros(8).bytes(),
               {"metadata key 0 length 100", "runs past the end"});
}

TEST_F(GgufMalformed, EMPTY_KEY) {
  expect_error(GgufBuilder().header(3, 0, 1).kv_u32("", 1).bytes(), {"metadata key 0 is empty"});
}

TEST_F(GgufMalformed, BAD_TYPE) {
  expect_error(GgufBuilder().header(3, 0, 1).str("k").u32(13).u32(0).bytes(),
               {"metadata 'k'", "unknown value type 13"});
  expect_error(GgufBuilder().header(3, 0, 1).str("k").u32(9).u32(0xFFFFFFFF).u64(0).bytes(),
               {"metadata 'k' element", "unknown value type 4294967295"});
}

TEST_F(GgufMalformed, DUPLICATE_KEY) {
  expect_error(GgufBuilder().header(3, 0, 2).kv_u32("k", 1).kv_u32("k", 2).bytes(),
               {"duplicate metadata 'k'"});
}

TEST_F(GgufMalformed, BAD_ALIGN) {
  for (uint32_t align : {0u, 13u, 1u << 31, 3u}) {
    expect_error(GgufBuilder().header(3, 0, 1).kv_u32("general.alignment", align).bytes(),
                 {"general.alignment " + std::to_string(align), "not a power of two"});
  }
}

TEST_F(GgufMalformed, WRONG_TYPE_ALIGN) {
  expect_error(GgufBuilder().header(3, 0, 1).kv_i32("general.alignment", 32).bytes(),
               {"general.alignment has type INT32; expected UINT32"});
}

TEST_F(GgufMalformed, BAD_NAME_SIZE) {
  GgufBuilder b;
  b.header(3, 1, 0).tensor(std::string(64, 'n'), {32}, 0, 0).pad(32).zeros(128);
  expect_error(b.bytes(), {"name is 64 bytes", "limit is 63"});
  GgufBuilder ok;
  ok.header(3, 1, 0).tensor(std::string(63, 'n'), {32}, 0, 0).pad(32).zeros(128);
  EXPECT_EQ(open(ok.bytes()).tensors()[0].name.size(), 63u);
  expect_error(GgufBuilder().header(3, 1, 0).u64(kMax64).zeros(40).bytes(),
               {"tensor 0 name length"});
}

TEST_F(GgufMalformed, BAD_N_DIMS) {
  for (uint32_t dims : {5u, 0xFFFFFFFFu}) {
    GgufBuilder b;
    b.header(3, 1, 0).str("w").u32(dims);
    for (int i = 0; i < 5; ++i) b.u64(1);
    b.u32(0).u64(0).pad(32).zeros(64);
    expect_error(b.bytes(),
                 {"tensor 'w' has " + std::to_string(dims) + " dimensions", "at most 4"});
  }
}

TEST_F(GgufMalformed, BAD_SHAPE) {
  expect_error(one_tensor(static_cast<uint64_t>(-32)), {"tensor 'w' dimension 0 is negative"});
  // Q4_0 rows must be whole blocks of 32.
  expect_error(one_tensor(33, 2), {"rows of 33 values", "Q4_0 blocks of 32"});
  expect_error(one_tensor(32, 12), {"rows of 32 values", "Q4_K blocks of 256"});
}

TEST_F(GgufMalformed, ZERO_DIM) {
  GgufBuilder b;
  b.header(3, 1, 0).tensor("w", {32, 0, 7}, 0, 0).pad(32);
  const GgufFile f = open(b.bytes());
  EXPECT_EQ(f.tensor("w").numel, 0);
  EXPECT_EQ(f.tensor("w").nbytes, 0u);
  EXPECT_EQ(f.tensor("w").rows(), 0);
  EXPECT_EQ(f.load_f32("w").numel(), 0);
  // A zero row length (no divide by zero anywhere).
  GgufBuilder z;
  z.header(3, 1, 0).tensor("w", {0, 5}, 2, 0).pad(32);
  EXPECT_EQ(open(z.bytes()).tensor("w").rows(), 0);
}

TEST_F(GgufMalformed, NE_TOO_BIG) {
  // llama.cpp#27203: (INT64_MAX, 2, 1, 1) gets past a per-dimension check.
  GgufBuilder b;
  b.header(3, 1, 0).tensor("w", {0x7FFFFFFFFFFFFFFFull, 2, 1, 1}, 0, 0).pad(32).zeros(64);
  expect_error(b.bytes(), {"more than int64 can count"});
}

TEST_F(GgufMalformed, NBYTES_TOO_BIG) {
  // CVE-2026-33298: the element count fits int64, the byte size does not fit in the file.
  GgufBuilder b;
  b.header(3, 1, 0).tensor("w", {32ull << 58}, 8, 0).pad(32).zeros(64);
  expect_error(b.bytes(), {"tensor 'w'"});
  GgufBuilder f32;
  f32.header(3, 1, 0).tensor("w", {1ull << 62, 1}, 0, 0).pad(32).zeros(64);
  expect_error(f32.bytes(), {"tensor 'w'", "byte size overflows"});
}

TEST_F(GgufMalformed, BAD_TENSOR_TYPE) {
  expect_error(one_tensor(32, 4), {"tensor 'w' has unknown ggml type 4"});
  expect_error(one_tensor(32, 31), {"unknown ggml type 31"});
  expect_error(one_tensor(32, 40), {"unknown ggml type 40"});
  expect_error(one_tensor(32, 0xFFFFFFFF), {"unknown ggml type 4294967295"});
}

TEST_F(GgufMalformed, BAD_OFFSET) {
  expect_error(one_tensor(32, 0, 16), {"offset 16 is not a multiple of the alignment 32"});
  expect_error(one_tensor(32, 0, 4096), {"not within the data section"});
}

TEST_F(GgufMalformed, DUPLICATE_NAME) {
  GgufBuilder b;
  b.header(3, 2, 0).tensor("w", {32}, 0, 0).tensor("w", {32}, 0, 128).pad(32).zeros(256);
  expect_error(b.bytes(), {"duplicate tensor 'w'"});
}

TEST_F(GgufMalformed, INCONSISTENT_ALIGN) {
  // Offsets valid for 32 but the file declares 64.
  GgufBuilder b;
  b.header(3, 2, 1).kv_u32("general.alignment", 64);
  b.tensor("a", {8}, 0, 0).tensor("b", {8}, 0, 32).pad(64).zeros(128);
  expect_error(b.bytes(), {"tensor 'b' offset 32 is not a multiple of the alignment 64"});
}

TEST_F(GgufMalformed, NOT_ENOUGH_DATA) {
  std::string bytes = valid_gguf();
  bytes.resize(bytes.size() - 1);
  expect_error(bytes, {"tensor 'b' data", "not within the data section"});
}

TEST_F(GgufMalformed, MEM_SIZE_OVERFLOW) {
  GgufBuilder b;
  b.header(3, 2, 0);
  b.tensor("a", {0x7FFFFFFFFFFFFFC0ull}, 24, 0)
      .tensor("b", {0x7FFFFFFFFFFFFFC0ull}, 24, 0x7FFFFFFFFFFFFFC0ull);
  b.pad(32).zeros(64);
  expect_error(b.bytes(), {"not within the data section"});
}

TEST_F(GgufMalformed, TruncatedAtEveryByte) {
  const std::string bytes = valid_gguf();
  for (size_t n = 0; n < bytes.size(); ++n) {
    const std::string path = write(bytes.substr(0, n));
    EXPECT_THROW(GgufFile{path}, FormatError) << "prefix of " << n << " bytes";
  }
}

// --- GG-2: counts that would drive allocations -------------------------------------------------

long peak_rss_kib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

TEST_F(GgufMalformed, HugeCountsFailFastWithoutMemory) {
  const std::vector<std::string> files = {
      GgufBuilder().header(3, 1ull << 63, 0).bytes(),
      GgufBuilder().header(3, kMax64, 0).bytes(),
      GgufBuilder().header(3, 0, kMax64).bytes(),
      GgufBuilder().header(3, 0, 1).str("k").u32(8).u64(1ull << 63).bytes(),
      GgufBuilder().header(3, 0, 1).str("k").u32(8).u64(1000).raw("short").bytes(),
      GgufBuilder().header(3, 0, 1).str("k").u32(9).u32(0).u64(1ull << 62).bytes(),
      GgufBuilder().header(3, 0, 1).str("k").u32(9).u32(8).u64(1ull << 40).zeros(64).bytes(),
      GgufBuilder().header(3, 0, 1).str("k").u32(9).u32(9).u64(1ull << 40).zeros(64).bytes(),
      // Strings totalling more than the file: each claims 1 MiB.
      GgufBuilder().header(3, 0, 1).str("k").u32(9).u32(8).u64(4).u64(1 << 20).zeros(40).bytes(),
  };
  const long before = peak_rss_kib();
  for (const std::string& bytes : files) {
    const std::string path = write(bytes);
    const auto start = std::chrono::steady_clock::now();
    EXPECT_THROW(GgufFile{path}, FormatError);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - start)
                        .count();
    EXPECT_LT(ms, 100);
  }
  EXPECT_LT(peak_rss_kib() - before, 64 * 1024) << "KiB of peak RSS growth";
}

TEST_F(GgufMalformed, NestedArraysPastTheDepthCap) {
  // Depth 4 (array of array of array of array of u8) is read; depth 5 is refused.
  const auto nested = [](int depth) {
    GgufBuilder b;
    b.header(3, 0, 1).str("k").u32(9);
    for (int d = 1; d < depth; ++d) b.u32(9).u64(1);
    b.u32(0).u64(2).u8(7).u8(8);
    return b.bytes();
  };
  const GgufFile ok = open(nested(4));
  EXPECT_EQ(ok.find("k")->to_display(), "[[[[7, 8]]]]");
  expect_error(nested(5), {"nests arrays deeper than 4"});
  expect_error(nested(64), {"nests arrays deeper than 4"});
}

// --- GG-3: overflow classes -------------------------------------------------------------------

TEST_F(GgufMalformed, OffsetPlusSizeWrapsAround) {
  // GGML_PAD(SIZE_MAX - 3, 32) wraps to 0; offset + nbytes past 2^64.
  expect_error(one_tensor(32, 0, kMax64 - 31), {"not within the data section"});
  expect_error(one_tensor(32, 0, (kMax64 - 3) & ~uint64_t{31}), {"not within the data section"});
}

TEST_F(GgufMalformed, RunningTotalOverflow) {
  // CVE-2025-53630 / 27940: sizes whose sum wraps; each tensor is checked on its own.
  GgufBuilder b;
  b.header(3, 3, 0);
  for (const char* name : {"a", "b", "c"}) b.tensor(name, {1ull << 62}, 24, 0);
  b.pad(32).zeros(64);
  expect_error(b.bytes(), {"not within the data section"});
}

TEST_F(GgufMalformed, OverlappingTensors) {
  GgufBuilder c;
  c.header(3, 2, 0).tensor("a", {64}, 0, 0).tensor("b", {8}, 0, 128).pad(32).zeros(256);
  expect_error(c.bytes(), {"tensors 'a' and 'b' overlap"});
}

TEST_F(GgufMalformed, BoolOutOfRange) {
  expect_error(GgufBuilder().header(3, 0, 1).str("k").u32(7).u8(2).bytes(),
               {"metadata 'k' is a BOOL with value 2"});
}

// --- GG-4: data outside the file (Bleeding Llama) ---------------------------------------------

TEST_F(GgufMalformed, DataPastTheEndOfTheFile) {
  GgufBuilder b;
  b.header(3, 1, 0).tensor("w", {1024}, 0, 0).pad(32).zeros(100);
  expect_error(b.bytes(),
               {"tensor 'w' data [0, +4096) is not within the data section (100 bytes)"});
  expect_error(one_tensor(32, 0, 1ull << 63), {"not within the data section"});
}

// --- GG-5: typed metadata access ----------------------------------------------------------------

TEST_F(GgufMalformed, TypedMetadataAccess) {
  GgufBuilder b;
  b.header(3, 0, 4).kv_string("name", "x").kv_u32("count", 7);
  b.str("tokenizer.ggml.scores").u32(9).u32(1).u64(3).u8(1).u8(2).u8(3);
  b.str("big").u32(10).u64(kMax64);
  const GgufFile f = open(b.bytes());
  EXPECT_EQ(f.get_int("count"), 7);
  EXPECT_EQ(f.get_string("missing"), std::nullopt);
  EXPECT_EQ(f.get_int_array("tokenizer.ggml.scores"), (std::vector<int64_t>{1, 2, 3}));
  try {
    (void)f.get_f32_array("tokenizer.ggml.scores");
    ADD_FAILURE() << "INT8 scores read as f32";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find(
                  "'tokenizer.ggml.scores' has type ARRAY[INT8]; expected ARRAY[FLOAT32]"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW((void)f.get_int("name"), FormatError);
  EXPECT_THROW((void)f.get_string("count"), FormatError);
  EXPECT_THROW((void)f.get_float("count"), FormatError);
  EXPECT_THROW((void)f.get_bool("count"), FormatError);
  EXPECT_THROW((void)f.get_string_array("count"), FormatError);
  EXPECT_THROW((void)f.get_int("big"), FormatError);
}

TEST_F(GgufMalformed, UnsupportedTypeNamesTensorAndType) {
  GgufBuilder b;
  b.header(3, 1, 0).tensor("blk.0.attn_q.weight", {256}, 10, 0).pad(32).zeros(96);
  const GgufFile f = open(b.bytes());
  try {
    (void)f.load_f32("blk.0.attn_q.weight");
    ADD_FAILURE() << "Q2_K dequantized";
  } catch (const UnsupportedError& e) {
    EXPECT_NE(std::string(e.what()).find("tensor 'blk.0.attn_q.weight'"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("Q2_K"), std::string::npos) << e.what();
  }
}

// --- Random corruption: typed errors only -----------------------------------------------------

TEST_F(GgufMalformed, RandomCorruptionsGiveTypedErrorsOnly) {
  const std::string valid = valid_gguf();
  std::mt19937 rng(1234);
  for (int round = 0; round < 1500; ++round) {
    std::string bytes = valid;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int i = 0; i < flips; ++i) {
      bytes[rng() % bytes.size()] = static_cast<char>(rng() & 0xff);
    }
    if (rng() % 4 == 0) bytes.resize(rng() % bytes.size());
    try {
      const GgufFile f(write(bytes));
      for (const auto& t : f.tensors()) {
        try {
          (void)f.load_f32(t.name);
        } catch (const UnsupportedError&) {
        }
      }
      for (const auto& [key, value] : f.metadata()) (void)value.to_display();
    } catch (const Error&) {
    }
  }
}

}  // namespace
}  // namespace attnscope

namespace attnscope {
namespace {

// The fuzz seeds (tests/fuzz/corpus/gguf) replay here in every build: valid_* read, the others
// are refused with a typed error.
TEST(GgufFuzzSeeds, Replay) {
  const auto dir = ::attnscope::testing::source_dir() / "tests/fuzz/corpus/gguf";
  int seen = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    SCOPED_TRACE(name);
    ++seen;
    if (name.rfind("valid", 0) == 0) {
      const GgufFile f(entry.path().string());
      for (const auto& t : f.tensors()) EXPECT_NO_THROW((void)f.load_f32(t.name));
    } else {
      EXPECT_THROW(GgufFile{entry.path().string()}, Error);
    }
  }
  EXPECT_GE(seen, 10);
}

}  // namespace
}  // namespace attnscope

namespace attnscope {
namespace {

TEST(GgufDetect, ByNameOrMagicWithoutBlocking) {
  TempDir dir("gguf-detect");
  EXPECT_TRUE(looks_like_gguf("missing/model.GGUF"));  // the reader then says it is missing
  EXPECT_FALSE(looks_like_gguf(dir.path().string()));  // a folder
  EXPECT_FALSE(looks_like_gguf("gpt2"));               // a Hugging Face id
  const std::string named_otherwise = dir.file("weights.bin");
  write_file_atomic(named_otherwise, valid_gguf());
  EXPECT_TRUE(looks_like_gguf(named_otherwise));
  const std::string text = dir.file("notes.txt");
  write_file_atomic(text, "GGU");
  EXPECT_FALSE(looks_like_gguf(text));
  const std::string fifo = dir.file("pipe");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_FALSE(looks_like_gguf(fifo));  // returns at once instead of waiting for a writer
}

}  // namespace
}  // namespace attnscope
