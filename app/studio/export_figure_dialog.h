// SPDX-License-Identifier: MIT
// The figure export dialog: which view, format, physical size (mm or inches),
// PNG resolution, font and size, the file, and whether to write the data as
// CSV beside it; with a live preview drawn by the same painter as the file.
#pragma once

#include "app/studio/figure_spec.h"
#include "app/studio/run_snapshot.h"

#include <QDialog>

#include <functional>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QSpinBox;

namespace dash::studio {

class ExportFigureDialog : public QDialog {
    Q_OBJECT
public:
    ExportFigureDialog(SnapshotPtr snapshot, const FigureSpec& spec, QWidget* parent = nullptr);

    FigureSpec spec() const;
    void setSpec(const FigureSpec& spec);
    QString path() const;
    void setPath(const QString& path);
    bool writesCsv() const;
    void setWritesCsv(bool on);
    // The CSV written beside a figure: same name, suffix .csv.
    static QString csvPathFor(const QString& figurePath);
    // The error line under the form (empty when the last export succeeded).
    QString errorText() const;

    // Asked before an existing file is replaced (a question box by default);
    // false keeps the dialog open and the file as it is.
    void setOverwriteConfirmation(std::function<bool(const QString&)> confirm) {
        m_confirmOverwrite = std::move(confirm);
    }

    void accept() override; // writes the files; stays open and shows why when that fails

signals:
    void exported(const QString& path);

private:
    void onKindChanged();
    void onFormatChanged();
    void onPathChanged();
    void onUnitChanged();
    void configureSizeBoxes();
    void updateEnabled();
    void updatePreview();
    void browse();
    double unitMm() const;

    SnapshotPtr m_snapshot;
    int m_token;
    double m_shownUnitMm = 1.0; // unit the size boxes show, in mm
    QComboBox* m_kind;
    QComboBox* m_format;
    QDoubleSpinBox* m_width;
    QDoubleSpinBox* m_height;
    QComboBox* m_unit;
    QSpinBox* m_dpi;
    QComboBox* m_font;
    QDoubleSpinBox* m_fontSize;
    QComboBox* m_heatmapColor;
    QLineEdit* m_path;
    QCheckBox* m_csv;
    QLabel* m_pixels;
    QLabel* m_preview;
    QLabel* m_error;
    std::function<bool(const QString&)> m_confirmOverwrite;
};

} // namespace dash::studio
