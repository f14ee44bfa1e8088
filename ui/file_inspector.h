#pragma once
// Reads GGUF headers and the machine's free memory on its own thread, so the model manager
// never blocks the GUI on a 100 GB file or a GPU driver that takes a moment to answer.
// Requests are served in order; results come back as signals on the GUI thread.
//
// Threads: the object and its signals: GUI thread; the work: m_thread.
#include "model_facts.h"

#include <QObject>
#include <QThread>

namespace dw {

class FileInspector : public QObject {
    Q_OBJECT
public:
    explicit FileInspector(QObject* parent = nullptr);
    ~FileInspector() override; // waits for the request in progress

    // inspected() or inspectionFailed() follows, with the same path and context.
    void inspect(const QString& path, qint64 contextTokens);
    void queryMachine(); // machineMemory() follows

signals:
    void inspected(const QString& path, qint64 contextTokens, const dw::FileFacts& facts);
    void inspectionFailed(const QString& path, qint64 contextTokens, const QString& message);
    void machineMemory(const dw::MachineMemory& memory);

private:
    QThread m_thread;
    QObject* m_context = nullptr; // lives on m_thread
};

} // namespace dw
