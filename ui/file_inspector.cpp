#include "file_inspector.h"

#include <exception>

namespace dw {

FileInspector::FileInspector(QObject* parent) : QObject(parent) {
    qRegisterMetaType<FileFacts>();
    qRegisterMetaType<MachineMemory>();
    m_thread.setObjectName(QStringLiteral("dw-file-inspector"));
    m_context = new QObject; // no parent: it moves to the thread
    m_context->moveToThread(&m_thread);
    m_thread.start();
}

FileInspector::~FileInspector() {
    m_thread.quit();
    m_thread.wait();
    delete m_context;
}

void FileInspector::inspect(const QString& path, qint64 contextTokens) {
    // The signals are emitted from the worker thread; connections to GUI objects are queued.
    QMetaObject::invokeMethod(
        m_context,
        [this, path, contextTokens] {
            try {
                const FileFacts facts = inspectModelFile(path, contextTokens);
                emit inspected(path, contextTokens, facts);
            } catch (const std::exception& e) {
                emit inspectionFailed(path, contextTokens, QString::fromUtf8(e.what()));
            }
        },
        Qt::QueuedConnection);
}

void FileInspector::queryMachine() {
    QMetaObject::invokeMethod(
        m_context, [this] { emit machineMemory(queryMachineMemory()); }, Qt::QueuedConnection);
}

} // namespace dw
