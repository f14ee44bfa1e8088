#include "store/store_error.h"

namespace dw::store {
namespace {

ErrorCode engineCode(StoreErrorKind kind) {
    switch (kind) {
    case StoreErrorKind::CannotOpen:
    case StoreErrorKind::PermissionDenied:
    case StoreErrorKind::DiskFull:
    case StoreErrorKind::CannotWrite:
    case StoreErrorKind::Busy:
        return ErrorCode::Io;
    case StoreErrorKind::Corrupt:
    case StoreErrorKind::BadImport:
        return ErrorCode::Format;
    case StoreErrorKind::NewerVersion:
    case StoreErrorKind::NotHistoryDatabase:
        return ErrorCode::Unsupported;
    case StoreErrorKind::NotFound:
    case StoreErrorKind::InvalidArgument:
        return ErrorCode::InvalidArgument;
    case StoreErrorKind::Internal:
        return ErrorCode::Internal;
    }
    return ErrorCode::Internal;
}

} // namespace

const char* storeErrorKindName(StoreErrorKind kind) {
    switch (kind) {
    case StoreErrorKind::CannotOpen:
        return "CannotOpen";
    case StoreErrorKind::PermissionDenied:
        return "PermissionDenied";
    case StoreErrorKind::DiskFull:
        return "DiskFull";
    case StoreErrorKind::CannotWrite:
        return "CannotWrite";
    case StoreErrorKind::Busy:
        return "Busy";
    case StoreErrorKind::Corrupt:
        return "Corrupt";
    case StoreErrorKind::NewerVersion:
        return "NewerVersion";
    case StoreErrorKind::NotHistoryDatabase:
        return "NotHistoryDatabase";
    case StoreErrorKind::BadImport:
        return "BadImport";
    case StoreErrorKind::NotFound:
        return "NotFound";
    case StoreErrorKind::InvalidArgument:
        return "InvalidArgument";
    case StoreErrorKind::Internal:
        return "Internal";
    }
    return "?";
}

StoreError::StoreError(StoreErrorKind kind, const std::string& message)
    : dw::Error(engineCode(kind), message), m_kind(kind) {}

} // namespace dw::store
