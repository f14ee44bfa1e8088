// The chat-template interpreter itself: whitespace control, expressions, statements, filters,
// tests, methods, undefined values, error messages with positions, and the guards against
// runaway templates. The `renders` rows (tests/data/templates/unit_cases.json) hold jinja2's
// output for each template, configured like Hugging Face (trim_blocks, lstrip_blocks,
// loopcontrols, tojson = json.dumps with ensure_ascii=False) with the variables of vars();
// tests/data/templates/tools/render_expected.py writes them.
#include "deepwell/chat_template.h"
#include "deepwell/error.h"
#include "tokenizer/jinja/ast.h"
#include "tokenizer/jinja/builtins.h"
#include "tokenizer/jinja/evaluator.h"

#include <QtTest>

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <ctime>

using namespace dw;

namespace {

// s="Hello, World", n=3, zh="你好世界", d={"b": 1, "a": [1, 2]}, msgs=[system S, user U1,
// assistant A1]; `u` is never defined.
jinja::Dict vars() {
    using jinja::Value;
    jinja::Dict g = jinja::builtinGlobals();
    g.set("s", Value("Hello, World"));
    g.set("n", Value(3));
    g.set("zh", Value("你好世界"));
    jinja::Dict d;
    d.set("b", Value(1));
    d.set("a", Value::list({Value(1), Value(2)}));
    g.set("d", Value::dict(std::move(d)));
    jinja::List msgs;
    for (auto [role, content] : {std::pair{"system", "S"}, {"user", "U1"}, {"assistant", "A1"}}) {
        jinja::Dict m;
        m.set("role", Value(role));
        m.set("content", Value(content));
        msgs.push_back(Value::dict(std::move(m)));
    }
    g.set("msgs", Value::list(std::move(msgs)));
    return g;
}

std::string render(const std::string& src, jinja::Limits limits = {}) {
    jinja::Evaluator ev(vars(), limits);
    return ev.render(jinja::parseTemplate(src));
}

// The message of the dw::Error(Template) that parsing or rendering src throws.
QByteArray errorOf(const std::string& src, jinja::Limits limits = {}) {
    try {
        render(src, limits);
    } catch (const Error& e) {
        if (e.code() != ErrorCode::Template) return "wrong error code: " + QByteArray(e.what());
        return e.what();
    }
    return "no error";
}

} // namespace

class TestChatTemplate : public QObject {
    Q_OBJECT
private slots:
    void renders_data() {
        QTest::addColumn<QByteArray>("source");
        QTest::addColumn<QByteArray>("expected");
        QFile f(QStringLiteral(DW_TEST_DATA_DIR "/templates/unit_cases.json"));
        QVERIFY2(f.open(QIODevice::ReadOnly), "tests/data/templates/unit_cases.json is missing");
        const QJsonArray rows =
            QJsonDocument::fromJson(f.readAll()).object().value("cases").toArray();
        QVERIFY(rows.size() >= 90);
        for (const auto& v : rows) {
            const QJsonObject row = v.toObject();
            QTest::newRow(qPrintable(row.value("name").toString()))
                << row.value("template").toString().toUtf8()
                << row.value("expected").toString().toUtf8();
        }
    }

    void renders() {
        QFETCH(QByteArray, source);
        QFETCH(QByteArray, expected);
        QCOMPARE(QByteArray::fromStdString(render(source.toStdString())), expected);
    }

    void errors_data() {
        QTest::addColumn<QByteArray>("source");
        QTest::addColumn<QByteArray>("message");
        QTest::newRow("unknown filter")
            << QByteArray("{{ 'x'|wordcount }}")
            << QByteArray("line 1, column 8: unsupported filter 'wordcount'");
        QTest::newRow("unknown statement")
            << QByteArray("line 1\n{% include 'x' %}")
            << QByteArray("line 2, column 4: unsupported statement 'include'");
        QTest::newRow("filter block")
            << QByteArray("{% filter upper %}x{% endfilter %}")
            << QByteArray("line 1, column 4: unsupported statement 'filter'");
        QTest::newRow("unknown test") << QByteArray("{{ n is prime }}")
                                      << QByteArray("line 1, column 9: unsupported test 'prime'");
        QTest::newRow("unknown method")
            << QByteArray("\n\n   {{ s.wordsplit() }}")
            << QByteArray("line 3, column 9: unsupported method 'wordsplit' of str objects");
        QTest::newRow("list method")
            << QByteArray("{{ msgs.append(1) }}")
            << QByteArray("line 1, column 9: unsupported method 'append' of list objects");
        QTest::newRow("recursive loop")
            << QByteArray("{% for x in [1] recursive %}{% endfor %}")
            << QByteArray("line 1, column 17: unsupported loop modifier 'recursive'");
        QTest::newRow("arg unpacking")
            << QByteArray("{{ range(*n) }}")
            << QByteArray("line 1, column 10: unsupported construct '*' argument unpacking");
        QTest::newRow("missing endif")
            << QByteArray("{% if n %}x")
            << QByteArray("line 1, column 12: unexpected end of template, expected 'elif' or "
                          "'else' or 'endif'");
        QTest::newRow("stray endif")
            << QByteArray("{% endif %}") << QByteArray("line 1, column 4: unexpected 'endif'");
        QTest::newRow("bad expression")
            << QByteArray("{{ 1 + }}")
            << QByteArray("line 1, column 8: expected an expression, got '}}'");
        QTest::newRow("break outside loop")
            << QByteArray("{% break %}")
            << QByteArray("line 1, column 4: 'break' outside of a loop");
        QTest::newRow("unterminated string")
            << QByteArray("{{ 'abc }}")
            << QByteArray("line 1, column 4: unterminated string literal");
        QTest::newRow("bad character") << QByteArray("{{ n $ 1 }}")
                                       << QByteArray("line 1, column 6: unexpected character '$'");
        QTest::newRow("unterminated comment")
            << QByteArray("a {# open") << QByteArray("line 1, column 3: unterminated comment");
        QTest::newRow("unterminated tag")
            << QByteArray("{{ n ")
            << QByteArray("line 1, column 1: unterminated tag, expected '}}'");
        QTest::newRow("attribute of undefined")
            << QByteArray("{{ u.x }}") << QByteArray("line 1, column 6: 'u' is undefined");
        QTest::newRow("attribute of missing key")
            << QByteArray("{{ d.zz.y }}")
            << QByteArray("line 1, column 9: 'dict object' has no attribute 'zz'");
        QTest::newRow("undefined arithmetic")
            << QByteArray("{{ u + 1 }}") << QByteArray("line 1, column 6: 'u' is undefined");
        QTest::newRow("str plus int")
            << QByteArray("{{ 'a' + 1 }}")
            << QByteArray("line 1, column 8: unsupported operand types for +: 'str' and 'int'");
        QTest::newRow("call non-callable")
            << QByteArray("{{ n() }}")
            << QByteArray("line 1, column 4: 'int' object is not callable");
        QTest::newRow("call undefined")
            << QByteArray("{{ nope() }}") << QByteArray("line 1, column 4: 'nope' is undefined");
        QTest::newRow("division by zero")
            << QByteArray("{{ 1 / 0 }}") << QByteArray("line 1, column 6: division by zero");
        QTest::newRow("unorderable")
            << QByteArray("{{ 1 < 'a' }}")
            << QByteArray(
                   "line 1, column 6: '<' not supported between instances of 'int' and 'str'");
        QTest::newRow("raise_exception")
            << QByteArray("{% if true %}\n  {{ raise_exception('Bad role: ' ~ 'x') }}\n{% endif %}")
            << QByteArray("line 2, column 6: template raised an exception: Bad role: x");
        QTest::newRow("set attr on non-namespace")
            << QByteArray("{% set n.x = 1 %}")
            << QByteArray("line 1, column 4: cannot assign attribute 'x' on 'n' (int)");
        QTest::newRow("iterate int")
            << QByteArray("{% for x in n %}{% endfor %}")
            << QByteArray("line 1, column 13: 'int' object is not iterable");
        QTest::newRow("slice step zero")
            << QByteArray("{{ [1][::0] }}")
            << QByteArray("line 1, column 7: slice step cannot be zero");
        QTest::newRow("integer overflow") << QByteArray("{{ 9223372036854775807 + 1 }}")
                                          << QByteArray("line 1, column 24: integer overflow");
        QTest::newRow("unpack mismatch")
            << QByteArray("{% for a, b in [1] %}{% endfor %}")
            << QByteArray("line 1, column 4: cannot unpack int into 2 names");
        QTest::newRow("tojson undefined")
            << QByteArray("{{ u|tojson }}")
            << QByteArray(
                   "line 1, column 6: tojson: object of type Undefined is not JSON serializable");
        QTest::newRow("macro arity")
            << QByteArray("{% macro f(a) %}{% endmacro %}{{ f(1, 2) }}")
            << QByteArray("line 1, column 34: macro 'f' takes 1 arguments, 2 given");
        QTest::newRow("in needs string")
            << QByteArray("{{ 1 in 'abc' }}")
            << QByteArray(
                   "line 1, column 6: 'in <string>' requires a string as left operand, not int");
        QTest::newRow("deep nesting")
            << QByteArray(
                   ("{{ " + std::string(5000, '(') + "1" + std::string(5000, ')') + " }}").c_str())
            << QByteArray("nested deeper than 200 levels");
        std::string chain = "{{ 1";
        for (int i = 0; i < 500; ++i) chain += "+1";
        QTest::newRow("long chain")
            << QByteArray((chain + " }}").c_str()) << QByteArray("chained deeper than 200 levels");
    }

    void errors() {
        QFETCH(QByteArray, source);
        QFETCH(QByteArray, message);
        const QByteArray got = errorOf(source.toStdString());
        QVERIFY2(got.contains(message), got.constData());
    }

    // Runaway templates stop with an error naming the limit, never hang or exhaust memory.
    void limits() {
        jinja::Limits small;
        small.maxSteps = 10000;
        QVERIFY(
            errorOf("{% for i in range(1000) %}{% for j in range(1000) %}{% endfor %}{% endfor %}",
                    small)
                .contains("exceeded 10000 steps"));
        jinja::Limits tiny;
        tiny.maxOutput = 500;
        QVERIFY(errorOf("{% for i in range(100) %}0123456789{% endfor %}", tiny)
                    .contains("rendered text exceeds the limit of 500 bytes"));
        jinja::Limits noTime;
        noTime.maxSeconds = 0; // the deadline has passed before the first statement
        QVERIFY(errorOf("{% for i in range(10) %}x{% endfor %}", noTime)
                    .contains("exceeded the time limit"));
        QCOMPARE(render("{{ range(100000)|length }}"),
                 std::string("100000")); // exactly at the limit
        QVERIFY(errorOf("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}")
                    .contains("macro calls nested deeper than 64"));
        QVERIFY(errorOf("{{ range(1000000000000)|length }}")
                    .contains("exceeds the limit of 100000 items"));
        QVERIFY(errorOf("{{ 'ab' * 100000000000 }}").contains("exceeds the limit"));
        QVERIFY(errorOf("{{ [1] * 100000000000 }}").contains("exceeds the limit"));
        QVERIFY(errorOf("{% set x = 'ab' %}{% for i in range(40) %}{% set x = x ~ x %}{% endfor %}")
                    .contains("no error"));
        QVERIFY(errorOf("{% set ns = namespace(x='ab') %}{% for i in range(40) %}{% set ns.x = "
                        "ns.x ~ ns.x %}{% endfor %}")
                    .contains("exceeds the limit"));
        // A namespace that contains itself prints (cut off), and tojson refuses it.
        QCOMPARE(
            render("{% set ns = namespace() %}{% set ns.me = ns %}{{ ns.me.me.me is defined }}"),
            std::string("True"));
        QVERIFY(render("{% set ns = namespace() %}{% set ns.me = ns %}{{ ns }}").find("...") !=
                std::string::npos);
        QVERIFY(errorOf("{% set ns = namespace() %}{% set ns.me = [ns] %}{{ ns.me|tojson }}")
                    .contains("tojson"));
        // Exponential sharing is bounded by the repr size budget.
        QVERIFY(errorOf("{% set h = namespace(a=namespace(v=1)) %}{% for i in range(60) %}"
                        "{% set h.a = namespace(l=h.a, r=h.a) %}{% endfor %}{{ h.a }}")
                    .contains("exceeds"));
    }

    // The public API: the variables HF passes, and nothing else.
    void contextVariables() {
        const ChatTemplate t(
            "{% for m in messages %}{{ m.role }}:{{ m.content }}:{{ m.reasoning_content is defined "
            "}};{% endfor %}"
            "|{{ add_generation_prompt }}|{{ bos_token }}|{{ eos_token }}|{{ date_string }}"
            "|{{ enable_thinking is defined }}:{{ enable_thinking }}|{{ tools is defined }}");
        const std::vector<ChatMessage> msgs = {{"user", "hi", ""}, {"assistant", "yo", "think"}};
        ChatTemplateOptions o;
        o.bosToken = "<s>";
        o.eosToken = "</s>";
        QCOMPARE(
            t.render(msgs, o),
            std::string("user:hi:False;assistant:yo:True;|True|<s>|</s>|26 Jul 2024|False:|False"));
        o.addGenerationPrompt = false;
        o.enableThinking = false;
        o.dateString = "01 Jan 2025";
        QCOMPARE(
            t.render(msgs, o),
            std::string(
                "user:hi:False;assistant:yo:True;|False|<s>|</s>|01 Jan 2025|True:False|False"));
        o.enableThinking = true;
        QVERIFY(t.render(msgs, o).find("|True:True|") != std::string::npos);
    }

    void strftimeNow() {
        const ChatTemplate t("{{ strftime_now('%Y') }}|{{ strftime_now('%d %b %Y')|length }}");
        const std::time_t now = std::time(nullptr);
        std::tm tm{};
        localtime_r(&now, &tm);
        const std::string year = std::to_string(tm.tm_year + 1900);
        const std::string out = t.render({}, {});
        QVERIFY2(out == year + "|11", out.c_str()); // (fails only across a new-year midnight)
    }

    void parseErrorsThrowFromConstructor() {
        try {
            ChatTemplate t("hello {{ x|wordcount }}");
            QFAIL("parsed an unsupported filter");
        } catch (const Error& e) {
            QCOMPARE(e.code(), ErrorCode::Template);
            QCOMPARE(QByteArray(e.what()),
                     QByteArray("line 1, column 12: unsupported filter 'wordcount'"));
        }
    }

    void moveAndReuse() {
        const std::string src = "{{ messages|length }}{{ bos_token }}";
        ChatTemplate a(src);
        ChatTemplate b(std::move(a));
        QCOMPARE(b.source(), src);
        ChatTemplateOptions o;
        o.bosToken = "B";
        const std::vector<ChatMessage> msgs = {{"user", "x", ""}};
        QCOMPARE(b.render(msgs, o), std::string("1B"));
        QCOMPARE(b.render(msgs, o), std::string("1B")); // rendering leaves no state behind
        ChatTemplate c("other");
        c = std::move(b);
        QCOMPARE(c.render({}, o), std::string("0B"));
    }
};

QTEST_APPLESS_MAIN(TestChatTemplate)
#include "tst_chat_template.moc"
