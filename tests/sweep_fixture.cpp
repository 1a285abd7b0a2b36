// SPDX-License-Identifier: MIT
#include "sweep_fixture.h"

#include "core/dash/baselines.h"
#include "core/dash/calibration.h"
#include "core/dash/dash_policy.h"
#include "core/dash/evaluation.h"
#include "core/dash/policy_file.h"
#include "core/dash/scorer.h"

#include <fstream>
#include <iterator>

namespace dash::test {

namespace {

// The first `bytes` bytes of `source`, cut after the last newline in them.
Status writeSlice(const std::string& source, const std::string& out, size_t bytes) {
    std::ifstream in(source, std::ios::binary);
    if (!in)
        return ioError("cannot open " + source);
    std::string text(bytes, '\0');
    in.read(text.data(), static_cast<std::streamsize>(bytes));
    text.resize(static_cast<size_t>(in.gcount()));
    if (const size_t nl = text.find_last_of('\n'); nl != std::string::npos)
        text.resize(nl + 1);
    std::ofstream o(out, std::ios::binary);
    o << text;
    return o ? Status{} : ioError("cannot write " + out);
}

} // namespace

Expected<SweepFixture> makeSweepFixture(const std::string& modelPath, const std::string& testSource,
                                        const std::string& tuneSource, const std::string& dir) {
    SweepFixture f;
    DASH_ASSIGN_OR_RETURN(std::shared_ptr<Model> model, Model::load(modelPath));
    f.model = model;
    f.testText = dir + "/test.txt";
    f.tuneText = dir + "/tune.txt";
    DASH_TRY(writeSlice(testSource, f.testText, 6000));
    DASH_TRY(writeSlice(tuneSource, f.tuneText, 12000));

    Engine engine(f.model, EngineOptions{2, 0});
    DASH_ASSIGN_OR_RETURN(std::vector<int32_t> ids,
                          readTextTokens(f.tuneText, model->tokenizer(), 0));
    CalibrationOptions co;
    co.sequences = 2;
    DASH_ASSIGN_OR_RETURN(Calibration calibration, calibrate(engine, ids, co));
    calibration.modelSha256 = model->sha256();
    f.calibration = dir + "/calibration.json";
    DASH_TRY(saveJsonFile(f.calibration, calibration.toJson()));

    const ModelConfig& c = model->config();
    ScoringModel scorer(ScorerShape{c.dim, c.layers, 8, 16}, 0.05f);
    scorer.initialize(3);
    auto shared = std::make_shared<const ScoringModel>(scorer);
    auto save = [&](const std::string& name, double trainedFor, bool skipOnly,
                    std::string* path) -> Status {
        DashPolicy policy(shared, calibration, 32);
        policy.runtime().allowInt4 = !skipOnly;
        policy.runtime().allowInt8 = !skipOnly;
        policy.training().set("target_ratio", trainedFor);
        *path = dir + "/" + name;
        return savePolicyFile(*path, policy, *model);
    };
    DASH_TRY(save("dash-1.5.policy", 1.5, false, &f.dash15));
    DASH_TRY(save("dash-2.0.policy", 2.0, false, &f.dash20));
    DASH_TRY(save("skip-a.policy", 2.0, true, &f.skipA));
    DASH_TRY(save("skip-b.policy", 2.0, true, &f.skipB));
    DASH_ASSIGN_OR_RETURN(std::unique_ptr<Policy> random,
                          makeBaseline(PolicyKind::RandomSkip, *model, nullptr));
    f.baselineFile = dir + "/random.policy";
    DASH_TRY(savePolicyFile(f.baselineFile, *random, *model));
    return f;
}

} // namespace dash::test
