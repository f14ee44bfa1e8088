// Decode attention (split-KV flash-decoding) against cpu::attention: GQA ratios that do and
// do not fill a head group, head dims up to 256 (and K/V dims that differ), KV lengths
// around the 128-key chunk, sliding windows, soft-capping, several query tokens, f32 and
// f16 caches.
#include "core/fp16.h"
#include "core/thread_pool.h"
#include "cpu/attention.h"
#include "cuda/ops.h"
#include "cuda_test_util.h"

#include <QtTest>

#include <random>
#include <vector>

using namespace dw;
using namespace dw::cudatest;

class TestCudaAttention : public QObject {
    Q_OBJECT
private slots:
    void attention_data() {
        QTest::addColumn<int>("nHead");
        QTest::addColumn<int>("nHeadKv");
        QTest::addColumn<int>("dk");
        QTest::addColumn<int>("dv");
        QTest::addColumn<int>("tokens");
        QTest::addColumn<int>("pos0");
        QTest::addColumn<int>("window");
        QTest::addColumn<float>("softcap");
        QTest::addColumn<bool>("f16");
        auto row = [](const char* name, int h, int hkv, int dk, int dv, int t, int pos0, int win,
                      float cap, bool f16) {
            QTest::newRow(name) << h << hkv << dk << dv << t << pos0 << win << cap << f16;
        };
        row("MHA d=64 one key", 4, 4, 64, 64, 1, 0, 0, 0.0f, false);
        row("GQA 8/2 d=128 255 keys f16", 8, 2, 128, 128, 1, 254, 0, 0.0f, true);
        row("GQA 8/2 d=128 256 keys", 8, 2, 128, 128, 1, 255, 0, 0.0f, false);
        row("GQA 8/2 d=128 257 keys f16", 8, 2, 128, 128, 1, 256, 0, 0.0f, true);
        row("GQA 14/2 (7 per group) d=80 3 tokens", 14, 2, 80, 80, 3, 300, 0, 0.0f, false);
        row("MQA 16/1 d=256 1001 keys f16", 16, 1, 256, 256, 1, 1000, 0, 0.0f, true);
        row("window 512 at pos 1500", 8, 4, 64, 64, 1, 1500, 512, 0.0f, true);
        row("window 1 (self only)", 4, 2, 64, 64, 2, 40, 1, 0.0f, false);
        row("window wider than the context", 4, 2, 64, 64, 1, 100, 4096, 0.0f, false);
        row("dk=192 dv=128", 8, 2, 192, 128, 1, 600, 0, 0.0f, false);
        row("softcap 50", 4, 1, 128, 128, 1, 200, 0, 50.0f, false);
        row("8 tokens window 5 f16", 6, 3, 96, 96, 8, 130, 5, 0.0f, true);
        row("d=1", 2, 1, 1, 1, 1, 9, 0, 0.0f, false);
    }

    void attention() {
        DW_REQUIRE_GPU();
        QFETCH(int, nHead);
        QFETCH(int, nHeadKv);
        QFETCH(int, dk);
        QFETCH(int, dv);
        QFETCH(int, tokens);
        QFETCH(int, pos0);
        QFETCH(int, window);
        QFETCH(float, softcap);
        QFETCH(bool, f16);
        cpu::AttentionParams p;
        p.nHead = nHead;
        p.nHeadKv = nHeadKv;
        p.headDimK = dk;
        p.headDimV = dv;
        p.scale = 1.0f / std::sqrt(float(dk));
        p.window = window;
        p.softcap = softcap;
        const int64_t nKv = pos0 + tokens;
        const int64_t kStride = int64_t(nHeadKv) * dk + 8; // padded rows: strides are honoured
        const int64_t vStride = int64_t(nHeadKv) * dv + 4;
        std::mt19937 rng(uint32_t(nHead * 1000 + pos0));
        std::normal_distribution<float> nd(0.0f, 1.0f);
        std::vector<float> q(size_t(tokens) * nHead * dk), k(size_t(nKv * kStride)),
            v(size_t(nKv * vStride));
        for (auto& x : q) x = nd(rng) * 2.0f;
        for (auto& x : k) x = nd(rng);
        for (auto& x : v) x = nd(rng);
        std::vector<uint16_t> kh(k.size()), vh(v.size());
        if (f16) { // the CPU sees exactly the values the f16 cache holds
            for (size_t i = 0; i < k.size(); ++i) k[i] = fp16ToFp32(kh[i] = fp32ToFp16(k[i]));
            for (size_t i = 0; i < v.size(); ++i) v[i] = fp16ToFp32(vh[i] = fp32ToFp16(v[i]));
        }
        const size_t count = size_t(tokens) * nHead * dv;
        std::vector<float> ref(count);
        ThreadPool pool(2);
        cpu::attention(q.data(), tokens, pos0, k.data(), kStride, v.data(), vStride, ref.data(), p,
                       pool);

        auto dq = toDevice(q);
        auto dk_ = f16 ? toDevice(kh) : toDevice(k);
        auto dv_ = f16 ? toDevice(vh) : toDevice(v);
        auto dout = poisonedOutput<float>(count);
        cuda::DeviceBuffer scratch(cuda::attentionScratchBytes(p, tokens, pos0));
        cuda::AttentionBuffers b;
        b.q = dq.as<float>();
        b.nTokens = tokens;
        b.pos0 = pos0;
        b.k = dk_.data();
        b.kStride = kStride;
        b.v = dv_.data();
        b.vStride = vStride;
        b.kvType = f16 ? DType::F16 : DType::F32;
        b.out = dout.as<float>();
        b.scratch = scratch.data();
        b.scratchBytes = scratch.bytes();
        cuda::attention(b, p, nullptr);
        cuda::synchronize(nullptr);
        const auto got = fromDevice<float>(dout, count);
        QCOMPARE(firstNonFinite(got), int64_t(-1));
        QVERIFY(guardIntact<float>(dout, count));
        QVERIFY2(nmse(ref, got) < 1e-9, qPrintable(QString("NMSE %1").arg(nmse(ref, got))));
        QVERIFY2(maxRelError(ref, got) < 1e-4,
                 qPrintable(QString("max rel error %1").arg(maxRelError(ref, got))));

        dout.fill(kPoison); // run twice: bit-identical
        cuda::attention(b, p, nullptr);
        cuda::synchronize(nullptr);
        QVERIFY(bitIdentical(got, fromDevice<float>(dout, count)));
    }
};

QTEST_APPLESS_MAIN(TestCudaAttention)
#include "tst_cuda_attention.moc"
