// SPDX-License-Identifier: MIT
// Tokenizer construction time and encoding speed for the vocabulary shapes
// users bring: byte-level BPE of Qwen2's shape (151,936 tokens: 256 bytes,
// 151,387 merges, 22 control tokens, unused padding; pre-tokenizer qwen2) and
// of Llama-3's (128,256 tokens, 280,147 merges, llama-bpe), and
// SentencePiece of Llama-2's (32,000 pieces with byte fallback).
//
//   bench_tokenizer [--repeats 9] [--text FILE]
//
// The vocabularies are synthesised, so that no model file is needed: every
// distinct word of the text (wikitext2_test.txt from the shared data, or a
// generated text when it is absent) gets a chain of merges that spells it
// left to right, most frequent word first, and random merges of existing
// tokens fill the rest of the shape. Lookups during construction therefore
// hit a table of the real size with the real number of strings; encoding
// merges whole words as a large trained vocabulary does.
//
// Each vocabulary is written as a GGUF file and opened (mapped) once; what
// is timed is what Tokenizer::fromGguf does, and every dash-cli call and
// model switch pays: reading the metadata arrays (TokenizerData::fromGguf)
// and building the tables (Tokenizer::create), in wall time and in the
// process's CPU time (all threads; less disturbed on a shared machine). Two identical rows (A and
// A') run alternately, in swapped order on every other repeat: their
// difference is the noise of this machine (the A/A control). Medians with
// min-max over the repeats.
#include "gguf_builder.h"

#include "core/gguf/gguf.h"
#include "core/model/tokenizer.h"
#include "core/util/unicode.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <unordered_set>
#include <vector>

using namespace dash;

namespace {

using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// CPU time of the process, all threads together (construction uses two for
// a large vocabulary): on a shared machine it moves less than wall time.
double cpuMs() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

struct Stats {
    double median, min, max;
};

Stats stats(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return {v[v.size() / 2], v.front(), v.back()};
}

std::string sharedDir() {
    const char* env = std::getenv("DASH_SHARED_DIR");
    return env && *env ? env : DASH_SHARED_DIR;
}

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return in ? ss.str() : std::string();
}

// A text of English-like words when the shared data is missing.
std::string generatedText() {
    std::mt19937 rng(7);
    const char* syllables[] = {"the", "an", "re", "tion", "ing",  "er",  "st",  "al",  "on", "ed",
                               "is",  "at", "ou", "ly",   "ment", "pro", "con", "ver", "sa", "mi"};
    std::string text;
    while (text.size() < 1'000'000) {
        const int n = 1 + static_cast<int>(rng() % 3);
        text += ' ';
        for (int i = 0; i < n; ++i)
            text += syllables[rng() % 20];
        if (rng() % 12 == 0)
            text += rng() % 2 ? ".\n" : ", ";
    }
    return text;
}

// Words as the GPT-2 regex roughly cuts them (" word", punctuation runs),
// most frequent first.
std::vector<std::string> wordsByFrequency(const std::string& text) {
    std::map<std::string, int> counts;
    size_t pos = 0;
    while (pos < text.size()) {
        size_t end = pos + 1;
        const auto alnum = [&](size_t i) {
            return std::isalnum(static_cast<unsigned char>(text[i]));
        };
        if (text[pos] == ' ' && end < text.size() && alnum(end))
            ++end;
        if (alnum(end - 1))
            while (end < text.size() && alnum(end))
                ++end;
        ++counts[text.substr(pos, end - pos)];
        pos = end;
    }
    std::vector<std::pair<int, std::string>> byCount;
    for (auto& [word, count] : counts)
        byCount.emplace_back(-count, word);
    std::sort(byCount.begin(), byCount.end());
    std::vector<std::string> out;
    for (auto& [count, word] : byCount)
        out.push_back(word);
    return out;
}

std::string spell(std::string_view raw) {
    std::string out;
    for (const char c : raw)
        appendUtf8(out, gpt2ByteToCodepoint(static_cast<unsigned char>(c)));
    return out;
}

struct Vocab {
    std::vector<std::string> tokens;
    std::vector<int32_t> types;
    std::vector<std::string> merges;
    std::vector<float> scores;
};

// Byte-level BPE: 256 byte tokens, merges spelling the words, random merges up
// to `mergeCount` token-making merges, then (as Llama-3's converted tiktoken
// merges do) further merges that are other splits of existing tokens up to
// `totalMerges`; `specials` control tokens, padding up to `vocabSize`.
Vocab bpeVocab(const std::vector<std::string>& words, size_t mergeCount, size_t totalMerges,
               int specials, size_t vocabSize) {
    Vocab v;
    std::unordered_set<std::string> known;
    std::vector<std::string> raw; // raw bytes of each token so far
    for (int b = 0; b < 256; ++b) {
        raw.emplace_back(1, static_cast<char>(b));
        v.tokens.push_back(spell(raw.back()));
        known.insert(raw.back());
    }
    auto addMerge = [&](const std::string& left, const std::string& right) {
        const std::string merged = left + right;
        if (!known.insert(merged).second)
            return;
        v.merges.push_back(spell(left) + " " + spell(right));
        raw.push_back(merged);
        v.tokens.push_back(spell(merged));
    };
    for (const std::string& word : words) {
        if (v.merges.size() >= mergeCount)
            break;
        for (size_t n = 2; n <= word.size() && v.merges.size() < mergeCount; ++n)
            addMerge(word.substr(0, n - 1), word.substr(n - 1, 1));
    }
    std::mt19937 rng(11);
    while (v.merges.size() < mergeCount) {
        const std::string& l = raw[rng() % raw.size()];
        const std::string& r = raw[rng() % raw.size()];
        if (l.size() + r.size() <= 12)
            addMerge(l, r);
    }
    std::unordered_set<std::string> listed(v.merges.begin(), v.merges.end());
    for (size_t tries = 0; v.merges.size() < totalMerges && tries < 50 * totalMerges; ++tries) {
        const std::string& t = raw[256 + rng() % (raw.size() - 256)];
        if (t.size() < 3)
            continue;
        const size_t cut = 1 + rng() % (t.size() - 1);
        const std::string l = t.substr(0, cut), r = t.substr(cut);
        if (!known.count(l) || !known.count(r))
            continue;
        std::string merge = spell(l) + " " + spell(r);
        if (listed.insert(merge).second)
            v.merges.push_back(std::move(merge));
    }
    v.types.assign(v.tokens.size(), 1);
    for (int i = 0; i < specials; ++i) {
        v.tokens.push_back("<|special_" + std::to_string(i) + "|>");
        v.types.push_back(3);
    }
    while (v.tokens.size() < vocabSize) {
        v.tokens.push_back("[PAD" + std::to_string(v.tokens.size()) + "]");
        v.types.push_back(4);
    }
    return v;
}

// SentencePiece: <unk> <s> </s>, 256 byte tokens, then pieces ("▁word"
// prefixes, scored by rank) up to `vocabSize`.
Vocab spmVocab(const std::vector<std::string>& words, size_t vocabSize) {
    Vocab v;
    v.tokens = {"<unk>", "<s>", "</s>"};
    v.types = {2, 3, 3};
    for (int b = 0; b < 256; ++b) {
        char name[8];
        std::snprintf(name, sizeof name, "<0x%02X>", b);
        v.tokens.push_back(name);
        v.types.push_back(6);
    }
    v.scores.assign(v.tokens.size(), 0.0f);
    std::unordered_set<std::string> known;
    for (const std::string& word : words) {
        std::string piece;
        for (const char c : word)
            piece += c == ' ' ? std::string("\xE2\x96\x81") : std::string(1, c);
        for (size_t n = 1; n <= piece.size() && v.tokens.size() < vocabSize; ++n) {
            const std::string prefix = piece.substr(0, n);
            if (!isValidUtf8(prefix) || !known.insert(prefix).second)
                continue;
            v.tokens.push_back(prefix);
            v.types.push_back(1);
            v.scores.push_back(-static_cast<float>(v.tokens.size()));
        }
        if (v.tokens.size() >= vocabSize)
            break;
    }
    for (size_t i = v.tokens.size(); i < vocabSize; ++i) {
        v.tokens.push_back("\xE2\x96\x81pad" + std::to_string(i));
        v.types.push_back(1);
        v.scores.push_back(-static_cast<float>(i));
    }
    return v;
}

std::string writeGguf(const Vocab& v, const char* model, const char* pre, const char* name) {
    test::GgufBuilder b;
    b.add("general.architecture", "llama");
    b.add("tokenizer.ggml.model", model);
    if (pre)
        b.add("tokenizer.ggml.pre", pre);
    b.add("tokenizer.ggml.tokens", test::GgufMeta::stringArray(v.tokens));
    b.add("tokenizer.ggml.token_type", test::GgufMeta::i32Array(v.types));
    if (!v.merges.empty())
        b.add("tokenizer.ggml.merges", test::GgufMeta::stringArray(v.merges));
    if (!v.scores.empty())
        b.add("tokenizer.ggml.scores", test::GgufMeta::f32Array(v.scores));
    b.add("tokenizer.ggml.bos_token_id", 1u);
    b.add("tokenizer.ggml.eos_token_id", 2u);
    const std::string path =
        (std::filesystem::temp_directory_path() / (std::string("dash-bench-") + name + ".gguf"))
            .string();
    if (auto st = b.writeTo(path); !st.ok()) {
        std::fprintf(stderr, "bench_tokenizer: %s\n", st.error().message().c_str());
        std::exit(1);
    }
    return path;
}

struct Shape {
    const char* name;
    std::string path;
};

} // namespace

int main(int argc, char** argv) {
    int repeats = 9;
    std::string textPath = sharedDir() + "/data/wikitext2_test.txt";
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--repeats") == 0 && i + 1 < argc)
            repeats = std::max(1, std::atoi(argv[++i]));
        else if (std::strcmp(argv[i], "--text") == 0 && i + 1 < argc)
            textPath = argv[++i];
        else {
            std::fprintf(stderr, "usage: bench_tokenizer [--repeats N] [--text FILE]\n");
            return 2;
        }
    }
    std::string text = readFile(textPath);
    const char* textName = textPath.c_str();
    if (text.empty()) {
        text = generatedText();
        textName = "a generated text";
    }
    const std::vector<std::string> words = wordsByFrequency(text);
    std::printf("text: %s, %zu bytes, %zu distinct words\n", textName, text.size(), words.size());

    std::fprintf(stderr, "writing the vocabularies...\n");
    const Shape shapes[] = {
        {"qwen2 BPE 151,936 tokens, 151,387 merges",
         writeGguf(bpeVocab(words, 151387, 151387, 22, 151936), "gpt2", "qwen2", "qwen2-shape")},
        {"llama-3 BPE 128,256 tokens, 280,147 merges",
         writeGguf(bpeVocab(words, 127744, 280147, 256, 128256), "gpt2", "llama-bpe",
                   "llama3-shape")},
        {"llama-2 SentencePiece 32,000 pieces",
         writeGguf(spmVocab(words, 32000), "llama", nullptr, "llama2-shape")},
    };

    std::printf("\n%-44s %-4s %22s %22s %9s %9s %12s\n", "vocabulary", "row", "construct wall ms",
                "construct cpu ms", "read ms", "tables ms", "encode tok/s");
    for (const Shape& shape : shapes) {
        auto file = GgufFile::open(shape.path);
        if (!file.ok()) {
            std::fprintf(stderr, "bench_tokenizer: %s\n", file.error().message().c_str());
            return 1;
        }
        std::vector<double> wall[2], cpu[2], read[2], tables[2];
        std::vector<double> rates;
        size_t tokenCount = 0;
        for (int r = 0; r < repeats; ++r) {
            for (int k = 0; k < 2; ++k) {
                const int row = r % 2 ? 1 - k : k; // alternate which row goes first
                const auto start = Clock::now();
                const double cpuStart = cpuMs();
                auto data = TokenizerData::fromGguf(**file);
                const auto afterRead = Clock::now();
                if (!data.ok()) {
                    std::fprintf(stderr, "bench_tokenizer: %s\n", data.error().message().c_str());
                    return 1;
                }
                auto tok = Tokenizer::create(std::move(*data));
                cpu[row].push_back(cpuMs() - cpuStart);
                wall[row].push_back(msSince(start));
                read[row].push_back(
                    std::chrono::duration<double, std::milli>(afterRead - start).count());
                tables[row].push_back(msSince(afterRead));
                if (!tok.ok()) {
                    std::fprintf(stderr, "bench_tokenizer: %s\n", tok.error().message().c_str());
                    return 1;
                }
                if (row == 0) {
                    const auto encodeStart = Clock::now();
                    const std::vector<int32_t> ids = (*tok)->encode(text, true);
                    const double seconds = msSince(encodeStart) / 1000.0;
                    tokenCount = ids.size();
                    rates.push_back(static_cast<double>(ids.size()) / seconds);
                }
            }
        }
        for (int row = 0; row < 2; ++row) {
            const Stats w = stats(wall[row]), c = stats(cpu[row]);
            char wallText[40], cpuText[40], rateText[24] = "";
            std::snprintf(wallText, sizeof wallText, "%.1f (%.1f-%.1f)", w.median, w.min, w.max);
            std::snprintf(cpuText, sizeof cpuText, "%.1f (%.1f-%.1f)", c.median, c.min, c.max);
            if (row == 0)
                std::snprintf(rateText, sizeof rateText, "%.0f", stats(rates).median);
            std::printf("%-44s %-4s %22s %22s %9.1f %9.1f %12s\n", row == 0 ? shape.name : "",
                        row == 0 ? "A" : "A'", wallText, cpuText, stats(read[row]).median,
                        stats(tables[row]).median, rateText);
        }
        std::printf("%-44s encoding gives %zu tokens\n", "", tokenCount);
    }
    std::printf("\nmedians of %d repeats; A' repeats A (the A/A control row)\n", repeats);
    return 0;
}
