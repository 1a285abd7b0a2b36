// SPDX-License-Identifier: MIT
#include "app/cli/cli_common.h"
#include "app/cli/commands.h"
#include "core/dash/alpha_tuning.h"
#include "core/dash/calibration.h"
#include "core/util/output_file.h"
#include "core/util/sha256.h"

#include <cmath>

#include <cstdio>
#include <limits>

namespace dash::cli {

namespace {

int run(const std::vector<std::string>& argv) {
    auto args = Args::parse(argv,
                            options({kModelOptions,
                                     {"file", "sequences", "seq-len", "method", "out", "held-out",
                                      "tune-ratios", "tune-windows"}}),
                            {"json", "quiet"});
    if (!args.ok())
        return fail("calibrate", args.error());
    auto file = args->required("file");
    auto out = args->required("out");
    auto sequences = args->getInt("sequences", 128, 1, std::numeric_limits<int32_t>::max());
    // 0: the model's context length; else checked against it below.
    auto seqLen = args->getInt("seq-len", 0, 0, std::numeric_limits<int32_t>::max());
    // --method auto: every alpha method scored on held-out text, the best kept.
    const std::string methodText = args->get("method", "norm-ratio");
    const bool autoMethod = methodText == "auto";
    auto method = parseAlphaMethod(autoMethod ? "norm-ratio" : methodText);
    auto heldOutFraction = args->getDouble("held-out", 0.1);
    auto tuneWindows = args->getInt("tune-windows", 32, 1, std::numeric_limits<int32_t>::max());
    std::vector<double> tuneRatios;
    for (const std::string& item : {args->get("tune-ratios", "1.33,1.67,2.0")}) {
        size_t start = 0;
        while (start <= item.size()) {
            const size_t end = std::min(item.find(',', start), item.size());
            const std::string v = item.substr(start, end - start);
            char* stop = nullptr;
            const double r = std::strtod(v.c_str(), &stop);
            if (v.empty() || stop != v.c_str() + v.size() || !(r >= 1.0))
                return fail("calibrate", "--tune-ratios takes numbers >= 1 separated by commas, "
                                         "got '" +
                                             item + "'");
            tuneRatios.push_back(r);
            start = end + 1;
        }
    }
    auto eo = engineOptions(*args);
    if (auto err =
            firstError(file, out, sequences, seqLen, method, heldOutFraction, tuneWindows, eo))
        return fail("calibrate", *err);
    if (auto st = checkOutputTarget(*out); !st.ok())
        return fail("calibrate", st.error());
    if (autoMethod && !(*heldOutFraction > 0 && *heldOutFraction < 1))
        return fail("calibrate", "--held-out must be a fraction between 0 and 1");
    auto text = readTextFile(*file);
    if (!text.ok())
        return fail("calibrate", text.error());
    auto model = loadModel(*args);
    if (!model.ok())
        return fail("calibrate", model.error());
    if (*seqLen == 1 || *seqLen > (*model)->config().contextLength)
        return fail("calibrate", "--seq-len must be between 2 and the model's context length " +
                                     std::to_string((*model)->config().contextLength) + ", got " +
                                     std::to_string(*seqLen));
    auto made = makeEngine(*eo, *model);
    if (!made.ok())
        return fail("calibrate", made.error());
    Engine& engine = **made;
    std::vector<int32_t> ids = encodeCorpus(**model, *text);
    std::vector<int32_t> heldOut;
    if (autoMethod) {
        // The tail of the text tunes the method; the calibration never sees it.
        const auto cut =
            static_cast<size_t>(static_cast<double>(ids.size()) * (1.0 - *heldOutFraction));
        heldOut.assign(ids.begin() + static_cast<long>(cut), ids.end());
        ids.resize(cut);
    }
    CalibrationOptions co;
    co.sequences = *sequences;
    co.sequenceLength = *seqLen;
    co.method = *method;
    const bool quiet = args->flag("quiet");
    co.onProgress = [&](int64_t done, int64_t total) {
        if (!quiet)
            std::fprintf(stderr, "\rcalibrate: sequence %lld/%lld", static_cast<long long>(done),
                         static_cast<long long>(total));
    };
    auto calibration = calibrate(engine, ids, co);
    if (!quiet)
        std::fputc('\n', stderr);
    if (!calibration.ok())
        return fail("calibrate", calibration.error());
    calibration->modelSha256 = (*model)->sha256();
    calibration->textSha256 = sha256Hex(*text);
    if (autoMethod) {
        AlphaTuningOptions ao;
        ao.ratios = tuneRatios;
        ao.windows.context = co.sequenceLength;
        ao.windows.maxWindows = *tuneWindows;
        ao.windows.spreadWindows = true;
        ao.onResult = [&](AlphaMethod m, double ratio, double ppl) {
            if (!quiet)
                std::fprintf(stderr, "alpha %-13s at %.3gx: held-out perplexity %.3f\n",
                             alphaMethodName(m), ratio, ppl);
        };
        auto tuned = tuneAlphaMethod(engine, *calibration, heldOut, ao);
        if (!tuned.ok())
            return fail("calibrate", tuned.error());
        calibration->method = tuned->best;
        calibration->methodTuning = tuned->toJson();
    }
    if (auto st = saveCalibration(*out, *calibration); !st.ok())
        return fail("calibrate", st.error());
    if (args->flag("json")) {
        Json j = Json::object();
        j.set("out", *out);
        j.set("sequences", calibration->sequences);
        j.set("tokens", calibration->tokens);
        j.set("norm_ratio", Json::array(calibration->normRatio));
        j.set("least_squares", Json::array(calibration->leastSquares));
        j.set("mean_cos", Json::array(calibration->meanCos));
        j.set("method", alphaMethodName(calibration->method));
        if (!calibration->methodTuning.isNull())
            j.set("method_tuning", calibration->methodTuning);
        printJson(j);
        return 0;
    }
    std::printf("calibrated on %lld sequences (%lld tokens); alpha method %s; wrote %s\n",
                static_cast<long long>(calibration->sequences),
                static_cast<long long>(calibration->tokens), alphaMethodName(calibration->method),
                out->c_str());
    if (!calibration->methodTuning.isNull()) {
        const Json& t = calibration->methodTuning;
        std::printf("alpha method by held-out perplexity (%lld tokens per ratio):\n",
                    static_cast<long long>(t["held_out_tokens"].asInt()));
        std::printf("%-14s", "method");
        for (double r : t["ratios"].toDoubles())
            std::printf(" %9.3gx", r);
        std::printf("\n");
        for (AlphaMethod m : kAlphaMethods) {
            std::printf("%-14s", alphaMethodName(m));
            for (double p : t["perplexity"][alphaMethodName(m)].toDoubles())
                std::printf(" %10.3f", p);
            std::printf("%s\n", m == calibration->method ? "  <- chosen" : "");
        }
    }
    std::printf("layer  alpha(norm-ratio)  alpha(least-squares)  mean cos(in,out)\n");
    for (int32_t l = 0; l < calibration->layers; ++l)
        std::printf("%5d  %17.4f  %20.4f  %16.4f\n", l,
                    calibration->normRatio[static_cast<size_t>(l)],
                    calibration->leastSquares[static_cast<size_t>(l)],
                    calibration->meanCos[static_cast<size_t>(l)]);
    return 0;
}

} // namespace

const Command kCalibrateCommand = {
    "calibrate", "calibrate skip compensation (alpha) and the async approximation (gamma)",
    "--model FILE.gguf --file TEXT --out CALIBRATION.json [--sequences 128] [--seq-len N]\n"
    "       [--method none|norm-ratio|least-squares|per-channel|auto] [--held-out 0.1]\n"
    "       [--tune-ratios 1.33,1.67,2.0] [--tune-windows 32] [ENGINE OPTIONS] [--quiet] [--json]\n"
    "  Sequences are consecutive windows of the text (default length: the model's context).\n"
    "  --method auto keeps the last --held-out fraction of the text out of the calibration\n"
    "  and chooses the alpha method (none included) whose similarity-ranked skipping has the\n"
    "  lowest mean held-out log-perplexity over --tune-ratios; the scores are saved.",
    run};

} // namespace dash::cli
