// Regression tests for problems found by using the CLI as a demanding user would: every bad input
// gets a one-line error and exit code 1, and commands that compute the same figures by different
// routes agree.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "demo/demo_model.h"
#include "ops/gemm.h"
#include "support/cli_harness.h"
#include "support/shared_data.h"
#include "support/temp_dir.h"

namespace attnscope {
namespace {

namespace fs = std::filesystem;
using ::attnscope::testing::CliResult;
using ::attnscope::testing::run_cli;
using ::attnscope::testing::TempDir;

constexpr const char* kText = "the cat sat on the mat . the cat sat on the mat .";

// What `tokenize --format json` prints for one text.
nlohmann::json tokenize(const std::string& model, const std::string& text,
                        bool special_tokens = true) {
  std::vector<std::string> args = {"tokenize", "--model", model, "--text", text};
  if (!special_tokens) args.push_back("--no-special-tokens");
  const CliResult r = run_cli(args);
  EXPECT_EQ(r.exit_code, 0) << r.error;
  return r.exit_code == 0 ? nlohmann::json::parse(r.out) : nlohmann::json();
}

std::string join_ids(const nlohmann::json& ids) {
  std::string out;
  for (const auto& id : ids) out += (out.empty() ? "" : ",") + std::to_string(id.get<int64_t>());
  return out;
}

// Captures what commands write to std::cerr (warnings; errors go to run_cli's stream).
class CerrCapture {
 public:
  CerrCapture() : saved_(std::cerr.rdbuf(buffer_.rdbuf())) {}
  ~CerrCapture() { std::cerr.rdbuf(saved_); }
  CerrCapture(const CerrCapture&) = delete;
  CerrCapture& operator=(const CerrCapture&) = delete;
  std::string text() const { return buffer_.str(); }

 private:
  std::ostringstream buffer_;
  std::streambuf* saved_;
};

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// analyze --model M --text T and attention + analyze --attentions must print the same figures,
// `special` included (the attention file has to carry the special-tokens mask).
TEST(CliQa, AnalyzeOfSavedAttentionMatchesLiveAnalyze) {
  TempDir tmp;
  const std::string file = tmp.file("demo.safetensors");
  const CliResult saved = run_cli({"attention", "--model", "demo", "--text", kText, "--out", file});
  ASSERT_EQ(saved.exit_code, 0) << saved.error;
  const CliResult live =
      run_cli({"analyze", "--model", "demo", "--text", kText, "--format", "csv"});
  ASSERT_EQ(live.exit_code, 0) << live.error;
  const CliResult replayed = run_cli({"analyze", "--attentions", file, "--format", "csv"});
  ASSERT_EQ(replayed.exit_code, 0) << replayed.error;
  EXPECT_EQ(replayed.out, live.out);
  // The demo's BOS is special: the column must be filled, not empty.
  EXPECT_EQ(live.out.find(",,"), std::string::npos) << live.out;
}

// --input reads the same texts in every command: a folder is an error (not an empty text), and a
// file's final newline is not part of its text.
TEST(CliQa, InputFileIsReadTheSameByEveryCommand) {
  TempDir tmp;
  for (const char* command : {"tokenize", "analyze"}) {
    const CliResult folder = run_cli({command, "--model", "demo", "--input", tmp.file("")});
    EXPECT_EQ(folder.exit_code, 1) << command;
    EXPECT_NE(folder.error.find("folder"), std::string::npos) << command << ": " << folder.error;
    const std::string misnamed_folder = tmp.file("texts.txt");
    fs::create_directories(misnamed_folder);
    EXPECT_EQ(run_cli({command, "--model", "demo", "--input", misnamed_folder}).exit_code, 1);
    EXPECT_EQ(run_cli({command, "--model", "demo", "--input", tmp.file("missing.txt")}).exit_code,
              1);
  }
  const std::string txt = tmp.write("cat.txt", std::string(kText) + "\n");
  const std::string md = tmp.write("cat.md", std::string(kText) + "\r\n");
  const CliResult direct = run_cli({"tokenize", "--model", "demo", "--text", kText});
  ASSERT_EQ(direct.exit_code, 0) << direct.error;
  for (const std::string& file : {txt, md}) {
    const CliResult from_file =
        run_cli({"tokenize", "--model", "demo", "--input", file, "--format", "jsonl"});
    ASSERT_EQ(from_file.exit_code, 0) << from_file.error;
    EXPECT_EQ(from_file.out, direct.out) << file;
  }
  const CliResult live =
      run_cli({"analyze", "--model", "demo", "--text", kText, "--format", "csv"});
  const CliResult from_md =
      run_cli({"analyze", "--model", "demo", "--input", md, "--format", "csv"});
  ASSERT_EQ(from_md.exit_code, 0) << from_md.error;
  EXPECT_EQ(from_md.out, live.out);

  const std::string blank = tmp.write("blank.jsonl", "\n  \n");
  const CliResult none = run_cli({"analyze", "--model", "demo", "--input", blank});
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_NE(none.error.find("no texts"), std::string::npos) << none.error;
  const std::string bad = tmp.write("bad.jsonl", "{\"text\": \"a\"}\n{\"txt\": 1}\n");
  for (const char* command : {"tokenize", "analyze"}) {
    const CliResult r = run_cli({command, "--model", "demo", "--input", bad});
    EXPECT_EQ(r.exit_code, 1) << command;
    EXPECT_NE(r.error.find("line 2"), std::string::npos) << command << ": " << r.error;
  }
}

// An empty --text is a text (the demo's tokenizer makes it [BOS]), not a missing option; with
// neither or both of --ids / --text the command refuses.
TEST(CliQa, AttentionAndImportanceTakeAnEmptyText) {
  TempDir tmp;
  const CliResult empty =
      run_cli({"attention", "--model", "demo", "--text", "", "--out", tmp.file("a.safetensors")});
  EXPECT_EQ(empty.exit_code, 0) << empty.error;
  EXPECT_TRUE(fs::exists(tmp.file("a.safetensors")));
  const CliResult ranked =
      run_cli({"importance", "--model", "demo", "--text", "", "--format", "csv"});
  EXPECT_EQ(ranked.exit_code, 0) << ranked.error;
  EXPECT_EQ(ranked.out, "rank,position,id,token,score\n1,0,1,\"<s>\",1\n");
  const CliResult neither = run_cli({"attention", "--model", "demo", "--out", tmp.file("b")});
  EXPECT_EQ(neither.exit_code, 1);
  EXPECT_NE(neither.error.find("--ids, --text or --input"), std::string::npos) << neither.error;
}

// analyze and importance stream attention by blocks of query rows, but a very long input still
// needs working memory that grows with T (2.5 GiB here): past the budget, the run is refused up
// front with the longest input that fits, not left to fail (or be killed) inside the forward
// pass. (Within the default budget, 75% of RAM, this input would run, for hours.)
TEST(CliQa, VeryLongInputIsRefusedWithALimit) {
  std::string text;
  for (int k = 0; k < 40000; ++k) text += "the cat sat on the mat . ";  // ~240k tokens
  for (const char* command : {"analyze", "importance"}) {
    const CliResult r =
        run_cli({command, "--model", "demo", "--text", text, "--max-memory", "1GB"});
    EXPECT_EQ(r.exit_code, 1) << command;
    EXPECT_NE(r.error.find("at most"), std::string::npos) << command << ": " << r.error;
  }
}

// A safetensors file of `n` bytes of F32 zeros as tensor `attentions` of `shape`.
std::string attentions_file(const TempDir& tmp, const std::string& name, const std::string& shape,
                            size_t n) {
  const std::string header = "{\"attentions\":{\"dtype\":\"F32\",\"shape\":" + shape +
                             ",\"data_offsets\":[0," + std::to_string(n) + "]}}";
  std::string bytes(8, '\0');
  for (size_t k = 0; k < 8; ++k) bytes[k] = static_cast<char>((header.size() >> (8 * k)) & 0xff);
  return tmp.write(name, bytes + header + std::string(n, '\0'));
}

// An attention file with an empty axis is refused when it opens, naming the axis, by both
// commands (it used to print a table of "-" for T = 0, and blame --layers for L = 0).
TEST(CliQa, AttentionFileWithAnEmptyAxisIsRefused) {
  TempDir tmp;
  const std::string no_tokens = attentions_file(tmp, "t0.safetensors", "[1,1,0,0]", 0);
  const std::string no_layers = attentions_file(tmp, "l0.safetensors", "[0,1,2,2]", 0);
  for (const char* command : {"analyze", "importance"}) {
    const CliResult t0 = run_cli({command, "--attentions", no_tokens});
    EXPECT_EQ(t0.exit_code, 1) << command;
    EXPECT_NE(t0.error.find("empty query_pos axis"), std::string::npos) << t0.error;
    const CliResult l0 = run_cli({command, "--attentions", no_layers});
    EXPECT_EQ(l0.exit_code, 1) << command;
    EXPECT_NE(l0.error.find("empty layer axis"), std::string::npos) << l0.error;
  }
}

// Every command that takes a model spells the option the same way (-m,--model) with the same help.
TEST(CliQa, ModelOptionIsTheSameEverywhere) {
  for (const char* command : {"info", "attention", "analyze", "importance"}) {
    const CliResult help = run_cli({command, "--help"});
    EXPECT_EQ(help.exit_code, 0) << command;
    EXPECT_NE(help.out.find("-m,--model"), std::string::npos) << command;
    EXPECT_NE(help.out.find("a Hugging Face id found in the local cache (HF_HUB_CACHE, HF_HOME, "
                            "~/.cache/huggingface/hub) or else downloaded from the Hub "
                            "(ORG/NAME[@REVISION]), or 'demo'"),
              std::string::npos)
        << command << ":\n"
        << help.out;
  }
  EXPECT_NE(run_cli({"tokenize", "--help"}).out.find("-m,--model"), std::string::npos);
  EXPECT_EQ(run_cli({"importance", "--help"}).out.find("METRICS.md"), std::string::npos);
}

// A bad --max-memory value names the option.
TEST(CliQa, BadMaxMemoryNamesTheOption) {
  TempDir tmp;
  for (const char* value : {"abc", "-5", "1e100", " 2G"}) {
    const CliResult r = run_cli({"attention", "--model", "demo", "--text", "a", "--out",
                                 tmp.file("a.safetensors"), "--max-memory", value});
    EXPECT_EQ(r.exit_code, 1) << value;
    EXPECT_NE(r.error.find("--max-memory"), std::string::npos) << value << ": " << r.error;
    EXPECT_FALSE(fs::exists(tmp.file("a.safetensors")));
  }
}

// A mistyped command is named in the usage error (CLI11 alone says "A subcommand is required").
TEST(CliQa, UnknownCommandIsNamed) {
  const CliResult r = run_cli({"analyse", "--model", "demo"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.error.find("unknown command 'analyse'"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("analyze"), std::string::npos) << r.error;
  EXPECT_EQ(run_cli({"version"}).exit_code, 0);
}

// version names the GEMM kernel actually in use and the BLAS build, for bug reports.
TEST(CliQa, VersionSaysWhatRunsTheArithmetic) {
  const CliResult r = run_cli({"version"});
  EXPECT_EQ(r.exit_code, 0) << r.error;
  EXPECT_NE(r.out.find("attnscope "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(std::string("GEMM kernel: ") +
                       attnscope::ops::linear_kernel_name(attnscope::ops::linear_kernel())),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("OpenBLAS"), std::string::npos) << r.out;
}

// With several texts, a bad one is named by its position.
TEST(CliQa, AnalyzeNamesTheBadTextOfSeveral) {
  TempDir tmp;
  const std::string bad_utf8 = tmp.write("bad.txt", "the cat \xff sat");
  const CliResult one = run_cli({"analyze", "--model", "demo", "--input", bad_utf8});
  EXPECT_EQ(one.exit_code, 1);
  EXPECT_NE(one.error.find("UTF-8"), std::string::npos) << one.error;
  const CliResult several = run_cli({"analyze", "--model", "demo", "--text", "the cat", "--text",
                                     "the \xff dog", "--format", "json"});
  EXPECT_EQ(several.exit_code, 1);
  EXPECT_NE(several.error.find("text 2 of 2: "), std::string::npos) << several.error;
}

// analyze --ids / importance --ids with the ids tokenize prints for a text give exactly what
// --text gives: same figures, same tokens, same special-token column.
TEST(CliQa, IdsGiveTheSameResultsAsTheirText) {
  const nlohmann::json encoding = tokenize("demo", kText);
  ASSERT_FALSE(encoding.is_null());
  const std::string ids = join_ids(encoding["ids"]);
  for (const char* command : {"analyze", "importance"}) {
    for (const char* format : {"csv", "json"}) {
      SCOPED_TRACE(std::string(command) + " " + format);
      const CliResult text =
          run_cli({command, "--model", "demo", "--text", kText, "--format", format});
      ASSERT_EQ(text.exit_code, 0) << text.error;
      const CliResult by_ids =
          run_cli({command, "--model", "demo", "--ids", ids, "--format", format});
      ASSERT_EQ(by_ids.exit_code, 0) << by_ids.error;
      EXPECT_EQ(by_ids.out, text.out);
    }
  }
  // The id column of importance is known for a live text too.
  const CliResult ranked =
      run_cli({"importance", "--model", "demo", "--ids", ids, "--format", "json"});
  ASSERT_EQ(ranked.exit_code, 0) << ranked.error;
  const nlohmann::json ranked_json = nlohmann::json::parse(ranked.out);  // outlives the loop
  for (const auto& token : ranked_json["tokens"]) {
    EXPECT_EQ(token["id"], encoding["ids"][token["position"].get<size_t>()]) << token;
  }
}

// --no-special-tokens removes exactly the special tokens the tokenizer adds: the demo's BOS, and
// BERT's [CLS] and [SEP].
void expect_no_special_tokens_drops_the_added_ones(const std::string& model) {
  const nlohmann::json with = tokenize(model, kText);
  const nlohmann::json without = tokenize(model, kText, /*special_tokens=*/false);
  ASSERT_FALSE(with.is_null() || without.is_null());
  size_t added = 0;
  for (const auto& flag : with["special_mask"]) added += flag.get<int>();
  ASSERT_GT(added, 0u) << model;
  ASSERT_EQ(with["ids"].size() - without["ids"].size(), added) << model;

  const auto analyzed_tokens = [&](bool special) {
    std::vector<std::string> args = {"analyze", "--model",  model, "--text",
                                     kText,     "--format", "json"};
    if (!special) args.push_back("--no-special-tokens");
    const CliResult r = run_cli(args);
    EXPECT_EQ(r.exit_code, 0) << r.error;
    return r.exit_code == 0 ? nlohmann::json::parse(r.out)["tokens"] : nlohmann::json();
  };
  EXPECT_EQ(analyzed_tokens(true), with["tokens"]) << model;
  EXPECT_EQ(analyzed_tokens(false), without["tokens"]) << model;

  const CliResult ranked = run_cli(
      {"importance", "--model", model, "--text", kText, "--no-special-tokens", "--format", "json"});
  ASSERT_EQ(ranked.exit_code, 0) << ranked.error;
  EXPECT_EQ(nlohmann::json::parse(ranked.out)["tokens"].size(), without["ids"].size()) << model;
  // With --ids the ids are the input as given: nothing to leave out.
  EXPECT_EQ(run_cli({"analyze", "--model", model, "--ids", "5", "--no-special-tokens"}).exit_code,
            2);
}

TEST(CliQa, NoSpecialTokensDropsExactlyTheAddedOnes) {
  expect_no_special_tokens_drops_the_added_ones("demo");
}

TEST(CliQa, NoSpecialTokensDropsExactlyTheAddedOnesForBert) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  expect_no_special_tokens_drops_the_added_ones((shared / "models" / "tiny-bert").string());
}

// Malformed --ids and ids outside the vocabulary (the demo has 335) are one clear line naming
// --ids, never a crash or an exception from deep inside; --ids excludes --text and --input.
TEST(CliQa, BadIdsAreRefusedNamingTheOption) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"1,,2", "'' (item 2) is not an integer"},
      {"1,2,", "'' (item 3) is not an integer"},
      {"", "'' (item 1) is not an integer"},
      {"1;2", "'1;2' (item 1) is not an integer"},
      {"99999999999999999999", "too large for a token id"},
      {"1,335", "token id 335 at position 1 is outside the model's vocabulary [0, 335)"},
      {"-1", "token id -1 at position 0 is outside the model's vocabulary [0, 335)"},
  };
  for (const char* command : {"analyze", "importance"}) {
    for (const auto& [ids, message] : cases) {
      const CliResult r = run_cli({command, "--model", "demo", "--ids", ids});
      EXPECT_EQ(r.exit_code, 1) << command << " --ids '" << ids << "'";
      EXPECT_NE(r.error.find("--ids: "), std::string::npos) << r.error;
      EXPECT_NE(r.error.find(message), std::string::npos) << r.error;
    }
    EXPECT_EQ(run_cli({command, "--model", "demo", "--ids", "1,2", "--text", "a"}).exit_code, 2);
    EXPECT_EQ(run_cli({command, "--ids", "1,2"}).exit_code, 1) << "no --model";
  }
  EXPECT_EQ(run_cli({"analyze", "--model", "demo", "--ids", "1", "--input", "x.jsonl"}).exit_code,
            2);
}

// With several texts from a file, an error names the file and the line of the bad record, found
// before the first forward pass where it can be: the JSON, the "text" field, an empty text (one
// [BOS] would shift the corpus means), invalid UTF-8, a text too long for the memory.
TEST(CliQa, AnalyzeNamesTheFileAndLineOfABadRecord) {
  TempDir tmp;
  const std::string good = "{\"text\": \"the cat sat\"}\n\n{\"text\": \"the dog sat\"}\n";
  std::string huge;
  for (int k = 0; k < 40000; ++k) huge += "the cat sat on the mat . ";  // ~280k tokens
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{\"text\": oops}", "line 4: invalid JSON"},
      {"{\"txt\": \"a\"}", "line 4: expected an object with a string \"text\" field"},
      {"{\"text\": \"\"}", "line 4: the text is empty"},
      {"{\"text\": \" \\n \"}", "line 4: the text is blank"},
      {"{\"text\": \"the \xff cat\"}", "line 4 is not valid UTF-8"},
      {"{\"text\": \"" + huge + "\"}", "line 4: analysing 280001 tokens needs"},
  };
  for (size_t k = 0; k < cases.size(); ++k) {
    const auto& [record, message] = cases[k];
    const std::string name = "bad" + std::to_string(k) + ".jsonl";
    const std::string file = tmp.write(name, good + record + "\n{\"text\": \"a\"}\n");
    // (--max-memory: the huge record fits the default budget when streamed, and would run.)
    const CliResult r =
        run_cli({"analyze", "--model", "demo", "--input", file, "--max-memory", "1GB"});
    EXPECT_EQ(r.exit_code, 1) << name;
    EXPECT_NE(r.error.find(file + ": " + message), std::string::npos) << name << ": " << r.error;
  }
  // A text file is one text, named by the file; invalid UTF-8 is found by its line.
  const std::string txt = tmp.write("bad.txt", "the cat\nsat \xff on\n");
  const CliResult utf8 = run_cli({"analyze", "--model", "demo", "--input", txt});
  EXPECT_EQ(utf8.exit_code, 1);
  EXPECT_NE(utf8.error.find(txt + ": line 2 is not valid UTF-8"), std::string::npos) << utf8.error;
  for (const std::string content : {"", "\n\n  \n"}) {
    const std::string blank = tmp.write("blank.txt", content);
    const CliResult r = run_cli({"analyze", "--model", "demo", "--input", blank});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.error.find(blank + ": the text is"), std::string::npos) << r.error;
  }
  // Several --text: the k-th is named; a lone --text "" is analysed as asked.
  const CliResult several = run_cli(
      {"analyze", "--model", "demo", "--text", "the cat", "--text", "", "--text", "the dog"});
  EXPECT_EQ(several.exit_code, 1);
  EXPECT_NE(several.error.find("text 2 of 3: the text is empty"), std::string::npos)
      << several.error;
  EXPECT_EQ(run_cli({"analyze", "--model", "demo", "--text", ""}).exit_code, 0);
}

// A rotary model (the demo: Llama, max_position_embeddings 1024) computes past its trained
// length, as transformers does, but warns once on stderr, naming the first text past it; every
// command that runs the model warns the same way.
TEST(CliQa, PastTheTrainedLengthOfARotaryModelWarnsOnce) {
  std::string long_text;
  for (int64_t k = 0; k < demo::kDemoMaxPositions / 6 + 10; ++k)
    long_text += "the cat sat on a mat ";
  const nlohmann::json encoding = tokenize("demo", long_text);
  ASSERT_GT(encoding["ids"].size(), static_cast<size_t>(demo::kDemoMaxPositions));
  const std::string tokens = std::to_string(encoding["ids"].size()) + " tokens";
  const std::string warning = "is past the model's max_position_embeddings (" +
                              std::to_string(demo::kDemoMaxPositions) + ")";

  TempDir tmp;
  const std::string file =
      tmp.write("texts.jsonl", "{\"text\": \"the cat\"}\n{\"text\": \"" + long_text +
                                   "\"}\n{\"text\": \"" + long_text + "\"}\n");
  {
    CerrCapture err;
    const CliResult r = run_cli({"analyze", "--model", "demo", "--input", file, "--format", "csv"});
    EXPECT_EQ(r.exit_code, 0) << r.error;
    EXPECT_EQ(count(err.text(), "warning"), 1u) << err.text();
    EXPECT_NE(err.text().find(file + ": line 2: " + tokens + " " + warning +
                              ", and 1 more of the 3 texts"),
              std::string::npos)
        << err.text();
  }
  const std::vector<std::vector<std::string>> single = {
      {"analyze", "--model", "demo", "--text", long_text},
      {"importance", "--model", "demo", "--text", long_text, "--top", "3"},
      {"attention", "--model", "demo", "--text", long_text, "--out", tmp.file("a.safetensors")},
  };
  for (const auto& args : single) {
    CerrCapture err;
    const CliResult r = run_cli(args);
    EXPECT_EQ(r.exit_code, 0) << r.error;
    EXPECT_EQ(count(err.text(), "warning"), 1u) << args[0] << ": " << err.text();
    EXPECT_NE(err.text().find("warning: " + tokens + " " + warning), std::string::npos)
        << args[0] << ": " << err.text();
  }
  // Within the trained length: no warning.
  CerrCapture err;
  EXPECT_EQ(run_cli({"analyze", "--model", "demo", "--text", kText}).exit_code, 0);
  EXPECT_EQ(err.text(), "");
}

// Odd inputs on real checkpoints give one clear error or correct output: GPT-2 adds no special
// tokens, so an empty text has no tokens at all; a text past a learned-position model's
// max_position_embeddings (128 for both tiny models) is refused, not extrapolated.
TEST(CliQa, OddInputsOnTinyCheckpoints) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  const std::string gpt2 = (shared / "models" / "tiny-gpt2").string();
  const std::string bert = (shared / "models" / "tiny-bert").string();
  std::string long_text;
  for (int k = 0; k < 40; ++k) long_text += "the cat sat on the mat . ";
  for (const char* command : {"analyze", "importance"}) {
    const CliResult empty = run_cli({command, "--model", gpt2, "--text", ""});
    EXPECT_EQ(empty.exit_code, 1) << command;
    EXPECT_NE(empty.error.find("has no tokens"), std::string::npos) << empty.error;
    for (const std::string& model : {gpt2, bert}) {
      const CliResult r = run_cli({command, "--model", model, "--text", long_text});
      EXPECT_EQ(r.exit_code, 1) << command << " " << model;
      EXPECT_NE(r.error.find("max_position_embeddings 128"), std::string::npos) << r.error;
    }
    // BERT's empty text is [CLS] [SEP]: a text, analysed as asked.
    EXPECT_EQ(run_cli({command, "--model", bert, "--text", ""}).exit_code, 0) << command;
    // Ids the tokenizer names, special ones included.
    const CliResult ids =
        run_cli({command, "--model", bert, "--ids", "101,1996,102", "--format", "json"});
    EXPECT_EQ(ids.exit_code, 0) << ids.error;
  }
}

// The importance table goes to std::cout like the other formats and pads tokens by code points,
// so UTF-8 tokens keep the score column.
TEST(CliQa, ImportanceTableLinesUpUnicodeTokens) {
  ATTNSCOPE_REQUIRE_SHARED(shared);
  for (const std::string model : {"tiny-gpt2", "tiny-bert"}) {
    const CliResult r = run_cli({"importance", "--model", (shared / "models" / model).string(),
                                 "--text", "h\u00e9llo w\u00f6rld \u65e5\u672c\u8a9e \ufb01"});
    ASSERT_EQ(r.exit_code, 0) << r.error;
    std::istringstream lines(r.out);
    std::string line;
    std::getline(lines, line);  // model: ...
    std::getline(lines, line);  // blank
    std::optional<size_t> score_column;
    size_t rows = 0;
    while (std::getline(lines, line)) {
      // The score is the last field; its column, counted in code points, is the same on every row.
      const size_t at = line.rfind("  ");
      ASSERT_NE(at, std::string::npos) << line;
      size_t column = 0;
      for (size_t k = 0; k < at; ++k)
        column += (static_cast<unsigned char>(line[k]) & 0xC0) != 0x80;
      if (!score_column) score_column = column;
      EXPECT_EQ(column, *score_column) << model << ": " << line;
      ++rows;
    }
    EXPECT_GT(rows, 5u) << model << ":\n" << r.out;
  }
}

// The help of analyze and importance lists the options added later (--ids,
// --no-special-tokens). Their examples run in tests/golden/examples.
TEST(CliQa, HelpListsEveryInputOption) {
  for (const std::string command : {"analyze", "importance"}) {
    const CliResult help = run_cli({command, "--help"});
    ASSERT_EQ(help.exit_code, 0);
    for (const char* option : {"--ids", "--no-special-tokens", "--text", "--attentions"}) {
      EXPECT_NE(help.out.find(option), std::string::npos) << command << " lacks " << option;
    }
  }
}

}  // namespace
}  // namespace attnscope
