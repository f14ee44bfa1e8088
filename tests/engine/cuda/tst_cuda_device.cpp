// Device basics: probing, checked calls, argument checks of the launchers (all without a
// GPU), device buffers and the arena (GPU).
#include "cuda/device.h"
#include "cuda/ops.h"
#include "cuda_test_util.h"
#include "deepwell/error.h"

#include <QtTest>

#include <functional>
#include <string>

using namespace dw;
using namespace dw::cuda;

namespace {

// A non-null address that is never dereferenced: the argument checks fail first.
template <typename T = void> T* fake(uintptr_t offset = 0) {
    return reinterpret_cast<T*>(uintptr_t(1) << 20 | offset);
}

} // namespace

using Call = std::function<void()>;
Q_DECLARE_METATYPE(Call)

class TestCudaDevice : public QObject {
    Q_OBJECT
private slots:
    void probeExplainsItself() {
        const ProbeResult& p = probe();
        QCOMPARE(&p, &probe()); // cached
        if (p.usable) {
            QVERIFY(p.reason.empty());
            QVERIFY(p.deviceCount >= 1);
        } else {
            QVERIFY(!p.reason.empty());
            if (p.cudaError !=
                0) // the reason names the CUDA error, e.g. cudaErrorInsufficientDriver
                QVERIFY2(p.reason.find(cudaErrorName(p.cudaError)) != std::string::npos,
                         p.reason.c_str());
            qInfo("no usable GPU: %s", p.reason.c_str());
        }
    }

    void checkedCallThrowsWithNameFileLine() {
        try {
            DW_CUDA_CHECK(2); // cudaErrorMemoryAllocation
            QFAIL("no exception");
        } catch (const Error& e) {
            QCOMPARE(e.code(), ErrorCode::OutOfMemory);
            const std::string m = e.what();
            QVERIFY2(m.find("cudaErrorMemoryAllocation") != std::string::npos, e.what());
            QVERIFY2(m.find("tst_cuda_device.cpp:") != std::string::npos, e.what());
        }
        try {
            DW_CUDA_CHECK(35); // cudaErrorInsufficientDriver: "no usable GPU" kind
            QFAIL("no exception");
        } catch (const Error& e) {
            QCOMPARE(e.code(), ErrorCode::Unsupported);
            QVERIFY2(std::string(e.what()).find("cudaErrorInsufficientDriver") != std::string::npos,
                     e.what());
        }
        try {
            DW_CUBLAS_CHECK(1); // CUBLAS_STATUS_NOT_INITIALIZED
            QFAIL("no exception");
        } catch (const Error& e) {
            QCOMPARE(e.code(), ErrorCode::Internal);
            QVERIFY2(std::string(e.what()).find("CUBLAS_STATUS_NOT_INITIALIZED") !=
                         std::string::npos,
                     e.what());
        }
        DW_CUDA_CHECK(0); // success: no exception
    }

    void badArgumentsAreRejected_data() {
        QTest::addColumn<Call>("call");
        QTest::addColumn<QString>("needle");
        const MatView q4k{DType::Q4_K, 512, 10, fake(), 288};
        QTest::newRow("matVecQ8_1 nTokens 9")
            << Call([=] { matVecQ8_1(q4k, fake(), 9, fake<float>(), nullptr); }) << "nTokens = 9";
        QTest::newRow("matVecQ8_1 nTokens 0")
            << Call([=] { matVecQ8_1(q4k, fake(), 0, fake<float>(), nullptr); }) << "nTokens = 0";
        QTest::newRow("matVecQ8_1 k not a block multiple") << Call([=] {
            matVecQ8_1({DType::Q4_K, 300, 10, fake(), 1000}, fake(), 1, fake<float>(), nullptr);
        }) << "w.k = 300";
        QTest::newRow("matVecQ8_1 stride below row") << Call([=] {
            matVecQ8_1({DType::Q4_K, 512, 10, fake(), 100}, fake(), 1, fake<float>(), nullptr);
        }) << "w.rowStride = 100";
        QTest::newRow("matVecQ8_1 misaligned Q4_K") << Call([=] {
            matVecQ8_1({DType::Q4_K, 256, 10, fake(2), 144}, fake(), 1, fake<float>(), nullptr);
        }) << "4-byte aligned";
        QTest::newRow("matVecQ8_1 float weights") << Call([=] {
            matVecQ8_1({DType::F16, 256, 10, fake(), 512}, fake(), 1, fake<float>(), nullptr);
        }) << "F16";
        QTest::newRow("matVecQ8_1 unsupported type") << Call([=] {
            matVecQ8_1({DType::IQ4_XS, 256, 10, fake(), 136}, fake(), 1, fake<float>(), nullptr);
        }) << "IQ4_XS";
        QTest::newRow("matVecFloat quantized")
            << Call([=] { matVecFloat(q4k, fake<float>(), 1, fake<float>(), nullptr); }) << "Q4_K";
        QTest::newRow("matVec scratch too small")
            << Call([=] { matVec(q4k, fake<float>(), 2, fake<float>(), fake(), 10, nullptr); })
            << "actScratchBytes = 10";
        QTest::newRow("quantizeQ8_1 k 33")
            << Call([] { quantizeQ8_1(fake<float>(), fake(), 33, 1, nullptr); }) << "k = 33";
        QTest::newRow("getRows null ids")
            << Call([=] { getRows(q4k, nullptr, 1, fake<float>(), nullptr); }) << "ids";
        QTest::newRow("dequantizeRowsBf16 past the end")
            << Call([=] { dequantizeRowsBf16(q4k, 8, 3, fake<uint16_t>(), nullptr); })
            << "rows [8, 11)";
        QTest::newRow("rmsNorm n 0")
            << Call([] { rmsNorm(fake<float>(), nullptr, fake<float>(), 0, 1, 1e-5f, nullptr); })
            << "n = 0";
        QTest::newRow("rope odd nRot") << Call([] {
            RopeConfig c;
            c.nRot = 63;
            rope(fake<float>(), 1, 2, 64, fake<int32_t>(), c, nullptr);
        }) << "cfg.nRot = 63";
        QTest::newRow("rope nRot above headDim") << Call([] {
            RopeConfig c;
            c.nRot = 128;
            rope(fake<float>(), 1, 2, 64, fake<int32_t>(), c, nullptr);
        }) << "cfg.nRot = 128";
        QTest::newRow("rope YaRN without nCtxOrig") << Call([] {
            RopeConfig c;
            c.nRot = 64;
            c.extFactor = 1.0f;
            rope(fake<float>(), 1, 2, 64, fake<int32_t>(), c, nullptr);
        }) << "nCtxOrig";
        QTest::newRow("argmax n 0")
            << Call([] { argmax(fake<float>(), 0, 1, fake<int32_t>(), nullptr); }) << "n = 0";
        QTest::newRow("softmax rows 0")
            << Call([] { softmax(fake<float>(), 10, 0, nullptr); }) << "nRows = 0";
        AttentionParams p;
        p.nHead = 8;
        p.nHeadKv = 3;
        p.headDimK = p.headDimV = 64;
        QTest::newRow("attention heads not a multiple") << Call([=] {
            AttentionBuffers b;
            b.q = fake<float>(), b.k = fake(), b.v = fake(), b.out = fake<float>();
            attention(b, p, nullptr);
        }) << "nHeadKv = 3";
        AttentionParams big = p;
        big.nHeadKv = 2;
        big.headDimK = big.headDimV = 320;
        QTest::newRow("attention head dim 320") << Call([=] {
            AttentionBuffers b;
            b.q = fake<float>(), b.k = fake(), b.v = fake(), b.out = fake<float>();
            attention(b, big, nullptr);
        }) << "headDimK = 320";
        AttentionParams ok = p;
        ok.nHeadKv = 2;
        QTest::newRow("attention scratch missing") << Call([=] {
            AttentionBuffers b;
            b.q = fake<float>(), b.k = fake(), b.v = fake(), b.out = fake<float>();
            b.kStride = b.vStride = 128;
            b.pos0 = 300;
            attention(b, ok, nullptr);
        }) << "scratchBytes = 0";
        QTest::newRow("attention kv type Q8_0") << Call([=] {
            AttentionBuffers b;
            b.q = fake<float>(), b.k = fake(), b.v = fake(), b.out = fake<float>();
            b.kvType = DType::Q8_0;
            attention(b, ok, nullptr);
        }) << "Q8_0";
    }

    // Launchers check their arguments before touching the device: dw::Error naming the
    // field and value, no crash. Runs without a GPU.
    void badArgumentsAreRejected() {
        QFETCH(Call, call);
        QFETCH(QString, needle);
        try {
            call();
            QFAIL("no exception");
        } catch (const Error& e) {
            QVERIFY(e.code() == ErrorCode::InvalidArgument || e.code() == ErrorCode::Unsupported);
            QVERIFY2(QString(e.what()).contains(needle), e.what());
        }
    }

    void deviceInfoIsPlausible() {
        DW_REQUIRE_GPU();
        const DeviceInfo info = deviceInfo(0);
        QVERIFY(!info.name.empty());
        QVERIFY(info.major * 10 + info.minor >= 75);
        QVERIFY(info.smCount > 0);
        QVERIFY(info.totalMemory > (size_t(1) << 30));
        QVERIFY(info.freeMemory > 0 && info.freeMemory <= info.totalMemory);
        QVERIFY2(info.peakBandwidthGBps() > 100.0 && info.peakBandwidthGBps() < 100000.0,
                 qPrintable(QString::number(info.peakBandwidthGBps())));
        qInfo("%s: sm_%d%d, %d SMs, %.1f GB/s peak", info.name.c_str(), info.major, info.minor,
              info.smCount, info.peakBandwidthGBps());
    }

    void bufferRoundTrip() {
        DW_REQUIRE_GPU();
        std::vector<uint8_t> host(1000);
        for (size_t i = 0; i < host.size(); ++i) host[i] = uint8_t(i * 7);
        DeviceBuffer b(1000);
        QCOMPARE(b.bytes(), size_t(1000));
        b.upload(host.data(), 1000);
        std::vector<uint8_t> back(600);
        b.download(back.data(), 600, 400);
        QVERIFY(std::equal(back.begin(), back.end(), host.begin() + 400));
        QVERIFY_THROWS_EXCEPTION(Error, b.download(back.data(), 600, 401));
        QVERIFY_THROWS_EXCEPTION(Error, b.upload(host.data(), 1001));
        b.fill(0xAB);
        b.download(back.data(), 600);
        for (uint8_t c : back) QCOMPARE(c, uint8_t(0xAB));
        DeviceBuffer moved(std::move(b));
        QVERIFY(b.data() == nullptr);
        QCOMPARE(moved.bytes(), size_t(1000));
    }

    void hugeAllocationIsOutOfMemoryAndNotSticky() {
        DW_REQUIRE_GPU();
        try {
            DeviceBuffer b(size_t(1) << 50); // 1 PiB
            QFAIL("no exception");
        } catch (const Error& e) {
            QCOMPARE(e.code(), ErrorCode::OutOfMemory);
            QVERIFY2(QString(e.what()).contains("bytes"), e.what());
        }
        DeviceBuffer ok(4096); // the context still works
        ok.fill(1);
    }

    void arenaBumpAllocates() {
        DW_REQUIRE_GPU();
        Arena a(4096, MemoryCategory::Activations);
        QCOMPARE(a.capacity(), size_t(4096));
        auto* p0 = static_cast<uint8_t*>(a.allocate(10));
        auto* p1 = static_cast<uint8_t*>(a.allocate(300));
        auto* p2 = static_cast<uint8_t*>(a.allocate(0));
        QVERIFY(reinterpret_cast<uintptr_t>(p0) % 256 == 0);
        QCOMPARE(p1 - p0, ptrdiff_t(256));
        QCOMPARE(p2 - p0, ptrdiff_t(768));
        QCOMPARE(a.used(), size_t(768));
        a.allocate<float>(800); // 3200 bytes at 768: ends at 3968
        QCOMPARE(a.used(), size_t(3968));
        try {
            a.allocate(200); // would start at 4096
            QFAIL("no exception");
        } catch (const Error& e) {
            QCOMPARE(e.code(), ErrorCode::OutOfMemory);
            QVERIFY2(QString(e.what()).contains("activations"), e.what());
            QVERIFY2(QString(e.what()).contains("200"), e.what());
        }
        QCOMPARE(a.used(), size_t(3968)); // a failed request changes nothing
        a.reset();
        QCOMPARE(a.used(), size_t(0));
        QCOMPARE(a.highWater(), size_t(3968));
        QCOMPARE(static_cast<uint8_t*>(a.allocate(1)), p0);
        QCOMPARE(QString(memoryCategoryName(a.category())), QString("activations"));
    }

    void streamOwner() {
        DW_REQUIRE_GPU();
        StreamOwner s;
        QVERIFY(s.get() != nullptr);
        synchronize(s.get());
    }
};

QTEST_APPLESS_MAIN(TestCudaDevice)
#include "tst_cuda_device.moc"
