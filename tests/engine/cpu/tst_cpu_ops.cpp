// The element-wise activations of cpu/ops.h (SwiGLU, GeGLU, GELU), which compute exp and tanh
// in their own vectorised float arithmetic, against the textbook formulas in double
// precision: a dense sweep of [-100, 100], values around where exp underflows, and the
// special values (signed zeros, infinities, NaN, subnormals).
#include "cpu/ops.h"

#include <QtTest>

#include <cmath>
#include <limits>
#include <vector>

using namespace dw;

namespace {

double siluRef(double x) {
    return x / (1.0 + std::exp(-x));
}
double geluRef(double x) {
    return 0.5 * x * (1.0 + std::tanh(0.7978845608028654 * x * (1.0 + 0.044715 * x * x)));
}

std::vector<float> inputs() {
    std::vector<float> xs;
    for (int i = -200000; i <= 200000; ++i) xs.push_back(float(i) * 5e-4f); // [-100, 100]
    for (float x : {-88.5f, -87.5f, -87.0f, -86.5f, -44.0f, -43.5f, 1e-30f, -1e-30f, 1e-40f,
                    -1e-40f, 0.0f, -0.0f, 3e38f, -3e38f})
        xs.push_back(x);
    return xs;
}

// |got - want| within rel * |want| + abs; a want beyond the float range must be that
// infinity.
bool close(float got, double want, double rel, double abs) {
    if (std::isinf(float(want))) return got == float(want);
    return std::fabs(double(got) - want) <= rel * std::fabs(want) + abs;
}

} // namespace

class TestCpuOps : public QObject {
    Q_OBJECT
private slots:
    void swigluMatchesFormula() {
        const std::vector<float> x = inputs();
        std::vector<float> up(x.size(), 1.5f), out(x.size());
        cpu::swiglu(x.data(), up.data(), out.data(), int64_t(x.size()));
        for (size_t i = 0; i < x.size(); ++i) {
            const double want = siluRef(double(x[i])) * 1.5;
            // Below x = -87, exp(x) is flushed to 0: silu(x) = x e^x is then ~|x| 1e-38 off.
            if (!close(out[i], want, 1e-6, 1e-35))
                QFAIL(qPrintable(QString("silu(%1) * 1.5 = %2, expected %3").arg(x[i]).arg(out[i]).arg(want)));
        }
    }

    void gegluAndGeluMatchFormula() {
        const std::vector<float> x = inputs();
        std::vector<float> up(x.size(), -2.0f), out(x.size());
        cpu::geglu(x.data(), up.data(), out.data(), int64_t(x.size()));
        for (size_t i = 0; i < x.size(); ++i) {
            // gelu's tanh is off by at most a few 1e-7 near tanh = -1, where 1 + tanh cancels:
            // an absolute error of |x| * 1e-7 there, far below the float rounding of x itself.
            const double want = geluRef(double(x[i]));
            const double tol = 2e-7 * std::fabs(double(x[i]));
            if (!close(cpu::gelu(x[i]), want, 1e-6, tol))
                QFAIL(qPrintable(QString("gelu(%1) = %2, expected %3").arg(x[i]).arg(cpu::gelu(x[i])).arg(want)));
            if (!close(out[i], -2.0 * want, 1e-6, 2.0 * tol))
                QFAIL(qPrintable(QString("geglu(%1) = %2, expected %3").arg(x[i]).arg(out[i]).arg(-2.0 * want)));
        }
    }

    void specialValues() {
        const float inf = std::numeric_limits<float>::infinity();
        const float nan = std::numeric_limits<float>::quiet_NaN();
        const float g[] = {inf, -inf, nan, 0.0f, -0.0f};
        const float u[] = {1.0f, 1.0f, 1.0f, 1.0f, 1.0f};
        float s[5], ge[5];
        cpu::swiglu(g, u, s, 5);
        cpu::geglu(g, u, ge, 5);
        QCOMPARE(s[0], inf);  // inf * sigmoid(inf)
        QVERIFY(std::isnan(s[1]) || s[1] == 0.0f); // -inf * 0: either reading is acceptable
        QVERIFY(std::isnan(s[2]));
        QCOMPARE(s[3], 0.0f);
        QCOMPARE(ge[0], inf);
        QVERIFY(std::isnan(ge[2]));
        QCOMPARE(ge[3], 0.0f);
        QCOMPARE(cpu::gelu(-inf) == 0.0f || std::isnan(cpu::gelu(-inf)), true);
    }

    void outputMayAliasGate() {
        std::vector<float> g(1000), u(1000), ref(1000);
        for (int i = 0; i < 1000; ++i) {
            g[size_t(i)] = float(i - 500) * 0.01f;
            u[size_t(i)] = float(i % 7) - 3.0f;
        }
        cpu::swiglu(g.data(), u.data(), ref.data(), 1000);
        cpu::swiglu(g.data(), u.data(), g.data(), 1000);
        QCOMPARE(g, ref);
    }
};

QTEST_GUILESS_MAIN(TestCpuOps)
#include "tst_cpu_ops.moc"
