// SPDX-License-Identifier: MIT
// The run's text as tokens, each shaded by the compute it used
// (Σ states / 4L: full colour at full precision, none when every layer was
// skipped). Prompt tokens first, then the generated continuation in bold.
#pragma once

#include "app/studio/run_snapshot.h"

#include <QTextBrowser>

namespace dash::studio {

class GeneratedTextView : public QTextBrowser {
    Q_OBJECT
public:
    explicit GeneratedTextView(QWidget* parent = nullptr);

    void setSnapshot(const SnapshotPtr& snapshot);

    // Background colour of a token that used `fraction` of full compute.
    static QColor computeColor(double fraction);
};

} // namespace dash::studio
