// SPDX-License-Identifier: MIT
// The toolbar controls of a run: the policy picker, the backend, and how many
// tokens to generate after the prompt.
#pragma once

#include "app/studio/backend_catalog.h"
#include "app/studio/run_snapshot.h"

#include <QWidget>

class QComboBox;
class QSpinBox;

namespace dash::studio {

class PolicyPicker;

class RunControls : public QWidget {
    Q_OBJECT
public:
    explicit RunControls(QWidget* parent = nullptr);

    PolicySpec policy() const;
    // Selects `kind` when this build offers it; returns whether it did.
    bool setPolicyKind(const QString& kind);
    QString backend() const;
    bool setBackend(const QString& id);
    int generateTokens() const;
    void setGenerateTokens(int count);

    const QList<BackendEntry>& backends() const { return m_backends; }
    PolicyPicker* policyPicker() const { return m_picker; }

signals:
    void policyChanged(const dash::studio::PolicySpec& policy);
    void backendChanged(const QString& id);
    void generateTokensChanged(int count);

private:
    QList<BackendEntry> m_backends;
    PolicyPicker* m_picker;
    QComboBox* m_backend;
    QSpinBox* m_generate;
};

} // namespace dash::studio
