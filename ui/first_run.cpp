#include "first_run.h"

#include <QBoxLayout>
#include <QClipboard>
#include <QFileInfo>
#include <QFrame>
#include <QGuiApplication>
#include <QLabel>
#include <QPushButton>
#include <QScrollArea>

namespace dw {

namespace {

QLabel* wrapped(QWidget* parent, const QString& accessible) {
    auto* l = new QLabel(parent);
    l->setWordWrap(true);
    l->setTextFormat(Qt::PlainText);
    l->setTextInteractionFlags(Qt::TextSelectableByMouse);
    l->setAccessibleName(accessible);
    return l;
}

QPushButton* button(const QString& text, const QString& accessible, QWidget* parent) {
    auto* b = new QPushButton(text, parent);
    b->setAccessibleName(accessible);
    return b;
}

} // namespace

FirstRunWidget::FirstRunWidget(QWidget* parent) : QWidget(parent) {
    setAccessibleName(tr("Getting started"));
    setAutoFillBackground(true);
    setBackgroundRole(QPalette::Base);

    // One column of readable width, centred; wrapped labels keep their natural height because
    // nothing stretches between them (a stretch would squeeze them to one line).
    auto* column = new QWidget;
    column->setMaximumWidth(680);
    column->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    auto* col = new QVBoxLayout(column);
    col->setSpacing(10);

    auto* title = new QLabel(tr("Welcome to Deepwell"), column);
    QFont big = title->font();
    big.setPointSizeF(big.pointSizeF() * 1.6);
    big.setBold(true);
    title->setFont(big);
    title->setAccessibleName(tr("Welcome to Deepwell"));
    auto* what = wrapped(column, tr("What Deepwell is"));
    what->setText(
        tr("Deepwell runs language models, including DeepSeek-style mixture-of-experts models, "
           "on this computer. Nothing you type leaves it."));
    auto* step = new QLabel(tr("To start, Deepwell needs a model file (GGUF)."), column);
    step->setWordWrap(true);
    step->setAccessibleName(tr("What to do"));

    m_message = wrapped(column, tr("Message"));
    m_message->hide();

    auto* box = new QFrame(column);
    box->setFrameShape(QFrame::StyledPanel);
    auto* boxCol = new QVBoxLayout(box);
    m_state = wrapped(box, tr("Default model"));
    m_command = wrapped(box, tr("Command that installs the default model"));
    m_command->setFont(QFont(QStringLiteral("monospace")));
    m_command->setStyleSheet(QStringLiteral("padding:6px; background:palette(alternate-base)"));
    m_useDefault = button(tr("&Use the default model"), tr("Use the default model"), box);
    m_useDefault->setDefault(true);
    m_recheck = button(tr("Check &again"), tr("Check again for the default model"), box);
    m_copy = button(tr("&Copy command"), tr("Copy the install command"), box);
    auto* boxButtons = new QHBoxLayout;
    boxButtons->addWidget(m_useDefault);
    boxButtons->addWidget(m_copy);
    boxButtons->addWidget(m_recheck);
    boxButtons->addStretch(1);
    boxCol->addWidget(m_state);
    boxCol->addWidget(m_command);
    boxCol->addLayout(boxButtons);

    auto* other = wrapped(column, tr("Other models"));
    other->setText(
        tr("Or open a GGUF model you already have. The model manager lists the models Deepwell "
           "knows, with the memory each needs on this computer."));
    m_open = button(tr("&Open GGUF…"), tr("Open a GGUF model file"), column);
    m_open->setToolTip(tr("Open a model file (Ctrl+O)"));
    m_manager = button(tr("&Model manager…"), tr("Open the model manager"), column);
    auto* otherButtons = new QHBoxLayout;
    otherButtons->addWidget(m_open);
    otherButtons->addWidget(m_manager);
    otherButtons->addStretch(1);

    col->addWidget(title);
    col->addWidget(what);
    col->addWidget(m_message);
    col->addSpacing(6);
    col->addWidget(step);
    col->addWidget(box);
    col->addSpacing(6);
    col->addWidget(other);
    col->addLayout(otherButtons);

    // Centred horizontally (the column takes most of the width, up to its maximum), at the top,
    // in a scroll area so that the screen never makes the chat dock (or the window) taller.
    auto* page = new QWidget;
    page->setBackgroundRole(QPalette::Base);
    auto* row = new QHBoxLayout;
    row->addStretch(1);
    row->addWidget(column, 12);
    row->addStretch(1);
    auto* pageCol = new QVBoxLayout(page);
    pageCol->setContentsMargins(24, 32, 24, 24);
    pageCol->addLayout(row);
    pageCol->addStretch(1);
    auto* scroll = new QScrollArea(this);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setWidgetResizable(true);
    scroll->setWidget(page);
    scroll->setAccessibleName(tr("Getting started"));
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    outer->addWidget(scroll);

    connect(m_useDefault, &QPushButton::clicked, this,
            [this] { emit useDefaultRequested(m_path); });
    connect(m_recheck, &QPushButton::clicked, this, &FirstRunWidget::recheck);
    connect(m_copy, &QPushButton::clicked, this,
            [this] { QGuiApplication::clipboard()->setText(m_install); });
    connect(m_open, &QPushButton::clicked, this, &FirstRunWidget::openRequested);
    connect(m_manager, &QPushButton::clicked, this, &FirstRunWidget::managerRequested);
    update();
}

void FirstRunWidget::setDefaultModel(const QString& path, const QString& name, const QString& size,
                                     const QString& installCommand) {
    m_path = path;
    m_name = name;
    m_size = size;
    m_install = installCommand;
    recheck();
}

void FirstRunWidget::recheck() {
    m_present = !m_path.isEmpty() && QFileInfo(m_path).isFile();
    update();
}

void FirstRunWidget::setMessage(const QString& text, bool error) {
    m_message->setText(text);
    m_message->setStyleSheet(error ? QStringLiteral("color:#b01e1e") : QString());
    m_message->setVisible(!text.isEmpty());
}

void FirstRunWidget::update() {
    const QString name = m_name.isEmpty() ? tr("The default model") : m_name;
    if (m_present) {
        m_state->setText(
            tr("%1 (%2) is installed at\n%3\nIt is small and quick: a good way to try Deepwell.")
                .arg(name, m_size, m_path));
    } else if (m_path.isEmpty()) {
        m_state->setText(tr("No default model is configured."));
    } else {
        m_state->setText(
            tr("%1 (%2) is not installed yet. Deepwell installs offline and never downloads "
               "anything by itself. To fetch it, run this once in a terminal, in the Deepwell "
               "folder; it puts the model at\n%3\nThen choose Check again.")
                .arg(name, m_size, m_path));
    }
    m_command->setText(m_install);
    m_command->setVisible(!m_present && !m_install.isEmpty());
    m_copy->setVisible(!m_present && !m_install.isEmpty());
    m_recheck->setVisible(!m_present && !m_path.isEmpty());
    m_useDefault->setVisible(m_present);
}

} // namespace dw
