// Writes the Prometheus text of populated snapshots to the file named by argv[1], for
// `promtool check metrics` (see CMakeLists.txt).
#include "engine/telemetry/sample_snapshots.h"

#include <cstdio>
#include <fstream>

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s OUTPUT_FILE\n", argv[0]);
        return 2;
    }
    const auto s = dw::test::populatedSnapshots();
    std::ofstream out(argv[1], std::ios::binary);
    out << dw::prometheusText(s.metrics, s.ledger);
    out.close();
    if (!out) {
        std::fprintf(stderr, "cannot write %s\n", argv[1]);
        return 1;
    }
    return 0;
}
