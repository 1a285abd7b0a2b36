// SPDX-License-Identifier: MIT
// A small driver of llama.cpp through its C API (llama.h), for
// bench_llama_cpp. It is not part of the build: scripts/fetch-llama-cpp.sh
// compiles it at benchmark time against the llama.h of the fetched release
// and links it to that release's prebuilt libllama / libggml.
//
//   llama_cpp_harness MODEL.gguf THREADS CONTEXT BACKEND_DIR
//
// then one command per line on stdin, one reply line on stdout:
//   run P D t_0 ... t_{P+D-1}   clear the cache, prefill t_0..t_{P-1} in one
//                               batch (logits of the last only), then D
//                               single-token steps feeding t_P, t_{P+1}, ...
//                               -> "ok PREFILL_NS DECODE_NS"
//   logits N PATH t_0 ... t_{N-1}
//                               clear the cache, one batch of N tokens with
//                               the logits of every position, written to PATH
//                               as float32 [N][vocab] -> "ok VOCAB"
//   memory                      -> "ok VmHWM_KIB VmRSS_KIB"
//   quit
// Errors reply "error MESSAGE" and the harness goes on reading.
#include "ggml-backend.h"
#include "llama.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace {

int64_t nowNs() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

void quietLog(ggml_log_level level, const char* text, void*) {
    if (level == GGML_LOG_LEVEL_ERROR)
        std::fputs(text, stderr);
}

long statusKib(const char* key) {
    std::ifstream in("/proc/self/status");
    std::string line;
    const size_t n = std::strlen(key);
    while (std::getline(in, line))
        if (line.compare(0, n, key) == 0)
            return std::atol(line.c_str() + n + 1);
    return -1;
}

struct Harness {
    llama_model* model = nullptr;
    llama_context* ctx = nullptr;
    int32_t vocab = 0;

    void clear() { llama_memory_clear(llama_get_memory(ctx), true); }

    // One batch of tokens at positions first.., logits for every position or
    // for the last only.
    bool decode(const std::vector<llama_token>& tokens, size_t begin, size_t count, int32_t first,
                bool allLogits, std::string& error) {
        llama_batch batch = llama_batch_init(static_cast<int32_t>(count), 0, 1);
        for (size_t i = 0; i < count; ++i) {
            batch.token[i] = tokens[begin + i];
            batch.pos[i] = first + static_cast<int32_t>(i);
            batch.n_seq_id[i] = 1;
            batch.seq_id[i][0] = 0;
            batch.logits[i] = allLogits || i + 1 == count;
        }
        batch.n_tokens = static_cast<int32_t>(count);
        const int32_t rc = llama_decode(ctx, batch);
        llama_batch_free(batch);
        if (rc != 0) {
            error = "llama_decode returned " + std::to_string(rc);
            return false;
        }
        return true;
    }
};

std::vector<llama_token> readTokens(std::istringstream& in, size_t count, bool& ok) {
    std::vector<llama_token> tokens(count);
    for (size_t i = 0; i < count; ++i)
        if (!(in >> tokens[i]))
            ok = false;
    return tokens;
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 5) {
        std::fprintf(stderr, "usage: llama_cpp_harness MODEL.gguf THREADS CONTEXT BACKEND_DIR\n");
        return 2;
    }
    const int threads = std::atoi(argv[2]);
    const int context = std::atoi(argv[3]);
    llama_log_set(quietLog, nullptr);
    ggml_backend_load_all_from_path(argv[4]);
    llama_backend_init();

    Harness h;
    llama_model_params mp = llama_model_default_params();
    mp.n_gpu_layers = 0;
    h.model = llama_model_load_from_file(argv[1], mp);
    if (!h.model) {
        std::printf("error cannot load %s\n", argv[1]);
        return 1;
    }
    llama_context_params cp = llama_context_default_params();
    cp.n_ctx = static_cast<uint32_t>(context);
    cp.n_batch = static_cast<uint32_t>(context);
    cp.n_ubatch = static_cast<uint32_t>(context);
    cp.n_threads = threads;
    cp.n_threads_batch = threads;
    cp.no_perf = true;
    h.ctx = llama_init_from_model(h.model, cp);
    if (!h.ctx) {
        std::printf("error cannot create a context of %d positions\n", context);
        return 1;
    }
    h.vocab = llama_vocab_n_tokens(llama_model_get_vocab(h.model));
    std::printf("ready %d\n", h.vocab);
    std::fflush(stdout);

    std::string line;
    while (std::getline(std::cin, line)) {
        std::istringstream in(line);
        std::string command;
        in >> command;
        std::string error;
        if (command == "quit")
            break;
        if (command == "memory") {
            std::printf("ok %ld %ld\n", statusKib("VmHWM:"), statusKib("VmRSS:"));
        } else if (command == "run") {
            size_t prefill = 0, steps = 0;
            bool ok = static_cast<bool>(in >> prefill >> steps) && prefill > 0;
            const std::vector<llama_token> tokens = readTokens(in, prefill + steps, ok);
            if (!ok || prefill + steps > static_cast<size_t>(context)) {
                std::printf("error run needs P >= 1, D and P + D token ids within the context\n");
            } else {
                h.clear();
                const int64_t t0 = nowNs();
                ok = h.decode(tokens, 0, prefill, 0, false, error);
                const int64_t t1 = nowNs();
                for (size_t i = 0; ok && i < steps; ++i)
                    ok = h.decode(tokens, prefill + i, 1, static_cast<int32_t>(prefill + i), false,
                                  error);
                const int64_t t2 = nowNs();
                if (ok)
                    std::printf("ok %lld %lld\n", static_cast<long long>(t1 - t0),
                                static_cast<long long>(t2 - t1));
                else
                    std::printf("error %s\n", error.c_str());
            }
        } else if (command == "logits") {
            size_t count = 0;
            std::string path;
            bool ok = static_cast<bool>(in >> count >> path) && count > 0;
            const std::vector<llama_token> tokens = readTokens(in, count, ok);
            if (!ok || count > static_cast<size_t>(context)) {
                std::printf(
                    "error logits needs N >= 1, a path and N token ids within the context\n");
            } else {
                h.clear();
                if (!h.decode(tokens, 0, count, 0, true, error)) {
                    std::printf("error %s\n", error.c_str());
                } else {
                    std::FILE* out = std::fopen(path.c_str(), "wb");
                    bool written = out != nullptr;
                    for (size_t i = 0; written && i < count; ++i) {
                        const float* l = llama_get_logits_ith(h.ctx, static_cast<int32_t>(i));
                        written = l && std::fwrite(l, sizeof(float), static_cast<size_t>(h.vocab),
                                                   out) == static_cast<size_t>(h.vocab);
                    }
                    if (out)
                        written = std::fclose(out) == 0 && written;
                    if (written)
                        std::printf("ok %d\n", h.vocab);
                    else
                        std::printf("error cannot write the logits to %s\n", path.c_str());
                }
            }
        } else {
            std::printf("error unknown command '%s'\n", command.c_str());
        }
        std::fflush(stdout);
    }
    llama_free(h.ctx);
    llama_model_free(h.model);
    llama_backend_free();
    return 0;
}
