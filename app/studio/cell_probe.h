// SPDX-License-Identifier: MIT
// Questions asked of one finished run, answered on the inference worker:
// what forcing one (token, layer) cell to another state changes (the
// counterfactual), and what each layer's residual of one token predicts (the
// logit lens). Both replay the run's recorded states exactly.
#pragma once

#include "app/studio/run_snapshot.h"
#include "core/dash/counterfactual.h"
#include "core/dash/logit_lens.h"

#include <QMetaType>
#include <QString>
#include <QStringList>

#include <memory>
#include <vector>

namespace dash::studio {

enum class ProbeKind { Counterfactual = 0, Lens = 1 };
inline constexpr int kProbeKinds = 2;

struct ProbeRequest {
    quint64 id = 0; // larger is newer, per kind
    ProbeKind kind = ProbeKind::Lens;
    SnapshotPtr snapshot; // the run whose tokens and states are replayed
    int token = 0;
    int layer = 0;                       // counterfactual only
    LayerState state = LayerState::Skip; // counterfactual only: the forced state
    int topK = 5;                        // lens only
};

struct ProbeResult {
    ProbeRequest request;
    CounterfactualResult counterfactual; // kind Counterfactual
    LogitLens lens;                      // kind Lens
    // Display text of lens.layers[l][r].id, as the heatmap shows tokens.
    std::vector<QStringList> lensTexts;
    QString error;          // empty on success
    bool cancelled = false; // a newer request or run stopped it

    bool ok() const { return error.isEmpty() && !cancelled; }
};

using ProbeResultPtr = std::shared_ptr<const ProbeResult>;

} // namespace dash::studio

Q_DECLARE_METATYPE(dash::studio::ProbeResultPtr)
