// Model folder resolution: local folders and the Hugging Face cache layout
// (models--ORG--NAME/refs/<branch> holds a commit hash; snapshots/<commit>/ holds the files,
// usually symlinks into blobs/).
#include "io/model_source.h"

#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <string>

#include "core/error.h"
#include "core/mapped_file.h"
#include "io/gguf.h"
#include "io/hub_download.h"

namespace attnscope {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kConfigName = "config.json";

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? std::string(value) : std::string();
}

// Hub ids are [org/]name with letters, digits, '-', '_', '.'; no "..", no leading '.' or '-'.
bool is_valid_id_part(std::string_view part) {
  if (part.empty() || part.size() > 96 || part.front() == '.' || part.front() == '-') return false;
  if (part.find("..") != std::string_view::npos) return false;
  return std::all_of(part.begin(), part.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
  });
}

// A revision (branch, tag or commit hash) used as one path component.
bool is_valid_revision(std::string_view revision) { return is_valid_id_part(revision); }

std::string trim(std::string text) {
  const auto not_space = [](unsigned char c) { return !std::isspace(c); };
  text.erase(text.begin(), std::find_if(text.begin(), text.end(), not_space));
  text.erase(std::find_if(text.rbegin(), text.rend(), not_space).base(), text.end());
  return text;
}

std::vector<std::string> subfolders(const fs::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& item : fs::directory_iterator(dir, ec)) {
    if (item.is_directory(ec)) out.push_back(item.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

fs::path require_config(const fs::path& dir, const std::string& what) {
  std::error_code ec;
  // Present but not a regular file (a folder, FIFO, device, link loop): say so, never read it.
  if (fs::symlink_status(dir / kConfigName, ec).type() != fs::file_type::not_found &&
      !fs::is_regular_file(dir / kConfigName, ec)) {
    struct stat st {};
    ::close(open_regular_file((dir / kConfigName).string(), &st));
  }
  if (!fs::is_regular_file(dir / kConfigName, ec)) {
    throw IoError(dir.string(), what +
                                    " has no config.json; a model folder needs config.json "
                                    "beside its weights (model.safetensors or "
                                    "model.safetensors.index.json) and tokenizer files");
  }
  return dir;
}

// The snapshot folder of `repo_dir` for `revision` (empty = refs/main, else the only snapshot).
fs::path pick_snapshot(const fs::path& repo_dir, const std::string& revision,
                       const std::string& spec) {
  std::error_code ec;
  const fs::path snapshots = repo_dir / "snapshots";
  const std::string ref_name = revision.empty() ? "main" : revision;
  const fs::path ref_file = repo_dir / "refs" / ref_name;
  if (fs::is_regular_file(ref_file, ec)) {
    const std::string commit = trim(read_file(ref_file.string()));
    if (!is_valid_revision(commit)) {
      throw IoError(ref_file.string(), "does not hold a commit hash");
    }
    if (!fs::is_directory(snapshots / commit, ec)) {
      throw IoError(spec, "refs/" + ref_name + " in " + repo_dir.string() + " points to commit " +
                              commit + ", but snapshots/" + commit + " is missing");
    }
    return require_config(snapshots / commit, "snapshot " + commit + " of " + spec);
  }
  if (!revision.empty()) {
    if (fs::is_directory(snapshots / revision, ec)) {
      return require_config(snapshots / revision, "snapshot " + revision + " of " + spec);
    }
    throw IoError(spec, "revision '" + revision + "' is neither a ref (refs/" + revision +
                            ") nor a snapshot (snapshots/" + revision + ") in " +
                            repo_dir.string());
  }
  const auto available = subfolders(snapshots);
  if (available.size() == 1) {
    return require_config(snapshots / available[0], "snapshot " + available[0] + " of " + spec);
  }
  std::string listed;
  for (const auto& name : available) listed += (listed.empty() ? "" : ", ") + name;
  throw IoError(spec, repo_dir.string() + " has no refs/main and " +
                          std::to_string(available.size()) + " snapshots (" + listed +
                          "); name one with " + spec + "@<revision>");
}

}  // namespace

std::vector<fs::path> hf_cache_dirs() {
  std::vector<fs::path> out;
  if (const std::string hub = env("HF_HUB_CACHE"); !hub.empty()) {
    out.emplace_back(hub);
  } else if (const std::string home = env("HF_HOME"); !home.empty()) {
    out.push_back(fs::path(home) / "hub");
  } else if (const std::string xdg = env("XDG_CACHE_HOME"); !xdg.empty()) {
    out.push_back(fs::path(xdg) / "huggingface" / "hub");
  } else if (const std::string user_home = env("HOME"); !user_home.empty()) {
    out.push_back(fs::path(user_home) / ".cache" / "huggingface" / "hub");
  }
  if (const std::string legacy = env("TRANSFORMERS_CACHE"); !legacy.empty()) {
    if (std::find(out.begin(), out.end(), fs::path(legacy)) == out.end()) {
      out.emplace_back(legacy);
    }
  }
  return out;
}

fs::path resolve_model_path(std::string_view spec_view) {
  const std::string spec(spec_view);
  if (spec.empty()) throw InputError("no model given: pass a folder or a Hugging Face id");
  std::error_code ec;
  const fs::path as_path(spec);
  if (fs::is_directory(as_path, ec)) return require_config(as_path, "folder " + spec);
  if (fs::is_regular_file(as_path, ec) && looks_like_gguf(spec)) return as_path;  // a GGUF file
  if (fs::exists(as_path, ec)) {
    throw IoError(spec,
                  "is a file; a model is a folder holding config.json and the weights, or a "
                  ".gguf file");
  }

  // Not a local path: a Hub id "[org/]name[@revision]".
  std::string id = spec;
  std::string revision;
  if (const auto at = spec.rfind('@'); at != std::string::npos) {
    id = spec.substr(0, at);
    revision = spec.substr(at + 1);
  }
  const auto slash = id.find('/');
  const bool id_ok = slash == std::string::npos
                         ? is_valid_id_part(id)
                         : is_valid_id_part(std::string_view(id).substr(0, slash)) &&
                               is_valid_id_part(std::string_view(id).substr(slash + 1));
  if (!id_ok || (spec.find('@') != std::string::npos && !is_valid_revision(revision))) {
    throw IoError(spec, "no such folder, and not a Hugging Face model id ([org/]name[@revision])");
  }

  // huggingface_hub's folder name: "models--" + the id with '/' replaced by "--".
  const std::string repo_name =
      slash == std::string::npos ? "models--" + id
                                 : "models--" + id.substr(0, slash) + "--" + id.substr(slash + 1);
  std::string looked;
  const std::vector<fs::path> caches = hf_cache_dirs();
  for (const fs::path& cache : caches) {
    const fs::path repo_dir = cache / repo_name;
    if (!fs::is_directory(repo_dir, ec)) {
      looked += "\n  " + repo_dir.string();
      continue;
    }
    try {
      return pick_snapshot(repo_dir, revision, spec);
    } catch (const IoError&) {
      // In the cache but not this revision (or an unfinished download): fetch it when online.
      if (hub_offline() || caches.empty()) throw;
      break;
    }
  }
  if (hub_offline() || caches.empty()) {
    const std::string missing = caches.empty()
                                    ? std::string("config.json")
                                    : (caches.front() / repo_name / "snapshots" /
                                       (revision.empty() ? "main" : revision) / "config.json")
                                          .string();
    throw IoError(spec, "no such folder, and model '" + id +
                            "' is not in the local Hugging Face cache (missing " + missing +
                            "). Looked in:" + looked +
                            (caches.empty() ? "\n(no cache folder: set HF_HUB_CACHE or HF_HOME)"
                                            : "\nHF_HUB_OFFLINE is set, so nothing is "
                                              "downloaded: unset it to fetch the model from " +
                                                  hub_endpoint() + "."));
  }
  // Not cached: download into the first cache folder (the one huggingface_hub writes to).
  return require_config(hub_download(caches.front(), id, revision),
                        "downloaded snapshot of " + spec);
}

}  // namespace attnscope
