#pragma once
// Shared by the history UI suites: a chat without a model (session, controller, bridge) to
// hang a HistoryController on, and raw SQLite checks from a second connection (what is
// committed to the file, not what one connection caches).
#include "app/store/store_test_util.h"
#include "chat_controller.h"
#include "chat_session.h"
#include "engine_bridge.h"
#include "history_codec.h"
#include "history_controller.h"
#include "store/history_store.h"

#include <QString>

#include <memory>

namespace dwtest {

using dw::store::test::rawQuery;

// A chat that is never given a model: the rows are driven directly through ChatSession,
// the way ChatController drives them.
struct Chat {
    dw::EngineBridge bridge;
    dw::ChatSession session;
    dw::ChatController controller{&session, &bridge};
};

inline std::unique_ptr<dw::store::HistoryStore> openStore(const QString& path,
                                                          const dw::store::test::FakeClock& clock) {
    return dw::store::HistoryStore::open(path.toStdString(), dw::store::test::optionsWith(clock));
}

inline QString raw(const QString& path, const QString& sql) {
    return QString::fromStdString(rawQuery(path.toStdString(), sql.toStdString()));
}

// The stored messages of a session as "role:state:content" lines.
inline QStringList storedMessages(const dw::store::HistoryStore& store, qint64 session) {
    QStringList out;
    for (const auto& m : store.messages(session))
        out << QStringLiteral("%1:%2:%3")
                   .arg(QLatin1String(dw::store::roleName(m.role)),
                        QLatin1String(dw::store::messageStateName(m.state)),
                        dw::toQString(m.content));
    return out;
}

} // namespace dwtest
