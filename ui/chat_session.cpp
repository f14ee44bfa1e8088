#include "chat_session.h"

#include "deepwell/error.h"

#include <algorithm>

namespace dw {

ChatSession::ChatSession(QObject* parent) : QAbstractListModel(parent) {
    m_settings.generate.maxTokens = 1024;
    m_settings.generate.sampling = presetParams(m_settings.preset);
}

int ChatSession::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : count();
}

QVariant ChatSession::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.parent().isValid() || index.row() >= count()) return {};
    const ChatEntry& e = m_entries[size_t(index.row())];
    switch (role) {
    case Qt::DisplayRole:
    case Qt::EditRole: return e.text;
    case RoleRole: return int(e.role);
    case IdRole: return e.id;
    case StreamingRole: return e.streaming;
    case FinishedRole: return e.finished;
    case FinishReasonRole: return int(e.finishReason);
    case InContextRole: return index.row() >= m_firstInContext;
    default: return {};
    }
}

QHash<int, QByteArray> ChatSession::roleNames() const {
    QHash<int, QByteArray> names = QAbstractListModel::roleNames();
    names[RoleRole] = "role";
    names[IdRole] = "messageId";
    names[StreamingRole] = "streaming";
    names[FinishedRole] = "finished";
    names[FinishReasonRole] = "finishReason";
    names[InContextRole] = "inContext";
    return names;
}

const ChatEntry& ChatSession::at(int row) const {
    DW_ASSERT(row >= 0 && row < count());
    return m_entries[size_t(row)];
}

int ChatSession::rowOfId(quint64 id) const {
    for (int i = 0; i < count(); ++i)
        if (m_entries[size_t(i)].id == id) return i;
    return -1;
}

int ChatSession::append(ChatRole role, const QString& text, bool streaming) {
    const int row = count();
    beginInsertRows({}, row, row);
    ChatEntry e;
    e.id = m_nextId++;
    e.role = role;
    e.text = text;
    e.streaming = streaming;
    m_entries.push_back(std::move(e));
    endInsertRows();
    emit messageAppended(row);
    return row;
}

void ChatSession::changed(int row, const QList<int>& roles) {
    const QModelIndex i = index(row);
    emit dataChanged(i, i, roles);
    emit messageUpdated(row);
}

void ChatSession::appendText(int row, const QString& text) {
    DW_ASSERT(row >= 0 && row < count());
    if (text.isEmpty()) return;
    m_entries[size_t(row)].text += text;
    changed(row, {Qt::DisplayRole, Qt::EditRole});
}

void ChatSession::setText(int row, const QString& text) {
    DW_ASSERT(row >= 0 && row < count());
    m_entries[size_t(row)].text = text;
    changed(row, {Qt::DisplayRole, Qt::EditRole});
}

void ChatSession::finish(int row, FinishReason reason, const QString& error,
                         const RequestTimings& timings) {
    DW_ASSERT(row >= 0 && row < count());
    ChatEntry& e = m_entries[size_t(row)];
    e.streaming = false;
    e.finished = true;
    e.finishReason = reason;
    e.error = error;
    e.timings = timings;
    changed(row, {StreamingRole, FinishedRole, FinishReasonRole});
    emit messageFinished(row);
}

void ChatSession::removeFrom(int row) {
    DW_ASSERT(row >= 0 && row <= count());
    if (row == count()) return;
    beginRemoveRows({}, row, count() - 1);
    m_entries.erase(m_entries.begin() + row, m_entries.end());
    endRemoveRows();
    if (m_firstInContext > count()) setFirstInContext(count());
    emit messagesRemoved(row);
}

void ChatSession::clear() {
    beginResetModel();
    m_entries.clear();
    m_firstInContext = 0;
    m_settings.longContext = false; // a per-conversation choice
    endResetModel();
    emit cleared();
    emit settingsChanged();
}

void ChatSession::replaceAll(std::vector<ChatEntry> entries, const SessionSettings& settings) {
    beginResetModel();
    m_entries = std::move(entries);
    for (ChatEntry& e : m_entries) e.id = m_nextId++;
    m_firstInContext = 0;
    m_settings = settings;
    endResetModel();
    emit cleared();
    emit settingsChanged();
}

void ChatSession::setFirstInContext(int row) {
    DW_ASSERT(row >= 0 && row <= count());
    if (row == m_firstInContext) return;
    const int lo = std::min(row, m_firstInContext), hi = std::max(row, m_firstInContext);
    m_firstInContext = row;
    if (hi > lo && lo < count())
        emit dataChanged(index(lo), index(std::min(hi, count()) - 1), {InContextRole});
    emit firstInContextChanged(row);
}

std::vector<ChatMessage> ChatSession::promptMessages(int endRow) const {
    DW_ASSERT(endRow >= 0 && endRow <= count());
    std::vector<ChatMessage> out;
    if (!m_settings.systemPrompt.trimmed().isEmpty())
        out.push_back({"system", m_settings.systemPrompt.toStdString(), {}});
    for (int i = m_firstInContext; i < endRow; ++i) {
        const ChatEntry& e = m_entries[size_t(i)];
        out.push_back({e.role == ChatRole::User ? "user" : "assistant", e.text.toStdString(), {}});
    }
    return out;
}

void ChatSession::setSettings(const SessionSettings& settings) {
    m_settings = settings;
    emit settingsChanged();
}

} // namespace dw
