// SPDX-License-Identifier: MIT
// GGUF files for the benchmarks that compare this engine with llama.cpp:
// synthetic Qwen2.5-0.5B-shaped models with random weights in F16, Q8_0,
// Q4_0 and Q4_K (real block encodings from core/gguf/quant.h), and
// re-quantised copies of an existing F16 model. Written once into a cache
// directory and reused while their marker matches.
#pragma once

#include "core/gguf/gguf.h"
#include "core/util/status.h"

#include <string>

namespace dash::bench {

// Qwen2.5-0.5B's shape: 24 layers, dim 896, 14 heads of 64, 2 KV heads, FFN
// 4864, vocabulary 151,936 (SentencePiece-style tokens, so that llama.cpp
// loads it too), tied output head, q/k/v biases, a context of
// kQwenShapedContext tokens.
// `format`: "F16", "Q8_0", "Q4_0" or "Q4_K". Q4_K follows llama.cpp's
// fallback for rows that are not whole 256-value blocks (the 896-column
// matrices): those are Q5_0; the token embedding (also the output head) is
// Q8_0, as llama.cpp stores a tied head whose rows do not fit Q6_K.
inline constexpr int kQwenShapedContext = 4096;
Expected<std::string> qwenShapedModel(const std::string& dir, const std::string& format);

// `source` with every 2-D weight re-encoded as `type` (norms and biases stay
// F32), written into `dir`. Source weights are F16, F32 or BF16, or any type
// when `type` is F32 (its values dequantised, exactly).
Expected<std::string> requantizedModel(const std::string& source, TensorType type,
                                       const std::string& dir);

} // namespace dash::bench
