#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Writes the tokenizer reference fixtures in tests/fixtures/tokenizers/.

Each fixture holds a small vocabulary of one tokenizer family, laid out as a
GGUF file carries it, and the ids that an independent reference tokenizer
gives for a corpus of tricky texts (whitespace runs, newlines, digits,
punctuation, accents, CJK, emoji, typed control tokens, the empty string):

- SentencePiece (Llama-2 family): a BPE model trained here by
  python3-sentencepiece with Llama-2's settings (byte fallback, split digits,
  identity normalisation, dummy prefix, no whitespace collapsing). The
  expected ids are what that library encodes, after the BOS that Llama-2's
  tokenizer adds. With special-token parsing, the same model with <s> and
  </s> turned into user-defined pieces (which SentencePiece matches whole in
  the text).
- byte-level BPE (pre-tokenizers llama-bpe, qwen2, smollm, gpt-2): merges
  learned here from a training text split by the family's pre-tokenizer. The
  expected ids are what the npm package @huggingface/tokenizers
  (Tokenizers.js) encodes with a tokenizer.json of that vocabulary laid out as
  the family's own tokenizer.json (normaliser, pre-tokenizer, ignore_merges,
  post-processor, added tokens). Without special-token parsing, the control
  tokens are moved from added_tokens into the model's vocabulary, so the
  reference encodes their text as text (user-defined tokens stay added
  tokens, matched whole, as GGUF readers do).

Run on Debian 12 (python3-sentencepiece, python3-protobuf, python3-regex,
nodejs, npm), from the repository root:

    /usr/bin/python3 tests/tools/make_tokenizer_fixtures.py [--npm-dir DIR]

The npm package is installed into DIR (a temporary folder by default) by this
script only; neither the build nor the tests need node or the network.
"""

import argparse
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile

import regex
import sentencepiece as spm
from sentencepiece import sentencepiece_model_pb2 as model_pb2

NPM_PACKAGE = "@huggingface/tokenizers@0.2.0"
OUT_DIR = os.path.join("tests", "fixtures", "tokenizers")

# Pre-tokenizer regexes as the families' tokenizer.json files give them.
GPT2_PATTERN = (r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+"
                r"|\s+(?!\S)|\s+")
QWEN2_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}"
                 r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
LLAMA3_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}"
                  r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")

# The text merges and pieces are learned from (written for these fixtures).
TRAINING_TEXT = """\
The river runs past the old mill, and the mill wheel turns as it has turned
for two hundred years. In the morning the miller opens the doors; in the
evening he closes them again. Nothing here is new, and that is the point.
She said: "It's late, we'll go now." They didn't answer. I'VE SEEN IT BEFORE.
The numbers were 1, 12, 123, 1234 and 3.14159; the year was 2024, the price
was $1,000,000 (one million) and the ratio 3:2.
Le café du coin sert un croissant et une crème brûlée. Naïve résumé, façade.
Über den Wolken ist die Freiheit grenzenlos; Zürich liegt am See.
Ærøskøbing is a town in Denmark. El niño comió piña en España.
中文分词是自然语言处理的基础。我们今天学习中文。
日本語のテキストを分割します。東京は大きな都市です。
한국어 텍스트를 처리합니다. 서울은 큰 도시입니다.
Emoji are text too: 😀 😀 👍 👍🏽 🎉 and flags 🇩🇪 🇫🇷.
def square(x):
    return x ** 2  # the square of x
for i in range(10):
    print(i, square(i))
    the  two  spaces   three   spaces    four
line one
line two

line four
"""

# The corpus: tricky texts every family is checked on.
CORPUS = [
    "",
    " ",
    "  ",
    "Hello world",
    "Hello world!",
    " leading space",
    "trailing space ",
    "a  b   c    d",
    "tabs\tand\t\ttabs",
    "line one\nline two\n\nline four",
    "\n",
    "\n\n\n",
    " \n ",
    "crlf\r\nline\r\n",
    "ends with a newline\n",
    "1 12 123 1234 12345 3.14159 2024-06-01 1,000,000",
    "0000000",
    "½ and １２３",
    "Hello, world! (yes) [no] {maybe} ... ?!? \"quoted\" 'single'",
    "it's we'll I'VE they're DON'T",
    "café naïve résumé façade crème brûlée",
    "Ærøskøbing Zürich España niño",
    "ÀÉÎÕÜ àéîõü",
    "中文分词",
    "日本語のテキスト",
    "한국어 텍스트",
    "Mixed 中文 and English, 日本語も.",
    "emoji 😀 👍🏽 👨‍👩‍👧 🇩🇪",
    "😀😀😀",
    "def f(x):\n    return x ** 2  # comment",
    "non\u00a0breaking and zero\u200bwidth",
    "under\u2581score",
    "say xyzzy now",
    "xyzzy",
    "<unk>",
    "a<b>c </s> <s>",
]

# Texts naming each family's control and user-defined tokens.
FAMILY_TEXTS = {
    "spm-llama2": ["<s>hello</s>", "a <s> b", "<tool>x<tool>", "<s><s>"],
    "bpe-llama3": ["<|begin_of_text|>x", "<|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|>",
                   "a<|end_of_text|>b", "<|eot_id|"],
    "bpe-qwen2": ["<|im_start|>user\nhi<|im_end|>", "a<|endoftext|>b",
                  "<tool_call>{\"a\": 1}</tool_call>", "<|im_start|"],
    "bpe-smollm": ["<|im_start|>user\nhi 42<|im_end|>", "a<|endoftext|>b"],
    "bpe-gpt2": ["a<|endoftext|>b", "<|endoftext|><|endoftext|>"],
}


def bytes_to_unicode():
    """GPT-2's byte -> character table, from its published definition."""
    printable = (list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAC + 1))
                 + list(range(0xAE, 0xFF + 1)))
    table = {}
    n = 0
    for b in range(256):
        if b in printable:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + n)
            n += 1
    return table


BYTE_CHARS = bytes_to_unicode()


def spell(text):
    return "".join(BYTE_CHARS[b] for b in text.encode("utf-8"))


def pretokenize(text, pattern, isolate_digits):
    pieces = [text]
    if isolate_digits:
        pieces = [p for p in regex.split(r"(\p{N})", text) if p]
    words = []
    for piece in pieces:
        words.extend(regex.findall(pattern, piece))
    return words


def training_text():
    # The corpus is part of what the vocabularies are learned from (without
    # the word only ignore_merges reaches), as a model's own texts are.
    return TRAINING_TEXT + "\n".join(t for t in CORPUS if "xyzzy" not in t) + "\n"


def learn_merges(text, pattern, isolate_digits, count):
    """Plain byte-level BPE training: the most frequent adjacent pair first
    (ties by the pair's text), until `count` merges or no pair repeats."""
    words = collections.Counter(
        tuple(spell(w)) for w in pretokenize(text, pattern, isolate_digits))
    merges = []
    while len(merges) < count:
        pairs = collections.Counter()
        for word, n in words.items():
            for a, b in zip(word, word[1:]):
                pairs[(a, b)] += n
        if not pairs:
            break
        best, n = max(pairs.items(), key=lambda item: (item[1], item[0]))
        if n < 2:
            break
        merges.append(best)
        merged = collections.Counter()
        for word, n in words.items():
            out = []
            i = 0
            while i < len(word):
                if i + 1 < len(word) and (word[i], word[i + 1]) == best:
                    out.append(word[i] + word[i + 1])
                    i += 2
                else:
                    out.append(word[i])
                    i += 1
            merged[tuple(out)] += n
        words = merged
    return merges


BPE_FAMILIES = {
    "bpe-llama3": {
        "pre": "llama-bpe", "pattern": LLAMA3_PATTERN, "isolate_digits": False,
        "ignore_merges": True, "normalizer": None,
        "control": ["<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>",
                    "<|end_header_id|>", "<|eot_id|>"],
        "user": [], "bos": "<|begin_of_text|>", "eos": "<|end_of_text|>",
        "bos_in_template": True,
        # Llama-3 GGUF files say add_bos_token; left out here so that the
        # default for this pre-tokenizer is what is checked.
        "gguf_add_bos": None,
    },
    "bpe-qwen2": {
        "pre": "qwen2", "pattern": QWEN2_PATTERN, "isolate_digits": False,
        "ignore_merges": False, "normalizer": {"type": "NFC"},
        "control": ["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
        "user": ["<tool_call>", "</tool_call>"], "bos": "<|endoftext|>", "eos": "<|im_end|>",
        "bos_in_template": False, "gguf_add_bos": False,
    },
    "bpe-smollm": {
        "pre": "smollm", "pattern": GPT2_PATTERN, "isolate_digits": True,
        "ignore_merges": False, "normalizer": None,
        "control": ["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
        "user": [], "bos": "<|im_start|>", "eos": "<|im_end|>",
        "bos_in_template": False, "gguf_add_bos": None,
    },
    "bpe-gpt2": {
        "pre": "gpt-2", "pattern": GPT2_PATTERN, "isolate_digits": False,
        "ignore_merges": False, "normalizer": None,
        "control": ["<|endoftext|>"], "user": [], "bos": "<|endoftext|>",
        "eos": "<|endoftext|>", "bos_in_template": False, "gguf_add_bos": None,
    },
}


def bpe_vocabulary(family):
    spec = BPE_FAMILIES[family]
    merges = learn_merges(training_text(), spec["pattern"], spec["isolate_digits"], 400)
    tokens = [BYTE_CHARS[b] for b in range(256)]
    for a, b in merges:
        tokens.append(a + b)
    # A whole word no merge reaches: only ignore_merges emits it as one token.
    tokens.append(spell(" xyzzy"))
    types = [1] * len(tokens)
    for t in spec["control"]:
        tokens.append(t)
        types.append(3)
    for t in spec["user"]:
        tokens.append(t)
        types.append(4)
    assert len(set(tokens)) == len(tokens)
    return spec, tokens, types, [f"{a} {b}" for a, b in merges]


def tokenizer_json(spec, tokens, types, merges, parse_special):
    """A tokenizer.json laid out as the family's own."""
    vocab = {}
    added = []
    for i, (t, kind) in enumerate(zip(tokens, types)):
        special = kind == 3
        if kind == 1 or (special and not parse_special):
            vocab[t] = i
        else:
            added.append({"id": i, "content": t, "single_word": False, "lstrip": False,
                          "rstrip": False, "normalized": False, "special": special})
    split = {"type": "Split", "pattern": {"Regex": spec["pattern"]}, "behavior": "Isolated",
             "invert": False}
    byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True,
                  "use_regex": False}
    if spec["pre"] == "smollm":
        pre = {"type": "Sequence", "pretokenizers": [
            {"type": "Digits", "individual_digits": True},
            dict(byte_level, use_regex=True)]}
    elif spec["pre"] == "gpt-2":
        pre = dict(byte_level, use_regex=True)
    else:
        pre = {"type": "Sequence", "pretokenizers": [split, byte_level]}
    if spec["bos_in_template"]:
        bos = spec["bos"]
        post = {"type": "TemplateProcessing",
                "single": [{"SpecialToken": {"id": bos, "type_id": 0}},
                           {"Sequence": {"id": "A", "type_id": 0}}],
                "pair": [{"SpecialToken": {"id": bos, "type_id": 0}},
                         {"Sequence": {"id": "A", "type_id": 0}},
                         {"SpecialToken": {"id": bos, "type_id": 1}},
                         {"Sequence": {"id": "B", "type_id": 1}}],
                "special_tokens": {bos: {"id": bos, "ids": [tokens.index(bos)],
                                         "tokens": [bos]}}}
    else:
        post = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False,
                "use_regex": False}
    return {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": added,
        "normalizer": spec["normalizer"], "pre_tokenizer": pre, "post_processor": post,
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True,
                    "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None,
                  "continuing_subword_prefix": None, "end_of_word_suffix": None,
                  "fuse_unk": False, "byte_fallback": False,
                  "ignore_merges": spec["ignore_merges"], "vocab": vocab,
                  "merges": [m.split(" ") for m in merges]},
    }


def install_npm(npm_dir):
    if not os.path.isdir(os.path.join(npm_dir, "node_modules", "@huggingface", "tokenizers")):
        subprocess.run(["npm", "install", "--prefix", npm_dir, "--no-save", NPM_PACKAGE],
                       check=True, stdout=sys.stderr)
    shutil.copy(os.path.join(os.path.dirname(__file__), "hf_tokenize.mjs"), npm_dir)
    with open(os.path.join(npm_dir, "node_modules", "@huggingface", "tokenizers",
                           "package.json")) as f:
        return json.load(f)["version"]


def hf_encode(npm_dir, tok_json, texts):
    request = json.dumps({"tokenizer": tok_json, "config": {}, "texts": texts})
    out = subprocess.run(["node", os.path.join(npm_dir, "hf_tokenize.mjs")], input=request,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)["ids"]


def bpe_fixture(family, npm_dir, npm_version):
    spec, tokens, types, merges = bpe_vocabulary(family)
    texts = CORPUS + FAMILY_TEXTS[family]
    ids = hf_encode(npm_dir, tokenizer_json(spec, tokens, types, merges, False), texts)
    parsed = hf_encode(npm_dir, tokenizer_json(spec, tokens, types, merges, True), texts)
    gguf = {"tokenizer.ggml.model": "gpt2", "tokenizer.ggml.pre": spec["pre"],
            "tokenizer.ggml.bos_token_id": tokens.index(spec["bos"]),
            "tokenizer.ggml.eos_token_id": tokens.index(spec["eos"])}
    if spec["gguf_add_bos"] is not None:
        gguf["tokenizer.ggml.add_bos_token"] = spec["gguf_add_bos"]
    return {
        "about": (f"Byte-level BPE, pre-tokenizer {spec['pre']}: {len(merges)} merges learned by "
                  "tests/tools/make_tokenizer_fixtures.py from its training text; expected ids "
                  f"from the npm package @huggingface/tokenizers {npm_version} "
                  "(Tokenizers.js) over a tokenizer.json of this vocabulary laid out as the "
                  "family's own. 'ids': control tokens typed in the text stay text; "
                  "'ids_parse_special': they are parsed."),
        "gguf": gguf, "tokens": tokens, "token_types": types, "merges": merges,
        "cases": [{"text": t, "ids": a, "ids_parse_special": b}
                  for t, a, b in zip(texts, ids, parsed)],
    }


def spm_fixture(work):
    texts = CORPUS + FAMILY_TEXTS["spm-llama2"]
    train = os.path.join(work, "train.txt")
    with open(train, "w", encoding="utf-8") as f:
        f.write(training_text())
    prefix = os.path.join(work, "spm")
    spm.SentencePieceTrainer.train(
        input=train, model_prefix=prefix, vocab_size=700, model_type="bpe",
        character_coverage=1.0, byte_fallback=True, split_digits=True,
        allow_whitespace_only_pieces=True, normalization_rule_name="identity",
        add_dummy_prefix=True, remove_extra_whitespaces=False, user_defined_symbols=["<tool>"],
        unk_id=0, bos_id=1, eos_id=2, pad_id=-1, hard_vocab_limit=False, minloglevel=2)
    sp = spm.SentencePieceProcessor(model_file=prefix + ".model")
    proto = model_pb2.ModelProto()
    with open(prefix + ".model", "rb") as f:
        proto.ParseFromString(f.read())
    # GGUF token types are SentencePiece's piece types.
    kinds = {model_pb2.ModelProto.SentencePiece.NORMAL: 1,
             model_pb2.ModelProto.SentencePiece.UNKNOWN: 2,
             model_pb2.ModelProto.SentencePiece.CONTROL: 3,
             model_pb2.ModelProto.SentencePiece.USER_DEFINED: 4,
             model_pb2.ModelProto.SentencePiece.UNUSED: 5,
             model_pb2.ModelProto.SentencePiece.BYTE: 6}
    tokens = [p.piece for p in proto.pieces]
    scores = [p.score for p in proto.pieces]
    types = [kinds[p.type] for p in proto.pieces]
    # Special-token parsing: the same model with <s> and </s> user-defined.
    for p in proto.pieces:
        if p.piece in ("<s>", "</s>"):
            p.type = model_pb2.ModelProto.SentencePiece.USER_DEFINED
    parsing = spm.SentencePieceProcessor(model_proto=proto.SerializeToString())
    bos = sp.bos_id()
    return {
        "about": (f"SentencePiece BPE, Llama-2 settings: {len(tokens)} pieces trained by "
                  "tests/tools/make_tokenizer_fixtures.py with python3-sentencepiece "
                  f"{spm.__version__}; expected ids are that library's, after the BOS "
                  "Llama-2's tokenizer adds. 'ids_parse_special': the same model with <s> and "
                  "</s> as user-defined pieces, which SentencePiece matches whole (null where "
                  "the text names <unk>, which it cannot make user-defined)."),
        "gguf": {"tokenizer.ggml.model": "llama", "tokenizer.ggml.bos_token_id": bos,
                 "tokenizer.ggml.eos_token_id": sp.eos_id(),
                 "tokenizer.ggml.unknown_token_id": sp.unk_id()},
        "tokens": tokens, "token_types": types, "scores": scores,
        # SentencePiece cannot make its unknown piece user-defined, so texts
        # naming <unk> have no parsed reference (null).
        "cases": [{"text": t, "ids": [bos] + sp.encode(t), "ids_parse_special":
                   None if "<unk>" in t else [bos] + parsing.encode(t)} for t in texts],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--npm-dir", help="where to install the npm package (kept)")
    args = parser.parse_args()
    os.makedirs(OUT_DIR, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        npm_dir = args.npm_dir or os.path.join(work, "npm")
        os.makedirs(npm_dir, exist_ok=True)
        npm_version = install_npm(npm_dir)
        fixtures = {"spm-llama2": spm_fixture(work)}
        for family in BPE_FAMILIES:
            fixtures[family] = bpe_fixture(family, npm_dir, npm_version)
    for name, fixture in fixtures.items():
        path = os.path.join(OUT_DIR, name + ".json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(fixture, f, ensure_ascii=False, indent=1)
            f.write("\n")
        print(f"{path}: {len(fixture['tokens'])} tokens, {len(fixture['cases'])} cases")


if __name__ == "__main__":
    main()
