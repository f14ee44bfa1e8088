<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US">
<context>
    <name>dw</name>
    <message numerus="yes">
        <source>%n reply(s) were cut off when Deepwell last stopped; the text received until then is kept and marked as interrupted.</source>
        <translation>
            <numerusform>%n reply was cut off when Deepwell last stopped; the text received until then is kept and marked as interrupted.</numerusform>
            <numerusform>%n replies were cut off when Deepwell last stopped; the text received until then is kept and marked as interrupted.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>dw::ChatController</name>
    <message numerus="yes">
        <source>%n earlier message(s) are no longer sent to the model.</source>
        <translation>
            <numerusform>%n earlier message is no longer sent to the model.</numerusform>
            <numerusform>%n earlier messages are no longer sent to the model.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>dw::HistoryPanel</name>
    <message numerus="yes">
        <source>%n message(s) found.</source>
        <translation>
            <numerusform>%n message found.</numerusform>
            <numerusform>%n messages found.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Imported %n conversation(s).</source>
        <translation>
            <numerusform>Imported %n conversation.</numerusform>
            <numerusform>Imported %n conversations.</numerusform>
        </translation>
    </message>
</context>
</TS>
