#!/usr/bin/env python3
"""Writes the handmade seed corpora of tests/fuzz/corpus/<harness>/ (small files, made here,
no downloads). Run from the repository root: python3 tests/fuzz/make_seeds.py. Crash
reproducers found by scripts/fuzz are added to the same folders by hand (named crash-*)."""
import json
import os
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def put(harness, name, data):
    os.makedirs(os.path.join(ROOT, harness), exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(ROOT, harness, name), "wb") as f:
        f.write(data)


def st(header, data=b"", length=None):
    h = header.encode() if isinstance(header, str) else header
    return struct.pack("<Q", len(h) if length is None else length) + h + data


def f32(name, shape, begin, end):
    return '"%s": {"dtype": "F32", "shape": %s, "data_offsets": [%d, %d]}' % (name, shape, begin, end)


# safetensors: valid files (ST-2) and one per ST-1/ST-3 row.
put("safetensors", "valid_one", st("{" + f32("a", "[2]", 0, 8) + "}", b"\0" * 8))
put("safetensors", "valid_metadata", st('{"__metadata__": {"format": "pt"}, ' + f32("a", "[1]", 0, 4) + "}", b"\0\0\x80\x3f"))
put("safetensors", "valid_padded", st("{}      "))
put("safetensors", "valid_zero_sized", st("{" + f32("z", "[2, 0]", 0, 0) + "}"))
put("safetensors", "valid_scalar", st("{" + f32("s", "[]", 0, 4) + "}", b"\0" * 4))
put("safetensors", "valid_mixed", st('{"b": {"dtype": "BF16", "shape": [2], "data_offsets": [0, 4]}, '
                                     '"i": {"dtype": "I64", "shape": [1], "data_offsets": [4, 12]}, '
                                     '"h": {"dtype": "F16", "shape": [2], "data_offsets": [12, 16]}}',
                                     b"\x80\x3f\x00\x40" + struct.pack("<q", 7) + b"\x00\x3c\x00\x40"))
put("safetensors", "bad_leading_space", st(" {}"))
put("safetensors", "bad_overlap", st("{" + f32("a", "[2]", 0, 8) + ", " + f32("b", "[2]", 4, 12) + "}", b"\0" * 12))
put("safetensors", "bad_gap", st("{" + f32("a", "[2]", 0, 8) + ", " + f32("b", "[2]", 12, 20) + "}", b"\0" * 20))
put("safetensors", "bad_overflow", st("{" + f32("a", "[2, 9223372036854775807]", 0, 8) + "}", b"\0" * 8))
put("safetensors", "bad_length", st("{}", length=2**64 - 1))
put("safetensors", "bad_trailing", st("{" + f32("a", "[2]", 0, 8) + "}", b"\0" * 12))

# config.json of every family (sizes small).
llama = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 32,
         "hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 2,
         "num_attention_heads": 4, "num_key_value_heads": 2, "max_position_embeddings": 64,
         "rms_norm_eps": 1e-6, "rope_theta": 10000.0, "hidden_act": "silu",
         "rope_scaling": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                          "high_freq_factor": 4.0, "original_max_position_embeddings": 32}}
put("config", "llama.json", json.dumps(llama))
put("config", "gpt2.json", json.dumps({"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2",
    "vocab_size": 50, "n_embd": 16, "n_layer": 2, "n_head": 2, "n_positions": 32, "n_inner": None,
    "activation_function": "gelu_new", "scale_attn_by_inverse_layer_idx": True}))
put("config", "bert.json", json.dumps({"architectures": ["BertModel"], "model_type": "bert",
    "vocab_size": 30, "hidden_size": 16, "num_hidden_layers": 2, "num_attention_heads": 2,
    "intermediate_size": 32, "max_position_embeddings": 64, "type_vocab_size": 2}))
put("config", "neox.json", json.dumps({"architectures": ["GPTNeoXForCausalLM"], "model_type": "gpt_neox",
    "vocab_size": 50, "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
    "num_attention_heads": 4, "rotary_pct": 0.5, "rotary_emb_base": 10000,
    "use_parallel_residual": True, "max_position_embeddings": 64,
    "rope_scaling": {"type": "dynamic", "factor": 2.0}}))
put("config", "gemma.json", json.dumps({"architectures": ["GemmaForCausalLM"], "model_type": "gemma",
    "vocab_size": 32, "hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 1,
    "num_attention_heads": 2, "num_key_value_heads": 1, "head_dim": 8,
    "max_position_embeddings": 64, "hidden_activation": "gelu_pytorch_tanh"}))
put("config", "big_layers.json", '{"model_type": "llama", "num_hidden_layers": 18446744073709551615}')

# tokenizer.json: the components that parse configuration.
def byte_char(b):
    printable = 33 <= b <= 126 or 161 <= b <= 172 or b >= 174
    if printable:
        return chr(b)
    n = sum(1 for k in range(b) if not (33 <= k <= 126 or 161 <= k <= 172 or k >= 174))
    return chr(256 + n)

vocab = {byte_char(b): b for b in range(256)}
vocab.update({"aa": 256, "aaaa": 257, "\u0120t": 258, "he": 259})
bpe = {"added_tokens": [{"id": 260, "content": "<|endoftext|>", "special": True}],
       "normalizer": {"type": "NFC"},
       "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "use_regex": True},
       "post_processor": {"type": "ByteLevel", "trim_offsets": False},
       "decoder": {"type": "ByteLevel"},
       "model": {"type": "BPE", "vocab": vocab, "merges": ["a a", "aa aa", "\u0120 t", "h e"]}}
put("tokenizer_json", "bpe.json", json.dumps(bpe))
put("tokenizer_json", "wordpiece.json", json.dumps({
    "normalizer": {"type": "BertNormalizer", "lowercase": True, "strip_accents": None},
    "pre_tokenizer": {"type": "BertPreTokenizer"},
    "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
              "max_input_chars_per_word": 100,
              "vocab": {"[UNK]": 0, "[CLS]": 1, "[SEP]": 2, "hello": 3, "world": 4, "##s": 5}},
    "post_processor": {"type": "TemplateProcessing", "single": "[CLS] $A [SEP]",
                       "special_tokens": {"[CLS]": {"id": "[CLS]", "ids": [1], "tokens": ["[CLS]"]},
                                          "[SEP]": {"id": "[SEP]", "ids": [2], "tokens": ["[SEP]"]}}},
    "padding": {"strategy": {"Fixed": 8}, "pad_id": 0, "pad_token": "[UNK]"},
    "truncation": {"max_length": 6},
    "decoder": {"type": "WordPiece", "prefix": "##"}}))
put("tokenizer_json", "unigram.json", json.dumps({
    "normalizer": {"type": "Sequence", "normalizers": [{"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"}]},
    "pre_tokenizer": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "first"},
    "model": {"type": "Unigram", "unk_id": 0, "byte_fallback": False,
              "vocab": [["<unk>", 0.0], ["\u2581", -1.0], ["a", -2.0], ["b", -2.5], ["ab", -1.5]]},
    "decoder": {"type": "Metaspace", "replacement": "\u2581"}}))
put("tokenizer_json", "split.json", json.dumps({
    "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
        {"type": "Split", "pattern": {"Regex": "\\p{L}+|\\p{N}{1,3}"}, "behavior": "Isolated", "invert": False},
        {"type": "Digits", "individual_digits": True}]},
    "model": {"type": "WordLevel", "vocab": {"[UNK]": 0, "hello": 1, "1": 2}, "unk_token": "[UNK]"}}))
put("tokenizer_json", "deep.json", "[" * 200 + "]" * 200)

# encode: texts.
put("encode", "ascii", "Hello world! The cat sat on the mat.")
put("encode", "unicode", "caf\u00e9 \u65e5\u672c\u8a9e \U0001F600 e\u0301\u0301 \u200d")
put("encode", "run", "a" * 300)
put("encode", "invalid_utf8", b"ok \xc0\xaf \xed\xa0\x80 \xf0\x9f\x98")

# sentencepiece: a tiny unigram ModelProto, by hand.
def varint(v):
    out = b""
    while True:
        b = v & 0x7F
        v >>= 7
        out += bytes([b | (0x80 if v else 0)])
        if not v:
            return out

def field(num, wire, payload):
    tag = varint(num << 3 | wire)
    if wire == 2:
        return tag + varint(len(payload)) + payload
    return tag + payload

def piece(text, score, kind):
    return field(1, 2, text.encode()) + field(2, 5, struct.pack("<f", score)) + field(3, 0, varint(kind))

model = b""
for text, score, kind in [("<unk>", 0.0, 2), ("<s>", 0.0, 3), ("</s>", 0.0, 3), ("\u2581", -1.0, 1),
                          ("a", -2.0, 1), ("b", -2.0, 1), ("\u2581ab", -1.5, 1), ("c", -3.0, 1)]:
    model += field(1, 2, piece(text, score, kind))
model += field(2, 2, field(3, 0, varint(1)) + field(40, 0, varint(0)) + field(41, 0, varint(1)) + field(42, 0, varint(2)))
model += field(3, 2, field(1, 2, b"identity") + field(3, 0, varint(1)) + field(4, 0, varint(1)))
put("sentencepiece", "tiny.model", model)
put("sentencepiece", "truncated.model", model[:37])

# attention files: [layer, head, query, key] with metadata.
probs = struct.pack("<4f", 1.0, 0.0, 0.5, 0.5)
ids = struct.pack("<2q", 1, 2)
put("attention_file", "valid", st(json.dumps({
    "__metadata__": {"tokens": '["a", "b"]', "layers": "[0]", "heads": "[3]", "causal": "true",
                     "special_ids": "[1]", "model": "demo"},
    "attentions": {"dtype": "F32", "shape": [1, 1, 2, 2], "data_offsets": [0, 16]},
    "input_ids": {"dtype": "I64", "shape": [2], "data_offsets": [16, 32]}}), probs + ids))
put("attention_file", "batched", st(json.dumps({
    "__metadata__": {"tokens": '[["a", "b"]]'},
    "attentions": {"dtype": "F32", "shape": [1, 1, 1, 2, 2], "data_offsets": [0, 16]},
    "attention_mask": {"dtype": "I64", "shape": [1, 2], "data_offsets": [16, 32]}}),
    probs + struct.pack("<2q", 1, 1)))

# jsonl inputs.
put("jsonl", "two_lines", '{"text": "hello"}\n\n{"text": "caf\\u00e9", "id": 2}\n')
put("jsonl", "bad_line", '{"text": "a"}\n{"text": 3}\n')
put("jsonl", "deep_line", "[" * 300 + "]" * 300 + "\n")

# GGUF (RELIABILITY GG-7): a tiny valid model (F32 + Q8_0 + Q4_K tensors, every metadata value
# type, a nested array, a string array) and one file per GG-1 class.
def gstr(s):
    s = s.encode() if isinstance(s, str) else s
    return struct.pack("<Q", len(s)) + s


def gkv(key, vtype, payload):
    return gstr(key) + struct.pack("<I", vtype) + payload


def gtensor(name, ne, gtype, offset):
    return gstr(name) + struct.pack("<I", len(ne)) + b"".join(struct.pack("<Q", d) for d in ne) + \
        struct.pack("<IQ", gtype, offset)


def gguf(kvs, tensors, data, version=3, n_tensors=None, n_kv=None, align=32):
    head = b"GGUF" + struct.pack("<IQQ", version, len(tensors) if n_tensors is None else n_tensors,
                                 len(kvs) if n_kv is None else n_kv) + b"".join(kvs) + b"".join(tensors)
    return head + b"\0" * (-len(head) % align) + data


g_kvs = [gkv("general.architecture", 8, gstr("llama")), gkv("general.alignment", 4, struct.pack("<I", 32)),
         gkv("u8", 0, b"\x01"), gkv("i8", 1, b"\xff"), gkv("u16", 2, b"\1\0"), gkv("i16", 3, b"\1\0"),
         gkv("i32", 5, b"\1\0\0\0"), gkv("f32", 6, struct.pack("<f", 0.5)), gkv("b", 7, b"\1"),
         gkv("u64", 10, struct.pack("<Q", 7)), gkv("i64", 11, struct.pack("<q", -7)),
         gkv("f64", 12, struct.pack("<d", 0.25)),
         gkv("tokenizer.ggml.tokens", 9, struct.pack("<IQ", 8, 2) + gstr("a") + gstr("b")),
         gkv("nested", 9, struct.pack("<IQ", 9, 1) + struct.pack("<IQ", 0, 2) + b"\1\2")]
g_tensors = [gtensor("a", [32], 0, 0), gtensor("b", [32, 2], 8, 128), gtensor("c", [256], 12, 224)]
put("gguf", "valid_tiny", gguf(g_kvs, g_tensors, b"\x11" * (224 + 144)))
put("gguf", "valid_empty", gguf([], [], b""))
put("gguf", "BAD_MAGIC", b"GGUX" + gguf([], [], b"")[4:])
put("gguf", "BAD_VERSION_1", gguf([], [], b"", version=1))
put("gguf", "BAD_N_TENSORS", gguf([], [], b"", n_tensors=2**64 - 1))
put("gguf", "BAD_N_KV", gguf([], [], b"", n_kv=2**64 - 1))
put("gguf", "EMPTY_KEY", gguf([gkv("", 4, b"\0\0\0\0")], [], b""))
put("gguf", "DUPLICATE_KEY", gguf([gkv("k", 4, b"\0\0\0\0")] * 2, [], b""))
put("gguf", "BAD_ALIGN", gguf([gkv("general.alignment", 4, struct.pack("<I", 13))], [], b""))
put("gguf", "BAD_N_DIMS", gguf([], [gtensor("w", [1] * 5, 0, 0)], b"\0" * 32))
put("gguf", "NE_TOO_BIG", gguf([], [gtensor("w", [2**63 - 1, 2, 1, 1], 0, 0)], b"\0" * 32))
put("gguf", "BAD_OFFSET", gguf([], [gtensor("w", [8], 0, 16)], b"\0" * 64))
put("gguf", "DUPLICATE_NAME", gguf([], [gtensor("w", [8], 0, 0), gtensor("w", [8], 0, 32)], b"\0" * 64))
put("gguf", "MEM_SIZE_OVERFLOW", gguf([], [gtensor("a", [0x7FFFFFFFFFFFFFC0], 24, 0),
                                           gtensor("b", [0x7FFFFFFFFFFFFFC0], 24, 0x7FFFFFFFFFFFFFC0)], b"\0" * 32))
