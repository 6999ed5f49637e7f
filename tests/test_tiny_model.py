"""The tiny test model committed under models/ (made by scripts/make_tiny_model.py).

Checks what needs no torch: the files are there and small, the config is the Qwen2 the script
describes, the tokenizer (read with the `tokenizers` package) encodes and decodes and ends the
generation prompt on the token the model keys on, the chat template (rendered with jinja2 the way
transformers and llama-cpp-python render it) shows tools, tool calls and tool results, the think
path's markers and trigger are single tokens that servers keep in the text, and the GGUF says qwen2
with the qwen2 pre-tokenizer. What the weights do is checked by
`python scripts/make_tiny_model.py --verify`, which needs torch and transformers, and live by
tests/test_local_servers.py against every server.
"""

from __future__ import annotations

import importlib.util
import json
import struct
from pathlib import Path

import jinja2
import jinja2.sandbox
import pytest
from tokenizers import Tokenizer

REPO = Path(__file__).resolve().parent.parent
MODELS = REPO / "models"
HF_DIR = MODELS / "tiny-qwen2"
GGUF = MODELS / "tiny-qwen2.gguf"
ONE_MB = 1024 * 1024


def _load_script():
    # The script imports only the standard library at module level (torch & co. inside functions).
    spec = importlib.util.spec_from_file_location("make_tiny_model", REPO / "scripts" / "make_tiny_model.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


M = _load_script()


@pytest.fixture(scope="module")
def config() -> dict:
    return json.loads((HF_DIR / "config.json").read_text())


@pytest.fixture(scope="module")
def tokenizer_config() -> dict:
    return json.loads((HF_DIR / "tokenizer_config.json").read_text())


@pytest.fixture(scope="module")
def tokenizer() -> Tokenizer:
    return Tokenizer.from_file(str(HF_DIR / "tokenizer.json"))


@pytest.fixture(scope="module")
def gguf_meta() -> dict:
    return M.read_gguf_metadata(GGUF)


def render(template: str, **kwargs) -> str:
    """Render a chat template the way transformers (and llama-cpp-python) do."""
    env = jinja2.sandbox.ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    env.filters["tojson"] = lambda x, indent=None: json.dumps(x, ensure_ascii=False, indent=indent)
    return env.from_string(template).render(**kwargs)


def test_both_forms_are_committed_and_small():
    names = {p.name for p in HF_DIR.iterdir()}
    assert {"config.json", "generation_config.json", "model.safetensors", "tokenizer.json",
            "tokenizer_config.json"} <= names
    hf_size = sum(p.stat().st_size for p in HF_DIR.iterdir())
    assert hf_size < ONE_MB, f"Hugging Face directory is {hf_size} bytes"
    assert GGUF.stat().st_size < ONE_MB, f"GGUF is {GGUF.stat().st_size} bytes"
    readme = (MODELS / "README.md").read_text()
    assert "python scripts/make_tiny_model.py" in readme


def test_config_is_the_small_qwen2(config, tokenizer_config, tokenizer):
    assert config["architectures"] == ["Qwen2ForCausalLM"] and config["model_type"] == "qwen2"
    assert (config["hidden_size"], config["num_hidden_layers"], config["num_attention_heads"],
            config["num_key_value_heads"], config["intermediate_size"]) == (128, 1, 2, 1, 32)
    assert 600 <= config["vocab_size"] <= 700
    assert config["vocab_size"] == tokenizer.get_vocab_size(with_added_tokens=True)
    eos = tokenizer.token_to_id("<|im_end|>")
    generation = json.loads((HF_DIR / "generation_config.json").read_text())
    assert config["eos_token_id"] == generation["eos_token_id"] == eos
    assert tokenizer_config["eos_token"] == "<|im_end|>"
    assert tokenizer_config["chat_template"] == M.CHAT_TEMPLATE


def test_head_dim_is_one_vllm_runs_on_cpu(config):
    # vLLM's CPU attention refuses head_dim 16 ("Unsupported CPU attention configuration"); 64 runs.
    head_dim = config["hidden_size"] // config["num_attention_heads"]
    assert head_dim == config.get("head_dim", head_dim) == M.HEAD_DIM == 64
    assert config["num_attention_heads"] % config["num_key_value_heads"] == 0


def test_safetensors_hold_a_few_hundred_thousand_parameters(config):
    raw = (HF_DIR / "model.safetensors").read_bytes()
    (header_len,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + header_len])
    header.pop("__metadata__", None)
    n_params = 0
    for name, info in header.items():
        count = 1
        for dim in info["shape"]:
            count *= dim
        n_params += count
        assert info["dtype"] == "F32", name
    assert 150_000 <= n_params <= 260_000, n_params
    assert header["model.embed_tokens.weight"]["shape"] == [config["vocab_size"], 128]
    assert header["lm_head.weight"]["shape"] == [config["vocab_size"], 128]
    assert header["model.layers.0.self_attn.q_proj.weight"]["shape"] == [128, 128]  # 2 heads of 64
    assert header["model.layers.0.self_attn.k_proj.weight"]["shape"] == [64, 128]  # 1 key/value head of 64


def test_tokenizer_encodes_and_decodes(tokenizer):
    for text in ["Hello from a tiny model!", "What is the weather like in Boston today?",
                 'Zürich: 21 °C, {"ok": true}\n\tdone', "日本語 🚀"]:
        assert tokenizer.decode(tokenizer.encode(text).ids, skip_special_tokens=False) == text
    for special in M.SPECIAL_TOKENS + M.TEXT_ADDED_TOKENS:
        assert tokenizer.encode(f"a{special}b").tokens == ["a", special, "b"]
    # The two prompt endings the model keys on come out as single tokens.
    assert tokenizer.encode("<|im_start|>assistant\n").tokens[-1] == M.PROMPT_END
    assert tokenizer.encode("functions.get_current_weather:\n").tokens[-1] == M.ARGS_START


def test_scripted_answers_decode_to_the_intended_text(tokenizer):
    def text(script):
        return tokenizer.decode([tokenizer.token_to_id(t) for t in script], skip_special_tokens=False)

    assert text(M.PLAIN_SCRIPT) == "Hello from a tiny model!"
    assert text(M.TOOL_RESULT_SCRIPT) == "Thanks for the tool result."
    call = text(M.TOOL_CALL_SCRIPT)
    assert call.startswith("<tool_call>\n") and call.endswith("\n</tool_call>")
    assert json.loads(call[len("<tool_call>\n") : -len("\n</tool_call>")]) == {
        "name": "get_current_weather", "arguments": {"location": "Boston, MA", "unit": "celsius"}}
    assert json.loads(text(M.ARGS_SCRIPT)) == {"location": "Boston, MA", "unit": "celsius"}
    assert text(M.THINK_SCRIPT) == "<think>Pondering quietly...</think>I thought it through."
    assert text(M.THINK_SCRIPT[1:4]) == M.REASONING_TEXT and text(M.THINK_SCRIPT[5:]) == M.THINK_ANSWER_TEXT
    # Arguments stream in pieces: the tool call spans many tokens, the arguments several.
    assert len(M.TOOL_CALL_SCRIPT) >= 10 and len(M.ARGS_SCRIPT) >= 3


def test_think_markers_are_single_tokens_servers_keep(tokenizer, tokenizer_config):
    # vLLM's reasoning parsers (deepseek_r1, qwen3) look "<think>" and "</think>" up in the vocabulary
    # and refuse a tokenizer without them; they split the text, so the markers must survive decoding:
    # added tokens that are not "special" (as in Qwen3), which skip_special_tokens leaves in place.
    added = {entry["content"]: entry for entry in tokenizer_config["added_tokens_decoder"].values()}
    for marker in ("<think>", "</think>"):
        assert tokenizer.token_to_id(marker) is not None
        assert added[marker]["special"] is False
        assert tokenizer.encode(f"x{marker}y").tokens == ["x", marker, "y"]
    ids = [tokenizer.token_to_id(t) for t in M.THINK_SCRIPT]
    assert tokenizer.decode(ids, skip_special_tokens=True).startswith("<think>")


def test_the_word_think_is_the_trigger(tokenizer, tokenizer_config):
    # The model thinks when a message holds the word as one of these tokens: capitalised or not, at
    # the start of a message or after a space.
    for text, token in [("Think carefully: is 1001 a prime number?", "Think"),
                        ("Please think about it.", "Ġthink"), ("think first", "think"),
                        ("Then Think again", "ĠThink")]:
        assert token in M.THINK_TRIGGERS and token in tokenizer.encode(text).tokens, (text, tokenizer.encode(text).tokens)
    prompt = render(tokenizer_config["chat_template"], messages=[{"role": "user", "content": M.THINK_QUESTION}],
                    add_generation_prompt=True)
    tokens = tokenizer.encode(prompt).tokens
    assert tokens[-1] == M.PROMPT_END and set(M.THINK_TRIGGERS) & set(tokens)
    # The default system prompt and the tool prompt do not hold it (a tool call must stay a tool call).
    offered = render(tokenizer_config["chat_template"], messages=[{"role": "user", "content": M.QUESTION}],
                     tools=[M.WEATHER_TOOL], add_generation_prompt=True)
    assert not set(M.THINK_TRIGGERS) & set(tokenizer.encode(offered).tokens)


def test_chat_template_renders_tools_calls_and_results(tokenizer_config, tokenizer):
    template = tokenizer_config["chat_template"]
    user = {"role": "user", "content": M.QUESTION}

    plain = render(template, messages=[user], add_generation_prompt=True)
    assert plain == (f"<|im_start|>system\n{M.DEFAULT_SYSTEM}<|im_end|>\n"
                     f"<|im_start|>user\n{M.QUESTION}<|im_end|>\n<|im_start|>assistant\n")

    offered = render(template, messages=[user], tools=[M.WEATHER_TOOL], add_generation_prompt=True)
    assert "<tools>\n" + json.dumps(M.WEATHER_TOOL) + "\n</tools>" in offered
    assert "<tool_call>" in offered and offered.endswith("<|im_start|>assistant\n")

    answered = render(template, messages=[user, M.TOOL_CALL_MESSAGE, M.TOOL_RESULT_MESSAGE],
                      tools=[M.WEATHER_TOOL], add_generation_prompt=True)
    assert ('<|im_start|>assistant\n<tool_call>\n{"name": "get_current_weather", "arguments": '
            '{"location": "Boston, MA", "unit": "celsius"}}\n</tool_call><|im_end|>\n') in answered
    assert ("<|im_start|>user\n<tool_response>\n" + M.TOOL_RESULT_MESSAGE["content"]
            + "\n</tool_response><|im_end|>\n<|im_start|>assistant\n") in answered
    # Arguments as a dict (transformers serve) render like the JSON string (OpenAI clients).
    as_dict = dict(M.TOOL_CALL_MESSAGE, tool_calls=[
        {"type": "function", "function": {"name": M.TOOL_NAME, "arguments": M.TOOL_ARGUMENTS}}])
    assert render(template, messages=[user, as_dict, M.TOOL_RESULT_MESSAGE], tools=[M.WEATHER_TOOL],
                  add_generation_prompt=True) == answered

    # What the model keys on: the markers are single tokens, the prompt ends on the newline token.
    markers = {"<tools>", "<tool_response>"}
    for prompt, expected in [(plain, set()), (offered, {"<tools>"}), (answered, markers)]:
        tokens = tokenizer.encode(prompt).tokens
        assert tokens[-1] == M.PROMPT_END
        assert markers & set(tokens) == expected


def test_gguf_header_says_qwen2(gguf_meta, tokenizer, tokenizer_config, config):
    with open(GGUF, "rb") as f:
        assert f.read(4) == b"GGUF"
    assert gguf_meta["version"] == 3
    assert gguf_meta["general.architecture"] == "qwen2"
    assert gguf_meta["tokenizer.ggml.model"] == "gpt2"
    assert gguf_meta["tokenizer.ggml.pre"] == "qwen2"
    assert gguf_meta["qwen2.embedding_length"] == config["hidden_size"]
    assert gguf_meta["qwen2.block_count"] == config["num_hidden_layers"]
    assert gguf_meta["qwen2.attention.head_count"] == config["num_attention_heads"]
    assert gguf_meta["qwen2.attention.head_count_kv"] == config["num_key_value_heads"]
    assert gguf_meta["qwen2.rope.freq_base"] == config["rope_parameters"]["rope_theta"]
    tokens = gguf_meta["tokenizer.ggml.tokens"]
    assert tokens == [tokenizer.id_to_token(i) for i in range(config["vocab_size"])]
    assert tokens[gguf_meta["tokenizer.ggml.eos_token_id"]] == "<|im_end|>"
    assert gguf_meta["tokenizer.ggml.add_bos_token"] is False
    assert gguf_meta["tokenizer.chat_template"] == tokenizer_config["chat_template"]
    types = gguf_meta["tokenizer.ggml.token_type"]  # 1 normal, 3 control, 4 user-defined
    assert {tokens[i] for i, t in enumerate(types) if t == 3} == set(M.SPECIAL_TOKENS)
    assert {tokens[i] for i, t in enumerate(types) if t == 4} == set(M.TEXT_ADDED_TOKENS)
    tensors = gguf_meta["tensors"]
    assert len(tensors) == 3 + 12 * config["num_hidden_layers"]
    assert tensors["token_embd.weight"][0] == [128, config["vocab_size"]]
