// SPDX-License-Identifier: MIT
#include "app/cli/cli_common.h"
#include "app/cli/commands.h"
#include "core/dash/calibration.h"
#include "core/util/output_file.h"
#include "core/util/sha256.h"

#include <cstdio>
#include <limits>

namespace dash::cli {

namespace {

int run(const std::vector<std::string>& argv) {
    auto args = Args::parse(
        argv, options({kModelOptions, {"file", "sequences", "seq-len", "method", "out"}}),
        {"json", "quiet"});
    if (!args.ok())
        return fail("calibrate", args.error());
    auto file = args->required("file");
    auto out = args->required("out");
    auto sequences = args->getInt("sequences", 128, 1, std::numeric_limits<int32_t>::max());
    // 0: the model's context length; else checked against it below.
    auto seqLen = args->getInt("seq-len", 0, 0, std::numeric_limits<int32_t>::max());
    auto method = parseAlphaMethod(args->get("method", "norm-ratio"));
    auto eo = engineOptions(*args);
    if (auto err = firstError(file, out, sequences, seqLen, method, eo))
        return fail("calibrate", *err);
    if (auto st = checkOutputTarget(*out); !st.ok())
        return fail("calibrate", st.error());
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
    const std::vector<int32_t> ids = encodePrompt(**model, *text);
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
        printJson(j);
        return 0;
    }
    std::printf("calibrated on %lld sequences (%lld tokens); wrote %s\n",
                static_cast<long long>(calibration->sequences),
                static_cast<long long>(calibration->tokens), out->c_str());
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
    "       [--method norm-ratio|least-squares|per-channel] [ENGINE OPTIONS] [--quiet] [--json]\n"
    "  Sequences are consecutive windows of the text (default length: the model's context).",
    run};

} // namespace dash::cli
