// SPDX-License-Identifier: MIT
// core/util/json.h: integers survive a round trip exactly (2^53 + 1, the
// int64 limits, uint64 above INT64_MAX — each of which a double-only value
// rounds), checked integer reading compares exactly, and the strict reader
// refuses what files users give us may hold: malformed text, deep nesting,
// numbers beyond the double range; non-finite numbers are written as null.
#include "core/util/json.h"

#include <QtTest>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

using namespace dash;

class TestJson : public QObject {
    Q_OBJECT
private slots:
    void integersRoundTripExactly();
    void integersParseExactly();
    void checkedIntegerComparesExactly();
    void fractionsStayDoubles();
    void nonFiniteWrittenAsNull();
    void malformedTextIsRefused_data();
    void malformedTextIsRefused();
    void nestingIsBounded();
    void stringsRoundTrip();
    void insertionOrderKept();
    void indentedKeepsScalarArraysOnOneLine();
};

namespace {

Json reparse(const Json& value) {
    auto parsed = Json::parse(value.dump());
    if (!parsed.ok())
        qFatal("reparse failed: %s", parsed.error().message().c_str());
    return std::move(parsed).value();
}

} // namespace

void TestJson::integersRoundTripExactly() {
    const int64_t above53 = (int64_t(1) << 53) + 1; // the first integer a double cannot hold
    const int64_t maxI = std::numeric_limits<int64_t>::max();
    const int64_t minI = std::numeric_limits<int64_t>::min();
    const uint64_t maxU = std::numeric_limits<uint64_t>::max();
    Json j = Json::object();
    j.set("above53", above53);
    j.set("max", maxI);
    j.set("min", minI);
    j.set("umax", maxU);
    j.set("list", Json::array(std::vector<int64_t>{above53, -above53, maxI}));
    QCOMPARE(j.dump(), std::string("{\"above53\":9007199254740993,\"max\":9223372036854775807,"
                                   "\"min\":-9223372036854775808,\"umax\":18446744073709551615,"
                                   "\"list\":[9007199254740993,-9007199254740993,"
                                   "9223372036854775807]}"));
    const Json back = reparse(j);
    QCOMPARE(back["above53"].asInt(), above53);
    QCOMPARE(back["max"].asInt(), maxI);
    QCOMPARE(back["min"].asInt(), minI);
    QVERIFY(back["umax"].numberKind() == Json::NumberKind::Unsigned);
    QCOMPARE(back["umax"].asUnsigned(), maxU);
    QCOMPARE(back["list"].toInts(), (std::vector<int64_t>{above53, -above53, maxI}));
    QCOMPARE(back.dump(), j.dump());
}

void TestJson::integersParseExactly() {
    auto j = Json::parse("[9007199254740993, -9007199254740993, 18446744073709551615]");
    QVERIFY(j.ok());
    QVERIFY((*j)[0].isInteger());
    QCOMPARE((*j)[0].asInt(), int64_t(9007199254740993));
    QCOMPARE((*j)[1].asInt(), int64_t(-9007199254740993));
    // Above INT64_MAX asInt saturates rather than wrapping.
    QCOMPARE((*j)[2].asInt(), std::numeric_limits<int64_t>::max());
    // Beyond uint64 an integer is read as a double (rounded), not refused.
    auto big = Json::parse("18446744073709551616");
    QVERIFY(big.ok());
    QVERIFY(!big->isInteger());
    QCOMPARE(big->asNumber(), 18446744073709551616.0);
}

void TestJson::checkedIntegerComparesExactly() {
    const int64_t maxI = std::numeric_limits<int64_t>::max();
    auto j = Json::parse("{\"a\": 9223372036854775807, \"b\": 9007199254740993, \"c\": 1e3,"
                         " \"d\": 2.5, \"e\": \"7\", \"f\": 18446744073709551615}");
    QVERIFY(j.ok());
    QCOMPARE(j->integer("a", 0, maxI).value(), maxI);
    // As doubles both sides round to 2^63 and this limit would pass.
    QVERIFY(!j->integer("a", 0, maxI - 1).ok());
    QCOMPARE(j->integer("b", 0, maxI).value(), int64_t(9007199254740993));
    QVERIFY(!j->integer("b", 0, int64_t(9007199254740992)).ok());
    QCOMPARE(j->integer("c", 0, 1000).value(), int64_t(1000));
    auto frac = j->integer("d", 0, 10);
    QVERIFY(!frac.ok());
    QVERIFY2(frac.error().message().find("'d'") != std::string::npos,
             frac.error().message().c_str());
    auto str = j->integer("e", 0, 10);
    QVERIFY(!str.ok());
    QVERIFY2(str.error().message().find("field 'e' is a string") != std::string::npos,
             str.error().message().c_str());
    QVERIFY(!j->integer("f", 0, maxI).ok());
    QCOMPARE(j->unsignedInteger("f").value(), std::numeric_limits<uint64_t>::max());
    QCOMPARE(j->unsignedInteger("a").value(), uint64_t(maxI));
    QCOMPARE(j->unsignedInteger("c").value(), uint64_t(1000));
    QVERIFY(!j->unsignedInteger("d").ok());
    auto negative = Json::parse("{\"n\": -1, \"big\": 1.8446744073709552e19}");
    QVERIFY(negative.ok());
    QVERIFY(!negative->unsignedInteger("n").ok());
    QVERIFY(!negative->unsignedInteger("big").ok()); // 2^64 exactly: one past the range
    auto missing = j->integer("g", 0, 10);
    QVERIFY(!missing.ok());
    QVERIFY2(missing.error().message().find("missing field 'g'") != std::string::npos,
             missing.error().message().c_str());
}

void TestJson::fractionsStayDoubles() {
    // 0.1 written shortest and read back to the same double.
    Json j = Json::array(std::vector<double>{0.1, -2.5e-300, 1e300});
    const Json back = reparse(j);
    QCOMPARE(back[0].asNumber(), 0.1);
    QCOMPARE(back[1].asNumber(), -2.5e-300);
    QCOMPARE(back[2].asNumber(), 1e300);
    QVERIFY(!back[0].isInteger());
}

void TestJson::nonFiniteWrittenAsNull() {
    Json j = Json::array(std::vector<double>{std::nan(""), INFINITY, -INFINITY, 1.5});
    QCOMPARE(j.dump(), std::string("[null,null,null,1.5]"));
}

void TestJson::malformedTextIsRefused_data() {
    QTest::addColumn<QByteArray>("text");
    QTest::newRow("empty") << QByteArray("");
    QTest::newRow("trailing") << QByteArray("{} x");
    QTest::newRow("two values") << QByteArray("1 2");
    QTest::newRow("unterminated string") << QByteArray("\"abc");
    QTest::newRow("control character") << QByteArray("\"a\nb\"");
    QTest::newRow("unpaired surrogate") << QByteArray("\"\\ud800\"");
    QTest::newRow("bad escape") << QByteArray("\"\\q\"");
    QTest::newRow("trailing comma") << QByteArray("[1,]");
    QTest::newRow("single quotes") << QByteArray("{'a': 1}");
    QTest::newRow("leading zero") << QByteArray("01");
    QTest::newRow("bare fraction") << QByteArray(".5");
    QTest::newRow("nan literal") << QByteArray("NaN");
    QTest::newRow("overflow") << QByteArray("1e400");
    QTest::newRow("negative overflow") << QByteArray("[-1e999]");
    QTest::newRow("missing colon") << QByteArray("{\"a\" 1}");
}

void TestJson::malformedTextIsRefused() {
    QFETCH(QByteArray, text);
    auto j = Json::parse(text.toStdString());
    QVERIFY2(!j.ok(), text.constData());
    QVERIFY2(j.error().message().rfind("JSON: ", 0) == 0, j.error().message().c_str());
    // One line, no library tag.
    QVERIFY(j.error().message().find('\n') == std::string::npos);
    QVERIFY(j.error().message().find("[json.exception") == std::string::npos);
}

void TestJson::nestingIsBounded() {
    const std::string ok = std::string(512, '[') + std::string(512, ']');
    QVERIFY(Json::parse(ok).ok());
    const std::string deep = std::string(513, '[') + std::string(513, ']');
    auto refused = Json::parse(deep);
    QVERIFY(!refused.ok());
    QVERIFY2(refused.error().message().find("nesting too deep") != std::string::npos,
             refused.error().message().c_str());
    // Far deeper text neither overflows the stack nor is accepted.
    const std::string deeper = std::string(200000, '[') + std::string(200000, ']');
    QVERIFY(!Json::parse(deeper).ok());
}

void TestJson::stringsRoundTrip() {
    const std::string text = std::string("quote \" backslash \\ tab \t nul ") + '\0' +
                             " e-acute \xc3\xa9 emoji \xf0\x9f\x98\x80";
    Json j = Json::array(std::vector<std::string>{text});
    QCOMPARE(reparse(j)[0].asString(), text);
    auto escaped = Json::parse("\"\\u00e9\\ud83d\\ude00\"");
    QVERIFY(escaped.ok());
    QCOMPARE(escaped->asString(), std::string("\xc3\xa9\xf0\x9f\x98\x80"));
    // A byte that is not UTF-8 is written as U+FFFD, not lost with the output.
    Json bad(std::string("a\xff"
                         "b"));
    QCOMPARE(bad.dump(), std::string("\"a\xef\xbf\xbd"
                                     "b\""));
}

void TestJson::insertionOrderKept() {
    auto j = Json::parse("{\"z\": 1, \"a\": 2, \"m\": {\"y\": 3, \"b\": 4}}");
    QVERIFY(j.ok());
    QCOMPARE(j->dump(), std::string("{\"z\":1,\"a\":2,\"m\":{\"y\":3,\"b\":4}}"));
    QCOMPARE(j->asObject().front().first, std::string("z"));
}

// Per-token rows stay rows in indented files; nested values go on lines of
// their own, and the text reads back as the same value.
void TestJson::indentedKeepsScalarArraysOnOneLine() {
    auto j = Json::parse(R"({"ids":[1,2,3],"rows":[[0.5,1],[2]],"m":{},"e":[],"s":"x\u00e9"})");
    QVERIFY(j.ok());
    const std::string expected = "{\n"
                                 "  \"ids\": [1, 2, 3],\n"
                                 "  \"rows\": [\n"
                                 "    [0.5, 1],\n"
                                 "    [2]\n"
                                 "  ],\n"
                                 "  \"m\": {},\n"
                                 "  \"e\": [],\n"
                                 "  \"s\": \"x\xc3\xa9\"\n"
                                 "}";
    QCOMPARE(j->dump(2), expected);
    auto back = Json::parse(j->dump(2));
    QVERIFY(back.ok());
    QCOMPARE(back->dump(), j->dump());
}

QTEST_GUILESS_MAIN(TestJson)
#include "tst_json.moc"
