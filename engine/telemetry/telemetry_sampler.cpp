// TelemetrySampler: one sample = GPU + host + engine feeds, derived interval figures, live
// efficiency and threshold warnings; kept in a bounded ring with event marks.
#include "deepwell/error.h"
#include "deepwell/telemetry.h"

#include <condition_variable>
#include <mutex>
#include <thread>

namespace dw {

struct TelemetrySampler::Impl {
    TelemetrySamplerOptions options;
    Clock::time_point epoch;
    int64_t startUnixMs = 0;
    bool gpuOk = false; // fixed at construction, like the source's own state
    std::string gpuReason;

    // Held for a whole sample: one caller at a time uses gpu, host and feeds.
    std::mutex sampleMutex;
    std::unique_ptr<GpuTelemetrySource> gpu; // guarded by sampleMutex
    HostTelemetry host;                      // guarded by sampleMutex
    TelemetryFeeds feeds;                    // guarded by sampleMutex

    mutable std::mutex dataMutex;      // guards ring and marks
    std::vector<TelemetrySample> ring; // oldest first, at most options.capacity
    std::vector<TelemetryMark> marks;  // oldest first, at most options.maxMarks
    bool ringDropped = false;          // samples have left the ring since the last clear

    std::mutex lifecycleMutex; // held through start() and stop() (incl. the join)
    std::mutex threadMutex;    // guards stopping and thread
    std::condition_variable wake;
    bool stopping = false;
    std::thread thread;

    explicit Impl(const TelemetrySamplerOptions& o) : options(o), host(o.procRoot) {}

    Clock::time_point now() const { return options.clock ? options.clock() : Clock::now(); }
    double seconds(Clock::time_point t) const {
        return std::chrono::duration<double>(t - epoch).count();
    }
    void collect(TelemetrySample& s, Clock::time_point t);
    void derive(TelemetrySample& s) const; // caller holds dataMutex; ring holds the previous
    void pruneMarksLocked();
    TelemetrySample sampleOnce();
    void loop();
};

namespace {

void checkOptions(const TelemetrySamplerOptions& o) {
    auto fail = [](const std::string& what) {
        throw Error(ErrorCode::InvalidArgument, "telemetry sampler: " + what);
    };
    if (o.capacity < 2 || o.capacity > 1'000'000)
        fail("capacity = " + std::to_string(o.capacity) + " is outside [2, 1000000]");
    if (!(o.periodSeconds >= 0.01 && o.periodSeconds <= 3600.0))
        fail("periodSeconds = " + std::to_string(o.periodSeconds) + " is outside [0.01, 3600]");
    if (o.efficiencyWindow < 2)
        fail("efficiencyWindow = " + std::to_string(o.efficiencyWindow) + " is below 2");
    if (o.maxMarks < 1) fail("maxMarks = 0; at least 1");
    if (o.efficiencyGpu < -1)
        fail("efficiencyGpu = " + std::to_string(o.efficiencyGpu) + " is below -1");
    o.thresholds.validate();
}

} // namespace

void TelemetrySampler::Impl::collect(TelemetrySample& s, Clock::time_point t) {
    s.seconds = seconds(t);
    s.gpuAvailable = gpuOk;
    s.gpuUnavailableReason = gpuReason;
    if (gpuOk) {
        const int n = gpu->deviceCount();
        for (int i = 0; i < n; ++i) {
            try {
                s.gpus.push_back(gpu->sample(i));
            } catch (const Error&) {
                // The device went away between deviceCount() and sample(): leave it out.
            }
        }
    }
    s.host = host.sample(t);
    // A feed that throws (an engine shutting down) leaves its figures empty for this sample.
    try {
        if (feeds.metrics) s.serving = servingFigures(feeds.metrics());
    } catch (const std::exception&) {
    }
    try {
        if (feeds.ledger) {
            s.memory = feeds.ledger();
            s.memory->timeline.clear(); // events are the ledger's business, not the ring's
            s.memory->timeline.shrink_to_fit();
        }
    } catch (const std::exception&) {
        s.memory.reset();
    }
    try {
        if (feeds.stats && feeds.kvBlockSize > 0)
            s.headroom = kvHeadroom(feeds.stats(), feeds.kvBlockSize);
    } catch (const std::exception&) {
    }
}

void TelemetrySampler::Impl::derive(TelemetrySample& s) const {
    if (ring.empty() || !s.serving) return;
    const TelemetrySample& prev = ring.back();
    const double dt = s.seconds - prev.seconds;
    if (!prev.serving || dt <= 0.0) return;
    const ServingFigures& a = *prev.serving;
    const ServingFigures& b = *s.serving;
    // Counters that went back mean another engine: no interval figure across the change.
    if (b.generatedTokensTotal < a.generatedTokensTotal || b.ttftCount < a.ttftCount) return;
    s.tokensPerSecond = double(b.generatedTokensTotal - a.generatedTokensTotal) / dt;
    if (b.ttftCount > a.ttftCount)
        s.ttftMeanSeconds =
            (b.ttftSumSeconds - a.ttftSumSeconds) / double(b.ttftCount - a.ttftCount);
}

void TelemetrySampler::Impl::pruneMarksLocked() {
    size_t drop = marks.size() > options.maxMarks ? marks.size() - options.maxMarks : 0;
    // Once the ring has dropped samples, marks before its first sample are off the time axis.
    // (Before that they stay: a model-load mark made just before the first sample belongs.)
    if (ringDropped && !ring.empty())
        while (drop < marks.size() && marks[drop].seconds < ring.front().seconds) ++drop;
    marks.erase(marks.begin(), marks.begin() + std::ptrdiff_t(drop));
}

TelemetrySample TelemetrySampler::Impl::sampleOnce() {
    std::lock_guard<std::mutex> sampleLock(sampleMutex);
    TelemetrySample s;
    collect(s, now());
    std::lock_guard<std::mutex> lock(dataMutex);
    derive(s);
    if (ring.size() == options.capacity) {
        ring.erase(ring.begin());
        ringDropped = true;
    }
    ring.push_back(std::move(s));
    TelemetrySample& added = ring.back();
    added.tokensPerJoule =
        liveTokensPerJoule(ring, options.efficiencyWindow, options.efficiencyGpu);
    added.warnings = evaluateThresholds(added, options.thresholds);
    pruneMarksLocked();
    return added;
}

void TelemetrySampler::Impl::loop() {
    auto next = Clock::now();
    const auto period = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(options.periodSeconds));
    std::unique_lock<std::mutex> lock(threadMutex);
    while (!stopping) {
        lock.unlock();
        try {
            sampleOnce();
        } catch (const std::exception&) {
            // A sample that failed is skipped; the next one may succeed.
        }
        lock.lock();
        next += period;
        const auto now = Clock::now();
        if (next < now) next = now; // fell behind (suspend, a slow source): no burst
        wake.wait_until(lock, next, [&] { return stopping; });
    }
}

TelemetrySampler::TelemetrySampler(const TelemetrySamplerOptions& options,
                                   std::unique_ptr<GpuTelemetrySource> gpu, TelemetryFeeds feeds) {
    checkOptions(options);
    m = std::make_unique<Impl>(options);
    m->epoch = m->now();
    m->startUnixMs = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    m->gpu = std::move(gpu);
    m->gpuOk = m->gpu && m->gpu->available();
    m->gpuReason = !m->gpu ? "no GPU telemetry source" : m->gpuOk ? "" : m->gpu->whyUnavailable();
    m->feeds = std::move(feeds);
    m->ring.reserve(options.capacity);
}

TelemetrySampler::~TelemetrySampler() {
    stop();
}

void TelemetrySampler::setFeeds(TelemetryFeeds feeds) {
    std::lock_guard<std::mutex> lock(m->sampleMutex);
    m->feeds = std::move(feeds);
}

TelemetrySample TelemetrySampler::sampleNow() {
    return m->sampleOnce();
}

void TelemetrySampler::mark(TelemetryMarkKind kind, std::string label) {
    if (static_cast<int>(kind) >= kTelemetryMarkKindCount)
        throw Error(ErrorCode::InvalidArgument, "telemetry mark: kind " +
                                                    std::to_string(static_cast<int>(kind)) +
                                                    " is not a TelemetryMarkKind");
    const double t = m->seconds(m->now());
    std::lock_guard<std::mutex> lock(m->dataMutex);
    m->marks.push_back({t, kind, std::move(label)});
    m->pruneMarksLocked();
}

void TelemetrySampler::start() {
    std::lock_guard<std::mutex> lifecycle(m->lifecycleMutex);
    std::lock_guard<std::mutex> lock(m->threadMutex);
    if (m->thread.joinable()) return;
    m->stopping = false;
    m->thread = std::thread([this] { m->loop(); });
}

void TelemetrySampler::stop() {
    // Serialised with start(), so a start() cannot revive the loop being joined here.
    std::lock_guard<std::mutex> lifecycle(m->lifecycleMutex);
    std::thread t;
    {
        std::lock_guard<std::mutex> lock(m->threadMutex);
        m->stopping = true;
        t = std::move(m->thread);
    }
    m->wake.notify_all();
    if (t.joinable()) t.join();
}

bool TelemetrySampler::running() const {
    std::lock_guard<std::mutex> lock(m->threadMutex);
    return m->thread.joinable();
}

double TelemetrySampler::now() const {
    return m->seconds(m->now());
}

std::vector<TelemetrySample> TelemetrySampler::samples() const {
    std::lock_guard<std::mutex> lock(m->dataMutex);
    return m->ring;
}

std::vector<TelemetryMark> TelemetrySampler::marks() const {
    std::lock_guard<std::mutex> lock(m->dataMutex);
    return m->marks;
}

std::optional<TelemetrySample> TelemetrySampler::latest() const {
    std::lock_guard<std::mutex> lock(m->dataMutex);
    if (m->ring.empty()) return std::nullopt;
    return m->ring.back();
}

TelemetrySnapshot TelemetrySampler::snapshot(std::string name) const {
    TelemetrySnapshot snap;
    snap.name = std::move(name);
    snap.startUnixMs = m->startUnixMs;
    std::lock_guard<std::mutex> lock(m->dataMutex);
    snap.samples = m->ring;
    snap.marks = m->marks;
    return snap;
}

void TelemetrySampler::clear() {
    std::lock_guard<std::mutex> lock(m->dataMutex);
    m->ring.clear();
    m->marks.clear();
    m->ringDropped = false;
}

const TelemetrySamplerOptions& TelemetrySampler::options() const {
    return m->options;
}
bool TelemetrySampler::gpuAvailable() const {
    return m->gpuOk;
}
std::string TelemetrySampler::gpuUnavailableReason() const {
    return m->gpuReason;
}

} // namespace dw
