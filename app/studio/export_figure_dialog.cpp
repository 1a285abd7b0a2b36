// SPDX-License-Identifier: MIT
#include "app/studio/export_figure_dialog.h"

#include "app/studio/figure_renderer.h"
#include "app/studio/studio_settings.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSaveFile>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QVBoxLayout>

#include <algorithm>

namespace dash::studio {

namespace {

constexpr QSize kPreviewSize(240, 130); // small enough for a 960 x 540 (200 %) screen

} // namespace

ExportFigureDialog::ExportFigureDialog(SnapshotPtr snapshot, const FigureSpec& spec,
                                       QWidget* parent)
    : QDialog(parent), m_snapshot(std::move(snapshot)), m_token(spec.token) {
    m_confirmOverwrite = [this](const QString& file) {
        return QMessageBox::question(
                   this, tr("Export Figure"),
                   tr("%1 exists. Replace it?").arg(QDir::toNativeSeparators(file))) ==
               QMessageBox::Yes;
    };
    setWindowTitle(tr("Export Figure"));

    m_kind = new QComboBox(this);
    m_kind->setObjectName(QStringLiteral("exportKind"));
    m_kind->addItem(tr("Heatmap"), static_cast<int>(FigureKind::Heatmap));
    m_kind->addItem(tr("Similarity curves"), static_cast<int>(FigureKind::SimilarityCurves));
    m_kind->addItem(tr("Stream timeline"), static_cast<int>(FigureKind::StreamTimeline));
    m_format = new QComboBox(this);
    m_format->setObjectName(QStringLiteral("exportFormat"));
    m_format->addItem(tr("PDF (vector)"), static_cast<int>(FigureFormat::Pdf));
    m_format->addItem(tr("SVG (vector)"), static_cast<int>(FigureFormat::Svg));
    m_format->addItem(tr("PNG (raster)"), static_cast<int>(FigureFormat::Png));

    m_width = new QDoubleSpinBox(this);
    m_height = new QDoubleSpinBox(this);
    m_unit = new QComboBox(this);
    m_unit->setObjectName(QStringLiteral("exportUnit"));
    m_unit->addItem(tr("mm"), 1.0);
    m_unit->addItem(tr("in"), kMmPerInch);
    auto* sizeRow = new QHBoxLayout;
    sizeRow->addWidget(m_width);
    sizeRow->addWidget(new QLabel(QStringLiteral("×"), this));
    sizeRow->addWidget(m_height);
    sizeRow->addWidget(m_unit);

    m_dpi = new QSpinBox(this);
    m_dpi->setRange(36, 2400);
    m_dpi->setSingleStep(50);
    m_dpi->setSuffix(tr(" dpi"));
    m_pixels = new QLabel(this);
    auto* dpiRow = new QHBoxLayout;
    dpiRow->addWidget(m_dpi);
    dpiRow->addWidget(m_pixels, 1);

    m_font = new QComboBox(this);
    m_font->addItem(tr("Serif"), static_cast<int>(FigureFont::Serif));
    m_font->addItem(tr("Sans serif"), static_cast<int>(FigureFont::SansSerif));
    m_fontSize = new QDoubleSpinBox(this);
    m_fontSize->setRange(4, 24);
    m_fontSize->setSingleStep(0.5);
    m_fontSize->setDecimals(1);
    m_fontSize->setSuffix(tr(" pt"));
    auto* fontRow = new QHBoxLayout;
    fontRow->addWidget(m_font, 1);
    fontRow->addWidget(m_fontSize);

    m_heatmapColor = new QComboBox(this);
    m_heatmapColor->addItem(tr("Layer state"), static_cast<int>(HeatmapColorMode::State));
    m_heatmapColor->addItem(tr("cos(in,out)"), static_cast<int>(HeatmapColorMode::CosInOut));

    m_path = new QLineEdit(this);
    m_path->setObjectName(QStringLiteral("exportPath"));
    auto* browse = new QPushButton(tr("Browse…"), this);
    connect(browse, &QPushButton::clicked, this, &ExportFigureDialog::browse);
    auto* pathRow = new QHBoxLayout;
    pathRow->addWidget(m_path, 1);
    pathRow->addWidget(browse);
    m_csv = new QCheckBox(tr("Also write the figure's data as CSV"), this);

    m_preview = new QLabel(this);
    m_preview->setObjectName(QStringLiteral("exportPreview"));
    m_preview->setMinimumSize(kPreviewSize);
    m_preview->setAlignment(Qt::AlignCenter);
    m_preview->setStyleSheet(QStringLiteral("QLabel { background: #808080; }"));
    m_error = new QLabel(this);
    m_error->setObjectName(QStringLiteral("exportError"));
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("QLabel { color: #b2182b; }"));
    m_error->hide();

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    buttons->addButton(tr("Export"), QDialogButtonBox::AcceptRole);
    connect(buttons, &QDialogButtonBox::accepted, this, &ExportFigureDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* form = new QFormLayout;
    form->addRow(tr("Figure"), m_kind);
    form->addRow(tr("Format"), m_format);
    form->addRow(tr("Size"), sizeRow);
    form->addRow(tr("Resolution"), dpiRow);
    form->addRow(tr("Font"), fontRow);
    form->addRow(tr("Heatmap colour"), m_heatmapColor);
    form->addRow(tr("File"), pathRow);
    form->addRow(QString(), m_csv);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_preview, 1);
    layout->addWidget(m_error);
    layout->addWidget(buttons);

    setSpec(spec);
    connect(m_kind, &QComboBox::currentIndexChanged, this, &ExportFigureDialog::onKindChanged);
    connect(m_format, &QComboBox::currentIndexChanged, this, &ExportFigureDialog::onFormatChanged);
    // The file name's extension picks the format.
    connect(m_path, &QLineEdit::textChanged, this, &ExportFigureDialog::onPathChanged);
    connect(m_unit, &QComboBox::currentIndexChanged, this, &ExportFigureDialog::onUnitChanged);
    for (QDoubleSpinBox* box : {m_width, m_height, m_fontSize})
        connect(box, &QDoubleSpinBox::valueChanged, this, &ExportFigureDialog::updatePreview);
    connect(m_dpi, &QSpinBox::valueChanged, this, &ExportFigureDialog::updatePreview);
    for (QComboBox* box : {m_font, m_heatmapColor})
        connect(box, &QComboBox::currentIndexChanged, this, &ExportFigureDialog::updatePreview);
}

double ExportFigureDialog::unitMm() const {
    return m_unit->currentData().toDouble();
}

FigureSpec ExportFigureDialog::spec() const {
    FigureSpec s;
    s.kind = static_cast<FigureKind>(m_kind->currentData().toInt());
    s.format = static_cast<FigureFormat>(m_format->currentData().toInt());
    s.sizeMm = QSizeF(m_width->value() * unitMm(), m_height->value() * unitMm());
    s.dpi = m_dpi->value();
    s.font = static_cast<FigureFont>(m_font->currentData().toInt());
    s.fontPt = m_fontSize->value();
    s.heatmapColor = static_cast<HeatmapColorMode>(m_heatmapColor->currentData().toInt());
    s.token = m_token;
    return s;
}

void ExportFigureDialog::setSpec(const FigureSpec& s) {
    {
        const QSignalBlocker blockers[] = {
            QSignalBlocker(m_kind),  QSignalBlocker(m_format),   QSignalBlocker(m_unit),
            QSignalBlocker(m_width), QSignalBlocker(m_height),   QSignalBlocker(m_dpi),
            QSignalBlocker(m_font),  QSignalBlocker(m_fontSize), QSignalBlocker(m_heatmapColor)};
        m_kind->setCurrentIndex(m_kind->findData(static_cast<int>(s.kind)));
        m_format->setCurrentIndex(m_format->findData(static_cast<int>(s.format)));
        m_unit->setCurrentIndex(0);
        m_shownUnitMm = unitMm();
        configureSizeBoxes();
        m_width->setValue(s.sizeMm.width());
        m_height->setValue(s.sizeMm.height());
        m_dpi->setValue(s.dpi);
        m_font->setCurrentIndex(m_font->findData(static_cast<int>(s.font)));
        m_fontSize->setValue(s.fontPt);
        m_heatmapColor->setCurrentIndex(m_heatmapColor->findData(static_cast<int>(s.heatmapColor)));
    }
    m_token = s.token;
    updateEnabled();
    updatePreview();
}

QString ExportFigureDialog::path() const {
    return m_path->text().trimmed();
}

void ExportFigureDialog::setPath(const QString& path) {
    m_path->setText(QDir::toNativeSeparators(path));
}

bool ExportFigureDialog::writesCsv() const {
    return m_csv->isChecked();
}

void ExportFigureDialog::setWritesCsv(bool on) {
    m_csv->setChecked(on);
}

QString ExportFigureDialog::csvPathFor(const QString& figurePath) {
    const QFileInfo info(figurePath);
    return info.dir().filePath(info.completeBaseName() + QStringLiteral(".csv"));
}

QString ExportFigureDialog::errorText() const {
    return m_error->text();
}

void ExportFigureDialog::onKindChanged() {
    // A suggested name ("heatmap.pdf") follows the figure, so that exporting
    // another figure does not overwrite the previous one; a chosen name stays.
    const QString current = path();
    if (!current.isEmpty()) {
        const QFileInfo info(current);
        if (figureKindFromId(info.completeBaseName()))
            setPath(info.dir().filePath(figureKindId(spec().kind) + QLatin1Char('.') +
                                        figureFormatSuffix(spec().format)));
    }
    const QSizeF size = defaultFigureSizeMm(spec().kind);
    const QSignalBlocker bw(m_width), bh(m_height);
    m_width->setValue(size.width() / unitMm());
    m_height->setValue(size.height() / unitMm());
    updateEnabled();
    updatePreview();
}

void ExportFigureDialog::onPathChanged() {
    const std::optional<FigureFormat> format = figureFormatFromPath(path());
    if (!format || *format == spec().format)
        return;
    const int index = m_format->findData(static_cast<int>(*format));
    if (index >= 0)
        m_format->setCurrentIndex(index); // renames to the same name: no loop
}

void ExportFigureDialog::onFormatChanged() {
    const QString current = path();
    if (!current.isEmpty() && figureFormatFromPath(current) != spec().format) {
        const QFileInfo info(current);
        setPath(info.dir().filePath(info.completeBaseName() + QLatin1Char('.') +
                                    figureFormatSuffix(spec().format)));
    }
    updateEnabled();
    updatePreview();
}

void ExportFigureDialog::onUnitChanged() {
    // Keep the physical size; show it in the new unit.
    const QSizeF sizeMm(m_width->value() * m_shownUnitMm, m_height->value() * m_shownUnitMm);
    m_shownUnitMm = unitMm();
    configureSizeBoxes();
    const QSignalBlocker bw(m_width), bh(m_height);
    m_width->setValue(sizeMm.width() / m_shownUnitMm);
    m_height->setValue(sizeMm.height() / m_shownUnitMm);
    updatePreview();
}

void ExportFigureDialog::configureSizeBoxes() {
    const bool inches = m_shownUnitMm > 1.0;
    for (QDoubleSpinBox* box : {m_width, m_height}) {
        const QSignalBlocker blocker(box);
        box->setDecimals(inches ? 2 : 1);
        box->setRange(inches ? 0.4 : 10.0, inches ? 40.0 : 1000.0);
        box->setSingleStep(inches ? 0.1 : 5.0);
    }
}

void ExportFigureDialog::updateEnabled() {
    const FigureSpec s = spec();
    m_dpi->setEnabled(s.format == FigureFormat::Png);
    m_heatmapColor->setEnabled(s.kind == FigureKind::Heatmap);
}

void ExportFigureDialog::updatePreview() {
    const FigureSpec s = spec();
    const QSize pixels = figurePixelSize(s);
    m_pixels->setText(s.format == FigureFormat::Png
                          ? tr("%1 × %2 pixels").arg(pixels.width()).arg(pixels.height())
                          : tr("vector; resolution not needed"));
    if (!m_snapshot) {
        m_preview->setText(tr("No run to export"));
        return;
    }
    // The preview is the figure itself at the resolution that fits the box.
    const QSize box = m_preview->size().expandedTo(kPreviewSize) - QSize(8, 8);
    const double inchesW = s.sizeMm.width() / kMmPerInch;
    const double inchesH = s.sizeMm.height() / kMmPerInch;
    const int dpi =
        std::max(8, static_cast<int>(std::min(box.width() / inchesW, box.height() / inchesH)));
    m_preview->setPixmap(QPixmap::fromImage(renderFigureImage(*m_snapshot, s, dpi)));
}

void ExportFigureDialog::browse() {
    const FigureSpec s = spec();
    const QString suffix = figureFormatSuffix(s.format);
    const QString filter = tr("%1 files (*.%2)").arg(suffix.toUpper(), suffix);
    auto* dialog = new QFileDialog(this, tr("Export Figure"), path(), filter);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setAcceptMode(QFileDialog::AcceptSave);
    dialog->setDefaultSuffix(suffix);
    connect(dialog, &QFileDialog::fileSelected, this, &ExportFigureDialog::setPath);
    dialog->open();
}

void ExportFigureDialog::accept() {
    auto fail = [this](const QString& message) {
        m_error->setText(message);
        m_error->setVisible(!message.isEmpty());
    };
    const QString file = QDir::fromNativeSeparators(path());
    if (!m_snapshot) {
        fail(tr("There is no run to export."));
        return;
    }
    if (file.isEmpty()) {
        fail(tr("Choose the file to write."));
        return;
    }
    const QFileInfo info(file);
    if (!info.suffix().isEmpty() && !figureFormatFromPath(file)) {
        fail(tr("%1: unknown figure format “.%2”; use .pdf, .svg or .png.")
                 .arg(QDir::toNativeSeparators(file), info.suffix()));
        return;
    }
    if (info.suffix().isEmpty()) {
        // No extension: the chosen format's, shown before anything is written.
        setPath(file + QLatin1Char('.') + figureFormatSuffix(spec().format));
        accept();
        return;
    }
    if (info.exists() && !m_confirmOverwrite(file))
        return;
    const FigureSpec s = spec();
    const QString error = writeFigure(*m_snapshot, s, file);
    if (!error.isEmpty()) {
        fail(error);
        return;
    }
    if (writesCsv()) {
        QSaveFile csv(csvPathFor(file));
        if (!csv.open(QIODevice::WriteOnly) || csv.write(figureDataCsv(*m_snapshot, s)) < 0 ||
            !csv.commit()) {
            fail(tr("The figure was written, but its data was not: %1").arg(csv.errorString()));
            return;
        }
    }
    fail({});
    StudioSettings settings;
    settings.setExportFolder(info.absolutePath());
    settings.setExportFormat(figureFormatSuffix(s.format));
    emit exported(file);
    QDialog::accept();
}

} // namespace dash::studio
