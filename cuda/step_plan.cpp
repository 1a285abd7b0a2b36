// SPDX-License-Identifier: MIT
#include "cuda/step_plan.h"

#include <set>

namespace dash::cuda {

const char* stepOpName(StepOp op) {
    switch (op) {
    case StepOp::Embed:
        return "embed";
    case StepOp::LayerInput:
        return "layer-input";
    case StepOp::RecordFeature:
        return "record-feature";
    case StepOp::WaitFeature:
        return "wait-feature";
    case StepOp::Score:
        return "score";
    case StepOp::RecordDecision:
        return "record-decision";
    case StepOp::WaitDecision:
        return "wait-decision";
    case StepOp::CopyDecision:
        return "copy-decision";
    case StepOp::HostWait:
        return "host-wait";
    case StepOp::LayerFixed:
        return "layer-fixed";
    case StepOp::LayerBranch:
        return "layer-branch";
    case StepOp::LayerSwitch:
        return "layer-switch";
    case StepOp::Head:
        return "head";
    case StepOp::Argmax:
        return "argmax";
    }
    return "unknown";
}

const char* layerKernelName(LayerKernel kernel) {
    switch (kernel) {
    case LayerKernel::Qkv:
        return "qkv";
    case LayerKernel::RopeStore:
        return "rope-store";
    case LayerKernel::Attention:
        return "attention";
    case LayerKernel::OutputResidual:
        return "output-residual";
    case LayerKernel::FfnNorm:
        return "ffn-norm";
    case LayerKernel::GateUpSwiglu:
        return "gate-up-swiglu";
    case LayerKernel::DownResidual:
        return "down-residual";
    case LayerKernel::Compensate:
        return "compensate";
    }
    return "unknown";
}

std::vector<StepNode> buildStepPlan(int32_t layers, DecisionMode mode, bool decide) {
    constexpr StreamKind main = StreamKind::Compute;
    constexpr StreamKind side = StreamKind::Policy;
    std::vector<StepNode> plan;
    plan.push_back({StepOp::Embed, -1, main});
    for (int32_t i = 0; i < layers; ++i) {
        const bool scoreNext = decide && i + 1 < layers;
        plan.push_back({StepOp::LayerInput, i, main});
        if (scoreNext && mode != DecisionMode::HostSync) {
            // Fork: the scorer for layer i+1 reads x_i while layer i runs.
            plan.push_back({StepOp::RecordFeature, i, main});
            plan.push_back({StepOp::WaitFeature, i, side});
            plan.push_back({StepOp::Score, i + 1, side});
            plan.push_back({StepOp::RecordDecision, i + 1, side});
        }
        StepOp layerOp = StepOp::LayerFixed;
        if (i > 0 && mode != DecisionMode::HostSync)
            layerOp = mode == DecisionMode::GraphSwitch ? StepOp::LayerSwitch : StepOp::LayerBranch;
        plan.push_back({layerOp, i, main});
        if (scoreNext) {
            if (mode == DecisionMode::HostSync) {
                plan.push_back({StepOp::Score, i + 1, main});
                plan.push_back({StepOp::CopyDecision, i + 1, main});
                plan.push_back({StepOp::HostWait, i + 1, main});
            } else {
                // Join before layer i+1 overwrites the copy of x_i and reads state[i+1].
                plan.push_back({StepOp::WaitDecision, i + 1, main});
            }
        }
    }
    plan.push_back({StepOp::Head, -1, main});
    plan.push_back({StepOp::Argmax, -1, main});
    return plan;
}

namespace {

Error planError(const StepNode& node, size_t index, const std::string& rule) {
    return internalError("step plan op " + std::to_string(index) + " (" + stepOpName(node.op) +
                         ", layer " + std::to_string(node.layer) + "): " + rule);
}

} // namespace

Status checkStepPlan(const std::vector<StepNode>& plan, int32_t layers, DecisionMode mode,
                     bool decide) {
    const bool graph = mode == DecisionMode::GraphBranch || mode == DecisionMode::GraphSwitch;
    // Simulated state: which layer input the copy of x holds and whether the
    // main stream has published it; recorded events; decided states, per
    // stream that knows them.
    int32_t snapshotLayer = -1;       // layer whose input the main stream last copied
    std::set<int32_t> featureEvents;  // recorded on main after LayerInput(i)
    std::set<int32_t> sideFeatures;   // waited for by the side stream
    std::set<int32_t> decisionEvents; // recorded on side after Score(i)
    std::set<int32_t> scoredOnSide, scoredOnMain;
    std::set<int32_t> mainKnows, hostKnows, copied;
    std::set<int32_t> ran;
    bool embedded = false;
    bool headDone = false;
    int32_t sideOpenScores = 0; // scores on the side not yet joined
    for (size_t n = 0; n < plan.size(); ++n) {
        const StepNode& node = plan[n];
        const int32_t l = node.layer;
        const bool onMain = node.stream == StreamKind::Compute;
        switch (node.op) {
        case StepOp::Embed:
            if (!onMain || embedded)
                return planError(node, n, "the embedding runs once, on the main stream");
            embedded = true;
            break;
        case StepOp::LayerInput:
            if (!embedded || !onMain)
                return planError(node, n, "layer inputs follow the embedding on the main stream");
            if (l != static_cast<int32_t>(ran.size()))
                return planError(node, n, "layers must run in order");
            if (sideOpenScores > 0)
                return planError(node, n,
                                 "overwrites the copy of the previous layer's input while a "
                                 "score may still read it (no join)");
            snapshotLayer = l;
            break;
        case StepOp::RecordFeature:
            if (!onMain || snapshotLayer != l)
                return planError(node, n, "records an input the main stream has not copied");
            featureEvents.insert(l);
            break;
        case StepOp::WaitFeature:
            if (onMain || !featureEvents.count(l))
                return planError(node, n, "the side stream waits for an event never recorded");
            sideFeatures.insert(l);
            break;
        case StepOp::Score:
            if (!decide)
                return planError(node, n, "a plan without a scorer scores");
            if (l < 1 || l >= layers)
                return planError(node, n, "only layers 1..L-1 are decided");
            if (onMain) {
                if (snapshotLayer != l - 1)
                    return planError(node, n, "scores from a layer input that is not current");
                scoredOnMain.insert(l);
                mainKnows.insert(l);
            } else {
                if (!sideFeatures.count(l - 1))
                    return planError(node, n,
                                     "the side stream scores before it waited for layer " +
                                         std::to_string(l - 1) + "'s input");
                scoredOnSide.insert(l);
                ++sideOpenScores;
            }
            break;
        case StepOp::RecordDecision:
            if (onMain || !scoredOnSide.count(l))
                return planError(node, n, "records a decision the side stream did not make");
            decisionEvents.insert(l);
            break;
        case StepOp::WaitDecision:
            if (!onMain || !decisionEvents.count(l))
                return planError(node, n, "the main stream waits for an event never recorded");
            mainKnows.insert(l);
            --sideOpenScores;
            break;
        case StepOp::CopyDecision:
            if (!onMain || !mainKnows.count(l))
                return planError(node, n, "copies a decision the main stream does not have");
            copied.insert(l);
            break;
        case StepOp::HostWait:
            if (graph)
                return planError(node, n, "a graph cannot wait for the host");
            if (!copied.count(l))
                return planError(node, n, "the host waits for a copy never made");
            hostKnows.insert(l);
            break;
        case StepOp::LayerFixed:
        case StepOp::LayerBranch:
        case StepOp::LayerSwitch: {
            if (!onMain || snapshotLayer != l || ran.count(l))
                return planError(node, n, "a layer runs once, on the main stream, after its input");
            if (node.op == StepOp::LayerSwitch && mode != DecisionMode::GraphSwitch)
                return planError(node, n, "SWITCH nodes exist only in graph-switch mode");
            if (node.op == StepOp::LayerBranch && mode == DecisionMode::HostSync)
                return planError(node, n, "host-sync mode launches layers in known states");
            if (l == 0 && node.op != StepOp::LayerFixed)
                return planError(node, n, "layer 0 always runs at full precision");
            if (decide && l > 0) {
                const bool known =
                    node.op == StepOp::LayerFixed ? hostKnows.count(l) > 0 : mainKnows.count(l) > 0;
                if (!known)
                    return planError(node, n,
                                     node.op == StepOp::LayerFixed
                                         ? "the host launches a layer whose state it does not know"
                                         : "the layer reads a state not yet joined to the main "
                                           "stream");
            }
            if (!decide && node.op == StepOp::LayerFixed && l > 0 && mode != DecisionMode::HostSync)
                return planError(node, n, "device modes read the host-set states on the device");
            ran.insert(l);
            break;
        }
        case StepOp::Head:
            if (!onMain || static_cast<int32_t>(ran.size()) != layers)
                return planError(node, n, "the head runs after every layer, on the main stream");
            headDone = true;
            break;
        case StepOp::Argmax:
            if (!onMain || !headDone)
                return planError(node, n, "the argmax reads logits the head has not written");
            break;
        }
    }
    if (sideOpenScores != 0)
        return internalError("step plan: the policy stream ends with " +
                             std::to_string(sideOpenScores) + " decision(s) never joined");
    if (static_cast<int32_t>(ran.size()) != layers || !headDone)
        return internalError("step plan: not every layer and the head ran");
    if (decide && static_cast<int32_t>(scoredOnMain.size() + scoredOnSide.size()) != layers - 1)
        return internalError("step plan: layers 1..L-1 must each be decided once");
    return {};
}

std::vector<LayerKernel> layerKernels(LayerState state, KvMode mode) {
    using K = LayerKernel;
    if (state == LayerState::Skip) {
        if (mode == KvMode::Project)
            return {K::Qkv, K::RopeStore, K::Compensate};
        return {K::RopeStore, K::Compensate};
    }
    return {K::Qkv,     K::RopeStore,    K::Attention,   K::OutputResidual,
            K::FfnNorm, K::GateUpSwiglu, K::DownResidual};
}

std::vector<LayerKernel> branchLayerKernels() {
    using K = LayerKernel;
    return {K::Qkv,     K::RopeStore,    K::Attention,    K::OutputResidual,
            K::FfnNorm, K::GateUpSwiglu, K::DownResidual, K::Compensate};
}

} // namespace dash::cuda
