// SPDX-License-Identifier: MIT
// SHA-256 against the FIPS 180-2 appendix examples and a file hashed both
// whole and in 1 MiB chunks across a chunk boundary.
#include "core/util/sha256.h"

#include <QTemporaryDir>
#include <QtTest>

#include <fstream>

using namespace dash;

class TestSha256 : public QObject {
    Q_OBJECT

private slots:
    void knownDigests_data();
    void knownDigests();
    void incrementalEqualsWhole();
    void fileInChunks();
    void missingFile();
};

void TestSha256::knownDigests_data() {
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QString>("digest");
    QTest::newRow("empty") << QByteArray()
                           << "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    QTest::newRow("abc") << QByteArray("abc")
                         << "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    QTest::newRow("two blocks")
        << QByteArray("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
        << "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1";
    QTest::newRow("a million a")
        << QByteArray(1000000, 'a')
        << "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
}

void TestSha256::knownDigests() {
    QFETCH(QByteArray, input);
    QFETCH(QString, digest);
    QCOMPARE(QString::fromStdString(sha256Hex(std::string_view(input.constData(), input.size()))),
             digest);
}

void TestSha256::incrementalEqualsWhole() {
    std::string text;
    for (int i = 0; i < 5000; ++i)
        text += static_cast<char>(i * 7919 % 251);
    Sha256 h;
    for (size_t i = 0; i < text.size();) {
        const size_t n = std::min<size_t>(1 + i % 97, text.size() - i);
        h.update(text.data() + i, n);
        i += n;
    }
    QCOMPARE(toHex(h.finish()), sha256Hex(text));
}

void TestSha256::fileInChunks() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string path = dir.filePath("f.bin").toStdString();
    std::string bytes((size_t{1} << 20) + 12345, '\0');
    for (size_t i = 0; i < bytes.size(); ++i)
        bytes[i] = static_cast<char>(i * 131 % 256);
    std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<long>(bytes.size()));
    auto digest = sha256File(path);
    QVERIFY(digest.ok());
    QCOMPARE(*digest, sha256Hex(bytes));
}

void TestSha256::missingFile() {
    auto digest = sha256File("/nonexistent/dash-sha256-test");
    QVERIFY(!digest.ok());
    QCOMPARE(digest.error().code(), ErrorCode::NotFound);
    QVERIFY(QString::fromStdString(digest.error().message()).contains("/nonexistent/"));
}

QTEST_GUILESS_MAIN(TestSha256)
#include "tst_sha256.moc"
