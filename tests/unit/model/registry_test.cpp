// Adding a family is archs/<family>.cpp plus its line in archs/registry.cpp (CMake compiles every
// file under archs/). These tests catch the step a contributor can forget: a family file whose
// accessor is defined but not registered would compile and never load a checkpoint.
#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "model/arch.h"
#include "support/shared_data.h"

namespace attnscope {
namespace {

// The names X of every "<prefix>X<suffix>" in `text`, X made of [A-Za-z0-9_].
std::vector<std::string> names_between(const std::string& text, const std::string& prefix,
                                       const std::string& suffix) {
  std::vector<std::string> out;
  for (size_t at = text.find(prefix); at != std::string::npos; at = text.find(prefix, at + 1)) {
    const size_t begin = at + prefix.size();
    size_t end = begin;
    while (end < text.size() &&
           (std::isalnum(static_cast<unsigned char>(text[end])) || text[end] == '_')) {
      ++end;
    }
    if (end > begin && text.compare(end, suffix.size(), suffix) == 0) {
      out.push_back(text.substr(begin, end - begin));
    }
  }
  return out;
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(ArchRegistry, EveryFamilyFileIsRegisteredExactlyOnce) {
  const auto archs = testing::source_dir() / "src" / "model" / "archs";
  ASSERT_TRUE(std::filesystem::is_directory(archs)) << archs;
  std::set<std::string> defined;
  for (const auto& entry : std::filesystem::directory_iterator(archs)) {
    if (entry.path().extension() != ".cpp") continue;
    const std::string text = read_text(entry.path());
    for (const std::string& accessor : names_between(text, "const ArchSpec& ", "() {")) {
      const std::string suffix = "_arch";
      if (accessor.size() <= suffix.size() ||
          accessor.compare(accessor.size() - suffix.size(), suffix.size(), suffix) != 0) {
        continue;
      }
      const std::string family = accessor.substr(0, accessor.size() - suffix.size());
      EXPECT_TRUE(defined.insert(family).second) << family << " defined twice";
    }
  }
  const std::string registry = read_text(archs / "registry.cpp");
  std::set<std::string> listed;
  for (const std::string& family : names_between(registry, "  FAMILY(", ")")) {
    EXPECT_TRUE(listed.insert(family).second) << family << " listed twice in registry.cpp";
  }
  EXPECT_EQ(defined, listed) << "every <family>_arch() in src/model/archs needs its one "
                                "FAMILY(<family>) line in archs/registry.cpp";
  EXPECT_EQ(registered_archs().size(), defined.size());
  EXPECT_GE(defined.size(), 21u);
}

}  // namespace
}  // namespace attnscope
