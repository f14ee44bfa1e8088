// Writes the full Prometheus text (serving, memory, GPU from the fake NVML library named by
// argv[2], host, headroom, efficiency, thresholds) to argv[1], for `promtool check metrics`.
#include "engine/telemetry/live_sample.h"

#include <cstdio>
#include <fstream>

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: %s OUTPUT_FILE NVML_LIBRARY\n", argv[0]);
        return 2;
    }
    const auto s = dw::test::populatedSnapshots();
    const dw::TelemetrySample live = dw::test::liveSample(argv[2], s);
    if (!live.gpuAvailable) {
        std::fprintf(stderr, "%s\n", live.gpuUnavailableReason.c_str());
        return 1;
    }
    std::ofstream out(argv[1], std::ios::binary);
    out << dw::prometheusText(s.metrics, s.ledger, live);
    out.close();
    if (!out) {
        std::fprintf(stderr, "cannot write %s\n", argv[1]);
        return 1;
    }
    return 0;
}
