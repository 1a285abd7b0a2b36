// SPDX-License-Identifier: MIT
#include "app/studio/model_download.h"

#include "core/util/json.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QRegularExpression>

#include <limits>

namespace dash::studio {

namespace {

// "bytes 100-199/1000" -> (100, 1000); total -1 when "*".
bool parseContentRange(const QByteArray& header, qint64* first, qint64* total) {
    static const QRegularExpression pattern(QStringLiteral(R"(^bytes (\d+)-(\d+)/(\d+|\*)$)"));
    const QRegularExpressionMatch m = pattern.match(QString::fromLatin1(header.trimmed()));
    if (!m.hasMatch())
        return false;
    *first = m.captured(1).toLongLong();
    *total = m.captured(3) == QLatin1String("*") ? -1 : m.captured(3).toLongLong();
    return true;
}

constexpr qint64 kReadChunk = 1 << 20;

} // namespace

QList<KnownModel> parseKnownModels(const QByteArray& json, QString* error) {
    auto failed = [error](const QString& message) {
        if (error)
            *error = message;
        return QList<KnownModel>();
    };
    auto doc = Json::parse(std::string_view(json.constData(), static_cast<size_t>(json.size())));
    if (!doc.ok())
        return failed(
            QStringLiteral("known models: %1").arg(QString::fromStdString(doc.error().message())));
    if (!doc->isArray())
        return failed(QStringLiteral("known models: expected a JSON array"));
    static const QRegularExpression hex64(QStringLiteral("^[0-9a-f]{64}$"));
    QList<KnownModel> models;
    for (size_t i = 0; i < doc->size(); ++i) {
        const Json& o = (*doc)[i];
        const QString where = QStringLiteral("known models: entry %1").arg(i);
        // A missing or mistyped field reads as empty and is refused below.
        auto text = [&o](const char* key) {
            const Json& v = o[key];
            return v.isString() ? QString::fromStdString(v.asString()) : QString();
        };
        KnownModel m;
        m.name = text("name");
        m.url = QUrl(text("url"), QUrl::StrictMode);
        m.sha256 = text("sha256").toLatin1();
        auto size = o.integer("size", 1, std::numeric_limits<qint64>::max());
        m.size = size.ok() ? *size : -1;
        m.description = text("description");
        if (m.name.isEmpty() || m.name.contains(QLatin1Char('/')) ||
            !m.name.endsWith(QLatin1String(".gguf")))
            return failed(where + QStringLiteral(": 'name' must be a .gguf file name"));
        if (!m.url.isValid() || m.url.scheme() != QLatin1String("https"))
            return failed(where + QStringLiteral(": 'url' must be an https URL"));
        if (!hex64.match(QString::fromLatin1(m.sha256)).hasMatch())
            return failed(where + QStringLiteral(": 'sha256' must be 64 lowercase hex digits"));
        if (m.size <= 0)
            return failed(where + QStringLiteral(": 'size' must be a positive number of bytes"));
        models.append(m);
    }
    return models;
}

QList<KnownModel> builtInKnownModels() {
    QFile file(QStringLiteral(":/known_models.json"));
    if (!file.open(QIODevice::ReadOnly))
        return {};
    QString error;
    const QList<KnownModel> models = parseKnownModels(file.readAll(), &error);
    if (!error.isEmpty())
        qWarning("%s", qPrintable(error));
    return models;
}

ModelDownloader::ModelDownloader(QObject* parent)
    : QObject(parent), m_network(new QNetworkAccessManager(this)) {}

ModelDownloader::~ModelDownloader() {
    if (m_reply) {
        m_reply->disconnect(this);
        m_reply->abort();
    }
    closePart();
}

QString ModelDownloader::partPath(const QString& destination) {
    return destination + QStringLiteral(".part");
}

void ModelDownloader::start(const QUrl& url, const QString& destination,
                            const QByteArray& expectedSha256, qint64 expectedSize) {
    if (running())
        return;
    m_destination = destination;
    m_expectedSha256 = expectedSha256.toLower();
    m_expectedSize = expectedSize;
    m_received = 0;
    m_total = expectedSize > 0 ? expectedSize : -1;
    m_accepted = false;
    m_cancelled = false;
    m_hash.reset();

    QDir().mkpath(QFileInfo(destination).absolutePath());
    m_part = new QFile(partPath(destination), this);
    if (!m_part->open(QIODevice::ReadWrite)) {
        const QString message =
            tr("Cannot write %1: %2")
                .arg(QDir::toNativeSeparators(m_part->fileName()), m_part->errorString());
        closePart();
        emit failed(message);
        return;
    }
    // The bytes already there count towards the checksum; the server sends the rest.
    m_offset = m_part->size();
    while (!m_part->atEnd())
        m_hash.addData(m_part->read(kReadChunk));

    QNetworkRequest request(url);
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                         QNetworkRequest::NoLessSafeRedirectPolicy);
    // Compressed transfer would make the byte offsets meaningless.
    request.setRawHeader("Accept-Encoding", "identity");
    if (m_offset > 0)
        request.setRawHeader("Range", "bytes=" + QByteArray::number(m_offset) + '-');
    m_reply = m_network->get(request);
    connect(m_reply, &QNetworkReply::metaDataChanged, this, &ModelDownloader::onMetaDataChanged);
    connect(m_reply, &QNetworkReply::readyRead, this, &ModelDownloader::onReadyRead);
    connect(m_reply, &QNetworkReply::finished, this, &ModelDownloader::onFinished);
    emit progress(m_offset, m_total);
}

void ModelDownloader::cancel() {
    if (!m_reply)
        return;
    m_cancelled = true;
    m_reply->abort(); // finished() follows
}

void ModelDownloader::onMetaDataChanged() {
    if (m_accepted || !m_reply)
        return;
    const int status = m_reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status == 0 || (status >= 300 && status < 400))
        return; // not there yet, or a redirect Qt follows
    if (status == 206) {
        qint64 first = 0, total = -1;
        if (!parseContentRange(m_reply->rawHeader("Content-Range"), &first, &total) ||
            first != m_offset) {
            fail(tr("The server resumed at the wrong offset (asked for byte %1, got \"%2\")")
                     .arg(m_offset)
                     .arg(QString::fromLatin1(m_reply->rawHeader("Content-Range"))));
            return;
        }
        m_total = total;
        m_accepted = true;
        emit resumed(m_offset);
        return;
    }
    if (status == 200) {
        // A full body: the server ignored the range or there was none; start over.
        if (m_offset > 0) {
            m_part->resize(0);
            m_part->seek(0);
            m_hash.reset();
            m_offset = 0;
        }
        const qint64 length = m_reply->header(QNetworkRequest::ContentLengthHeader).toLongLong();
        m_total = length > 0 ? length : m_total;
        m_accepted = true;
        return;
    }
    if (status == 416 && m_offset > 0) {
        // The .part is not a prefix of this file (longer, or the file changed).
        const QString part = m_part->fileName();
        fail(tr("The partial download did not fit the file on the server and was removed; "
                "start the download again"));
        QFile::remove(part);
        return;
    }
    fail(tr("The server answered %1 %2")
             .arg(status)
             .arg(m_reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toString()));
}

void ModelDownloader::onReadyRead() {
    if (!m_reply || !m_accepted)
        return;
    const QByteArray data = m_reply->readAll();
    if (data.isEmpty())
        return;
    if (!m_part->seek(m_offset + m_received) || m_part->write(data) != data.size()) {
        fail(tr("Cannot write %1: %2")
                 .arg(QDir::toNativeSeparators(m_part->fileName()), m_part->errorString()));
        return;
    }
    m_hash.addData(data);
    m_received += data.size();
    emit progress(m_offset + m_received, m_total);
}

void ModelDownloader::onFinished() {
    if (!m_reply)
        return;
    QNetworkReply* reply = m_reply;
    m_reply.clear();
    reply->deleteLater();
    if (m_cancelled) {
        closePart();
        emit cancelled();
        return;
    }
    if (!m_part)
        return; // fail() already reported it
    if (reply->error() != QNetworkReply::NoError) {
        onMetaDataChanged(); // an HTTP error status explains it best
        if (m_part)
            fail(tr("The download stopped after %1 bytes: %2")
                     .arg(m_offset + m_received)
                     .arg(reply->errorString()));
        return;
    }
    if (!m_accepted) {
        onMetaDataChanged();
        if (!m_part)
            return;
    }
    onReadyRead();
    if (!m_part)
        return;
    if (m_total >= 0 && m_offset + m_received != m_total) {
        fail(tr("The download stopped after %1 of %2 bytes")
                 .arg(m_offset + m_received)
                 .arg(m_total));
        return;
    }
    verifyAndKeep();
}

void ModelDownloader::verifyAndKeep() {
    const QByteArray actual = m_hash.result().toHex();
    const QString part = m_part->fileName();
    if (actual != m_expectedSha256) {
        closePart();
        QFile::remove(part);
        emit failed(tr("The downloaded file's SHA-256 is %1, not the expected %2; it was "
                       "deleted")
                        .arg(QString::fromLatin1(actual), QString::fromLatin1(m_expectedSha256)));
        return;
    }
    closePart();
    QFile::remove(m_destination);
    if (!QFile::rename(part, m_destination)) {
        emit failed(
            tr("Cannot move the download to %1").arg(QDir::toNativeSeparators(m_destination)));
        return;
    }
    emit finished(m_destination);
}

void ModelDownloader::fail(const QString& message) {
    if (m_reply) {
        QNetworkReply* reply = m_reply;
        m_reply.clear();
        reply->disconnect(this);
        reply->abort();
        reply->deleteLater();
    }
    // An empty .part has nothing to resume.
    const QString part = m_part ? m_part->fileName() : QString();
    const bool empty = m_part && m_part->size() == 0;
    closePart();
    if (empty)
        QFile::remove(part);
    emit failed(message);
}

void ModelDownloader::closePart() {
    if (!m_part)
        return;
    m_part->close();
    delete m_part;
    m_part = nullptr;
}

} // namespace dash::studio
