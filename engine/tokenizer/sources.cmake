# dw_tokenizer: SentencePiece-style and byte-level BPE tokenizers (ENGINE_FACTS 5).
dw_module(tokenizer
    SOURCES utf8.cpp vocab.cpp special_split.cpp pre_tokenizer.cpp spm.cpp bpe.cpp eog.cpp
            tokenizer.cpp stream_decoder.cpp vocab_gguf.cpp
    DEPS dw_core dw_gguf PkgConfig::PCRE2)
