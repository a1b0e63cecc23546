// Downloads a model from the Hugging Face Hub (libcurl) into the standard Hugging Face cache
// layout, so huggingface_hub and attnscope share one cache both ways:
//   <cache>/models--ORG--NAME/blobs/<etag>            the file contents (sha256 for LFS files)
//   <cache>/models--ORG--NAME/snapshots/<commit>/F    relative symlinks into blobs/
//   <cache>/models--ORG--NAME/refs/<revision>         the commit hash (for branch/tag names)
//   <cache>/.locks/models--ORG--NAME/<etag>.lock      one lock per blob (flock)
// Only config.json, safetensors weights (sharded too, via model.safetensors.index.json) and the
// tokenizer files are fetched, never pickles. Environment as huggingface_hub: HF_ENDPOINT,
// HF_TOKEN (else the token file $HF_HOME/token), HF_HUB_OFFLINE. Downloads resume from
// blobs/<etag>.incomplete (HTTP Range), LFS files are checked against their sha256 and renamed
// into place only when complete. A redirect to another host (a CDN) is followed for the content
// only, without the Authorization header. A progress bar goes to stderr when it is a terminal.
//
//   fs::path snapshot = hub_download(hf_cache_dirs().front(), "openai-community/gpt2", "main");
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace attnscope {

// True when HF_HUB_OFFLINE is 1/true/yes/on (then nothing touches the network).
bool hub_offline();

// The Hub's base URL: $HF_ENDPOINT without a trailing '/', else https://huggingface.co.
std::string hub_endpoint();

// Downloads `id` ("org/name" or "name") at `revision` (empty = "main"; a branch, tag or commit
// hash) into `cache` and returns the snapshot folder. Files already in the snapshot are not
// requested again. Throws IoError (network, HTTP status with what to do, checksum mismatch,
// HF_HUB_OFFLINE set) and FormatError (an API answer that is not what the Hub sends).
std::filesystem::path hub_download(const std::filesystem::path& cache, std::string_view id,
                                   std::string_view revision);

// The lowercase hex SHA-256 of a file's contents (OpenSSL). Throws IoError.
std::string sha256_file(const std::filesystem::path& path);

}  // namespace attnscope
