// SPDX-License-Identifier: MIT
#include "app/studio/run_controls.h"

#include "app/studio/policy_picker.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSpinBox>
#include <QStandardItemModel>

namespace dash::studio {

RunControls::RunControls(QWidget* parent) : QWidget(parent), m_backends(backendEntries()) {
    m_picker = new PolicyPicker(this);

    m_backend = new QComboBox(this);
    m_backend->setObjectName(QStringLiteral("backendPicker"));
    auto* backendModel = qobject_cast<QStandardItemModel*>(m_backend->model());
    for (const BackendEntry& e : m_backends) {
        m_backend->addItem(
            e.available ? e.label : tr("%1 — unavailable: %2").arg(e.label, e.reason), e.id);
        QStandardItem* item = backendModel->item(m_backend->count() - 1);
        if (!e.available) {
            item->setFlags(item->flags() & ~(Qt::ItemIsEnabled | Qt::ItemIsSelectable));
            item->setToolTip(e.reason);
        } else {
            item->setToolTip(e.device);
        }
    }

    m_backend->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_backend->setMinimumContentsLength(10);

    m_generate = new QSpinBox(this);
    m_generate->setObjectName(QStringLiteral("generateTokens"));
    m_generate->setRange(0, 256);
    m_generate->setSpecialValueText(tr("none"));
    m_generate->setToolTip(tr("Greedy tokens generated after the prompt on every run"));

    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    // Alt+P, Alt+B and Alt+G move the focus to each control.
    auto label = [this](const QString& text, QWidget* buddy) {
        auto* l = new QLabel(text, this);
        l->setBuddy(buddy);
        return l;
    };
    layout->addWidget(label(tr("&Policy:"), m_picker->kindBox()));
    layout->addWidget(m_picker, 1);
    layout->addSpacing(8);
    layout->addWidget(label(tr("&Backend:"), m_backend));
    layout->addWidget(m_backend);
    layout->addSpacing(8);
    layout->addWidget(label(tr("&Generate:"), m_generate));
    layout->addWidget(m_generate);

    connect(m_picker, &PolicyPicker::policyChanged, this, &RunControls::policyChanged);
    connect(m_backend, &QComboBox::currentIndexChanged, this,
            [this] { emit backendChanged(backend()); });
    connect(m_generate, &QSpinBox::valueChanged, this, &RunControls::generateTokensChanged);
}

PolicySpec RunControls::policy() const {
    return m_picker->policy();
}

bool RunControls::setPolicyKind(const QString& kind) {
    return m_picker->setPolicyKind(kind);
}

QString RunControls::backend() const {
    return m_backend->currentData().toString();
}

bool RunControls::setBackend(const QString& id) {
    for (int i = 0; i < m_backends.size(); ++i) {
        if (m_backends[i].id == id && m_backends[i].available) {
            m_backend->setCurrentIndex(i);
            return true;
        }
    }
    return false;
}

int RunControls::generateTokens() const {
    return m_generate->value();
}

void RunControls::setGenerateTokens(int count) {
    m_generate->setValue(count);
}

} // namespace dash::studio
