// SPDX-License-Identifier: MIT
#include "app/studio/studio_settings.h"

#include "app/studio/inference_client.h"

namespace dash::studio {

namespace {

const QString kRecentModels = QStringLiteral("models/recent");
const QString kLastModel = QStringLiteral("models/last");
// A fixed wait in ms, or InferenceClient::kAutoDebounce.
const QString kDebounce = QStringLiteral("inference/debounce");
// Earlier versions kept a fixed wait here, written as 150 (the then default)
// whenever Preferences was accepted.
const QString kOldDebounce = QStringLiteral("inference/debounceMs");
constexpr int kOldDefaultDebounceMs = 150;
const QString kGenerate = QStringLiteral("inference/generateTokens");
const QString kThreads = QStringLiteral("inference/threads");
const QString kPolicy = QStringLiteral("inference/policy");
const QString kBackend = QStringLiteral("inference/backend");
const QString kHeatmapZoom = QStringLiteral("view/heatmapZoom");
const QString kLanguage = QStringLiteral("ui/language");
const QString kGeometry = QStringLiteral("window/geometry");
const QString kState = QStringLiteral("window/state");
const QString kRecentPolicies = QStringLiteral("policy/recentFiles");
const QString kPolicyFile = QStringLiteral("policy/file");
const QString kPolicyRatio = QStringLiteral("policy/ratio");
const QString kCalibration = QStringLiteral("policy/calibration");
const QString kKvMode = QStringLiteral("policy/kvMode");
const QString kAsync = QStringLiteral("policy/async");
const QString kHeldOut = QStringLiteral("policy/heldOutText");
const QString kTuneWindows = QStringLiteral("policy/tuneWindows");
const QString kAutoSave = QStringLiteral("runs/autoSave");
const QString kAutoSaveDelay = QStringLiteral("runs/autoSaveDelayMs");

} // namespace

QStringList StudioSettings::recentModels() const {
    return m_settings.value(kRecentModels).toStringList();
}

void StudioSettings::addRecentModel(const QString& path) {
    QStringList list = recentModels();
    list.removeAll(path);
    list.prepend(path);
    while (list.size() > kMaxRecentModels)
        list.removeLast();
    m_settings.setValue(kRecentModels, list);
    m_settings.setValue(kLastModel, path);
}

void StudioSettings::removeRecentModel(const QString& path) {
    QStringList list = recentModels();
    list.removeAll(path);
    m_settings.setValue(kRecentModels, list);
    if (lastModel() == path)
        m_settings.remove(kLastModel);
}

QString StudioSettings::lastModel() const {
    return m_settings.value(kLastModel).toString();
}

int StudioSettings::debounceMs() const {
    if (m_settings.contains(kDebounce))
        return m_settings.value(kDebounce).toInt();
    // A stored 150 is the old default saved with the other preferences, not a
    // choice: it gets today's default. Any other old value was chosen.
    const int old = m_settings.value(kOldDebounce, kOldDefaultDebounceMs).toInt();
    return old == kOldDefaultDebounceMs ? InferenceClient::kDefaultDebounceMs : old;
}

void StudioSettings::setDebounceMs(int ms) {
    m_settings.setValue(kDebounce, ms);
    m_settings.remove(kOldDebounce);
}

int StudioSettings::generateTokens() const {
    return m_settings.value(kGenerate, 8).toInt();
}

void StudioSettings::setGenerateTokens(int count) {
    m_settings.setValue(kGenerate, count);
}

int StudioSettings::threads() const {
    return m_settings.value(kThreads, 0).toInt();
}

void StudioSettings::setThreads(int threads) {
    m_settings.setValue(kThreads, threads);
}

QString StudioSettings::policyKind() const {
    return m_settings.value(kPolicy, QStringLiteral("full")).toString();
}

void StudioSettings::setPolicyKind(const QString& kind) {
    m_settings.setValue(kPolicy, kind);
}

QString StudioSettings::backend() const {
    return m_settings.value(kBackend, QStringLiteral("cpu")).toString();
}

void StudioSettings::setBackend(const QString& id) {
    m_settings.setValue(kBackend, id);
}

double StudioSettings::heatmapZoom() const {
    return m_settings.value(kHeatmapZoom, 1.0).toDouble();
}

void StudioSettings::setHeatmapZoom(double zoom) {
    m_settings.setValue(kHeatmapZoom, zoom);
}

QStringList StudioSettings::recentPolicyFiles() const {
    return m_settings.value(kRecentPolicies).toStringList();
}

void StudioSettings::addRecentPolicyFile(const QString& path) {
    QStringList list = recentPolicyFiles();
    list.removeAll(path);
    list.prepend(path);
    while (list.size() > kMaxRecentPolicyFiles)
        list.removeLast();
    m_settings.setValue(kRecentPolicies, list);
}

void StudioSettings::clearRecentPolicyFiles() {
    m_settings.remove(kRecentPolicies);
}

QString StudioSettings::policyFile() const {
    return m_settings.value(kPolicyFile).toString();
}

void StudioSettings::setPolicyFile(const QString& path) {
    m_settings.setValue(kPolicyFile, path);
}

double StudioSettings::policyRatio() const {
    return m_settings.value(kPolicyRatio, 2.0).toDouble();
}

void StudioSettings::setPolicyRatio(double ratio) {
    m_settings.setValue(kPolicyRatio, ratio);
}

QString StudioSettings::calibrationFile() const {
    return m_settings.value(kCalibration).toString();
}

void StudioSettings::setCalibrationFile(const QString& path) {
    m_settings.setValue(kCalibration, path);
}

QString StudioSettings::kvMode() const {
    return m_settings.value(kKvMode, QStringLiteral("project")).toString();
}

void StudioSettings::setKvMode(const QString& mode) {
    m_settings.setValue(kKvMode, mode);
}

bool StudioSettings::asyncPolicy() const {
    return m_settings.value(kAsync, true).toBool();
}

void StudioSettings::setAsyncPolicy(bool async) {
    m_settings.setValue(kAsync, async);
}

QString StudioSettings::heldOutText() const {
    return m_settings.value(kHeldOut, defaultHeldOutText()).toString();
}

void StudioSettings::setHeldOutText(const QString& path) {
    m_settings.setValue(kHeldOut, path);
}

int StudioSettings::tuneWindows() const {
    return m_settings.value(kTuneWindows, 8).toInt();
}

void StudioSettings::setTuneWindows(int windows) {
    m_settings.setValue(kTuneWindows, windows);
}

QString StudioSettings::defaultHeldOutText() {
    const QByteArray env = qgetenv("DASH_DATA_DIR");
    const QString dir =
        env.isEmpty() ? QStringLiteral(DASH_DEFAULT_DATA_DIR) : QString::fromLocal8Bit(env);
    return dir + QStringLiteral("/wikitext2_valid.txt");
}

bool StudioSettings::autoSaveRuns() const {
    return m_settings.value(kAutoSave, true).toBool();
}

void StudioSettings::setAutoSaveRuns(bool on) {
    m_settings.setValue(kAutoSave, on);
}

int StudioSettings::autoSaveDelayMs() const {
    return m_settings.value(kAutoSaveDelay, 2000).toInt();
}

void StudioSettings::setAutoSaveDelayMs(int ms) {
    m_settings.setValue(kAutoSaveDelay, ms);
}

QString StudioSettings::language() const {
    return m_settings.value(kLanguage).toString();
}

void StudioSettings::setLanguage(const QString& code) {
    m_settings.setValue(kLanguage, code);
}

QByteArray StudioSettings::windowGeometry() const {
    return m_settings.value(kGeometry).toByteArray();
}

void StudioSettings::setWindowGeometry(const QByteArray& geometry) {
    m_settings.setValue(kGeometry, geometry);
}

QByteArray StudioSettings::windowState() const {
    return m_settings.value(kState).toByteArray();
}

void StudioSettings::setWindowState(const QByteArray& state) {
    m_settings.setValue(kState, state);
}

QByteArray StudioSettings::splitterState(const QString& name) const {
    return m_settings.value(QStringLiteral("window/splitter/") + name).toByteArray();
}

void StudioSettings::setSplitterState(const QString& name, const QByteArray& state) {
    m_settings.setValue(QStringLiteral("window/splitter/") + name, state);
}

QString StudioSettings::exportFolder() const {
    return m_settings.value(QStringLiteral("export/folder")).toString();
}

void StudioSettings::setExportFolder(const QString& folder) {
    m_settings.setValue(QStringLiteral("export/folder"), folder);
}

QString StudioSettings::exportFormat() const {
    return m_settings.value(QStringLiteral("export/format"), QStringLiteral("pdf")).toString();
}

void StudioSettings::setExportFormat(const QString& suffix) {
    m_settings.setValue(QStringLiteral("export/format"), suffix);
}

QString StudioSettings::prompt() const {
    return m_settings.value(QStringLiteral("window/prompt")).toString();
}

void StudioSettings::setPrompt(const QString& text) {
    m_settings.setValue(QStringLiteral("window/prompt"), text);
}

} // namespace dash::studio
