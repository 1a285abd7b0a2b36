// SPDX-License-Identifier: MIT
// Downloading a known model for a first run without one: the catalogue of
// known small GGUF files (resources/known_models.json) and a resumable HTTP
// download that checks the file's SHA-256 before it keeps it.
#pragma once

#include <QCryptographicHash>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QUrl>

class QFile;
class QNetworkAccessManager;
class QNetworkReply;

namespace dash::studio {

struct KnownModel {
    QString name;        // file name to save as, e.g. "stories15M-q4_0.gguf"
    QUrl url;            // https, pinned to a revision where the host allows it
    QByteArray sha256;   // 64 lowercase hex digits
    qint64 size = 0;     // bytes
    QString description; // one line for the list
};

// Reads a catalogue: a JSON array of {name, url, sha256, size, description}.
// Returns the entries, or an empty list and `*error` naming the entry and
// field at fault.
QList<KnownModel> parseKnownModels(const QByteArray& json, QString* error);
// The catalogue shipped in the app's resources.
QList<KnownModel> builtInKnownModels();

// One download at a time into `destination`: bytes go to `destination`.part,
// an existing .part is resumed with an HTTP Range request, and the finished
// file replaces `destination` only when its SHA-256 matches. A mismatching
// file is deleted; a failed or cancelled transfer keeps its .part for resume.
class ModelDownloader : public QObject {
    Q_OBJECT
public:
    explicit ModelDownloader(QObject* parent = nullptr);
    ~ModelDownloader() override;

    // `expectedSha256`: 64 hex digits. `expectedSize` (0: unknown) sizes the
    // progress before the server says.
    void start(const QUrl& url, const QString& destination, const QByteArray& expectedSha256,
               qint64 expectedSize = 0);
    void cancel();
    bool running() const { return !m_reply.isNull(); }

    static QString partPath(const QString& destination);

signals:
    // `total` is -1 while unknown.
    void progress(qint64 received, qint64 total);
    // The transfer resumed at `offset` bytes (the .part's size).
    void resumed(qint64 offset);
    void finished(const QString& path);
    void failed(const QString& message);
    void cancelled();

private:
    void onMetaDataChanged();
    void onReadyRead();
    void onFinished();
    void fail(const QString& message);
    void closePart();
    void verifyAndKeep();

    QNetworkAccessManager* m_network;
    QPointer<QNetworkReply> m_reply;
    QFile* m_part = nullptr;
    QCryptographicHash m_hash{QCryptographicHash::Sha256};
    QString m_destination;
    QByteArray m_expectedSha256;
    qint64 m_expectedSize = 0;
    qint64 m_offset = 0;   // bytes of the .part before this request
    qint64 m_received = 0; // bytes of this request written
    qint64 m_total = -1;
    bool m_accepted = false; // the reply's status and range were checked
    bool m_cancelled = false;
};

} // namespace dash::studio
