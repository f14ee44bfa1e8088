#pragma once
// Tiny hand-set models for tst_reference: F32 GGUFs assembled in memory whose logits the test
// works out by hand.
#include "reference/ref_model.h"

#include "deepwell/gguf.h"

#include <cmath>
#include <memory>
#include <string>
#include <vector>

namespace dw::reftest {

using gguf::Value;
using gguf::ValueType;

// A GGUF assembled in memory from F32 tensors; the File and Model live as long as this.
struct HandModel {
    gguf::Writer writer;
    std::vector<uint8_t> bytes;
    std::unique_ptr<gguf::File> file;

    void key(const std::string& k, int64_t v) { writer.set(k, Value::integer(ValueType::U32, v)); }
    void keyF(const std::string& k, double v) { writer.set(k, Value::floating(ValueType::F32, v)); }
    void tensor(const std::string& name, std::vector<int64_t> ne, std::vector<float> v) {
        writer.addTensor(name, DType::F32, ne, v.data(), v.size() * sizeof(float));
    }
    std::unique_ptr<ref::Model> open(ref::Options opt = {}) {
        bytes = writer.toBytes();
        file = gguf::File::fromMemory(bytes.data(), bytes.size());
        return ref::Model::fromFile(*file, std::move(opt));
    }
};

inline std::vector<float> identity(int n) {
    std::vector<float> m(static_cast<size_t>(n * n), 0.0f);
    for (int i = 0; i < n; ++i) m[static_cast<size_t>(i * n + i)] = 1.0f;
    return m;
}

// One-layer llama, nEmbd 4, one head of 4, nFf 1, vocab 3. W_q = 0 makes every score 0, so
// attention at position t is the plain mean of V over positions 0..t; V and O are identity.
// FFN: gate reads x[0], up reads x[1], down writes into dim 2. eps = 0.
inline void buildHandLlama(HandModel& m) {
    m.writer.set("general.architecture", Value::string("llama"));
    m.key("llama.context_length", 64);
    m.key("llama.embedding_length", 4);
    m.key("llama.block_count", 1);
    m.key("llama.feed_forward_length", 1);
    m.key("llama.attention.head_count", 1);
    m.keyF("llama.attention.layer_norm_rms_epsilon", 0.0);
    m.tensor("token_embd.weight", {4, 3}, {2, 0, 0, 0, /**/ 0, 2, 0, 0, /**/ 1, 1, 1, 1});
    m.tensor("blk.0.attn_norm.weight", {4}, {1, 1, 1, 1});
    m.tensor("blk.0.attn_q.weight", {4, 4}, std::vector<float>(16, 0.0f));
    m.tensor("blk.0.attn_k.weight", {4, 4},
             {0.3f, -1, 2, 0.5f, 1, 1, -1, 0, 0, 0, 1, 2, 1, 0, 0, 1});
    m.tensor("blk.0.attn_v.weight", {4, 4}, identity(4));
    m.tensor("blk.0.attn_output.weight", {4, 4}, identity(4));
    m.tensor("blk.0.ffn_norm.weight", {4}, {1, 1, 1, 1});
    m.tensor("blk.0.ffn_gate.weight", {4, 1}, {1, 0, 0, 0});
    m.tensor("blk.0.ffn_up.weight", {4, 1}, {0, 1, 0, 0});
    m.tensor("blk.0.ffn_down.weight", {1, 4}, {0, 0, 1, 0});
    m.tensor("output_norm.weight", {4}, {1, 1, 1, 1});
    m.tensor("output.weight", {4, 3}, {1, 0, 0, 0, /**/ 0, 1, 0, 0, /**/ 0.5f, 0.5f, 0.5f, 0.5f});
}

// One-layer llama, nEmbd 2, one head of 2 (a single RoPE pair), Q = K = V = O = identity,
// no FFN contribution, identity output over a vocabulary of 2; rope.scaling.factor as given.
inline void buildHandRopeLlama(HandModel& m, double factor) {
    m.writer.set("general.architecture", Value::string("llama"));
    m.key("llama.context_length", 64);
    m.key("llama.embedding_length", 2);
    m.key("llama.block_count", 1);
    m.key("llama.feed_forward_length", 1);
    m.key("llama.attention.head_count", 1);
    m.keyF("llama.attention.layer_norm_rms_epsilon", 0.0);
    m.keyF("llama.rope.scaling.factor", factor);
    const float r2 = static_cast<float>(std::sqrt(2.0));
    m.tensor("token_embd.weight", {2, 2}, {r2, 0, 0, r2});
    m.tensor("blk.0.attn_norm.weight", {2}, {1, 1});
    for (const char* n : {"attn_q", "attn_k", "attn_v", "attn_output"}) {
        m.tensor(std::string("blk.0.") + n + ".weight", {2, 2}, identity(2));
    }
    m.tensor("blk.0.ffn_norm.weight", {2}, {1, 1});
    m.tensor("blk.0.ffn_gate.weight", {2, 1}, {1, 0});
    m.tensor("blk.0.ffn_up.weight", {2, 1}, {0, 1});
    m.tensor("blk.0.ffn_down.weight", {1, 2}, {0, 0});
    m.tensor("output_norm.weight", {2}, {1, 1});
    m.tensor("output.weight", {2, 2}, identity(2));
}

// One-layer gemma3, nEmbd 4, one head of 4, vocab 4 (unit-vector embeddings, tied output),
// W_q = 0 (uniform attention), V = O = identity, W_down = 0 (no FFN contribution).
inline void buildHandGemma(HandModel& m, int64_t window, int64_t pattern, double softcap) {
    m.writer.set("general.architecture", Value::string("gemma3"));
    m.key("gemma3.context_length", 64);
    m.key("gemma3.embedding_length", 4);
    m.key("gemma3.block_count", 1);
    m.key("gemma3.feed_forward_length", 2);
    m.key("gemma3.attention.head_count", 1);
    m.key("gemma3.attention.key_length", 4);
    m.key("gemma3.attention.value_length", 4);
    m.key("gemma3.attention.sliding_window", window);
    m.key("gemma3.attention.sliding_window_pattern", pattern);
    m.keyF("gemma3.attention.layer_norm_rms_epsilon", 1e-6);
    if (softcap > 0) m.keyF("gemma3.final_logit_softcapping", softcap);
    m.tensor("token_embd.weight", {4, 4}, identity(4));
    const std::vector<float> ones{1, 1, 1, 1};
    for (const char* n : {"attn_norm", "post_attention_norm", "ffn_norm", "post_ffw_norm",
                          "attn_q_norm", "attn_k_norm"}) {
        m.tensor(std::string("blk.0.") + n + ".weight", {4}, ones);
    }
    m.tensor("blk.0.attn_q.weight", {4, 4}, std::vector<float>(16, 0.0f));
    m.tensor("blk.0.attn_k.weight", {4, 4}, identity(4));
    m.tensor("blk.0.attn_v.weight", {4, 4}, identity(4));
    m.tensor("blk.0.attn_output.weight", {4, 4}, identity(4));
    m.tensor("blk.0.ffn_gate.weight", {4, 2}, {1, 0, 0, 0, 0, 1, 0, 0});
    m.tensor("blk.0.ffn_up.weight", {4, 2}, {0, 0, 1, 0, 0, 0, 0, 1});
    m.tensor("blk.0.ffn_down.weight", {2, 4}, std::vector<float>(8, 0.0f));
    m.tensor("output_norm.weight", {4}, ones);
}

} // namespace dw::reftest
