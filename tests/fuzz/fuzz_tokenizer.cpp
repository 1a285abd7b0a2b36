// SPDX-License-Identifier: MIT
// libFuzzer entry point for the tokenizers. The first input byte picks a mode:
//
//   even: encode the rest with one of the fixed tokenizers (hand-made
//         SentencePiece and byte-level BPE vocabularies, and the shared demo
//         and tiny Qwen2 models when $DASH_MODEL_DIR or the build's shared
//         directory has them). Ids must be in range and decode must give the
//         text back (SentencePiece: unless the text contains U+2581).
//   odd:  build a vocabulary from the input itself, "pieces \0 text", pieces
//         separated by \x01 (kind from the piece's first byte, merges of
//         neighbouring pieces), and encode the text with it: creation may fail
//         with a message, but nothing may crash and ids must be in range.
#include "tokenizer_vocab.h"

#include "core/gguf/gguf.h"
#include "core/model/tokenizer.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace {

using dash::Tokenizer;
using dash::TokenKind;
using dash::test::VocabBuilder;

constexpr std::string_view kSpaceMark = "\xE2\x96\x81";

struct Fixed {
    std::unique_ptr<Tokenizer> tokenizer;
    bool spm;
};

std::unique_ptr<Tokenizer> created(dash::TokenizerData data) {
    auto tok = Tokenizer::create(std::move(data));
    return tok.ok() ? std::move(*tok) : nullptr;
}

std::unique_ptr<Tokenizer> loaded(const std::string& path) {
    auto file = dash::GgufFile::open(path);
    if (!file.ok())
        return nullptr;
    auto tok = Tokenizer::fromGguf(**file);
    return tok.ok() ? std::move(*tok) : nullptr;
}

std::vector<Fixed> makeFixed() {
    std::vector<Fixed> out;
    VocabBuilder spm("llama");
    spm.data().unkId = spm.add("<unk>", 0, TokenKind::Unknown);
    spm.data().bosId = spm.add("<s>", 0, TokenKind::Control);
    spm.data().eosId = spm.add("</s>", 0, TokenKind::Control);
    spm.data().addBos = true;
    float score = -1;
    for (const char* piece : {"\xE2\x96\x81", "a", "b", "<", "s", ">",
                              "\xE2\x96\x81"
                              "a",
                              "ab", "<s", "\xE2\x96\x81\xE2\x96\x81", "a\xE2\x96\x81"})
        spm.add(piece, score--);
    spm.add("<br>", 0, TokenKind::UserDefined);
    spm.addByteTokens();
    if (auto tok = created(spm.data()))
        out.push_back({std::move(tok), true});

    VocabBuilder bpe("gpt2");
    bpe.data().pre = "qwen2";
    bpe.addGpt2Bytes();
    bpe.addMerge(" ", "t");
    bpe.addMerge("h", "e");
    bpe.addMerge(" t", "he");
    bpe.addMerge("'", "s");
    bpe.addMerge("\xE2", "\x96");
    bpe.data().bosId = bpe.add("<|endoftext|>", 0, TokenKind::Control);
    bpe.data().addBos = true;
    bpe.add("<|im_start|>", 0, TokenKind::Control);
    if (auto tok = created(bpe.data()))
        out.push_back({std::move(tok), false});

    const char* env = std::getenv("DASH_MODEL_DIR");
    const std::string dir = env ? env : DASH_FUZZ_MODEL_DIR;
    if (auto tok = loaded(dir + "/dash-demo-16L.gguf"))
        out.push_back({std::move(tok), true});
    if (auto tok = loaded(dir + "/dash-tiny-qwen2.gguf"))
        out.push_back({std::move(tok), false});
    return out;
}

void checkIds(const Tokenizer& tok, const std::vector<int32_t>& ids) {
    for (const int32_t id : ids)
        if (id < 0 || id >= tok.vocabSize())
            __builtin_trap();
}

void fixedMode(std::string_view text, uint8_t selector) {
    static const std::vector<Fixed> fixed = makeFixed();
    if (fixed.empty())
        __builtin_trap();
    const Fixed& f = fixed[(selector >> 1) % fixed.size()];
    // SentencePiece decodes a parsed control token to nothing, so the round
    // trip is checked with control-token text kept as text.
    const std::vector<int32_t> ids = f.tokenizer->encode(text, true, false);
    checkIds(*f.tokenizer, ids);
    checkIds(*f.tokenizer, f.tokenizer->encode(text, false));
    checkIds(*f.tokenizer, f.tokenizer->encode(text, true, true));
    const bool roundTrip = !f.spm || text.find(kSpaceMark) == std::string_view::npos;
    if (roundTrip && f.tokenizer->decode(ids) != text)
        __builtin_trap();

    std::string head(text);
    const std::string tail = dash::takeIncompleteUtf8Tail(head);
    if (tail.size() > 3 || head + tail != text)
        __builtin_trap();
}

void vocabularyMode(std::string_view input, uint8_t selector) {
    const size_t split = input.find('\0');
    const std::string_view vocab = input.substr(0, split);
    const std::string_view text =
        split == std::string_view::npos ? std::string_view() : input.substr(split + 1);

    VocabBuilder v(selector & 2 ? "gpt2" : "llama");
    v.data().pre = selector & 4 ? "gpt2" : "qwen2";
    v.data().addSpacePrefix = (selector & 8) != 0;
    v.data().addBos = (selector & 16) != 0;
    v.data().addEos = (selector & 32) != 0;
    if (selector & 64)
        v.addGpt2Bytes();
    std::vector<std::string> pieces;
    for (size_t pos = 0; pos <= vocab.size();) {
        const size_t end = std::min(vocab.find('\x01', pos), vocab.size());
        pieces.emplace_back(vocab.substr(pos, end - pos));
        pos = end + 1;
    }
    for (const std::string& piece : pieces) {
        const auto kind =
            static_cast<TokenKind>(piece.empty() ? 1 : static_cast<uint8_t>(piece[0]) % 7);
        v.add(piece, -static_cast<float>(piece.size()), kind);
    }
    for (size_t i = 0; i + 1 < pieces.size(); ++i)
        if (!pieces[i].empty() && !pieces[i + 1].empty())
            v.data().merges.push_back(pieces[i] + " " + pieces[i + 1]);
    const int32_t n = static_cast<int32_t>(v.data().tokens.size());
    v.data().unkId = n > 0 ? 0 : -1;
    v.data().bosId = n > 1 ? 1 : -1;
    v.data().eosId = n > 2 ? 2 : -1;

    auto tok = Tokenizer::create(v.data());
    if (!tok.ok()) {
        if (tok.error().message().empty())
            __builtin_trap();
        return;
    }
    const std::vector<int32_t> ids = (*tok)->encode(text, true);
    checkIds(**tok, ids);
    (*tok)->decode(ids);
    for (int32_t id = 0; id < (*tok)->vocabSize(); ++id)
        (*tok)->tokenBytes(id);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0)
        return 0;
    const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
    if (data[0] & 1)
        vocabularyMode(rest, data[0]);
    else
        fixedMode(rest, data[0]);
    return 0;
}
