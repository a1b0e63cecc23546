// One test per rule the reader enforces: each builds the offending bytes by hand and checks for a
// FormatError whose message names the rule (and the tensor where there is one). Then a
// fuzz-style property: random corruptions of a valid file give typed errors, never a crash.
#include <gtest/gtest.h>

#include <random>

#include "core/error.h"
#include "core/mapped_file.h"
#include "io/safetensors.h"
#include "support/temp_dir.h"

namespace attnscope {
namespace {

using ::attnscope::testing::TempDir;

std::string length_prefix(uint64_t n) {
  std::string out;
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  return out;
}

// 8-byte length + header + data.
std::string file_bytes(const std::string& header, size_t data_bytes) {
  return length_prefix(header.size()) + header + std::string(data_bytes, '\0');
}

class Malformed : public ::testing::Test {
 protected:
  std::string write(const std::string& bytes) {
    const std::string path = dir_.file("t" + std::to_string(count_++) + ".safetensors");
    write_file_atomic(path, bytes);
    return path;
  }

  // Expects FormatError naming the file and every fragment of `expected`.
  void expect_error(const std::string& bytes, std::initializer_list<std::string> expected) {
    const std::string path = write(bytes);
    try {
      SafetensorsFile file(path);
      ADD_FAILURE() << "expected FormatError containing '" << *expected.begin() << "'";
    } catch (const FormatError& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find(path), std::string::npos) << message;
      for (const auto& fragment : expected) {
        EXPECT_NE(message.find(fragment), std::string::npos)
            << "missing '" << fragment << "' in: " << message;
      }
    }
  }

  void expect_ok(const std::string& bytes) { SafetensorsFile file(write(bytes)); }

 private:
  TempDir dir_;
  int count_ = 0;
};

TEST_F(Malformed, FileShorterThanLengthPrefix) {
  expect_error("", {"0 bytes", "shorter than the 8-byte header length"});
  expect_error(std::string("\x02\x00\x00", 3),
               {"3 bytes", "shorter than the 8-byte header length"});
}

TEST_F(Malformed, HeaderLengthAboveLimit) {
  expect_error(
      length_prefix(kMaxSafetensorsHeaderBytes + 1) + "{}",
      {"header length " + std::to_string(kMaxSafetensorsHeaderBytes + 1), "exceeds the limit"});
  expect_error(length_prefix(~uint64_t{0}) + "{}", {"exceeds the limit"});
}

TEST_F(Malformed, HeaderLengthPastEndOfFile) {
  expect_error(length_prefix(100) + "{}", {"header length 100", "runs past the end of the file"});
}

TEST_F(Malformed, HeaderIsNotJson) {
  // The bad byte 'x' is at header index 6, so file offset 14.
  expect_error(file_bytes(R"({"a": x})", 0), {"invalid JSON", "(at byte 14)"});
  expect_error(file_bytes("", 0), {"header does not start with '{'"});
  expect_error(file_bytes(std::string("{\"a\xff\": 1}"), 0), {"invalid JSON"});  // not UTF-8
  expect_error(file_bytes(R"({"a": 1e999})", 0), {"invalid JSON", "out of range"});
}

TEST_F(Malformed, HeaderIsNotAnObject) {
  expect_error(file_bytes("[1, 2]", 0), {"a safetensors header is a JSON object"});
}

TEST_F(Malformed, MissingOrUnknownDtype) {
  expect_error(file_bytes(R"({"w": {"shape": [1], "data_offsets": [0, 4]}})", 4),
               {"tensor 'w'", "missing 'dtype'"});
  expect_error(
      file_bytes(R"({"w": {"dtype": "F8_E4M3", "shape": [1], "data_offsets": [0, 1]}})", 1),
      {"tensor 'w'", "unknown dtype 'F8_E4M3'", "BF16"});
  expect_error(file_bytes(R"({"w": {"dtype": 4, "shape": [1], "data_offsets": [0, 4]}})", 4),
               {"tensor 'w'", "'dtype' must be a string"});
}

TEST_F(Malformed, EntryIsNotAnObject) {
  expect_error(file_bytes(R"({"w": [1, 2]})", 0), {"tensor 'w'", "header entry must be an object"});
}

TEST_F(Malformed, ShapeNotNonNegativeIntegers) {
  expect_error(file_bytes(R"({"w": {"dtype": "F32", "data_offsets": [0, 4]}})", 4),
               {"tensor 'w'", "missing 'shape'"});
  expect_error(file_bytes(R"({"w": {"dtype": "F32", "shape": 4, "data_offsets": [0, 4]}})", 4),
               {"tensor 'w'", "'shape' must be an array of non-negative integers"});
  expect_error(file_bytes(R"({"w": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}})", 4),
               {"tensor 'w'", "'shape' must be an array of non-negative integers", "-1"});
  expect_error(file_bytes(R"({"w": {"dtype": "F32", "shape": [1.0], "data_offsets": [0, 4]}})", 4),
               {"tensor 'w'", "'shape' must be an array of non-negative integers"});
  expect_error(file_bytes(R"({"w": {"dtype": "F32", "shape": [9223372036854775808],
                                   "data_offsets": [0, 4]}})",
                          4),
               {"tensor 'w'", "'shape' must be an array of non-negative integers"});
}

TEST_F(Malformed, ShapeProductOverflows) {
  // 2^32 * 2^32 elements: the product overflows even though a zero dimension would make it empty.
  expect_error(file_bytes(R"({"w": {"dtype": "F32", "shape": [4294967296, 4294967296, 0],
                                   "data_offsets": [0, 0]}})",
                          0),
               {"tensor 'w'", "more elements than fit in int64"});
  // Bytes overflow 2^64 while the element count does not.
  expect_error(file_bytes(R"({"w": {"dtype": "F64", "shape": [4611686018427387904],
                                   "data_offsets": [0, 8]}})",
                          8),
               {"tensor 'w'", "size mismatch", "more than 2^64"});
}

TEST_F(Malformed, DataOffsetsMalformed) {
  expect_error(file_bytes(R"({"w": {"dtype": "F32", "shape": [1]}})", 4),
               {"tensor 'w'", "missing 'data_offsets'"});
  expect_error(file_bytes(R"({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0]}})", 4),
               {"tensor 'w'", "'data_offsets' must be [begin, end]"});
  expect_error(file_bytes(R"({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, -4]}})", 4),
               {"tensor 'w'", "'data_offsets' must be [begin, end]"});
  expect_error(file_bytes(R"({"w": {"dtype": "F32", "shape": [0], "data_offsets": [4, 0]}})", 4),
               {"tensor 'w'", "begin 4 is after end 0"});
}

TEST_F(Malformed, SizeMismatch) {
  expect_error(
      file_bytes(R"({"w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 20]}})", 20),
      {"tensor 'w'", "size mismatch", "[2, 3]", "needs 24 bytes", "span 20"});
}

TEST_F(Malformed, OffsetsPastDataRegion) {
  expect_error(file_bytes(R"({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}})", 4),
               {"tensor 'w'", "run past the data region of 4 bytes"});
}

TEST_F(Malformed, OverlappingTensors) {
  expect_error(file_bytes(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                               "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}})",
                          12),
               {"tensor 'b'", "overlap tensor 'a'"});
  // An empty tensor inside another one's bytes overlaps too.
  expect_error(file_bytes(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                               "e": {"dtype": "F32", "shape": [0], "data_offsets": [4, 4]}})",
                          8),
               {"tensor 'e'", "overlap tensor 'a'"});
}

TEST_F(Malformed, GapBetweenTensors) {
  expect_error(file_bytes(R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
                               "b": {"dtype": "F32", "shape": [1], "data_offsets": [8, 12]}})",
                          12),
               {"tensor 'b'", "gap in the data region", "[4, 8)"});
  expect_error(file_bytes(R"({"b": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}})", 8),
               {"tensor 'b'", "gap in the data region", "[0, 4)"});
}

TEST_F(Malformed, TrailingBytes) {
  expect_error(file_bytes(R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}})", 5),
               {"trailing bytes", "cover 4 bytes of the 5-byte data region"});
  expect_error(file_bytes("{}", 1), {"trailing bytes"});
}

TEST_F(Malformed, MetadataNotStringMap) {
  expect_error(file_bytes(R"({"__metadata__": ["x"]})", 0), {"__metadata__ must be an object"});
  expect_error(file_bytes(R"({"__metadata__": {"n": 3}})", 0),
               {"__metadata__ must map strings to strings", "key 'n'", "number"});
}

TEST_F(Malformed, DuplicateKeys) {
  expect_error(file_bytes(R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
                               "a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}})",
                          4),
               {"tensor 'a'", "listed more than once"});
  expect_error(file_bytes(R"({"a": {"dtype": "F32", "dtype": "F16", "shape": [1],
                                   "data_offsets": [0, 4]}})",
                          4),
               {"tensor 'a'", "duplicate key 'dtype'"});
}

TEST_F(Malformed, NestingTooDeep) {
  expect_error(
      file_bytes(R"({"a": {"dtype": "F32", "shape": [[[1]]], "data_offsets": [0, 4]}})", 4),
      {"tensor 'a'", "nests deeper than safetensors allows"});
  expect_error(
      file_bytes("{\"a\": " + std::string(100000, '[') + std::string(100000, ']') + "}", 0),
      {"nests deeper"});
}

TEST_F(Malformed, ControlCharactersInNamesAreEscapedInMessages) {
  expect_error(
      file_bytes("{\"a\\nb\": {\"dtype\": \"X\", \"shape\": [], \"data_offsets\": [0, 0]}}", 0),
      {"tensor 'a\\nb'", "unknown dtype"});
}

TEST_F(Malformed, LegalEdgeCasesAreAccepted) {
  expect_ok(file_bytes("{}", 0));
  expect_ok(file_bytes("{}      ", 0));  // HF pads the header with spaces to 8 bytes
  expect_ok(file_bytes(R"({"e": {"dtype": "F32", "shape": [0, 3], "data_offsets": [0, 0]},
                           "a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
                           "z": {"dtype": "BF16", "shape": [0], "data_offsets": [4, 4]},
                           "__metadata__": {"format": "pt"}})",
                       4));
  // Unknown per-entry keys are ignored.
  expect_ok(
      file_bytes(R"({"a": {"dtype": "U8", "shape": [3], "data_offsets": [0, 3], "x": 1}})", 3));
}

// Random byte flips and truncations of a valid file: every outcome is a clean parse or a typed
// attnscope error; never a crash, hang or foreign exception (run under ASan in the sanitizer
// build).
TEST_F(Malformed, RandomCorruptionGivesTypedErrorsOnly) {
  SafetensorsWriter writer;
  writer.add_f32("alpha", Tensor({2, 3}, {1, 2, 3, 4, 5, 6}));
  writer.add_f32("beta", Tensor({4}, {1, 2, 3, 4}), DType::kBF16);
  writer.add_f32("empty", Tensor({0}));
  const std::vector<int64_t> ids = {7, 8, 9};
  writer.add_i64("ids", {3}, ids);
  writer.set_metadata("text", "fox");
  const std::string valid = writer.serialize();

  std::mt19937 rng(1234);
  int parsed = 0;
  int rejected = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    std::string bytes = valid;
    const int kind = trial % 4;
    if (kind == 0) {  // truncate
      bytes.resize(std::uniform_int_distribution<size_t>(0, bytes.size() - 1)(rng));
    } else if (kind == 3) {  // splice a JSON token into the header (found the 1e999 overflow)
      static const char* const kTokens[] = {"0", "-1", "1e999", "18446744073709551616",
                                            "[", "]",  "{",     "}",
                                            ",", "\"", "F64",   "\\u0000"};
      const size_t at = std::uniform_int_distribution<size_t>(8, 150)(rng);
      bytes.insert(at, kTokens[std::uniform_int_distribution<size_t>(0, 11)(rng)]);
    } else {  // flip 1-3 bytes, biased toward the length prefix and header
      const int flips = 1 + trial % 3;
      const size_t limit = kind == 1 ? std::min<size_t>(bytes.size(), 200) : bytes.size();
      for (int i = 0; i < flips; ++i) {
        const size_t at = std::uniform_int_distribution<size_t>(0, limit - 1)(rng);
        bytes[at] = static_cast<char>(std::uniform_int_distribution<int>(0, 255)(rng));
      }
    }
    const std::string path = write(bytes);
    try {
      SafetensorsFile file(path);
      for (const TensorInfo& info : file.tensors()) {
        if (is_float(info.dtype)) {
          EXPECT_EQ(file.load_f32(info.name).numel(), info.numel());
        } else {
          EXPECT_EQ(static_cast<int64_t>(file.load_i64(info.name).size()), info.numel());
        }
      }
      ++parsed;
    } catch (const Error&) {  // FormatError, or UnsupportedError for a flipped U64 value
      ++rejected;
    } catch (const std::exception& e) {
      ADD_FAILURE() << "trial " << trial << ": untyped exception " << e.what();
    }
    std::filesystem::remove(path);
  }
  EXPECT_GT(rejected, 1000);
  EXPECT_GT(parsed, 0);  // flips in tensor data leave the file valid
}

}  // namespace
}  // namespace attnscope
