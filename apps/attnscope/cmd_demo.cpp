#include <iomanip>
#include <iostream>
#include <string>

#include "commands.h"
#include "core/error.h"
#include "demo/demo_model.h"

namespace attnscope::cli {
namespace {

void setup(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "demo",
      "The built-in demo model (--model demo): list its designed heads, or export its folder");
  auto export_dir = std::make_shared<std::string>();
  auto* export_option =
      cmd->add_option("--export", *export_dir,
                      "Write the demo model (config.json, model.safetensors, tokenizer.json, ...) "
                      "into this folder (new, empty, or an earlier export)");
  cmd->callback([export_dir, export_option] {
    if (export_option->count() > 0 && export_dir->empty()) {
      throw InputError("--export needs a folder name");
    }
    if (!export_dir->empty()) {
      demo::write_demo_model(*export_dir);
      std::cout << "wrote the attnscope demo model (version " << demo::kDemoModelVersion << ") to "
                << *export_dir << "\n";
      return;
    }
    std::cout << "attnscope demo model v" << demo::kDemoModelVersion << ": " << demo::kDemoNumLayers
              << " layers x " << demo::kDemoNumHeads << " heads, Llama, up to "
              << demo::kDemoMaxPositions << " tokens\n"
              << "folder: " << demo::demo_model_dir().string() << "\n\n";
    std::cout << "layer  head  pattern   built as\n";
    for (const demo::DemoHead& head : demo::demo_heads()) {
      const std::string pattern =
          head.expected_pattern.empty() ? "-" : std::string(head.expected_pattern);
      std::cout << std::setw(5) << head.layer << std::setw(6) << head.head << "  " << std::left
                << std::setw(8) << pattern << std::right << "  " << head.description << "\n";
    }
    std::cout << "\ntry: attnscope analyze --model demo --text \"" << demo::demo_sample_texts()[0]
              << "\"\n";
  });
}

const Registration kDemo{"demo", 900, setup};

}  // namespace
}  // namespace attnscope::cli
