#pragma once
// The identity of a telemetry snapshot file, shared by its writer and reader.
namespace dw::snapshot {
inline constexpr const char* kFormat = "deepwell-telemetry";
inline constexpr int kVersion = 1;
} // namespace dw::snapshot
