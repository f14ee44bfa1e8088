#pragma once
// Live telemetry for the monitor panel, `deepwell-cli bench` and /metrics: GPU figures from
// NVML (loaded at run time, so the program runs where the driver is missing), host CPU and RAM
// from /proc, and the engine's ledger and serving metrics, sampled onto one time axis.
//
//   GpuTelemetrySource  one GPU's figures per call; NvmlSource is the real one
//   HostTelemetry       CPU utilisation, process CPU time, RAM, RSS
//   TelemetrySampler    a bounded ring of TelemetrySample (10 min at 1 Hz by default), event
//                       marks, snapshots; sampled by the caller's timer or its own thread
//   analysis            tokens per joule, KV headroom, thresholds, estimate beside actual
//   output              CSV, JSON snapshots, Prometheus text (prometheusText overload)
//
// Units are in the field names. A figure a device or file does not report is an empty
// std::optional (never 0), so the panel can say "n/a" rather than draw a false zero.
#include "deepwell/engine.h"
#include "deepwell/memory_ledger.h"
#include "deepwell/metrics.h"

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dw {

// ---------------------------------------------------------------- GPU

struct GpuProcessUsage {
    uint32_t pid = 0;
    std::optional<uint64_t> usedBytes; // empty when the driver does not account per process
    std::string name;                  // /proc/<pid>/comm; "" when not visible (other namespace)
};

struct GpuSample {
    int index = 0; // NVML index (the PCI bus order; CUDA agrees with CUDA_DEVICE_ORDER=PCI_BUS_ID)
    std::string name;                         // "NVIDIA GeForce RTX 4090"
    std::string uuid;                         // "GPU-8d1c..."
    std::optional<double> utilizationPercent; // time a kernel ran over the last period, 0..100
    std::optional<double> memoryBusyPercent;  // time device memory was read or written, 0..100
    std::optional<uint64_t> memoryUsedBytes;  // by every process, as the driver counts
    std::optional<uint64_t> memoryTotalBytes;
    std::optional<double> temperatureCelsius; // GPU die
    std::optional<double> powerWatts;         // board draw
    std::optional<double> powerLimitWatts;    // enforced limit
    std::optional<uint32_t> smClockMHz;
    std::optional<uint32_t> memoryClockMHz;
    std::optional<uint64_t> pcieRxBytesPerSecond; // host -> GPU, over a 20 ms window
    std::optional<uint64_t> pcieTxBytesPerSecond; // GPU -> host
    bool processesKnown = false;                  // the process query succeeded
    std::vector<GpuProcessUsage> processes;       // compute processes on this GPU
    std::string error; // the first unexpected failure of this sample ("power: GPU is lost")
};

// Where GPU figures come from. Implementations are thread-compatible per instance; the
// sampler calls one instance from one thread at a time.
class GpuTelemetrySource {
public:
    virtual ~GpuTelemetrySource() = default;
    virtual bool available() const = 0;
    // One line for the panel when !available(), e.g. "no NVIDIA driver: libnvidia-ml.so.1 not
    // found"; "" when available.
    virtual std::string whyUnavailable() const = 0;
    virtual int deviceCount() const = 0; // 0 when unavailable
    // Throws dw::Error(InvalidArgument) for an index outside [0, deviceCount()).
    virtual GpuSample sample(int index) = 0;
};

struct NvmlOptions {
    // "" = $DEEPWELL_NVML_LIBRARY when set, else "libnvidia-ml.so.1" (the driver's soname).
    std::string libraryPath;
    bool queryPcie = true; // each PCIe counter blocks for NVML's 20 ms measurement window
    bool queryProcesses = true;
    std::string procRoot = "/proc"; // where process names are looked up
};

// NVML opened with dlopen (RTLD_NOW | RTLD_LOCAL) and resolved by the public symbol names; no
// link-time dependency. A missing library, a missing symbol or an nvmlInit failure leaves the
// source unavailable with the reason; nothing here throws except sample()'s range check.
class NvmlSource final : public GpuTelemetrySource {
public:
    explicit NvmlSource(const NvmlOptions& options = {});
    ~NvmlSource() override; // nvmlShutdown + dlclose
    NvmlSource(const NvmlSource&) = delete;
    NvmlSource& operator=(const NvmlSource&) = delete;

    bool available() const override;
    std::string whyUnavailable() const override;
    int deviceCount() const override;
    GpuSample sample(int index) override;
    const std::string& libraryPath() const; // the path that was tried

    struct Impl;

private:
    std::unique_ptr<Impl> m;
};

// ---------------------------------------------------------------- host

struct HostSample {
    int cpuCount = 0;                             // "cpuN" lines of /proc/stat
    std::optional<double> cpuUtilizationPercent;  // all CPUs, since the previous sample
    std::optional<double> processCpuSecondsTotal; // this process: user + system time
    std::optional<double> processCpuCores; // cores this process kept busy since the previous sample
    std::optional<uint64_t> memoryTotalBytes;     // MemTotal
    std::optional<uint64_t> memoryAvailableBytes; // MemAvailable
    std::optional<uint64_t> processResidentBytes; // VmRSS
    std::string error;                            // the first file that could not be read
};

// Reads <procRoot>/stat, <procRoot>/meminfo, <procRoot>/self/stat and <procRoot>/self/status.
// The rates need two samples: the first sample() leaves them empty. Never throws.
class HostTelemetry {
public:
    using Clock = std::chrono::steady_clock;
    explicit HostTelemetry(std::string procRoot = "/proc");
    HostSample sample(Clock::time_point now = Clock::now());

private:
    std::string m_root;
    bool m_havePrevious = false;
    uint64_t m_prevTotal = 0, m_prevIdle = 0; // jiffies of the aggregate cpu line
    double m_prevProcessSeconds = -1.0;
    Clock::time_point m_prevTime;
};

// ---------------------------------------------------------------- one sample

// The serving figures of a MetricsSnapshot that a timeline needs (no histogram buckets).
struct ServingFigures {
    uint64_t generatedTokensTotal = 0, promptTokensTotal = 0;
    double generatedTokensPerSecond = 0.0, promptTokensPerSecond = 0.0; // recorder's window
    uint64_t ttftCount = 0; // requests that produced a first token
    double ttftSumSeconds = 0.0;
    uint64_t ttftWindowSamples = 0; // behind the percentiles below
    double ttftP50Seconds = 0.0, ttftP99Seconds = 0.0;
    uint64_t itlWindowSamples = 0;
    double itlP50Seconds = 0.0, itlP99Seconds = 0.0;
    uint64_t queuedRequests = 0, runningSequences = 0;
    uint64_t kvBlocksUsed = 0, kvBlocksFree = 0, kvBlocksCached = 0;
};
ServingFigures servingFigures(const MetricsSnapshot& metrics);

// "N more tokens of context fit": free blocks plus unreferenced cached blocks (the pool
// evicts those on demand) times the block size.
struct KvHeadroom {
    int64_t blockSize = 0;
    int64_t blocksTotal = 0, blocksUsed = 0, blocksFree = 0, blocksCached = 0;
    int64_t tokens = 0;
    // Used blocks per running sequence (shared prefix blocks count once, so this is a lower
    // bound of what one request holds); empty with nothing running. The engine exposes no
    // per-request block count.
    std::optional<double> blocksPerRunningSequence;
};
// Throws dw::Error(InvalidArgument) for blockSize < 1 or negative counts.
KvHeadroom kvHeadroom(const EngineStats& stats, int64_t blockSize);

// A ledger snapshot's bytes of one category summed over devices, and of all categories.
uint64_t ledgerCategoryBytes(const LedgerSnapshot& ledger, LedgerCategory category);
uint64_t ledgerTotalBytes(const LedgerSnapshot& ledger);

enum class ThresholdCheck : uint8_t {
    GpuUtilizationLow,
    GpuUtilizationHigh,
    P99Latency,
    Fragmentation
};
inline constexpr int kThresholdCheckCount = 4;
// "gpu_utilization_low", "gpu_utilization_high", "p99_latency", "fragmentation"; "invalid".
const char* thresholdCheckName(ThresholdCheck c);

struct ThresholdWarning {
    ThresholdCheck check = ThresholdCheck::GpuUtilizationLow;
    std::string subject; // "gpu:0", a pool name, "time to first token"
    double value = 0.0;  // in the limit's unit
    double limit = 0.0;
    std::string text; // one line for the panel
};

struct TelemetrySample {
    double seconds = 0.0; // since the sampler's start (the timeline's time axis)
    bool gpuAvailable = false;
    std::string gpuUnavailableReason;
    std::vector<GpuSample> gpus;
    HostSample host;
    std::optional<ServingFigures> serving; // with an engine feed
    std::optional<LedgerSnapshot> memory;  // with a ledger feed; its event timeline is dropped
    std::optional<KvHeadroom> headroom;    // with a stats feed and a block size
    // Over the interval since the previous sample (empty on the first, or after an engine
    // change made the counters go back):
    std::optional<double> tokensPerSecond; // generated tokens / interval
    std::optional<double> ttftMeanSeconds; // mean TTFT of the requests whose first token came
    std::optional<double> tokensPerJoule;  // live, over TelemetrySamplerOptions::efficiencyWindow
    std::vector<ThresholdWarning> warnings;
};

// ---------------------------------------------------------------- analysis

// The monitoring targets; every limit is configurable. Throws from validate() for NaN,
// negative limits, low > high or fragmentationMax outside [0, 1].
struct Thresholds {
    double gpuUtilizationLowPercent = 70.0;  // below: underused, checked only while the engine
                                             // runs sequences and holds memory on that GPU
    double gpuUtilizationHighPercent = 85.0; // above: saturated, queues will grow
    double p99LatencyMs = 500.0;             // P99 time to first token (recorder's window)
    double fragmentationMax = 0.15;          // per pool
    void validate() const;
};
std::vector<ThresholdWarning> evaluateThresholds(const TelemetrySample& sample,
                                                 const Thresholds& thresholds);

// Energy drawn between timeline times `from` and `to` (seconds, from <= to) by GPU
// `gpuIndex` (-1: the sum of all GPUs of each sample), integrating the power figures of
// `samples` (ordered by time) as a piecewise-linear curve. Outside the sampled span the end
// value is held for at most `holdSeconds`. Empty when a part of [from, to] has no power
// figure (no NVML, a GPU that does not report power, a gap): unavailable, never 0.
// Throws dw::Error(InvalidArgument) for from > to, a non-finite bound or holdSeconds < 0.
std::optional<double> gpuEnergyJoules(const std::vector<TelemetrySample>& samples, double from,
                                      double to, int gpuIndex = -1, double holdSeconds = 2.0);
// Per reply: tokens / gpuEnergyJoules(from, to). Empty when the energy is unavailable or 0.
std::optional<double> tokensPerJoule(const std::vector<TelemetrySample>& samples, double from,
                                     double to, uint64_t tokens, int gpuIndex = -1);
// Live: generated tokens between the first and last of the last `window` samples (only the
// trailing run of samples with a serving feed whose counter never went back) over the energy
// between them.
std::optional<double> liveTokensPerJoule(const std::vector<TelemetrySample>& samples, size_t window,
                                         int gpuIndex = -1);

// The memory planned before a model is loaded, per category, set beside the ledger.
struct LedgerEstimate {
    std::array<uint64_t, kLedgerCategoryCount> bytes{}; // indexed by LedgerCategory
    uint64_t total() const;
};
// What an Engine over `model` with `options` will record: the weights, and the KV cache of
// ceil(kvTokens / blockSize) blocks. (The model file is mapped, not yet served.)
inline LedgerEstimate estimateEngineMemory(const Model& model, const EngineOptions& options) {
    LedgerEstimate e;
    e.bytes[size_t(LedgerCategory::Weights)] = model.weightBytes();
    const int64_t bs = options.blockSize > 0 ? options.blockSize : 1;
    const int64_t blocks = (options.kvTokens + bs - 1) / bs;
    e.bytes[size_t(LedgerCategory::KvCache)] = model.kvBytesPerToken() * uint64_t(blocks * bs);
    return e;
}
struct EstimateRow {
    LedgerCategory category = LedgerCategory::Other;
    uint64_t estimatedBytes = 0;
    uint64_t actualBytes = 0;    // summed over devices
    int64_t differenceBytes = 0; // actual - estimated
};
// One row per category, in enum order.
std::vector<EstimateRow> compareEstimate(const LedgerEstimate& estimate,
                                         const LedgerSnapshot& actual);

// ---------------------------------------------------------------- the sampler

enum class TelemetryMarkKind : uint8_t { ModelLoad, ModelUnload, Prefill, Decode, Other };
inline constexpr int kTelemetryMarkKindCount = 5;
// "model_load", "model_unload", "prefill", "decode", "other"; "invalid" out of range.
const char* telemetryMarkKindName(TelemetryMarkKind k);
bool telemetryMarkKindFromName(std::string_view name, TelemetryMarkKind& out);

struct TelemetryMark {
    double seconds = 0.0; // on the sampler's time axis
    TelemetryMarkKind kind = TelemetryMarkKind::Other;
    std::string label;
};

// Where the engine figures come from. Each feed may be empty. They are called on the thread
// that samples; Engine's metrics()/memory()/stats() are safe on any thread.
struct TelemetryFeeds {
    std::function<MetricsSnapshot()> metrics;
    std::function<LedgerSnapshot()> ledger;
    std::function<EngineStats()> stats;
    int64_t kvBlockSize = 0; // for the headroom; 0 = no headroom
};
// Feeds reading `engine`, which must outlive them (clear them with setFeeds({}) first).
inline TelemetryFeeds engineFeeds(const Engine& engine) {
    TelemetryFeeds f;
    f.metrics = [&engine] { return engine.metrics(); };
    f.ledger = [&engine] { return engine.memory(); };
    f.stats = [&engine] { return engine.stats(); };
    f.kvBlockSize = engine.options().blockSize;
    return f;
}

struct TelemetrySamplerOptions {
    size_t capacity = 600;        // samples kept: 10 minutes at 1 Hz; [2, 1'000'000]
    double periodSeconds = 1.0;   // of the thread start() runs; [0.01, 3600]
    size_t efficiencyWindow = 10; // samples behind the live tokens per joule; >= 2
    int efficiencyGpu = -1;       // whose power counts: a GPU index, or -1 for the sum of all
                                  // (then every GPU must report power, else no figure)
    size_t maxMarks = 4096;       // older marks are dropped first; >= 1
    Thresholds thresholds;
    std::string procRoot = "/proc";
    // The time source (tests drive it); empty = steady_clock::now.
    std::function<std::chrono::steady_clock::time_point()> clock;
};

// A saved timeline, for side-by-side comparison.
struct TelemetrySnapshot {
    std::string name;
    int64_t startUnixMs = 0; // wall-clock time of timeline second 0
    std::vector<TelemetrySample> samples;
    std::vector<TelemetryMark> marks;
};

// Threads: every member may be called from any thread. sampleNow() holds one mutex for the
// whole sample (so feeds and the GPU source are called by one thread at a time); setFeeds()
// takes it too, so when setFeeds() returns no call into the old feeds is running.
// Two ways to drive it: call sampleNow() from a timer, or start() a thread of the sampler's
// own that calls it every periodSeconds until stop(). A sample can block for tens of ms (NVML
// measures each PCIe counter over 20 ms), so a GUI should use start() (or NvmlOptions::
// queryPcie = false) and read latest()/samples() from its timer.
class TelemetrySampler {
public:
    using Clock = std::chrono::steady_clock;
    // gpu may be null (no GPU figures). Throws dw::Error(InvalidArgument) for bad options.
    TelemetrySampler(const TelemetrySamplerOptions& options,
                     std::unique_ptr<GpuTelemetrySource> gpu, TelemetryFeeds feeds = {});
    ~TelemetrySampler(); // stop()s
    TelemetrySampler(const TelemetrySampler&) = delete;
    TelemetrySampler& operator=(const TelemetrySampler&) = delete;

    void setFeeds(TelemetryFeeds feeds);
    TelemetrySample sampleNow(); // takes a sample, appends it to the ring, returns it
    void mark(TelemetryMarkKind kind, std::string label); // at now()
    void start();                                         // idempotent
    void stop();                                          // idempotent; joins the thread
    bool running() const;

    double now() const;                           // seconds on the time axis
    std::vector<TelemetrySample> samples() const; // oldest first
    std::vector<TelemetryMark> marks() const;     // oldest first
    std::optional<TelemetrySample> latest() const;
    TelemetrySnapshot snapshot(std::string name) const;
    void clear(); // forgets samples and marks; the time axis goes on
    const TelemetrySamplerOptions& options() const;
    bool gpuAvailable() const;
    std::string gpuUnavailableReason() const;

    struct Impl;

private:
    std::unique_ptr<Impl> m;
};

// ---------------------------------------------------------------- output

// CSV, RFC 4180 quoting, "\n" line ends. Header row, then one line per sample. Columns:
//   seconds,
//   per GPU g (as many groups as the sample with the most GPUs): gpu<g>_utilization_percent,
//   gpu<g>_memory_used_bytes, gpu<g>_memory_total_bytes, gpu<g>_temperature_celsius,
//   gpu<g>_power_watts, gpu<g>_sm_clock_mhz, gpu<g>_memory_clock_mhz,
//   gpu<g>_pcie_rx_bytes_per_second, gpu<g>_pcie_tx_bytes_per_second,
//   host_cpu_percent, process_cpu_cores, host_memory_total_bytes,
//   host_memory_available_bytes, process_resident_bytes,
//   memory_<category>_bytes for each category (summed over devices), memory_total_bytes,
//   kv_blocks_used, kv_blocks_free, kv_blocks_cached, kv_headroom_tokens,
//   generated_tokens_total, tokens_per_second, ttft_mean_seconds, ttft_p99_seconds,
//   itl_p99_seconds, queued_requests, running_sequences, tokens_per_joule, warnings,
//   marks (the marks after the previous sample up to this one, "kind:label" joined by "|").
// An unknown figure is an empty cell.
std::string telemetryCsv(const std::vector<TelemetrySample>& samples,
                         const std::vector<TelemetryMark>& marks = {});

// JSON: {"format": "deepwell-telemetry", "version": 1, "name", "startUnixMs", "samples",
// "marks"}. save throws dw::Error(Io); load throws Error(Io) or Error(Format) naming the field.
void saveTelemetrySnapshot(const TelemetrySnapshot& snapshot, const std::string& path);
TelemetrySnapshot loadTelemetrySnapshot(const std::string& path);
std::string telemetrySnapshotJson(const TelemetrySnapshot& snapshot);
TelemetrySnapshot parseTelemetrySnapshotJson(const std::string& text, const std::string& what);

// Side by side: one row per figure, each side empty where that snapshot lacks the figure.
struct ComparisonRow {
    std::string figure; // "peak memory: weights"
    std::string unit;   // "bytes", "tokens/s", "%", "W", "J", "tokens/J", "s"
    std::optional<double> a, b;
};
std::vector<ComparisonRow> compareTelemetry(const TelemetrySnapshot& a, const TelemetrySnapshot& b);

// Prometheus text format 0.0.4 of everything: prometheusText(metrics, ledger) followed by the
// GPU (deepwell_gpu_*), host (deepwell_host_*, deepwell_process_*), headroom, efficiency and
// threshold families of `live`. Every family has HELP and TYPE; units in the names.
std::string prometheusText(const MetricsSnapshot& metrics, const LedgerSnapshot& ledger,
                           const TelemetrySample& live);

} // namespace dw
