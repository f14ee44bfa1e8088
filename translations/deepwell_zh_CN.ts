<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>dw</name>
    <message>
        <source>Interrupted: Deepwell stopped before this reply was finished. The text received until then is kept; regenerate it or continue the conversation.</source>
        <translation>已中断：Deepwell 在这条回复完成前停止了。已收到的文本会保留；可以重新生成，或继续对话。</translation>
    </message>
    <message>
        <source>Stopped at the length limit.</source>
        <translation>已达到长度上限而停止。</translation>
    </message>
    <message>
        <source>Stopped by you.</source>
        <translation>已由你停止。</translation>
    </message>
    <message>
        <source>Error: %1</source>
        <translation>错误：%1</translation>
    </message>
    <message>
        <source>first token after %1 s</source>
        <translation>首个词元用时 %1 秒</translation>
    </message>
    <message>
        <source>%1 tokens/s</source>
        <translation>%1 词元/秒</translation>
    </message>
    <message>
        <source>%1 prompt tokens (%2 cached)</source>
        <translation>%1 个提示词元（%2 个已缓存）</translation>
    </message>
    <message>
        <source>%1 prompt tokens</source>
        <translation>%1 个提示词元</translation>
    </message>
    <message>
        <source>%1 + %2 generated</source>
        <translation>%1 + %2 个已生成</translation>
    </message>
    <message>
        <source>The conversation could not be exported: %1</source>
        <translation>无法导出对话：%1</translation>
    </message>
    <message>
        <source>Could not write %1: %2</source>
        <translation>无法写入 %1：%2</translation>
    </message>
    <message>
        <source>Could not read %1: %2</source>
        <translation>无法读取 %1：%2</translation>
    </message>
    <message>
        <source>%1 is %2 MB; an exported history is at most %3 MB.</source>
        <translation>%1 大小为 %2 MB；导出的历史记录最大为 %3 MB。</translation>
    </message>
    <message>
        <source>%1 was not imported (nothing was added): %2</source>
        <translation>%1 未导入（未添加任何内容）：%2</translation>
    </message>
    <message>
        <source>conversation</source>
        <translation>对话</translation>
    </message>
    <message>
        <source>The chat history was damaged (%1). The damaged file was kept as %2 — nothing was deleted — and a new, empty history was started.</source>
        <translation>聊天历史记录已损坏（%1）。损坏的文件已保留为 %2 —— 没有删除任何内容 —— 并已新建一个空的历史记录。</translation>
    </message>
    <message numerus="yes">
        <source>%n reply(s) were cut off when Deepwell last stopped; the text received until then is kept and marked as interrupted.</source>
        <translation>
            <numerusform>%n 条回复在 Deepwell 上次停止时被截断；截至当时收到的文本已保留，并标记为已中断。</numerusform>
        </translation>
    </message>
    <message>
        <source>History is not being saved: %1 Conversations in this window are lost when Deepwell closes.</source>
        <translation>历史记录未保存：%1 Deepwell 关闭后，此窗口中的对话将会丢失。</translation>
    </message>
</context>
<context>
    <name>dw::ChatController</name>
    <message numerus="yes">
        <source>%n earlier message(s) are no longer sent to the model.</source>
        <translation>
            <numerusform>%n 条较早的消息已不再发送给模型。</numerusform>
        </translation>
    </message>
    <message>
        <source>The message was not sent.</source>
        <translation>消息未发送。</translation>
    </message>
</context>
<context>
    <name>dw::ChatInput</name>
    <message>
        <source>Message (Enter sends, Shift+Enter for a new line)</source>
        <translation>消息（Enter 发送，Shift+Enter 换行）</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>消息</translation>
    </message>
    <message>
        <source>Type a message. Enter sends it; Shift+Enter starts a new line.</source>
        <translation>输入消息。按 Enter 发送；按 Shift+Enter 换行。</translation>
    </message>
</context>
<context>
    <name>dw::ChatPanel</name>
    <message>
        <source>Chat</source>
        <translation>聊天</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <source>Context: %1 / %2 tokens</source>
        <translation>上下文：%1 / %2 个词元</translation>
    </message>
    <message>
        <source>Session settings</source>
        <translation>会话设置</translation>
    </message>
    <message>
        <source>Show session settings</source>
        <translation>显示会话设置</translation>
    </message>
    <message>
        <source>Context usage</source>
        <translation>上下文用量</translation>
    </message>
    <message>
        <source>New session</source>
        <translation>新会话</translation>
    </message>
    <message>
        <source>Start an empty conversation (Ctrl+N)</source>
        <translation>开始一个空白对话（Ctrl+N）</translation>
    </message>
    <message>
        <source>Model status</source>
        <translation>模型状态</translation>
    </message>
    <message>
        <source>Loading progress</source>
        <translation>加载进度</translation>
    </message>
    <message>
        <source>Cancel loading</source>
        <translation>取消加载</translation>
    </message>
    <message>
        <source>The conversation does not fit the context</source>
        <translation>对话超出了上下文长度</translation>
    </message>
    <message>
        <source>Use &amp;long-context mode</source>
        <translation>使用长上下文模式(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;Trim old messages</source>
        <translation>裁剪旧消息(&amp;T)</translation>
    </message>
    <message>
        <source>Start a &amp;new session</source>
        <translation>开始新会话(&amp;N)</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Keep the start of the conversation and the most recent text; the model forgets the middle.</source>
        <translation>保留对话的开头和最近的文本；模型会忘记中间部分。</translation>
    </message>
    <message>
        <source>Stop sending the oldest messages to the model until the conversation fits.</source>
        <translation>不再向模型发送最早的消息，直到对话能够容纳。</translation>
    </message>
    <message>
        <source>Editing a message: sending it drops every message after it.</source>
        <translation>正在编辑消息：发送后，它之后的所有消息都会被丢弃。</translation>
    </message>
    <message>
        <source>Cancel edit</source>
        <translation>取消编辑</translation>
    </message>
    <message>
        <source>&amp;Send</source>
        <translation>发送(&amp;S)</translation>
    </message>
    <message>
        <source>Send message</source>
        <translation>发送消息</translation>
    </message>
    <message>
        <source>Send the message (Enter)</source>
        <translation>发送消息（Enter）</translation>
    </message>
    <message>
        <source>Sto&amp;p</source>
        <translation>停止(&amp;P)</translation>
    </message>
    <message>
        <source>Stop the reply</source>
        <translation>停止回复</translation>
    </message>
    <message>
        <source>Stop the reply (Esc)</source>
        <translation>停止回复（Esc）</translation>
    </message>
    <message>
        <source>&amp;Regenerate</source>
        <translation>重新生成(&amp;R)</translation>
    </message>
    <message>
        <source>Regenerate the last reply</source>
        <translation>重新生成最后一条回复</translation>
    </message>
    <message>
        <source>Replace the last reply with a new one</source>
        <translation>用新的回复替换最后一条回复</translation>
    </message>
    <message>
        <source>%1 is ready (%2, context %3 tokens).</source>
        <translation>%1 已就绪（%2，上下文 %3 个词元）。</translation>
    </message>
    <message>
        <source>This conversation needs %1 tokens, but the model&apos;s context holds %2, and the reply needs room for about %3 more. How do you want to continue?</source>
        <translation>此对话需要 %1 个词元，但模型的上下文只能容纳 %2 个，而回复还需要约 %3 个词元的空间。要如何继续？</translation>
    </message>
    <message>
        <source>Last reply: %1</source>
        <translation>上一条回复：%1</translation>
    </message>
</context>
<context>
    <name>dw::ChatView</name>
    <message>
        <source>Conversation</source>
        <translation>对话</translation>
    </message>
    <message>
        <source>The messages of this chat. Links copy a message or a code block, edit a message or regenerate the last reply.</source>
        <translation>此聊天中的消息。通过链接可以复制消息或代码块、编辑消息，或重新生成最后一条回复。</translation>
    </message>
    <message>
        <source>Assistant</source>
        <translation>助手</translation>
    </message>
    <message>
        <source>Copy code</source>
        <translation>复制代码</translation>
    </message>
    <message>
        <source>Generating…</source>
        <translation>正在生成…</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <source>Edit</source>
        <translation>编辑</translation>
    </message>
    <message>
        <source>Regenerate</source>
        <translation>重新生成</translation>
    </message>
    <message>
        <source>You</source>
        <translation>你</translation>
    </message>
    <message>
        <source>Type a message below. Enter sends, Shift+Enter starts a new line, Esc stops a reply.</source>
        <translation>在下方输入消息。Enter 发送，Shift+Enter 换行，Esc 停止回复。</translation>
    </message>
    <message>
        <source>The messages above are no longer sent to the model</source>
        <translation>以上消息已不再发送给模型</translation>
    </message>
    <message>
        <source>Message copied to the clipboard.</source>
        <translation>消息已复制到剪贴板。</translation>
    </message>
    <message>
        <source>Code copied to the clipboard.</source>
        <translation>代码已复制到剪贴板。</translation>
    </message>
</context>
<context>
    <name>dw::EngineBridge</name>
    <message>
        <source>Loading was cancelled.</source>
        <translation>加载已取消。</translation>
    </message>
    <message>
        <source>No model is loaded.</source>
        <translation>未加载模型。</translation>
    </message>
    <message>
        <source>The last message alone needs more than the model&apos;s context of %1 tokens. Shorten it or use long-context mode.</source>
        <translation>仅最后一条消息就需要超过模型上下文的 %1 个词元。请缩短它，或使用长上下文模式。</translation>
    </message>
</context>
<context>
    <name>dw::ExpertHeatmap</name>
    <message>
        <source>Expert selection heatmap</source>
        <translation>专家选择热力图</translation>
    </message>
    <message>
        <source>Layer %1</source>
        <translation>第 %1 层</translation>
    </message>
    <message>
        <source>Experts →   colour: share of the layer&apos;s selections · %1 selections</source>
        <translation>专家 →   颜色：占该层选择次数的比例 · 共 %1 次选择</translation>
    </message>
    <message>
        <source>Layer %1: dense (no experts)</source>
        <translation>第 %1 层：稠密层（无专家）</translation>
    </message>
    <message>
        <source>Layer %1, expert %2: %3 selections (%4 of the layer)</source>
        <translation>第 %1 层，专家 %2：%3 次选择（占该层的 %4）</translation>
    </message>
</context>
<context>
    <name>dw::FirstRunWidget</name>
    <message>
        <source>Getting started</source>
        <translation>入门</translation>
    </message>
    <message>
        <source>Welcome to Deepwell</source>
        <translation>欢迎使用 Deepwell</translation>
    </message>
    <message>
        <source>What Deepwell is</source>
        <translation>Deepwell 是什么</translation>
    </message>
    <message>
        <source>Deepwell runs language models, including DeepSeek-style mixture-of-experts models, on this computer. Nothing you type leaves it.</source>
        <translation>Deepwell 在这台计算机上运行语言模型，包括 DeepSeek 风格的混合专家模型。你输入的任何内容都不会离开这台计算机。</translation>
    </message>
    <message>
        <source>To start, Deepwell needs a model file (GGUF).</source>
        <translation>开始之前，Deepwell 需要一个模型文件（GGUF）。</translation>
    </message>
    <message>
        <source>What to do</source>
        <translation>下一步</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>消息</translation>
    </message>
    <message>
        <source>Default model</source>
        <translation>默认模型</translation>
    </message>
    <message>
        <source>Command that installs the default model</source>
        <translation>安装默认模型的命令</translation>
    </message>
    <message>
        <source>&amp;Use the default model</source>
        <translation>使用默认模型(&amp;U)</translation>
    </message>
    <message>
        <source>Use the default model</source>
        <translation>使用默认模型</translation>
    </message>
    <message>
        <source>Check &amp;again</source>
        <translation>重新检查(&amp;A)</translation>
    </message>
    <message>
        <source>Check again for the default model</source>
        <translation>重新检查默认模型</translation>
    </message>
    <message>
        <source>&amp;Copy command</source>
        <translation>复制命令(&amp;C)</translation>
    </message>
    <message>
        <source>Copy the install command</source>
        <translation>复制安装命令</translation>
    </message>
    <message>
        <source>Other models</source>
        <translation>其他模型</translation>
    </message>
    <message>
        <source>Or open a GGUF model you already have. The model manager lists the models Deepwell knows, with the memory each needs on this computer.</source>
        <translation>或者打开你已有的 GGUF 模型。模型管理器会列出 Deepwell 已知的模型，以及每个模型在这台计算机上所需的内存。</translation>
    </message>
    <message>
        <source>&amp;Open GGUF…</source>
        <translation>打开 GGUF(&amp;O)…</translation>
    </message>
    <message>
        <source>Open a GGUF model file</source>
        <translation>打开 GGUF 模型文件</translation>
    </message>
    <message>
        <source>Open a model file (Ctrl+O)</source>
        <translation>打开模型文件（Ctrl+O）</translation>
    </message>
    <message>
        <source>&amp;Model manager…</source>
        <translation>模型管理器(&amp;M)…</translation>
    </message>
    <message>
        <source>Open the model manager</source>
        <translation>打开模型管理器</translation>
    </message>
    <message>
        <source>The default model</source>
        <translation>默认模型</translation>
    </message>
    <message>
        <source>%1 (%2) is installed at
%3
It is small and quick: a good way to try Deepwell.</source>
        <translation>%1（%2）已安装在
%3
它小巧快速，非常适合用来试用 Deepwell。</translation>
    </message>
    <message>
        <source>No default model is configured.</source>
        <translation>未配置默认模型。</translation>
    </message>
    <message>
        <source>%1 (%2) is not installed yet. Deepwell installs offline and never downloads anything by itself. To fetch it, run this once in a terminal, in the Deepwell folder; it puts the model at
%3
Then choose Check again.</source>
        <translation>%1（%2）尚未安装。Deepwell 离线安装，从不自行下载任何内容。如需获取，请在终端中、于 Deepwell 文件夹内运行一次以下命令；模型将被放到
%3
然后选择“重新检查”。</translation>
    </message>
</context>
<context>
    <name>dw::HistoryCodec</name>
    <message>
        <source>the reply failed (details were not saved)</source>
        <translation>回复失败（详细信息未保存）</translation>
    </message>
</context>
<context>
    <name>dw::HistoryController</name>
    <message>
        <source>This conversation was held with %1; replies now come from %2.</source>
        <translation>此对话曾使用 %1；现在的回复来自 %2。</translation>
    </message>
    <message>
        <source>The chat history could not be updated: %1</source>
        <translation>无法更新聊天历史记录：%1</translation>
    </message>
</context>
<context>
    <name>dw::HistoryPanel</name>
    <message>
        <source>History</source>
        <translation>历史记录</translation>
    </message>
    <message>
        <source>Search all conversations (Ctrl+F)</source>
        <translation>搜索所有对话（Ctrl+F）</translation>
    </message>
    <message>
        <source>Search history</source>
        <translation>搜索历史记录</translation>
    </message>
    <message>
        <source>Clear the search</source>
        <translation>清除搜索</translation>
    </message>
    <message>
        <source>Conversations</source>
        <translation>对话</translation>
    </message>
    <message>
        <source>Search results</source>
        <translation>搜索结果</translation>
    </message>
    <message>
        <source>Search summary</source>
        <translation>搜索摘要</translation>
    </message>
    <message>
        <source>History status</source>
        <translation>历史记录状态</translation>
    </message>
    <message>
        <source>Dismiss</source>
        <translation>忽略</translation>
    </message>
    <message>
        <source>Dismiss this message</source>
        <translation>忽略此消息</translation>
    </message>
    <message>
        <source>Deleted conversation</source>
        <translation>已删除对话</translation>
    </message>
    <message>
        <source>&amp;Undo</source>
        <translation>撤销(&amp;U)</translation>
    </message>
    <message>
        <source>Undo delete</source>
        <translation>撤销删除</translation>
    </message>
    <message>
        <source>Bring the conversation back (Ctrl+Z)</source>
        <translation>恢复该对话（Ctrl+Z）</translation>
    </message>
    <message>
        <source>&amp;Open</source>
        <translation>打开(&amp;O)</translation>
    </message>
    <message>
        <source>&amp;Rename</source>
        <translation>重命名(&amp;R)</translation>
    </message>
    <message>
        <source>D&amp;uplicate</source>
        <translation>创建副本(&amp;U)</translation>
    </message>
    <message>
        <source>Export as &amp;Markdown…</source>
        <translation>导出为 Markdown(&amp;M)…</translation>
    </message>
    <message>
        <source>Export as &amp;JSON…</source>
        <translation>导出为 JSON(&amp;J)…</translation>
    </message>
    <message>
        <source>&amp;Delete</source>
        <translation>删除(&amp;D)</translation>
    </message>
    <message>
        <source>&amp;Import…</source>
        <translation>导入(&amp;I)…</translation>
    </message>
    <message>
        <source>Undo Delete</source>
        <translation>撤销删除</translation>
    </message>
    <message>
        <source>&amp;New</source>
        <translation>新建(&amp;N)</translation>
    </message>
    <message>
        <source>New conversation</source>
        <translation>新对话</translation>
    </message>
    <message>
        <source>Start an empty conversation (Ctrl+N)</source>
        <translation>开始一个空白对话（Ctrl+N）</translation>
    </message>
    <message>
        <source>Import conversations</source>
        <translation>导入对话</translation>
    </message>
    <message>
        <source>Add conversations from a JSON file exported by Deepwell</source>
        <translation>从 Deepwell 导出的 JSON 文件中添加对话</translation>
    </message>
    <message>
        <source>&amp;Conversation</source>
        <translation>对话(&amp;C)</translation>
    </message>
    <message>
        <source>Conversation actions</source>
        <translation>对话操作</translation>
    </message>
    <message>
        <source>Rename, duplicate, export or delete the selected conversation</source>
        <translation>重命名、复制、导出或删除所选对话</translation>
    </message>
    <message>
        <source>No message contains “%1”.</source>
        <translation>没有消息包含“%1”。</translation>
    </message>
    <message numerus="yes">
        <source>%n message(s) found.</source>
        <translation>
            <numerusform>找到 %n 条消息。</numerusform>
        </translation>
    </message>
    <message>
        <source>Open Conversation</source>
        <translation>打开对话</translation>
    </message>
    <message>
        <source>This conversation could not be opened.</source>
        <translation>无法打开此对话。</translation>
    </message>
    <message>
        <source>“%1” is back.</source>
        <translation>“%1”已恢复。</translation>
    </message>
    <message>
        <source>Deleted “%1”.</source>
        <translation>已删除“%1”。</translation>
    </message>
    <message>
        <source>Markdown (*.md)</source>
        <translation>Markdown (*.md)</translation>
    </message>
    <message>
        <source>JSON (*.json)</source>
        <translation>JSON (*.json)</translation>
    </message>
    <message>
        <source>Export Conversation</source>
        <translation>导出对话</translation>
    </message>
    <message>
        <source>Exported “%1” to %2.</source>
        <translation>已将“%1”导出到 %2。</translation>
    </message>
    <message>
        <source>Import Conversations</source>
        <translation>导入对话</translation>
    </message>
    <message>
        <source>Deepwell history (*.json);;All files (*)</source>
        <translation>Deepwell 历史记录 (*.json);;所有文件 (*)</translation>
    </message>
    <message numerus="yes">
        <source>Imported %n conversation(s).</source>
        <translation>
            <numerusform>已导入 %n 个对话。</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>dw::MainWindow</name>
    <message>
        <source>Deepwell</source>
        <translation>Deepwell</translation>
    </message>
    <message>
        <source>Chat</source>
        <translation>聊天</translation>
    </message>
    <message>
        <source>GPU Monitor</source>
        <translation>GPU 监视器</translation>
    </message>
    <message>
        <source>No model</source>
        <translation>无模型</translation>
    </message>
    <message>
        <source>Loaded model</source>
        <translation>已加载的模型</translation>
    </message>
    <message>
        <source>No model is loaded. Open one with File › Open Model…</source>
        <translation>未加载模型。请通过“文件 › 打开模型…”打开一个模型</translation>
    </message>
    <message>
        <source>History</source>
        <translation>历史记录</translation>
    </message>
    <message>
        <source>History is not being saved in this window.</source>
        <translation>此窗口中的历史记录未被保存。</translation>
    </message>
    <message>
        <source>History off</source>
        <translation>历史记录已关闭</translation>
    </message>
    <message>
        <source>History is not being saved</source>
        <translation>历史记录未被保存</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Open Model…</source>
        <translation>打开模型(&amp;O)…</translation>
    </message>
    <message>
        <source>&amp;Models…</source>
        <translation>模型(&amp;M)…</translation>
    </message>
    <message>
        <source>&amp;New Session</source>
        <translation>新会话(&amp;N)</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Search History</source>
        <translation>搜索历史记录(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Reset Layout</source>
        <translation>重置布局(&amp;R)</translation>
    </message>
    <message>
        <source>Model loading progress</source>
        <translation>模型加载进度</translation>
    </message>
    <message>
        <source>%1 is ready; it takes over when the reply being written ends.</source>
        <translation>%1 已就绪；当前正在生成的回复结束后将由它接管。</translation>
    </message>
    <message>
        <source>Loading %1; %2 keeps serving until it is ready.</source>
        <translation>正在加载 %1；在它就绪之前由 %2 继续提供服务。</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>正在加载…</translation>
    </message>
    <message>
        <source>Loading %1…</source>
        <translation>正在加载 %1…</translation>
    </message>
    <message>
        <source>No model file was found at
%1

Start Deepwell with --model PATH, or open a GGUF model with File › Open Model…</source>
        <translation>在以下位置未找到模型文件
%1

请使用 --model PATH 启动 Deepwell，或通过“文件 › 打开模型…”打开 GGUF 模型</translation>
    </message>
    <message>
        <source>No model file was found at %1.</source>
        <translation>在 %1 未找到模型文件。</translation>
    </message>
    <message>
        <source>Open Model</source>
        <translation>打开模型</translation>
    </message>
    <message>
        <source>GGUF models (*.gguf);;All files (*)</source>
        <translation>GGUF 模型 (*.gguf);;所有文件 (*)</translation>
    </message>
    <message>
        <source>%1 is ready.</source>
        <translation>%1 已就绪。</translation>
    </message>
    <message>
        <source>Loading was cancelled; %1 is still serving.</source>
        <translation>加载已取消；%1 仍在提供服务。</translation>
    </message>
    <message>
        <source>The model could not be loaded: %1 (%2 is still serving)</source>
        <translation>无法加载模型：%1（%2 仍在提供服务）</translation>
    </message>
    <message>
        <source>Loading was cancelled. Open a model with File › Open Model…</source>
        <translation>加载已取消。请通过“文件 › 打开模型…”打开模型</translation>
    </message>
    <message>
        <source>The model could not be loaded:
%1</source>
        <translation>无法加载模型：
%1</translation>
    </message>
    <message>
        <source>Loading was cancelled.</source>
        <translation>加载已取消。</translation>
    </message>
    <message>
        <source>The model could not be loaded: %1</source>
        <translation>无法加载模型：%1</translation>
    </message>
    <message>
        <source>&amp;Language</source>
        <translation>语言(&amp;L)</translation>
    </message>
    <message>
        <source>System Default</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <source>The new language takes effect after Deepwell restarts.</source>
        <translation>新的语言将在 Deepwell 重新启动后生效。</translation>
    </message>
</context>
<context>
    <name>dw::ModelCatalogue</name>
    <message>
        <source>a non-empty string</source>
        <translation>非空字符串</translation>
    </message>
    <message>
        <source>%1 from %2 to %3</source>
        <translation>%2 到 %3 之间的%1</translation>
    </message>
    <message>
        <source>a whole number</source>
        <translation>整数</translation>
    </message>
    <message>
        <source>a number</source>
        <translation>数字</translation>
    </message>
    <message>
        <source>true or false</source>
        <translation>true 或 false</translation>
    </message>
    <message>
        <source>an object</source>
        <translation>对象</translation>
    </message>
    <message>
        <source>field &quot;%1&quot; is %2; it must be %3</source>
        <translation>字段“%1”的值为 %2；它必须是%3</translation>
    </message>
    <message>
        <source>lower-case letters, digits, &apos;.&apos;, &apos;_&apos; or &apos;-&apos;</source>
        <translation>小写字母、数字、“.”、“_”或“-”</translation>
    </message>
    <message>
        <source>at most &quot;parameters&quot; (%1)</source>
        <translation>不超过“parameters”（%1）</translation>
    </message>
    <message>
        <source>at most &quot;routed&quot; (%1)</source>
        <translation>不超过“routed”（%1）</translation>
    </message>
    <message>
        <source>a file name ending in .gguf, without folders</source>
        <translation>以 .gguf 结尾、不含文件夹的文件名</translation>
    </message>
    <message>
        <source>64 lower-case hex digits</source>
        <translation>64 位小写十六进制数字</translation>
    </message>
    <message>
        <source>a file with a SHA-256 has an exact size; &quot;estimate&quot; must be false</source>
        <translation>带有 SHA-256 的文件大小是确定的；“estimate”必须为 false</translation>
    </message>
    <message>
        <source>an array of strings</source>
        <translation>字符串数组</translation>
    </message>
    <message>
        <source>%1: not valid JSON at byte %2: %3</source>
        <translation>%1：第 %2 字节处不是有效的 JSON：%3</translation>
    </message>
    <message>
        <source>%1: the top level must be an object</source>
        <translation>%1：顶层必须是对象</translation>
    </message>
    <message>
        <source>%1: field &quot;format&quot; is %2; it must be &quot;%3&quot;</source>
        <translation>%1：字段“format”的值为 %2；它必须是“%3”</translation>
    </message>
    <message>
        <source>%1: field &quot;version&quot; is %2; this program reads version %3</source>
        <translation>%1：字段“version”的值为 %2；本程序读取版本 %3</translation>
    </message>
    <message>
        <source>%1: field &quot;models&quot; is %2; it must be an array</source>
        <translation>%1：字段“models”的值为 %2；它必须是数组</translation>
    </message>
    <message>
        <source>%1: model %2</source>
        <translation>%1：模型 %2</translation>
    </message>
    <message>
        <source>%1 is %2; it must be an object</source>
        <translation>%1 的值为 %2；它必须是对象</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1：%2</translation>
    </message>
    <message>
        <source>%1: the id is used by an earlier model</source>
        <translation>%1：该 id 已被前面的模型使用</translation>
    </message>
    <message>
        <source>%1: only one model can be the default</source>
        <translation>%1：只能有一个模型作为默认模型</translation>
    </message>
    <message>
        <source>%1: cannot be read: %2</source>
        <translation>%1：无法读取：%2</translation>
    </message>
</context>
<context>
    <name>dw::ModelDetailsView</name>
    <message>
        <source>Weights (mapped from the file)</source>
        <translation>权重（从文件映射）</translation>
    </message>
    <message>
        <source>KV cache (%1 tokens, %2 per token)</source>
        <translation>KV 缓存（%1 个词元，每个词元 %2）</translation>
    </message>
    <message>
        <source>Activations</source>
        <translation>激活值</translation>
    </message>
    <message>
        <source>Total</source>
        <translation>合计</translation>
    </message>
    <message>
        <source>Weights read per token</source>
        <translation>每个词元读取的权重</translation>
    </message>
    <message>
        <source>File (weights)</source>
        <translation>文件（权重）</translation>
    </message>
    <message>
        <source>Total, without activations</source>
        <translation>合计（不含激活值）</translation>
    </message>
    <message>
        <source>Free memory (RAM)</source>
        <translation>可用内存（RAM）</translation>
    </message>
    <message>
        <source>%1 of %2</source>
        <translation>%1 / %2</translation>
    </message>
    <message>
        <source>GPU</source>
        <translation>GPU</translation>
    </message>
    <message>
        <source>%1: %2 free of %3</source>
        <translation>%1：可用 %2，共 %3</translation>
    </message>
    <message>
        <source>Problem</source>
        <translation>问题</translation>
    </message>
    <message>
        <source>Memory</source>
        <translation>内存</translation>
    </message>
    <message>
        <source>%1 (peak %2)</source>
        <translation>%1（峰值 %2）</translation>
    </message>
    <message>
        <source>Weights</source>
        <translation>权重</translation>
    </message>
    <message>
        <source>KV cache</source>
        <translation>KV 缓存</translation>
    </message>
    <message>
        <source>Scratch</source>
        <translation>暂存区</translation>
    </message>
    <message>
        <source>Context per reply</source>
        <translation>每次回复的上下文</translation>
    </message>
    <message>
        <source>Loaded now (the engine&apos;s memory ledger)</source>
        <translation>当前已加载（引擎的内存账本）</translation>
    </message>
    <message>
        <source>Architecture</source>
        <translation>架构</translation>
    </message>
    <message>
        <source>Parameters</source>
        <translation>参数量</translation>
    </message>
    <message>
        <source>Quantization</source>
        <translation>量化</translation>
    </message>
    <message>
        <source>Layers</source>
        <translation>层数</translation>
    </message>
    <message>
        <source>Embedding width</source>
        <translation>嵌入宽度</translation>
    </message>
    <message>
        <source>Feed-forward width</source>
        <translation>前馈网络宽度</translation>
    </message>
    <message>
        <source>Attention heads (query)</source>
        <translation>注意力头数（查询）</translation>
    </message>
    <message>
        <source>Attention heads (key/value)</source>
        <translation>注意力头数（键/值）</translation>
    </message>
    <message>
        <source>Head width (key / value)</source>
        <translation>头宽度（键 / 值）</translation>
    </message>
    <message>
        <source>Latent KV width (MLA)</source>
        <translation>潜在 KV 宽度（MLA）</translation>
    </message>
    <message>
        <source>Experts</source>
        <translation>专家数</translation>
    </message>
    <message>
        <source>Experts per token</source>
        <translation>每个词元的专家数</translation>
    </message>
    <message>
        <source>Shared experts</source>
        <translation>共享专家数</translation>
    </message>
    <message>
        <source>Expert feed-forward width</source>
        <translation>专家前馈网络宽度</translation>
    </message>
    <message>
        <source>Trained context</source>
        <translation>训练上下文长度</translation>
    </message>
    <message>
        <source>Sliding window</source>
        <translation>滑动窗口</translation>
    </message>
    <message>
        <source>RoPE dimensions</source>
        <translation>RoPE 维度</translation>
    </message>
    <message>
        <source>RoPE base</source>
        <translation>RoPE 基数</translation>
    </message>
    <message>
        <source>GGUF version</source>
        <translation>GGUF 版本</translation>
    </message>
    <message>
        <source>Tensors</source>
        <translation>张量</translation>
    </message>
    <message>
        <source>Model / pre-tokenizer</source>
        <translation>模型 / 预分词器</translation>
    </message>
    <message>
        <source>Vocabulary</source>
        <translation>词表</translation>
    </message>
    <message>
        <source>Begin / end of text ids</source>
        <translation>文本开始 / 结束 id</translation>
    </message>
    <message>
        <source>Chat template</source>
        <translation>聊天模板</translation>
    </message>
    <message>
        <source>in the file</source>
        <translation>文件内置</translation>
    </message>
    <message>
        <source>none (a plain transcript is used)</source>
        <translation>无（使用纯文本记录格式）</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Bytes</source>
        <translation>字节数</translation>
    </message>
    <message>
        <source>Share</source>
        <translation>占比</translation>
    </message>
    <message>
        <source>Architecture and hyper-parameters</source>
        <translation>架构与超参数</translation>
    </message>
    <message>
        <source>Tokenizer</source>
        <translation>分词器</translation>
    </message>
    <message>
        <source>Tensor types</source>
        <translation>张量类型</translation>
    </message>
    <message>
        <source>Metadata keys (%1)</source>
        <translation>元数据键（%1）</translation>
    </message>
    <message>
        <source>Active per token</source>
        <translation>每个词元的激活参数</translation>
    </message>
    <message>
        <source>%1 routed, %2 shared, %3 per token</source>
        <translation>%1 个路由专家，%2 个共享专家，每个词元 %3 个</translation>
    </message>
    <message>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>%1 (%2 bytes)</source>
        <translation>%1（%2 字节）</translation>
    </message>
    <message>
        <source>≈ %1 (estimated: parameters × %2 bits per weight)</source>
        <translation>≈ %1（估算值：参数量 × 每个权重 %2 位）</translation>
    </message>
    <message>
        <source>≈ %1 (%2 as published)</source>
        <translation>≈ %1（%2，按发布值）</translation>
    </message>
    <message>
        <source>File size</source>
        <translation>文件大小</translation>
    </message>
    <message>
        <source>SHA-256</source>
        <translation>SHA-256</translation>
    </message>
    <message>
        <source>Install</source>
        <translation>安装</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>说明</translation>
    </message>
    <message>
        <source>Sources</source>
        <translation>来源</translation>
    </message>
    <message>
        <source>Catalogue</source>
        <translation>目录</translation>
    </message>
    <message>
        <source>Model details</source>
        <translation>模型详情</translation>
    </message>
    <message>
        <source>Choose a model in the list to see what it needs and what is in its file.</source>
        <translation>在列表中选择一个模型，即可查看它的需求以及文件中的内容。</translation>
    </message>
</context>
<context>
    <name>dw::ModelListModel</name>
    <message>
        <source>It would also fit in the free memory of the %1 (%2 free).</source>
        <translation>它也能放入 %1 的可用显存（可用 %2）。</translation>
    </message>
    <message>
        <source>It would not fit in the free memory of the %1 (%2 free).</source>
        <translation>它放不进 %1 的可用显存（可用 %2）。</translation>
    </message>
    <message>
        <source>an unknown amount</source>
        <translation>未知大小</translation>
    </message>
    <message>
        <source>Reading the file to work out the memory it needs…</source>
        <translation>正在读取文件以计算所需内存…</translation>
    </message>
    <message>
        <source>This file cannot be used: %1</source>
        <translation>无法使用此文件：%1</translation>
    </message>
    <message>
        <source>The file is no longer at %1. Remove it from the list, or put the file back.</source>
        <translation>文件已不在 %1。请将其从列表中移除，或将文件放回原处。</translation>
    </message>
    <message>
        <source>Not installed. With a %1-token context it needs %2; %3 of memory is free, so it would fit.</source>
        <translation>未安装。上下文为 %1 个词元时需要 %2；可用内存为 %3，因此可以放下。</translation>
    </message>
    <message>
        <source>Not installed. With a %1-token context it needs %2, but only %3 of memory is free: it would not run well on this computer.</source>
        <translation>未安装。上下文为 %1 个词元时需要 %2，但可用内存只有 %3：在这台计算机上无法良好运行。</translation>
    </message>
    <message>
        <source>Install it with: %1</source>
        <translation>安装命令：%1</translation>
    </message>
    <message>
        <source>Download %1 and open it, or put it in %2.</source>
        <translation>下载 %1 并打开它，或将其放到 %2。</translation>
    </message>
    <message>
        <source>Listed for comparison.</source>
        <translation>仅供比较。</translation>
    </message>
    <message>
        <source>Needs %1 with a %2-token context; %3 of memory is free, so it fits.</source>
        <translation>上下文为 %2 个词元时需要 %1；可用内存为 %3，因此可以放下。</translation>
    </message>
    <message>
        <source>Needs %1 with a %2-token context, but only %3 of memory is free: it would be very slow or fail to load. Close other programs or choose a smaller model or context.</source>
        <translation>上下文为 %2 个词元时需要 %1，但可用内存只有 %3：它会非常慢或无法加载。请关闭其他程序，或选择更小的模型或上下文。</translation>
    </message>
    <message>
        <source> · fits the GPU</source>
        <translation> · 可放入 GPU</translation>
    </message>
    <message>
        <source> · too big for the GPU</source>
        <translation> · GPU 放不下</translation>
    </message>
    <message>
        <source>Checking…</source>
        <translation>正在检查…</translation>
    </message>
    <message>
        <source>Cannot be used</source>
        <translation>无法使用</translation>
    </message>
    <message>
        <source>File missing</source>
        <translation>文件缺失</translation>
    </message>
    <message>
        <source>Not installed · would fit</source>
        <translation>未安装 · 可以放下</translation>
    </message>
    <message>
        <source>Not installed · too big</source>
        <translation>未安装 · 太大</translation>
    </message>
    <message>
        <source>Fits in memory</source>
        <translation>内存足够</translation>
    </message>
    <message>
        <source>Won&apos;t fit in memory</source>
        <translation>内存不足</translation>
    </message>
    <message>
        <source> (default)</source>
        <translation>（默认）</translation>
    </message>
    <message>
        <source> — loaded</source>
        <translation> —— 已加载</translation>
    </message>
    <message>
        <source>%1 (%2 active)</source>
        <translation>%1（激活 %2）</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Architecture</source>
        <translation>架构</translation>
    </message>
    <message>
        <source>Parameters</source>
        <translation>参数量</translation>
    </message>
    <message>
        <source>Quantization</source>
        <translation>量化</translation>
    </message>
    <message>
        <source>File size</source>
        <translation>文件大小</translation>
    </message>
    <message>
        <source>Memory needed</source>
        <translation>所需内存</translation>
    </message>
    <message>
        <source>Fits?</source>
        <translation>能否放下？</translation>
    </message>
</context>
<context>
    <name>dw::ModelManager</name>
    <message>
        <source>Models</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Model manager</source>
        <translation>模型管理器</translation>
    </message>
    <message>
        <source>Catalogue errors</source>
        <translation>目录错误</translation>
    </message>
    <message>
        <source>Select all models</source>
        <translation>选择所有模型</translation>
    </message>
    <message>
        <source>Loading state</source>
        <translation>加载状态</translation>
    </message>
    <message>
        <source>Loading progress</source>
        <translation>加载进度</translation>
    </message>
    <message>
        <source>&amp;Open GGUF…</source>
        <translation>打开 GGUF(&amp;O)…</translation>
    </message>
    <message>
        <source>Open a GGUF file</source>
        <translation>打开 GGUF 文件</translation>
    </message>
    <message>
        <source>Add a GGUF model file to the list (Ctrl+O)</source>
        <translation>将 GGUF 模型文件添加到列表（Ctrl+O）</translation>
    </message>
    <message>
        <source>&amp;Load</source>
        <translation>加载(&amp;L)</translation>
    </message>
    <message>
        <source>Load the selected model</source>
        <translation>加载所选模型</translation>
    </message>
    <message>
        <source>Load the selected model; the current one serves until it is ready (Enter)</source>
        <translation>加载所选模型；在它就绪之前由当前模型继续提供服务（Enter）</translation>
    </message>
    <message>
        <source>&amp;Cancel loading</source>
        <translation>取消加载(&amp;C)</translation>
    </message>
    <message>
        <source>Cancel loading</source>
        <translation>取消加载</translation>
    </message>
    <message>
        <source>&amp;Remove from list</source>
        <translation>从列表中移除(&amp;R)</translation>
    </message>
    <message>
        <source>Remove the selected file from the list</source>
        <translation>从列表中移除所选文件</translation>
    </message>
    <message>
        <source>Forget this file in the list (the file itself is not deleted) (Delete)</source>
        <translation>在列表中忽略此文件（文件本身不会被删除）（Delete）</translation>
    </message>
    <message>
        <source>Remove &amp;missing</source>
        <translation>移除缺失项(&amp;M)</translation>
    </message>
    <message>
        <source>Remove every missing file from the list</source>
        <translation>从列表中移除所有缺失的文件</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Close the model manager</source>
        <translation>关闭模型管理器</translation>
    </message>
    <message>
        <source>Remove from list</source>
        <translation>从列表中移除</translation>
    </message>
    <message>
        <source>%1 is ready. It takes over when the reply being written now ends.</source>
        <translation>%1 已就绪。当前正在生成的回复结束后将由它接管。</translation>
    </message>
    <message>
        <source>%1 is serving.</source>
        <translation>%1 正在提供服务。</translation>
    </message>
    <message>
        <source>No model is loaded.</source>
        <translation>未加载模型。</translation>
    </message>
    <message>
        <source>Some catalogue entries could not be read:
%1</source>
        <translation>部分目录条目无法读取：
%1</translation>
    </message>
    <message>
        <source>Open GGUF Model</source>
        <translation>打开 GGUF 模型</translation>
    </message>
    <message>
        <source>GGUF models (*.gguf);;All files (*)</source>
        <translation>GGUF 模型 (*.gguf);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Loading %1… %2 keeps serving until it is ready.</source>
        <translation>正在加载 %1… 在它就绪之前由 %2 继续提供服务。</translation>
    </message>
    <message>
        <source>Loading %1…</source>
        <translation>正在加载 %1…</translation>
    </message>
    <message>
        <source>%1 is still serving.</source>
        <translation>%1 仍在提供服务。</translation>
    </message>
    <message>
        <source>Loading was cancelled.</source>
        <translation>加载已取消。</translation>
    </message>
    <message>
        <source>%1 could not be loaded: %2</source>
        <translation>无法加载 %1：%2</translation>
    </message>
    <message>
        <source>The model</source>
        <translation>该模型</translation>
    </message>
</context>
<context>
    <name>dw::ModelText</name>
    <message>
        <source>mostly %1</source>
        <translation>主要为 %1</translation>
    </message>
    <message>
        <source>array of %1</source>
        <translation>%1 数组</translation>
    </message>
    <message>
        <source>%1 bytes</source>
        <translation>%1 字节</translation>
    </message>
    <message>
        <source>%1 B</source>
        <translation>%1 B</translation>
    </message>
    <message>
        <source>%1 M</source>
        <translation>%1 M</translation>
    </message>
    <message>
        <source>%1 K</source>
        <translation>%1 K</translation>
    </message>
</context>
<context>
    <name>dw::MonitorFormat</name>
    <message>
        <source>n/a</source>
        <translation>不适用</translation>
    </message>
    <message>
        <source>%1 B</source>
        <translation>%1 B</translation>
    </message>
    <message>
        <source>%1 KiB</source>
        <translation>%1 KiB</translation>
    </message>
    <message>
        <source>%1 MiB</source>
        <translation>%1 MiB</translation>
    </message>
    <message>
        <source>%1 GiB</source>
        <translation>%1 GiB</translation>
    </message>
    <message>
        <source>%1 TiB</source>
        <translation>%1 TiB</translation>
    </message>
    <message>
        <source>%1/s</source>
        <translation>%1/s</translation>
    </message>
    <message>
        <source>%1 %</source>
        <translation>%1 %</translation>
    </message>
    <message>
        <source>%1 W</source>
        <translation>%1 W</translation>
    </message>
    <message>
        <source>%1 J</source>
        <translation>%1 J</translation>
    </message>
    <message>
        <source>%1 °C</source>
        <translation>%1 °C</translation>
    </message>
    <message>
        <source>%1 MHz</source>
        <translation>%1 MHz</translation>
    </message>
    <message>
        <source>%1 ms</source>
        <translation>%1 ms</translation>
    </message>
    <message>
        <source>%1 s</source>
        <translation>%1 s</translation>
    </message>
    <message>
        <source>%1 tokens/s</source>
        <translation>%1 词元/秒</translation>
    </message>
    <message>
        <source>%1 tokens/J</source>
        <translation>%1 词元/焦耳</translation>
    </message>
    <message>
        <source>%1 cores</source>
        <translation>%1 个核心</translation>
    </message>
</context>
<context>
    <name>dw::MonitorPanel</name>
    <message>
        <source>A</source>
        <translation>A</translation>
    </message>
    <message>
        <source>B</source>
        <translation>B</translation>
    </message>
    <message>
        <source>No threshold warnings.</source>
        <translation>无阈值警告。</translation>
    </message>
    <message>
        <source>Overview</source>
        <translation>概览</translation>
    </message>
    <message>
        <source>Timeline</source>
        <translation>时间线</translation>
    </message>
    <message>
        <source>Memory</source>
        <translation>内存</translation>
    </message>
    <message>
        <source>Experts</source>
        <translation>专家数</translation>
    </message>
    <message>
        <source>Snapshots</source>
        <translation>快照</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Starting GPU telemetry…</source>
        <translation>正在启动 GPU 遥测…</translation>
    </message>
    <message>
        <source>These thresholds are not valid: %1</source>
        <translation>这些阈值无效：%1</translation>
    </message>
    <message>
        <source>Thresholds applied.</source>
        <translation>阈值已应用。</translation>
    </message>
    <message>
        <source>Select all rows</source>
        <translation>选择所有行</translation>
    </message>
    <message>
        <source>GPUs</source>
        <translation>GPU</translation>
    </message>
    <message>
        <source>No GPU figures.</source>
        <translation>无 GPU 数据。</translation>
    </message>
    <message>
        <source>Host</source>
        <translation>主机</translation>
    </message>
    <message>
        <source>No host figures.</source>
        <translation>无主机数据。</translation>
    </message>
    <message>
        <source>Engine memory (ledger)</source>
        <translation>引擎内存（账本）</translation>
    </message>
    <message>
        <source>No model is loaded.</source>
        <translation>未加载模型。</translation>
    </message>
    <message>
        <source>Efficiency</source>
        <translation>能效</translation>
    </message>
    <message>
        <source>Warnings</source>
        <translation>警告</translation>
    </message>
    <message>
        <source>None: every figure is within its threshold.</source>
        <translation>无：所有数据都在阈值范围内。</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <source>Reset zoom</source>
        <translation>重置缩放</translation>
    </message>
    <message>
        <source>Export CSV…</source>
        <translation>导出 CSV…</translation>
    </message>
    <message>
        <source>Export PNG…</source>
        <translation>导出 PNG…</translation>
    </message>
    <message>
        <source>Pause the timeline</source>
        <translation>暂停时间线</translation>
    </message>
    <message>
        <source>Reset the timeline&apos;s zoom</source>
        <translation>重置时间线的缩放</translation>
    </message>
    <message>
        <source>Export the timeline as CSV</source>
        <translation>将时间线导出为 CSV</translation>
    </message>
    <message>
        <source>Export the charts as PNG</source>
        <translation>将图表导出为 PNG</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>继续</translation>
    </message>
    <message>
        <source>Export timeline as CSV</source>
        <translation>将时间线导出为 CSV</translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation>CSV 文件 (*.csv)</translation>
    </message>
    <message>
        <source>Export timeline as PNG</source>
        <translation>将时间线导出为 PNG</translation>
    </message>
    <message>
        <source>PNG images (*.png)</source>
        <translation>PNG 图像 (*.png)</translation>
    </message>
    <message>
        <source>Pools</source>
        <translation>内存池</translation>
    </message>
    <message>
        <source>No pools: no model is loaded.</source>
        <translation>无内存池：未加载模型。</translation>
    </message>
    <message>
        <source>KV cache per running request</source>
        <translation>每个运行中请求的 KV 缓存</translation>
    </message>
    <message>
        <source>No request is running.</source>
        <translation>没有正在运行的请求。</translation>
    </message>
    <message>
        <source>GPU compute processes</source>
        <translation>GPU 计算进程</translation>
    </message>
    <message>
        <source>None (or the driver does not say).</source>
        <translation>无（或驱动程序未提供）。</translation>
    </message>
    <message>
        <source>Reset counts</source>
        <translation>重置计数</translation>
    </message>
    <message>
        <source>Reset the expert selection counts</source>
        <translation>重置专家选择计数</translation>
    </message>
    <message>
        <source>Save snapshot…</source>
        <translation>保存快照…</translation>
    </message>
    <message>
        <source>Load A (baseline)…</source>
        <translation>加载 A（基准）…</translation>
    </message>
    <message>
        <source>Load B…</source>
        <translation>加载 B…</translation>
    </message>
    <message>
        <source>B = current timeline</source>
        <translation>B = 当前时间线</translation>
    </message>
    <message>
        <source>Save the timeline as a snapshot</source>
        <translation>将时间线保存为快照</translation>
    </message>
    <message>
        <source>Load snapshot A, the baseline</source>
        <translation>加载快照 A（基准）</translation>
    </message>
    <message>
        <source>Load snapshot B</source>
        <translation>加载快照 B</translation>
    </message>
    <message>
        <source>Compare with the current timeline</source>
        <translation>与当前时间线比较</translation>
    </message>
    <message>
        <source>Deepwell telemetry (*.json)</source>
        <translation>Deepwell 遥测数据 (*.json)</translation>
    </message>
    <message>
        <source>Save telemetry snapshot</source>
        <translation>保存遥测快照</translation>
    </message>
    <message>
        <source>Open telemetry snapshot</source>
        <translation>打开遥测快照</translation>
    </message>
    <message>
        <source>Sampling restarted.</source>
        <translation>采样已重新开始。</translation>
    </message>
    <message>
        <source>Warning: %1</source>
        <translation>警告：%1</translation>
    </message>
    <message>
        <source>GPUs (NVML): %1</source>
        <translation>GPU（NVML）：%1</translation>
    </message>
    <message>
        <source>No NVIDIA driver: there are no GPU figures; the host figures and the engine&apos;s memory are shown.</source>
        <translation>没有 NVIDIA 驱动程序：无 GPU 数据；仅显示主机数据和引擎内存。</translation>
    </message>
    <message>
        <source>No GPU figures; the host figures and the engine&apos;s memory are shown.</source>
        <translation>无 GPU 数据；仅显示主机数据和引擎内存。</translation>
    </message>
    <message>
        <source>Reason: %1</source>
        <translation>原因：%1</translation>
    </message>
    <message>
        <source>KV headroom: known after the first request.</source>
        <translation>KV 余量：在第一个请求之后可知。</translation>
    </message>
    <message>
        <source>Dense model: it has no experts, so there are no selections to show.</source>
        <translation>稠密模型：它没有专家，因此没有可显示的选择。</translation>
    </message>
    <message>
        <source>%1 layers × %2 experts: how often each expert was chosen (per token, prompt tokens included) since the model was loaded or the last reset.</source>
        <translation>%1 层 × %2 个专家：自模型加载或上次重置以来，每个专家被选中的频率（按词元计，含提示词元）。</translation>
    </message>
    <message>
        <source>Saved the timeline (%1 samples) to %2.</source>
        <translation>已将时间线（%1 个样本）保存到 %2。</translation>
    </message>
    <message>
        <source>The snapshot could not be saved: %1</source>
        <translation>无法保存快照：%1</translation>
    </message>
    <message>
        <source>The snapshot could not be read: %1</source>
        <translation>无法读取快照：%1</translation>
    </message>
    <message>
        <source>current timeline</source>
        <translation>当前时间线</translation>
    </message>
    <message>
        <source>A: %1</source>
        <translation>A：%1</translation>
    </message>
    <message>
        <source>B: %1</source>
        <translation>B：%1</translation>
    </message>
    <message>
        <source>A (baseline): %1 · B: %2 · Change = B − A</source>
        <translation>A（基准）：%1 · B：%2 · 变化 = B − A</translation>
    </message>
    <message>
        <source>B: %1 · load a saved snapshot as A, the baseline, to compare.</source>
        <translation>B：%1 · 加载一个已保存的快照作为基准 A 以进行比较。</translation>
    </message>
    <message>
        <source>Exported the timeline to %1.</source>
        <translation>已将时间线导出到 %1。</translation>
    </message>
    <message>
        <source>The CSV file could not be written: %1 (%2)</source>
        <translation>无法写入 CSV 文件：%1（%2）</translation>
    </message>
    <message>
        <source>Exported the charts to %1.</source>
        <translation>已将图表导出到 %1。</translation>
    </message>
    <message>
        <source>The PNG file could not be written: %1</source>
        <translation>无法写入 PNG 文件：%1</translation>
    </message>
</context>
<context>
    <name>dw::MonitorRows</name>
    <message>
        <source>Weights</source>
        <translation>权重</translation>
    </message>
    <message>
        <source>KV cache (reserved)</source>
        <translation>KV 缓存（已预留）</translation>
    </message>
    <message>
        <source>Activations</source>
        <translation>激活值</translation>
    </message>
    <message>
        <source>Scratch</source>
        <translation>暂存区</translation>
    </message>
    <message>
        <source>Vision</source>
        <translation>视觉</translation>
    </message>
    <message>
        <source>Other</source>
        <translation>其他</translation>
    </message>
    <message>
        <source>Unknown</source>
        <translation>未知</translation>
    </message>
    <message>
        <source>%1 more tokens of context fit (%2 free + %3 cached blocks of %4 tokens)</source>
        <translation>还能容纳 %1 个上下文词元（%2 可用 + %3 个已缓存块，每块 %4 个词元）</translation>
    </message>
    <message>
        <source>Category</source>
        <translation>类别</translation>
    </message>
    <message>
        <source>Current</source>
        <translation>当前</translation>
    </message>
    <message>
        <source>Peak</source>
        <translation>峰值</translation>
    </message>
    <message>
        <source>Estimate</source>
        <translation>估算</translation>
    </message>
    <message>
        <source>Actual − estimate</source>
        <translation>实际 − 估算</translation>
    </message>
    <message>
        <source>KV cache in use</source>
        <translation>使用中的 KV 缓存</translation>
    </message>
    <message>
        <source>Total</source>
        <translation>合计</translation>
    </message>
    <message>
        <source>Pool</source>
        <translation>内存池</translation>
    </message>
    <message>
        <source>Device</source>
        <translation>设备</translation>
    </message>
    <message>
        <source>Capacity</source>
        <translation>容量</translation>
    </message>
    <message>
        <source>Used</source>
        <translation>已用</translation>
    </message>
    <message>
        <source>Largest free run</source>
        <translation>最大连续空闲</translation>
    </message>
    <message>
        <source>Fragmentation</source>
        <translation>碎片率</translation>
    </message>
    <message>
        <source>1 − largest free run / free bytes; the limit is %1</source>
        <translation>1 − 最大连续空闲 / 空闲字节数；上限为 %1</translation>
    </message>
    <message>
        <source>Request</source>
        <translation>请求</translation>
    </message>
    <message>
        <source>KV blocks</source>
        <translation>KV 块</translation>
    </message>
    <message>
        <source>Tokens</source>
        <translation>词元</translation>
    </message>
    <message>
        <source>Block fill</source>
        <translation>块填充率</translation>
    </message>
    <message>
        <source>Figure</source>
        <translation>指标</translation>
    </message>
    <message>
        <source>Change</source>
        <translation>变化</translation>
    </message>
    <message>
        <source>Samples</source>
        <translation>样本数</translation>
    </message>
    <message>
        <source>Duration</source>
        <translation>时长</translation>
    </message>
    <message>
        <source>Peak memory: total</source>
        <translation>峰值内存：合计</translation>
    </message>
    <message>
        <source>Generated tokens</source>
        <translation>生成的词元数</translation>
    </message>
    <message>
        <source>Mean tokens/s</source>
        <translation>平均词元/秒</translation>
    </message>
    <message>
        <source>Peak tokens/s</source>
        <translation>峰值词元/秒</translation>
    </message>
    <message>
        <source>Mean time to first token</source>
        <translation>平均首词元时间</translation>
    </message>
    <message>
        <source>Worst P99 time to first token</source>
        <translation>最差 P99 首词元时间</translation>
    </message>
    <message>
        <source>Mean GPU utilization</source>
        <translation>平均 GPU 利用率</translation>
    </message>
    <message>
        <source>Peak GPU memory used</source>
        <translation>峰值 GPU 显存用量</translation>
    </message>
    <message>
        <source>Mean GPU power</source>
        <translation>平均 GPU 功率</translation>
    </message>
    <message>
        <source>GPU energy</source>
        <translation>GPU 能耗</translation>
    </message>
    <message>
        <source>Tokens per joule</source>
        <translation>每焦耳词元数</translation>
    </message>
    <message>
        <source>Mean host CPU</source>
        <translation>平均主机 CPU</translation>
    </message>
    <message>
        <source>Peak program memory (RSS)</source>
        <translation>峰值程序内存（RSS）</translation>
    </message>
    <message>
        <source>Warnings</source>
        <translation>警告</translation>
    </message>
    <message>
        <source>Peak memory: %1</source>
        <translation>峰值内存：%1</translation>
    </message>
    <message>
        <source>%1 %2</source>
        <translation>%1 %2</translation>
    </message>
    <message>
        <source> (%1)</source>
        <translation>（%1）</translation>
    </message>
    <message>
        <source>GPU %1</source>
        <translation>GPU %1</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Utilization</source>
        <translation>利用率</translation>
    </message>
    <message>
        <source>Memory busy</source>
        <translation>显存繁忙</translation>
    </message>
    <message>
        <source>Memory used</source>
        <translation>显存已用</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1（%2）</translation>
    </message>
    <message>
        <source>Memory total</source>
        <translation>显存总量</translation>
    </message>
    <message>
        <source>Temperature</source>
        <translation>温度</translation>
    </message>
    <message>
        <source>Power</source>
        <translation>功率</translation>
    </message>
    <message>
        <source>Power limit</source>
        <translation>功率上限</translation>
    </message>
    <message>
        <source>SM clock</source>
        <translation>SM 时钟</translation>
    </message>
    <message>
        <source>Memory clock</source>
        <translation>显存时钟</translation>
    </message>
    <message>
        <source>PCIe host → GPU</source>
        <translation>PCIe 主机 → GPU</translation>
    </message>
    <message>
        <source>PCIe GPU → host</source>
        <translation>PCIe GPU → 主机</translation>
    </message>
    <message>
        <source>Compute processes</source>
        <translation>计算进程</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>错误</translation>
    </message>
    <message>
        <source>GPU</source>
        <translation>GPU</translation>
    </message>
    <message>
        <source>PID</source>
        <translation>PID</translation>
    </message>
    <message>
        <source>Process</source>
        <translation>进程</translation>
    </message>
    <message>
        <source>GPU memory</source>
        <translation>GPU 显存</translation>
    </message>
    <message>
        <source>(not visible)</source>
        <translation>（不可见）</translation>
    </message>
    <message>
        <source>%1 (this program)</source>
        <translation>%1（本程序）</translation>
    </message>
    <message>
        <source>Host</source>
        <translation>主机</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>值</translation>
    </message>
    <message>
        <source>CPUs</source>
        <translation>CPU 数</translation>
    </message>
    <message>
        <source>CPU utilization</source>
        <translation>CPU 利用率</translation>
    </message>
    <message>
        <source>This program&apos;s CPU</source>
        <translation>本程序的 CPU</translation>
    </message>
    <message>
        <source>RAM used</source>
        <translation>已用 RAM</translation>
    </message>
    <message>
        <source>RAM total</source>
        <translation>RAM 总量</translation>
    </message>
    <message>
        <source>RAM available</source>
        <translation>可用 RAM</translation>
    </message>
    <message>
        <source>This program&apos;s RAM (RSS)</source>
        <translation>本程序的 RAM（RSS）</translation>
    </message>
    <message>
        <source>GPU utilization low</source>
        <translation>GPU 利用率过低</translation>
    </message>
    <message>
        <source>GPU utilization high</source>
        <translation>GPU 利用率过高</translation>
    </message>
    <message>
        <source>P99 latency</source>
        <translation>P99 延迟</translation>
    </message>
    <message>
        <source>Unknown check</source>
        <translation>未知检查项</translation>
    </message>
    <message>
        <source>GPU %1 utilization %2 is above %3: requests will queue</source>
        <translation>GPU %1 利用率 %2 高于 %3：请求将会排队</translation>
    </message>
    <message>
        <source>GPU %1 utilization %2 is below %3 while generating: the GPU waits for the host</source>
        <translation>GPU %1 利用率 %2 在生成时低于 %3：GPU 在等待主机</translation>
    </message>
    <message>
        <source>P99 time to first token %1 is above %2</source>
        <translation>P99 首词元时间 %1 高于 %2</translation>
    </message>
    <message>
        <source>Fragmentation of %1: %2 (limit %3)</source>
        <translation>%1 的碎片率：%2（上限 %3）</translation>
    </message>
    <message>
        <source>Check</source>
        <translation>检查项</translation>
    </message>
    <message>
        <source>Subject</source>
        <translation>对象</translation>
    </message>
    <message>
        <source>Limit</source>
        <translation>上限</translation>
    </message>
    <message>
        <source>Warning</source>
        <translation>警告</translation>
    </message>
    <message>
        <source>Efficiency</source>
        <translation>能效</translation>
    </message>
    <message>
        <source>n/a (no power figure)</source>
        <translation>不适用（无功率数据）</translation>
    </message>
    <message>
        <source>needs NVML power</source>
        <translation>需要 NVML 功率数据</translation>
    </message>
    <message>
        <source>GPU power now</source>
        <translation>当前 GPU 功率</translation>
    </message>
    <message>
        <source>Tokens per joule (live)</source>
        <translation>每焦耳词元数（实时）</translation>
    </message>
    <message>
        <source>Tokens per joule (last reply)</source>
        <translation>每焦耳词元数（上一条回复）</translation>
    </message>
    <message>
        <source>no reply yet</source>
        <translation>尚无回复</translation>
    </message>
    <message>
        <source>Energy of the last reply</source>
        <translation>上一条回复的能耗</translation>
    </message>
    <message>
        <source>Tokens of the last reply</source>
        <translation>上一条回复的词元数</translation>
    </message>
    <message>
        <source>Duration of the last reply</source>
        <translation>上一条回复的时长</translation>
    </message>
</context>
<context>
    <name>dw::MonitorSettings</name>
    <message>
        <source>Thresholds (drawn as bands, raised as warnings)</source>
        <translation>阈值（以色带显示，超出时发出警告）</translation>
    </message>
    <message>
        <source> %</source>
        <translation> %</translation>
    </message>
    <message>
        <source> ms</source>
        <translation> ms</translation>
    </message>
    <message>
        <source>GPU utilization at least</source>
        <translation>GPU 利用率不低于</translation>
    </message>
    <message>
        <source>GPU utilization at most</source>
        <translation>GPU 利用率不高于</translation>
    </message>
    <message>
        <source>P99 time to first token under</source>
        <translation>P99 首词元时间低于</translation>
    </message>
    <message>
        <source>Pool fragmentation under</source>
        <translation>内存池碎片率低于</translation>
    </message>
    <message>
        <source>Sampling</source>
        <translation>采样</translation>
    </message>
    <message>
        <source> s</source>
        <translation> 秒</translation>
    </message>
    <message>
        <source> samples</source>
        <translation> 个样本</translation>
    </message>
    <message>
        <source>Sample every</source>
        <translation>采样间隔</translation>
    </message>
    <message>
        <source>Keep</source>
        <translation>保留</translation>
    </message>
    <message>
        <source>Timeline length</source>
        <translation>时间线长度</translation>
    </message>
    <message>
        <source>Apply (starts a new timeline)</source>
        <translation>应用（开始新的时间线）</translation>
    </message>
    <message>
        <source>Apply the sampling settings</source>
        <translation>应用采样设置</translation>
    </message>
    <message>
        <source>%1 minutes</source>
        <translation>%1 分钟</translation>
    </message>
    <message>
        <source>%1 seconds</source>
        <translation>%1 秒</translation>
    </message>
</context>
<context>
    <name>dw::MonitorTimeline</name>
    <message>
        <source>Marks: %1 &amp;nbsp; %2 &amp;nbsp; %3 &amp;nbsp;·&amp;nbsp; drag to zoom in, wheel to zoom, right-click to zoom out</source>
        <translation>标记：%1 &amp;nbsp; %2 &amp;nbsp; %3 &amp;nbsp;·&amp;nbsp; 拖动以放大，滚轮缩放，右键缩小</translation>
    </message>
    <message>
        <source>model load</source>
        <translation>模型加载</translation>
    </message>
    <message>
        <source>prefill</source>
        <translation>预填充</translation>
    </message>
    <message>
        <source>decode</source>
        <translation>解码</translation>
    </message>
    <message>
        <source>Engine memory by category</source>
        <translation>按类别的引擎内存</translation>
    </message>
    <message>
        <source>MiB</source>
        <translation>MiB</translation>
    </message>
    <message>
        <source>fragmentation (%)</source>
        <translation>碎片率（%）</translation>
    </message>
    <message>
        <source>Throughput and latency</source>
        <translation>吞吐量与延迟</translation>
    </message>
    <message>
        <source>tokens/s</source>
        <translation>词元/秒</translation>
    </message>
    <message>
        <source>time to first token (ms)</source>
        <translation>首词元时间（ms）</translation>
    </message>
    <message>
        <source>GPU and host</source>
        <translation>GPU 与主机</translation>
    </message>
    <message>
        <source>%</source>
        <translation>%</translation>
    </message>
    <message>
        <source>power (W)</source>
        <translation>功率（W）</translation>
    </message>
    <message>
        <source>time (s)</source>
        <translation>时间（s）</translation>
    </message>
    <message>
        <source>fragmentation limit %1</source>
        <translation>碎片率上限 %1</translation>
    </message>
    <message>
        <source>P99 limit %1</source>
        <translation>P99 上限 %1</translation>
    </message>
    <message>
        <source>target utilization %1–%2</source>
        <translation>目标利用率 %1–%2</translation>
    </message>
    <message>
        <source>GiB</source>
        <translation>GiB</translation>
    </message>
    <message>
        <source>KV cache in use</source>
        <translation>使用中的 KV 缓存</translation>
    </message>
    <message>
        <source>fragmentation (worst pool)</source>
        <translation>碎片率（最差的内存池）</translation>
    </message>
    <message>
        <source>time to first token</source>
        <translation>首词元时间</translation>
    </message>
    <message>
        <source>P99 time to first token</source>
        <translation>P99 首词元时间</translation>
    </message>
    <message>
        <source>host CPU</source>
        <translation>主机 CPU</translation>
    </message>
    <message>
        <source>GPU %1 utilization</source>
        <translation>GPU %1 利用率</translation>
    </message>
    <message>
        <source>GPU %1 memory</source>
        <translation>GPU %1 显存</translation>
    </message>
    <message>
        <source>GPU %1 power</source>
        <translation>GPU %1 功率</translation>
    </message>
</context>
<context>
    <name>dw::SamplingPreset</name>
    <message>
        <source>Precise</source>
        <translation>精确</translation>
    </message>
    <message>
        <source>Balanced</source>
        <translation>均衡</translation>
    </message>
    <message>
        <source>Creative</source>
        <translation>创意</translation>
    </message>
    <message>
        <source>Custom</source>
        <translation>自定义</translation>
    </message>
</context>
<context>
    <name>dw::SearchResultsModel</name>
    <message>
        <source>New conversation</source>
        <translation>新对话</translation>
    </message>
    <message>
        <source>You</source>
        <translation>你</translation>
    </message>
    <message>
        <source>Assistant</source>
        <translation>助手</translation>
    </message>
    <message>
        <source>%1 — %2: %3</source>
        <translation>%1 —— %2：%3</translation>
    </message>
    <message>
        <source>In “%1”. Press Enter or double-click to open it.</source>
        <translation>位于“%1”。按 Enter 或双击打开。</translation>
    </message>
    <message>
        <source>The history could not be searched: %1</source>
        <translation>无法搜索历史记录：%1</translation>
    </message>
</context>
<context>
    <name>dw::SessionListModel</name>
    <message>
        <source>New conversation</source>
        <translation>新对话</translation>
    </message>
    <message>
        <source>Today %1</source>
        <translation>今天 %1</translation>
    </message>
    <message>
        <source>Yesterday %1</source>
        <translation>昨天 %1</translation>
    </message>
    <message>
        <source>%1
Last activity: %2</source>
        <translation>%1
最近活动：%2</translation>
    </message>
    <message>
        <source>The chat history could not be read: %1</source>
        <translation>无法读取聊天历史记录：%1</translation>
    </message>
</context>
<context>
    <name>dw::SessionSettingsWidget</name>
    <message>
        <source>Optional: instructions the model follows for this session</source>
        <translation>可选：模型在本会话中遵循的指令</translation>
    </message>
    <message>
        <source>System prompt</source>
        <translation>系统提示词</translation>
    </message>
    <message>
        <source>Sampling preset</source>
        <translation>采样预设</translation>
    </message>
    <message>
        <source>Temperature</source>
        <translation>温度</translation>
    </message>
    <message>
        <source>Top-p</source>
        <translation>Top-p</translation>
    </message>
    <message>
        <source>Min-p</source>
        <translation>Min-p</translation>
    </message>
    <message>
        <source>Repeat penalty</source>
        <translation>重复惩罚</translation>
    </message>
    <message>
        <source>off</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Top-k</source>
        <translation>Top-k</translation>
    </message>
    <message>
        <source>Maximum reply length in tokens</source>
        <translation>回复的最大词元数</translation>
    </message>
    <message>
        <source>&amp;Temperature</source>
        <translation>温度(&amp;T)</translation>
    </message>
    <message>
        <source>Top-&amp;p</source>
        <translation>Top-&amp;p</translation>
    </message>
    <message>
        <source>Top-&amp;k</source>
        <translation>Top-&amp;k</translation>
    </message>
    <message>
        <source>M&amp;in-p</source>
        <translation>M&amp;in-p</translation>
    </message>
    <message>
        <source>&amp;Repeat penalty</source>
        <translation>重复惩罚(&amp;R)</translation>
    </message>
    <message>
        <source>Max &amp;reply tokens</source>
        <translation>最大回复词元数(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;System prompt</source>
        <translation>系统提示词(&amp;S)</translation>
    </message>
    <message>
        <source>S&amp;ampling</source>
        <translation>采样(&amp;A)</translation>
    </message>
</context>
<context>
    <name>main</name>
    <message>
        <source>Local LLM workstation</source>
        <translation>本地大语言模型工作站</translation>
    </message>
    <message>
        <source>The GGUF model to open.</source>
        <translation>要打开的 GGUF 模型。</translation>
    </message>
    <message>
        <source>PATH</source>
        <translation>PATH</translation>
    </message>
    <message>
        <source>Send TEXT as a message once the model is loaded (automation).</source>
        <translation>模型加载后将 TEXT 作为消息发送（自动化）。</translation>
    </message>
    <message>
        <source>TEXT</source>
        <translation>TEXT</translation>
    </message>
    <message>
        <source>Limit replies to N tokens.</source>
        <translation>将回复限制为 N 个词元。</translation>
    </message>
    <message>
        <source>N</source>
        <translation>N</translation>
    </message>
    <message>
        <source>Keep generating past end-of-reply tokens (testing).</source>
        <translation>越过回复结束词元继续生成（测试用）。</translation>
    </message>
    <message>
        <source>Start in long-context mode (a sliding window instead of a context limit).</source>
        <translation>以长上下文模式启动（使用滑动窗口而非上下文上限）。</translation>
    </message>
    <message>
        <source>Keep the chat history in FILE instead of the user&apos;s data folder.</source>
        <translation>将聊天历史记录保存在 FILE 中，而不是用户的数据文件夹。</translation>
    </message>
    <message>
        <source>FILE</source>
        <translation>FILE</translation>
    </message>
    <message>
        <source>Show the program in LANG (en or zh_CN) this time.</source>
        <translation>本次以 LANG（en 或 zh_CN）语言显示程序。</translation>
    </message>
    <message>
        <source>LANG</source>
        <translation>LANG</translation>
    </message>
</context>
</TS>
