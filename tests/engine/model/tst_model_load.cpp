// Loading models: clear errors for files that cannot run, progress and cancellation, and the
// chat format of files without a chat template.
#include "deepwell/chat_template.h"
#include "deepwell/error.h"
#include "deepwell/gguf.h"
#include "deepwell/memory_estimate.h"
#include "deepwell/model.h"
#include "deepwell/synth.h"

#include <QTemporaryDir>
#include <QtTest>

#include <atomic>

using namespace dw;

namespace {

// Loads and returns the error, or fails the test when loading succeeds.
Error loadError(const std::string& path) {
    try {
        Model::load(path);
    } catch (const Error& e) {
        return e;
    }
    return Error(ErrorCode::Internal, "loaded although it should not");
}

} // namespace

class TestModelLoad : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

    std::string path(const char* name) { return (m_dir.path() + "/" + name).toStdString(); }

private slots:
    void unsupportedArchitectureIsNamed() {
        auto w = synth::buildSynthModel(synth::synthPreset("tiny-llama"));
        w.set("general.architecture", gguf::Value::string("mamba"));
        w.write(path("mamba.gguf"));
        const Error e = loadError(path("mamba.gguf"));
        QCOMPARE(e.code(), ErrorCode::Unsupported);
        QVERIFY(std::string(e.what()).find("'mamba'") != std::string::npos);
    }

    void missingKeyIsNamed() {
        auto w = synth::buildSynthModel(synth::synthPreset("tiny-llama"));
        w.set("llama.embedding_length", gguf::Value::string("sixty-four"));
        w.write(path("badkey.gguf"));
        const Error e = loadError(path("badkey.gguf"));
        QCOMPARE(e.code(), ErrorCode::Format);
        QVERIFY2(std::string(e.what()).find("llama.embedding_length") != std::string::npos, e.what());
    }

    void wrongShapeIsNamed() {
        // A model whose metadata claims a larger feed-forward width than its tensors have.
        auto w = synth::buildSynthModel(synth::synthPreset("tiny-llama"));
        w.set("llama.feed_forward_length", gguf::Value::integer(gguf::ValueType::U32, 999));
        w.write(path("shape.gguf"));
        const Error e = loadError(path("shape.gguf"));
        QCOMPARE(e.code(), ErrorCode::Format);
        const std::string msg = e.what();
        QVERIFY2(msg.find("ffn_gate.weight") != std::string::npos && msg.find("999") != std::string::npos,
                 msg.c_str());
    }

    void headCountsAreChecked() {
        auto w = synth::buildSynthModel(synth::synthPreset("tiny-llama"));
        w.set("llama.attention.head_count_kv", gguf::Value::integer(gguf::ValueType::U32, 3));
        w.write(path("heads.gguf"));
        const Error e = loadError(path("heads.gguf"));
        QCOMPARE(e.code(), ErrorCode::Format);
        QVERIFY2(std::string(e.what()).find("KV heads") != std::string::npos, e.what());
    }

    void progressAndCancel() {
        synth::writeSynthModel(synth::synthPreset("tiny-gemma3"), path("ok.gguf"));
        std::vector<float> seen;
        LoadProgress p;
        p.onProgress = [&](float f) { seen.push_back(f); };
        auto model = Model::load(path("ok.gguf"), p);
        QVERIFY(!seen.empty());
        QCOMPARE(seen.back(), 1.0f);
        for (size_t i = 1; i < seen.size(); ++i) QVERIFY(seen[i] >= seen[i - 1]);

        std::atomic<bool> cancel{true};
        LoadProgress c;
        c.cancel = &cancel;
        try {
            Model::load(path("ok.gguf"), c);
            QFAIL("loading was not cancelled");
        } catch (const Error& e) {
            QCOMPARE(e.code(), ErrorCode::Cancelled);
        }
    }

    void baseModelsChatThroughATranscript() {
        auto w = synth::buildSynthModel(synth::synthPreset("tiny-llama"));
        w.set("tokenizer.chat_template", gguf::Value::string(""));
        w.write(path("base.gguf"));
        auto model = Model::load(path("base.gguf"));
        QVERIFY(model->chatTemplateIsBuiltin());
        QCOMPARE(model->chatStopStrings(), std::vector<std::string>{"\nUser:"});
        ChatTemplate t(model->chatTemplate());
        ChatTemplateOptions o;
        o.bosToken = "<s>";
        const std::string text = t.render({{"system", "Be brief.", {}},
                                           {"user", "Hi", {}},
                                           {"assistant", "Hello.", {}},
                                           {"user", "Bye", {}}},
                                          o);
        QCOMPARE(text, std::string("<s>Be brief.\n\nUser: Hi\nAssistant: Hello.\nUser: Bye\nAssistant:"));
        const std::string noSystem = t.render({{"user", "Hi", {}}}, o);
        QCOMPARE(noSystem, std::string("<s>A conversation between a user and a helpful, knowledgeable "
                                       "assistant.\n\nUser: Hi\nAssistant:"));

        // A file with its own template keeps it.
        synth::writeSynthModel(synth::synthPreset("tiny-qwen3"), path("chat.gguf"));
        auto chat = Model::load(path("chat.gguf"));
        QVERIFY(!chat->chatTemplateIsBuiltin());
        QVERIFY(chat->chatStopStrings().empty());
        QVERIFY(chat->chatTemplate().find("<|im_start|>") != std::string::npos);
    }
    // The estimate made from the header alone equals what the loaded model reports, for
    // every tiny preset (dense, MoE, latent attention, tied and own output matrices).
    void memoryEstimateMatchesLoadedModel() {
        for (const std::string& name : synth::synthTinyPresetNames()) {
            const std::string file = path(("est-" + name + ".gguf").c_str());
            synth::writeSynthModel(synth::synthPreset(name), file);
            const MemoryEstimate e = estimateMemory(file, 1000);
            auto model = Model::load(file);
            QVERIFY2(e.weightBytesPerToken == model->weightBytesPerToken(), name.c_str());
            QVERIFY2(e.weightBytes == model->weightBytes(), name.c_str());
            QVERIFY2(e.parameters == model->parameterCount(), name.c_str());
            QVERIFY2(e.kvBytesPerToken == model->kvBytesPerToken(), name.c_str());
            QCOMPARE(e.kvCacheBytes, model->kvBytesPerToken() * 1000);
            QCOMPARE(e.name, model->name());
            QVERIFY(e.activationBytes > 0);
            QCOMPARE(e.totalBytes(), e.weightBytes + e.kvCacheBytes + e.activationBytes);
        }
        const std::string bad = path("not-a-model.gguf");
        QFile f(QString::fromStdString(bad));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("GGUF but not really");
        f.close();
        try {
            estimateMemory(bad, 100);
            QFAIL("a broken file was estimated");
        } catch (const Error& e) {
            QCOMPARE(e.code(), ErrorCode::Format);
        }
    }
};

QTEST_APPLESS_MAIN(TestModelLoad)
#include "tst_model_load.moc"
