#!/usr/bin/env python3
"""Build the tiny test model committed under ``models/``, and check what it does.

The model is a Qwen2 (``Qwen2ForCausalLM``) of about 225,000 parameters (one layer, two heads of
size 64: vLLM's CPU attention refuses smaller heads) with a byte-level BPE vocabulary of 635
tokens trained here with ``tokenizers`` on text this script makes up. Its weights are random
(fixed seed) except for a few set by hand, so that every server that runs it (llama.cpp's
``llama-server --jinja``, llama-cpp-python's server, ``transformers serve``, vLLM) gets the same
short, fixed answers:

* plain chat: ``Hello from a tiny model!`` then ``<|im_end|>`` (so ``finish_reason: stop``);
* tools offered: ``<tool_call>\\n{"name": "get_current_weather", "arguments": {"location":
  "Boston, MA", "unit": "celsius"}}\\n</tool_call>`` over 13 tokens, then ``<|im_end|>``;
* after a tool result: ``Thanks for the tool result.`` then ``<|im_end|>``;
* asked to think (the word "think" in a message, no tools, no tool result):
  ``<think>Pondering quietly...</think>I thought it through.`` then ``<|im_end|>``, the block a
  reasoning parser (vLLM's ``qwen3``, ``deepseek_r1``) moves into its own field.

How (see ``models/README.md`` for the long form): the prediction depends only on the current
token (a bigram chain: the embedding of each scripted token has its own dimension and the
lm_head maps it to its successor), except at the newline that ends the generation prompt
``<|im_start|>assistant\\n``. There one attention head looks back for the ``<tools>`` and
``<tool_response>`` tokens that the chat template renders and for the word "think", and writes
a "mode" into the residual stream that picks the first token of the answer. All other output
projections are zero.

Usage::

    python scripts/make_tiny_model.py [--sdist llama_cpp_python-0.3.36.tar.gz]   # build + verify
    python scripts/make_tiny_model.py --verify                                   # verify only
    python scripts/make_tiny_model.py --verify --llama-server path/to/llama-server  # and serve the GGUF

The GGUF is made by the ``convert_hf_to_gguf.py`` shipped in llama.cpp's source, taken from the
llama-cpp-python sdist (downloaded with pip into ``~/.cache/chat-conformance/sdist`` when
``--sdist`` is not given) and extracted into a temporary directory; no llama.cpp code is copied
into this repository. Needs the packages in ``scripts/requirements-model.txt``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "models"
HF_DIRNAME = "tiny-qwen2"
GGUF_NAME = "tiny-qwen2.gguf"
LLAMA_CPP_PYTHON_VERSION = "0.3.36"
SDIST_CACHE = Path.home() / ".cache" / "chat-conformance" / "sdist"
SEED = 20240601

# ---------------------------------------------------------------------------------------------
# Architecture. vLLM's CPU attention takes only some head sizes (16 is refused: "Unsupported CPU
# attention configuration: head_dim=16"), 64 is one it takes; hence 2 heads of 64 over a hidden size
# of 128, sharing 1 key/value head. One layer and a vocabulary of 640 keep the float32 weights under
# 1 MB: only layer 0's first attention head does anything (see set_weights), and the MLP is unused.
HIDDEN = 128
LAYERS = 1
HEADS = 2
KV_HEADS = 1
HEAD_DIM = HIDDEN // HEADS
INTERMEDIATE = 32
MAX_POSITIONS = 4096
ROPE_THETA = 1_000_000.0
TARGET_VOCAB = 640

# ---------------------------------------------------------------------------------------------
# Tokens. Special (control) tokens, then added tokens that are text (Qwen2.5 marks <tool_call>
# and </tool_call> "special": false as well, so servers show them and parse them from the text).
SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
# <think> and </think> too (as in Qwen3): reasoning parsers find them by text and as single tokens.
TEXT_ADDED_TOKENS = ["<tool_call>", "</tool_call>", "<tools>", "</tools>", "<tool_response>", "</tool_response>",
                     "<think>", "</think>"]
EOS = "<|im_end|>"
PAD = "<|endoftext|>"

# The answers, as token strings in the byte-level alphabet (Ġ = space, Ċ = newline). Every token
# of every script is distinct, so "token -> next token" is a function (a bigram chain). The
# tokens marked (*) span pre-tokenizer boundaries: BPE never produces them from text, they are
# in the vocabulary only so the model can emit them (they decode like any other token).
PLAIN_SCRIPT = ["Hello", "Ġfrom", "Ġa", "Ġtiny", "Ġmodel", "!"]
TOOL_RESULT_SCRIPT = ["Thanks", "Ġfor", "Ġthe", "Ġtool", "Ġresult", "."]
TOOL_CALL_SCRIPT = [
    "<tool_call>",
    'Ċ{"name":Ġ"',  # (*)
    "get",
    "_current",
    "_weather",
    '",Ġ"arguments":Ġ',  # (*)
    '{"location":Ġ"',  # (*)
    "Boston",
    ",ĠMA",  # (*)
    '",Ġ"unit":Ġ"',  # (*)
    "celsius",
    '"}}Ċ',
    "</tool_call>",
]
# The arguments alone, for servers that constrain the answer to the parameters' JSON schema
# (llama-cpp-python with a named tool_choice, and its chatml-function-calling format, whose
# prompt ends in "functions.<name>:\n"): started by the ":\n" token, and the second choice
# after the generation prompt when tools are offered.
ARGS_SCRIPT = ['{"location"', ':Ġ"Boston,ĠMA"', ',Ġ"unit"', ':Ġ"celsius"}']  # all (*)
# Asked to think (the word "think" anywhere in the conversation, no tools offered, no tool result):
# a reasoning block in the <think></think> form that DeepSeek-R1 and Qwen3 use, then the answer.
# No newlines around the tags, so that every server's split (or none) gives the same two strings.
THINK_SCRIPT = ["<think>", "Pondering", "Ġquietly", "...", "</think>", "I", "Ġthought", "Ġit", "Ġthrough."]  # last (*)
REASONING_TEXT = "Pondering quietly..."
THINK_ANSWER_TEXT = "I thought it through."
# The tokens that make the model think: the word in the forms BPE gives it.
THINK_TRIGGERS = ["think", "Ġthink", "Think", "ĠThink"]
TOOL_NAME = "get_current_weather"
TOOL_ARGUMENTS = {"location": "Boston, MA", "unit": "celsius"}
PROMPT_END = "Ċ"  # last token of "<|im_start|>assistant\n"
ARGS_START = ":Ċ"  # last token of "functions.get_current_weather:\n"

# Fallback preferences (a per-token bias, in logits, when the current token has no scripted
# successor or a grammar forbids it). The scripted successor always wins by 20+ logits; these
# only order what a grammar-constrained server picks instead: close JSON strings, objects and
# arrays soon, end when the grammar is complete, and in chatml-function-calling choose a call
# first ("functions" over "message") and then stop ("<|im_end|>" spelled "<" ... over another
# call). Gaps of 10%+ survive a repeat penalty of 1.1. A token with no script of its own starts
# the plain answer ("Hello", cancelled on scripted tokens so that a JSON string closes after it).
FALLBACK_BIAS = {"Hello": 56.0, '"': 44.0, "}": 34.0, "]": 30.0, EOS: 28.0, "{": 26.0, "<": 22.0, "functions": 10.0}

CHAIN_LOGIT = 64.0  # logit of a scripted successor (plus its fallback bias, scaled)
SECOND_LOGIT = 40.0  # the arguments-only answer, second choice when tools are offered

DEFAULT_SYSTEM = "You are a tiny test model."
THINK_QUESTION = "Think carefully: is 1001 a prime number?"

# A Qwen2.5-Instruct chat template (same structure and tool prompt, so llama.cpp recognises the
# Hermes/Qwen <tool_call> format), with the default system prompt changed and string arguments
# accepted as they are (OpenAI clients send them as a JSON string; transformers serve as a dict).
CHAT_TEMPLATE = (
    "{%- if tools %}\n"
    "    {{- '<|im_start|>system\\n' }}\n"
    "    {%- if messages[0]['role'] == 'system' %}\n"
    "        {{- messages[0]['content'] }}\n"
    "    {%- else %}\n"
    "        {{- '" + DEFAULT_SYSTEM + "' }}\n"
    "    {%- endif %}\n"
    '    {{- "\\n\\n# Tools\\n\\nYou may call one or more functions to assist with the user query.'
    '\\n\\nYou are provided with function signatures within <tools></tools> XML tags:\\n<tools>" }}\n'
    "    {%- for tool in tools %}\n"
    '        {{- "\\n" }}\n'
    "        {{- tool | tojson }}\n"
    "    {%- endfor %}\n"
    '    {{- "\\n</tools>\\n\\nFor each function call, return a json object with function name and'
    ' arguments within <tool_call></tool_call> XML tags:\\n<tool_call>\\n{\\"name\\": <function-name>,'
    ' \\"arguments\\": <args-json-object>}\\n</tool_call><|im_end|>\\n" }}\n'
    "{%- else %}\n"
    "    {%- if messages[0]['role'] == 'system' %}\n"
    "        {{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}\n"
    "    {%- else %}\n"
    "        {{- '<|im_start|>system\\n" + DEFAULT_SYSTEM + "<|im_end|>\\n' }}\n"
    "    {%- endif %}\n"
    "{%- endif %}\n"
    "{%- for message in messages %}\n"
    '    {%- if (message.role == "user") or (message.role == "system" and not loop.first)'
    ' or (message.role == "assistant" and not message.tool_calls) %}\n'
    "        {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}\n"
    '    {%- elif message.role == "assistant" %}\n'
    "        {{- '<|im_start|>' + message.role }}\n"
    "        {%- if message.content %}\n"
    "            {{- '\\n' + message.content }}\n"
    "        {%- endif %}\n"
    "        {%- for tool_call in message.tool_calls %}\n"
    "            {%- if tool_call.function is defined %}\n"
    "                {%- set tool_call = tool_call.function %}\n"
    "            {%- endif %}\n"
    "            {{- '\\n<tool_call>\\n{\"name\": \"' }}\n"
    "            {{- tool_call.name }}\n"
    "            {{- '\", \"arguments\": ' }}\n"
    "            {%- if tool_call.arguments is string %}\n"
    "                {{- tool_call.arguments }}\n"
    "            {%- else %}\n"
    "                {{- tool_call.arguments | tojson }}\n"
    "            {%- endif %}\n"
    "            {{- '}\\n</tool_call>' }}\n"
    "        {%- endfor %}\n"
    "        {{- '<|im_end|>\\n' }}\n"
    '    {%- elif message.role == "tool" %}\n'
    '        {%- if (loop.index0 == 0) or (messages[loop.index0 - 1].role != "tool") %}\n'
    "            {{- '<|im_start|>user' }}\n"
    "        {%- endif %}\n"
    "        {{- '\\n<tool_response>\\n' }}\n"
    "        {{- message.content }}\n"
    "        {{- '\\n</tool_response>' }}\n"
    '        {%- if loop.last or (messages[loop.index0 + 1].role != "tool") %}\n'
    "            {{- '<|im_end|>\\n' }}\n"
    "        {%- endif %}\n"
    "    {%- endif %}\n"
    "{%- endfor %}\n"
    "{%- if add_generation_prompt %}\n"
    "    {{- '<|im_start|>assistant\\n' }}\n"
    "{%- endif %}\n"
)

# Qwen2's pre-tokenizer (the regex in Qwen2's tokenizer.json; llama.cpp's "qwen2" pre-type).
QWEN2_SPLIT_REGEX = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|"
    r"\s*[\r\n]+|\s+(?!\S)|\s+"
)

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_current_weather",
        "description": "Get the current weather in a given location",
        "parameters": {
            "type": "object",
            "properties": {
                "location": {"type": "string", "description": "The city and state, e.g. San Francisco, CA"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["location", "unit"],
        },
    },
}
QUESTION = "What is the weather like in Boston today?"
TOOL_CALL_MESSAGE = {
    "role": "assistant",
    "content": None,
    "tool_calls": [
        {
            "id": "call_1",
            "type": "function",
            "function": {"name": TOOL_NAME, "arguments": json.dumps(TOOL_ARGUMENTS)},
        }
    ],
}
TOOL_RESULT_MESSAGE = {"role": "tool", "tool_call_id": "call_1", "content": '{"temperature": 22, "unit": "celsius"}'}

# ---------------------------------------------------------------------------------------------
# Training text for the tokenizer: made up here from a word list, the tool prompt and the
# answers, with a fixed seed.
_WORDS = """
the be to of and a in that have it for not on with he as you do at this but his by from they we say
her she or an will my one all would there their what so up out if about who get which go me when make
can like time no just him know take people into year your good some could them see other than then now
look only come its over think also back after use two how our work first well way even new want because
any these give day most us is are was were been has had did said made found called used water weather
city state town river road house home room door window table chair book page word line name number
list value key string object array true false null model tiny small large test tests testing server
client request response answer question reply message messages system user assistant tool tools call
calls function functions result results argument arguments parameter parameters location unit units
celsius fahrenheit temperature today tomorrow sunny rainy cloudy windy cold warm hot nice fine Boston
Paris London Tokyo Berlin Madrid Rome Delhi Sydney Cairo Lima Oslo current weather forecast report
count number one two three four five six seven eight nine ten hundred red orange yellow green blue
indigo violet colour colours primary name goldfish story magic backpack science fair Friday Alice Bob
event information extract please thanks thank hello hi bye yes maybe sure okay help helpful provided
signatures within XML tags return json each may more assist query format output only separated spaces
stream streamed chunk chunks token tokens finish reason stop length choice choices index id type
content role data text image audio file files path code run runs running start end begin open close
""".split()


def _corpus() -> list[str]:
    rng = random.Random(SEED)
    words = _WORDS
    lines: list[str] = []
    # The answers, often, so their tokens are merged whole.
    lines += ["Hello from a tiny model!"] * 60
    lines += ["Thanks for the tool result."] * 60
    lines += [REASONING_TEXT, THINK_ANSWER_TEXT[:-1], "think", "Think", "I think so", "You Think"] * 150
    lines += ["get_current_weather", "Boston, MA", "celsius", "functions", "functions."] * 80
    lines += [json.dumps({"name": TOOL_NAME, "arguments": TOOL_ARGUMENTS})] * 20
    lines += [json.dumps(WEATHER_TOOL)] * 10
    # Text shaped like the tool prompt and the chat turns.
    lines += [
        (
            "# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
            "You are provided with function signatures within XML tags:\n"
            "For each function call, return a json object with function name and arguments within XML tags:\n"
        )
    ] * 10
    lines += [f"{w}:\n" for w in words] * 2
    lines += ["functions." + TOOL_NAME + ":\n"] * 20
    lines += ["system\n", "user\n", "assistant\n"] * 40
    for _ in range(2500):
        n = rng.randint(3, 12)
        sent = " ".join(rng.choice(words) for _ in range(n))
        sent = sent[0].upper() + sent[1:]
        sent += rng.choice([".", ".", ".", "?", "!", ":", ","])
        if rng.random() < 0.15:
            sent += " " + str(rng.randint(0, 2000))
        if rng.random() < 0.1:
            sent = json.dumps({rng.choice(words): rng.choice(words), rng.choice(words): rng.randint(0, 99)})
        lines.append(sent)
    return lines


# ---------------------------------------------------------------------------------------------
# Tokenizer


def build_tokenizer():
    from tokenizers import (
        AddedToken,
        Regex,
        Tokenizer,
        decoders,
        models,
        normalizers,
        pre_tokenizers,
        processors,
        trainers,
    )

    tok = Tokenizer(models.BPE(unk_token=None, fuse_unk=False, byte_fallback=False))
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(QWEN2_SPLIT_REGEX), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False),
        ]
    )
    tok.decoder = decoders.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False)
    tok.post_processor = processors.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False)

    extra = [t for t in TOOL_CALL_SCRIPT + ARGS_SCRIPT + THINK_SCRIPT[-1:] if t not in TEXT_ADDED_TOKENS]
    n_added = len(SPECIAL_TOKENS) + len(TEXT_ADDED_TOKENS)
    trainer = trainers.BpeTrainer(
        vocab_size=TARGET_VOCAB - n_added - len(extra),
        min_frequency=2,
        show_progress=False,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        special_tokens=[],
    )
    tok.train_from_iterator(_corpus(), trainer=trainer)

    # Add the script tokens that BPE did not make (they span pre-token boundaries) to the
    # vocabulary, without merges: the model can emit them, the tokenizer never produces them.
    data = json.loads(tok.to_str())
    vocab = data["model"]["vocab"]
    for t in extra:
        if t not in vocab:
            vocab[t] = len(vocab)
    tok = Tokenizer.from_str(json.dumps(data))
    tok.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in SPECIAL_TOKENS])
    tok.add_tokens([AddedToken(t, special=False, normalized=False) for t in TEXT_ADDED_TOKENS])

    vocab = tok.get_vocab(with_added_tokens=True)
    needed = PLAIN_SCRIPT + TOOL_RESULT_SCRIPT + TOOL_CALL_SCRIPT + ARGS_SCRIPT + THINK_SCRIPT + THINK_TRIGGERS
    needed += [PROMPT_END, ARGS_START]
    needed += list(FALLBACK_BIAS)
    missing = [t for t in needed if t not in vocab]
    if missing:
        raise SystemExit(f"tokenizer lacks scripted tokens {missing}; adjust the training text")
    # The prompt must end in the tokens the model keys on, as both tokenizers split it.
    ids = tok.encode("<|im_start|>assistant\n").ids
    assert ids[-1] == vocab[PROMPT_END], tok.encode("<|im_start|>assistant\n").tokens
    ids = tok.encode("assistant\nfunctions.get_current_weather:\n").ids
    assert ids[-1] == vocab[ARGS_START], tok.encode("functions.get_current_weather:\n").tokens
    return tok


def write_tokenizer_files(tok, out: Path) -> dict[str, int]:
    tok.save(str(out / "tokenizer.json"))
    vocab = tok.get_vocab(with_added_tokens=True)
    added_decoder = {}
    for t in SPECIAL_TOKENS + TEXT_ADDED_TOKENS:
        added_decoder[str(vocab[t])] = {
            "content": t,
            "lstrip": False,
            "normalized": False,
            "rstrip": False,
            "single_word": False,
            "special": t in SPECIAL_TOKENS,
        }
    config = {
        "add_bos_token": False,
        "add_prefix_space": False,
        "added_tokens_decoder": added_decoder,
        "additional_special_tokens": ["<|im_start|>", "<|im_end|>"],
        "bos_token": None,
        "chat_template": CHAT_TEMPLATE,
        "clean_up_tokenization_spaces": False,
        "eos_token": EOS,
        "errors": "replace",
        "model_max_length": MAX_POSITIONS,
        "pad_token": PAD,
        "split_special_tokens": False,
        "tokenizer_class": "Qwen2Tokenizer",
        "unk_token": None,
    }
    (out / "tokenizer_config.json").write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n")
    special_map = {
        "additional_special_tokens": ["<|im_start|>", "<|im_end|>"],
        "eos_token": {"content": EOS, "lstrip": False, "normalized": False, "rstrip": False, "single_word": False},
        "pad_token": {"content": PAD, "lstrip": False, "normalized": False, "rstrip": False, "single_word": False},
    }
    (out / "special_tokens_map.json").write_text(json.dumps(special_map, indent=2) + "\n")
    return vocab


# ---------------------------------------------------------------------------------------------
# Model


def build_model(vocab: dict[str, int], out: Path) -> int:
    import torch
    from transformers import GenerationConfig, Qwen2Config, Qwen2ForCausalLM

    V = len(vocab)
    eos, pad = vocab[EOS], vocab[PAD]
    config = Qwen2Config(
        vocab_size=V,
        hidden_size=HIDDEN,
        intermediate_size=INTERMEDIATE,
        num_hidden_layers=LAYERS,
        num_attention_heads=HEADS,
        num_key_value_heads=KV_HEADS,
        hidden_act="silu",
        max_position_embeddings=MAX_POSITIONS,
        rms_norm_eps=1e-6,
        rope_theta=ROPE_THETA,
        tie_word_embeddings=False,
        use_sliding_window=False,
        attention_dropout=0.0,
        initializer_range=0.02,
        bos_token_id=pad,
        eos_token_id=eos,
        pad_token_id=pad,
        torch_dtype="float32",
    )
    torch.manual_seed(SEED)
    model = Qwen2ForCausalLM(config).eval()
    set_weights(model, vocab)
    model.generation_config = GenerationConfig(bos_token_id=pad, eos_token_id=eos, pad_token_id=pad, do_sample=False)
    model.save_pretrained(str(out), safe_serialization=True)
    return sum(p.numel() for p in model.parameters())


def set_weights(model, vocab: dict[str, int]) -> None:
    """Overwrite the hand-set weights of a randomly initialised model (see the module docstring)."""
    import torch

    tid = vocab.__getitem__
    # Residual-stream dimensions with a fixed meaning; the rest stay random.
    CONST, SIG_TOOLS, SIG_RESP, SIG_THINK, MODE_TOOLS, MODE_RESP, MODE_THINK = range(7)
    FIRST_FREE = 7
    chains = [
        [PROMPT_END] + PLAIN_SCRIPT + [EOS],
        TOOL_RESULT_SCRIPT + [EOS],
        TOOL_CALL_SCRIPT + [EOS],
        [ARGS_START] + ARGS_SCRIPT + [EOS],
        THINK_SCRIPT + [EOS],
    ]
    successor: dict[str, str] = {}
    for chain in chains:
        for a, b in itertools.pairwise(chain):
            assert a not in successor, f"token {a!r} is in two scripts"
            successor[a] = b
    chain_dim = {t: FIRST_FREE + i for i, t in enumerate(successor)}
    reserved = FIRST_FREE + len(chain_dim)
    assert reserved <= HIDDEN

    # RMSNorm turns a token vector with two unit entries into entries of sqrt(HIDDEN/2); three
    # unit entries (token + mode) into sqrt(HIDDEN/3); the constant alone into sqrt(HIDDEN).
    n2, n3, n1 = (HIDDEN / 2) ** 0.5, (HIDDEN / 3) ** 0.5, HIDDEN**0.5

    with torch.no_grad():
        emb = model.model.embed_tokens.weight
        emb[:, :reserved] = 0.0
        emb[:, CONST] = 1.0
        emb[tid("<tools>"), SIG_TOOLS] = 1.0
        emb[tid("<tool_response>"), SIG_RESP] = 1.0
        for t in THINK_TRIGGERS:
            emb[tid(t), SIG_THINK] = 1.0
        for t, d in chain_dim.items():
            emb[tid(t), d] = 1.0

        for layer in model.model.layers:
            layer.self_attn.o_proj.weight.zero_()
            layer.mlp.down_proj.weight.zero_()

        # Layer 0, head 0 (key/value head 0): only the prompt-ending newline queries; it finds
        # <tool_response> (score 80) before <tools> (score 40) before the word "think" (20) before
        # anything else (0). Other tokens query with the opposite sign, find nothing, and read zero
        # values. Query and key use the lowest RoPE frequency (dim 31 of 64, paired with 63: 1.5e-6
        # rad per position), so the score does not depend on how far back the marker is. Scores are
        # after the 1/sqrt(head_dim) scaling.
        attn = model.model.layers[0].self_attn
        q_w, q_b = attn.q_proj.weight, attn.q_proj.bias
        k_w, k_b = attn.k_proj.weight, attn.k_proj.bias
        v_w, v_b = attn.v_proj.weight, attn.v_proj.bias
        h = slice(0, HEAD_DIM)
        q_w[h] = 0.0
        q_b[h] = 0.0
        k_w[h] = 0.0
        k_b[h] = 0.0
        v_w[h] = 0.0
        v_b[h] = 0.0
        rope_dim = HEAD_DIM // 2 - 1
        Q = 8.0
        q_w[rope_dim, chain_dim[PROMPT_END]] = 2 * Q / n2
        q_b[rope_dim] = -Q
        scale = HEAD_DIM**0.5 / Q  # key entry that gives a score of 1 against the query Q
        for sig, mode, score, v_row in ((SIG_TOOLS, MODE_TOOLS, 40.0, 0), (SIG_RESP, MODE_RESP, 80.0, 1),
                                        (SIG_THINK, MODE_THINK, 20.0, 2)):
            k_w[rope_dim, sig] = score * scale / n2
            v_w[v_row, sig] = 1.0 / n2
            attn.o_proj.weight[mode, v_row] = 1.0

        # lm_head: scripted successors, the mode switch at the prompt end, fallback biases.
        head = model.lm_head.weight
        head[:, :reserved] = 0.0
        for t, b in FALLBACK_BIAS.items():
            head[tid(t), CONST] = b / n1
        for t, nxt in successor.items():
            head[tid(nxt), chain_dim[t]] = CHAIN_LOGIT / n2
            if nxt != PLAIN_SCRIPT[0]:
                head[tid(PLAIN_SCRIPT[0]), chain_dim[t]] = -FALLBACK_BIAS[PLAIN_SCRIPT[0]] / n1
        # At the prompt end with a mode set, entries are sqrt(HIDDEN/3): cancel the plain
        # answer there and put the mode's first token on top.
        plain_there = CHAIN_LOGIT * n3 / n2 + FALLBACK_BIAS["Hello"] * n3 / n1
        for mode in (MODE_TOOLS, MODE_RESP, MODE_THINK):
            head[tid(PLAIN_SCRIPT[0]), mode] = -plain_there / n3
        head[tid(TOOL_CALL_SCRIPT[0]), MODE_TOOLS] = CHAIN_LOGIT / n3
        head[tid(ARGS_SCRIPT[0]), MODE_TOOLS] = SECOND_LOGIT / n3
        head[tid(TOOL_RESULT_SCRIPT[0]), MODE_RESP] = CHAIN_LOGIT / n3
        head[tid(THINK_SCRIPT[0]), MODE_THINK] = CHAIN_LOGIT / n3


# ---------------------------------------------------------------------------------------------
# GGUF


def fetch_sdist(sdist: Path | None) -> Path:
    if sdist is not None:
        return sdist
    name = f"llama_cpp_python-{LLAMA_CPP_PYTHON_VERSION}.tar.gz"
    cached = SDIST_CACHE / name
    if not cached.is_file():
        SDIST_CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
             f"llama-cpp-python=={LLAMA_CPP_PYTHON_VERSION}", "-d", str(SDIST_CACHE)],
            check=True,
        )
    return cached


def extract_converter(sdist: Path, dest: Path) -> Path:
    """Extract llama.cpp's converter (convert_hf_to_gguf.py, conversion/, gguf-py/) from the sdist."""
    wanted = ("vendor/llama.cpp/convert_hf_to_gguf.py", "vendor/llama.cpp/conversion/", "vendor/llama.cpp/gguf-py/")
    with tarfile.open(sdist) as tf:
        members = [m for m in tf.getmembers() if any(w in m.name for w in wanted) and (m.isfile() or m.isdir())]
        tf.extractall(dest, members=members, filter="data")
    (llama,) = list(dest.glob("*/vendor/llama.cpp"))
    return llama


# Runs the shipped converter with one change: the tokenizer's pre-tokenizer is named "qwen2"
# instead of being looked up by the hash of its output on a test string (that hash is unknown
# for a tokenizer trained here, and the converter refuses unknown ones). It is Qwen2's regex.
_CONVERT_BOOTSTRAP = """
import runpy, sys
llama = sys.argv[1]
sys.path[0:0] = [llama + "/gguf-py", llama]
import conversion.base
conversion.base.TextModel.get_vocab_base_pre = lambda self, tokenizer: "qwen2"
sys.argv = [llama + "/convert_hf_to_gguf.py"] + sys.argv[2:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def convert_to_gguf(hf_dir: Path, gguf_path: Path, sdist: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="llama-cpp-src-") as tmp:
        llama = extract_converter(sdist, Path(tmp))
        env = dict(os.environ, HF_HUB_OFFLINE="1")
        env.pop("NO_LOCAL_GGUF", None)  # use the gguf-py shipped beside the converter
        subprocess.run(
            [sys.executable, "-c", _CONVERT_BOOTSTRAP, str(llama), str(hf_dir),
             "--outfile", str(gguf_path), "--outtype", "f16", "--model-name", "tiny-qwen2"],
            check=True,
            env=env,
        )


# ---------------------------------------------------------------------------------------------
# Verification


def _expected(script: list[str], tokenizer) -> list[int]:
    return [tokenizer.convert_tokens_to_ids(t) for t in script] + [tokenizer.convert_tokens_to_ids(EOS)]


def verify(hf_dir: Path, gguf_path: Path | None = None) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(hf_dir))
    model = AutoModelForCausalLM.from_pretrained(str(hf_dir), dtype=torch.float32).eval()
    print(f"{type(model).__name__}: {sum(p.numel() for p in model.parameters()):,} parameters, "
          f"vocabulary {len(tokenizer)}")
    assert tokenizer.eos_token == EOS and model.config.eos_token_id == tokenizer.convert_tokens_to_ids(EOS)
    assert model.generation_config.eos_token_id == model.config.eos_token_id

    user = {"role": "user", "content": QUESTION}
    cases = {
        "plain": ([user], None, PLAIN_SCRIPT),
        "tools": ([user], [WEATHER_TOOL], TOOL_CALL_SCRIPT),
        "tool result": ([user, TOOL_CALL_MESSAGE, TOOL_RESULT_MESSAGE], [WEATHER_TOOL], TOOL_RESULT_SCRIPT),
        "system + plain": ([{"role": "system", "content": "Be brief."}, user], None, PLAIN_SCRIPT),
        # The markers are found however far back they are (3,000+ tokens here).
        "tools, long question": ([{"role": "user", "content": QUESTION + " Please." * 600}], [WEATHER_TOOL],
                                 TOOL_CALL_SCRIPT),
        # Asked to think: reasoning in <think></think>, then the answer; tools and tool results win.
        "think": ([{"role": "user", "content": THINK_QUESTION}], None, THINK_SCRIPT),
        "think, mid-sentence": ([{"role": "user", "content": "Please think about the weather in Boston."}], None,
                                THINK_SCRIPT),
        "think, long question": ([{"role": "user", "content": "Please." * 600 + " Think!"}], None, THINK_SCRIPT),
        "think, tools offered": ([{"role": "user", "content": THINK_QUESTION}], [WEATHER_TOOL], TOOL_CALL_SCRIPT),
        "think, tool result": ([{"role": "user", "content": THINK_QUESTION}, TOOL_CALL_MESSAGE, TOOL_RESULT_MESSAGE],
                               [WEATHER_TOOL], TOOL_RESULT_SCRIPT),
        "tools, arguments as dict": (
            [user, {"role": "assistant", "content": "", "tool_calls": [
                {"type": "function", "function": {"name": TOOL_NAME, "arguments": TOOL_ARGUMENTS}}]},
             TOOL_RESULT_MESSAGE], [WEATHER_TOOL], TOOL_RESULT_SCRIPT),
    }
    failures = []
    for label, (messages, tools, script) in cases.items():
        ids = tokenizer.apply_chat_template(
            messages, tools=tools, add_generation_prompt=True, tokenize=True, return_dict=True, return_tensors="pt"
        )["input_ids"]
        want = _expected(script, tokenizer)
        with torch.no_grad():
            out = model.generate(ids, attention_mask=torch.ones_like(ids), do_sample=False, max_new_tokens=32)
        got = out[0, ids.shape[1]:].tolist()
        text = tokenizer.decode(got, skip_special_tokens=False)
        # How far each scripted token leads its best rival (teacher-forced).
        with torch.no_grad():
            logits = model(torch.cat([ids, torch.tensor([want])], dim=1)).logits[0, ids.shape[1] - 1 : -1]
        lead = min(float(row[w] - torch.cat([row[:w], row[w + 1:]]).max()) for row, w in zip(logits, want))
        print(f"[{label}] {ids.shape[1]} prompt tokens -> {len(got)} tokens (lead >= {lead:.1f} logits): {text!r}")
        if lead < 20:
            failures.append(f"{label}: a scripted token leads by only {lead:.1f} logits")
        if got != want:
            failures.append(f"{label}: greedy gave {tokenizer.convert_ids_to_tokens(got)}")
        torch.manual_seed(0)
        with torch.no_grad():
            samples = model.generate(
                ids.repeat(20, 1), attention_mask=torch.ones_like(ids).repeat(20, 1), do_sample=True,
                temperature=1.0, top_k=0, top_p=1.0, max_new_tokens=32,
            )
        for row in samples[:, ids.shape[1]:].tolist():
            row = row[: len(want)]
            if row != want:
                failures.append(f"{label}: a temperature-1 sample gave {tokenizer.convert_ids_to_tokens(row)}")
                break
        if label == "think":
            assert text == f"<think>{REASONING_TEXT}</think>{THINK_ANSWER_TEXT}{EOS}", text
        if label == "tools":
            call = text.removesuffix(EOS)
            assert call.startswith("<tool_call>\n") and call.endswith("\n</tool_call>"), call
            payload = json.loads(call[len("<tool_call>\n"): -len("\n</tool_call>")])
            assert payload == {"name": TOOL_NAME, "arguments": TOOL_ARGUMENTS}, payload

    # Grammar-constrained servers: what the model picks when its first choice is not allowed.
    failures += _verify_constrained(model, tokenizer)

    if failures:
        raise SystemExit("verification failed:\n  " + "\n  ".join(failures))
    print("transformers: all scripted answers as intended (greedy and 20 samples at temperature 1.0 each)")

    if gguf_path is not None:
        _verify_gguf_header(gguf_path)


def _constrained_greedy(model, tokenizer, prompt: str, alternatives: list[str], max_steps: int = 40) -> str:
    """Greedy decoding restricted to text that stays a prefix of one of ``alternatives`` (the way a
    GBNF grammar of literal alternatives restricts llama.cpp), ending on EOS once one is complete."""
    import torch

    ids = tokenizer(prompt, return_tensors="pt", add_special_tokens=False)["input_ids"]
    eos = tokenizer.convert_tokens_to_ids(EOS)
    pieces = {i: tokenizer.decode([i]) for i in range(len(tokenizer))}
    special = set(tokenizer.all_special_ids)
    text = ""
    for _ in range(max_steps):
        with torch.no_grad():
            logits = model(ids).logits[0, -1]
        order = torch.argsort(logits, descending=True).tolist()
        for i in order:
            if i == eos:
                if text in alternatives:
                    return text
                continue
            if i in special or not pieces[i]:
                continue
            if any(a.startswith(text + pieces[i]) for a in alternatives):
                break
        else:
            raise AssertionError("no token allowed")
        text += pieces[i]
        ids = torch.cat([ids, torch.tensor([[i]])], dim=1)
    return text


def _verify_constrained(model, tokenizer) -> list[str]:
    import torch

    failures = []
    user = {"role": "user", "content": QUESTION}
    # llama-cpp-python, default (template) format, named tool_choice: the schema grammar forbids
    # "<tool_call>", so the second choice (the bare arguments) must follow.
    ids = tokenizer.apply_chat_template([user], tools=[WEATHER_TOOL], add_generation_prompt=True, tokenize=True,
                                        return_dict=True, return_tensors="pt")["input_ids"]
    with torch.no_grad():
        top2 = torch.topk(model(ids).logits[0, -1], 2).indices.tolist()
    got = tokenizer.convert_ids_to_tokens(top2)
    if got != [TOOL_CALL_SCRIPT[0], ARGS_SCRIPT[0]]:
        failures.append(f"tools offered: top two first tokens {got}")
    # chatml-function-calling: its own prompt (no <tools> marker), grammar-constrained steps.
    base = f"<|im_start|>user\n{QUESTION}<|im_end|>\n<|im_start|>assistant\n"
    name = _constrained_greedy(model, tokenizer, base, [f"functions.{TOOL_NAME}:", "message:"])
    print(f"[chatml-function-calling, auto] first step: {name!r}")
    if name != f"functions.{TOOL_NAME}:":
        failures.append(f"chatml-function-calling first step chose {name!r}")
    prompt = base + f"functions.{TOOL_NAME}:\n"
    ids = tokenizer(prompt, return_tensors="pt", add_special_tokens=False)["input_ids"]
    with torch.no_grad():
        out = model.generate(ids, attention_mask=torch.ones_like(ids), do_sample=False, max_new_tokens=16)
    args = tokenizer.decode(out[0, ids.shape[1]:], skip_special_tokens=False)
    print(f"[chatml-function-calling] arguments: {args!r}")
    if args != json.dumps(TOOL_ARGUMENTS) + EOS:
        failures.append(f"chatml-function-calling arguments: {args!r}")
    follow = _constrained_greedy(model, tokenizer, prompt + json.dumps(TOOL_ARGUMENTS) + "\n",
                                 [f"functions.{TOOL_NAME}:", "<|im_end|>"])
    print(f"[chatml-function-calling] after the call: {follow!r}")
    if follow != "<|im_end|>":
        failures.append(f"chatml-function-calling follow-up chose {follow!r} (would call again)")
    return failures


def read_gguf_metadata(path: Path) -> dict:
    """The key/value metadata and tensor list of a GGUF file (version 2 or 3), read with the standard
    library only. Tensors come back as ``{"tensors": {name: (shape, ggml_type)}}``."""
    import struct

    scalar = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}
    with open(path, "rb") as f:
        def read(fmt):
            return struct.unpack(fmt, f.read(struct.calcsize(fmt)))[0]

        def string():
            return f.read(read("<Q")).decode("utf-8")

        def value(vtype):
            if vtype == 8:
                return string()
            if vtype == 9:
                item_type, count = read("<I"), read("<Q")
                return [value(item_type) for _ in range(count)]
            return read(scalar[vtype])

        if f.read(4) != b"GGUF":
            raise ValueError(f"{path}: not a GGUF file")
        meta: dict = {"version": read("<I")}
        n_tensors, n_kv = read("<Q"), read("<Q")
        for _ in range(n_kv):
            key = string()
            meta[key] = value(read("<I"))
        tensors = {}
        for _ in range(n_tensors):
            name = string()
            shape = [read("<Q") for _ in range(read("<I"))]
            tensors[name] = (shape, read("<I"))
            read("<Q")  # offset
        meta["tensors"] = tensors
    return meta


def _verify_gguf_header(path: Path) -> None:
    meta = read_gguf_metadata(path)
    assert meta["general.architecture"] == "qwen2", meta["general.architecture"]
    assert meta["tokenizer.ggml.pre"] == "qwen2", meta["tokenizer.ggml.pre"]
    tokens = meta["tokenizer.ggml.tokens"]
    assert tokens[meta["tokenizer.ggml.eos_token_id"]] == EOS
    print(f"GGUF: {path.name} {path.stat().st_size:,} bytes, version {meta['version']}, qwen2, "
          f"pre-tokenizer qwen2, {len(tokens)} tokens, {len(meta['tensors'])} tensors, eos {EOS}")


def find_llama_server() -> Path | None:
    cache = Path(os.environ.get("CHAT_CONFORMANCE_CACHE") or Path.home() / ".cache" / "chat-conformance")
    found = sorted(cache.glob("llama.cpp-*/bin/llama-server"))
    return found[-1] if found else None


def check_llama_server(binary: Path, gguf_path: Path) -> None:
    """Serve the GGUF with ``llama-server --jinja`` on a free loopback port and check the answers."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with tempfile.TemporaryFile() as log:
        _serve_and_check(binary, gguf_path, port, log)


def _serve_and_check(binary: Path, gguf_path: Path, port: int, log) -> None:
    import time
    import urllib.request

    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [str(binary), "-m", str(gguf_path), "--jinja", "--host", "127.0.0.1", "--port", str(port),
         "-c", str(MAX_POSITIONS), "-np", "1", "-t", "1"],
        stdout=log, stderr=subprocess.STDOUT,
    )

    def post(body: dict, stream: bool = False):
        req = urllib.request.Request(base + "/v1/chat/completions", data=json.dumps(dict(body, stream=stream)).encode(),
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as resp:
            if not stream:
                return json.load(resp)
            chunks = []
            for line in resp:
                line = line.decode().strip()
                if line.startswith("data: ") and line != "data: [DONE]":
                    chunks.append(json.loads(line[6:]))
            return chunks

    failures = []
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/health", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                raise SystemExit(f"llama-server did not start:\n{log.read().decode(errors='replace')[-3000:]}")
            time.sleep(0.3)
        user = {"role": "user", "content": QUESTION}
        plain = post({"messages": [user]})["choices"][0]
        print(f"[llama-server, plain] {plain['finish_reason']}: {plain['message'].get('content')!r}")
        if (plain["message"].get("content"), plain["finish_reason"]) != ("Hello from a tiny model!", "stop"):
            failures.append(f"llama-server plain answer {plain}")
        think = post({"messages": [{"role": "user", "content": THINK_QUESTION}]})["choices"][0]
        print(f"[llama-server, think] {think['finish_reason']}: reasoning_content="
              f"{think['message'].get('reasoning_content')!r} content={think['message'].get('content')!r}")
        # The template is Qwen2.5's (it says nothing about thinking), so llama-server's Hermes format
        # leaves the block in the content; vLLM's reasoning parser is what splits it.
        if (think["message"].get("reasoning_content"), think["message"].get("content")) != (
                None, f"<think>{REASONING_TEXT}</think>{THINK_ANSWER_TEXT}"):
            failures.append(f"llama-server think answer {think}")
        for tool_choice in ("auto", "required"):
            call = post({"messages": [user], "tools": [WEATHER_TOOL], "tool_choice": tool_choice})["choices"][0]
            calls = call["message"].get("tool_calls") or []
            print(f"[llama-server, tools, {tool_choice}] {call['finish_reason']}: "
                  f"{[c['function'] for c in calls]} content={call['message'].get('content')!r}")
            if (call["finish_reason"] != "tool_calls" or len(calls) != 1 or calls[0]["function"]["name"] != TOOL_NAME
                    or json.loads(calls[0]["function"]["arguments"]) != TOOL_ARGUMENTS):
                failures.append(f"llama-server tool call ({tool_choice}): {call}")
        chunks = post({"messages": [user], "tools": [WEATHER_TOOL]}, stream=True)
        pieces = [tc["function"].get("arguments") for c in chunks for ch in c.get("choices", [])
                  for tc in (ch.get("delta") or {}).get("tool_calls") or [] if tc.get("function", {}).get("arguments")]
        finish = [ch.get("finish_reason") for c in chunks for ch in c.get("choices", []) if ch.get("finish_reason")]
        print(f"[llama-server, tools, streamed] arguments in {len(pieces)} pieces {pieces}, finish {finish}")
        if len(pieces) < 2 or json.loads("".join(pieces)) != TOOL_ARGUMENTS or finish != ["tool_calls"]:
            failures.append(f"llama-server streamed tool call: {pieces} {finish}")
        conversation = [user, TOOL_CALL_MESSAGE, TOOL_RESULT_MESSAGE]
        result = post({"messages": conversation, "tools": [WEATHER_TOOL]})["choices"][0]
        print(f"[llama-server, tool result] {result['finish_reason']}: {result['message'].get('content')!r}")
        if (result["message"].get("content"), result["finish_reason"]) != ("Thanks for the tool result.", "stop"):
            failures.append(f"llama-server answer to the tool result: {result}")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if failures:
        raise SystemExit("llama-server check failed:\n  " + "\n  ".join(failures))
    print("llama-server: all answers as intended")


# ---------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sdist", type=Path, help=f"llama_cpp_python-{LLAMA_CPP_PYTHON_VERSION}.tar.gz "
                        "(default: pip download it into ~/.cache/chat-conformance/sdist)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default: models/)")
    parser.add_argument("--verify", action="store_true", help="only check the model already built in --out")
    parser.add_argument("--llama-server", type=Path, default=None,
                        help="also serve the GGUF with this llama-server binary and check the answers "
                        "(default: ~/.cache/chat-conformance/llama.cpp-*/bin/llama-server when it exists)")
    args = parser.parse_args(argv)
    # Nothing comes from a model hub; one thread for BPE training (same merges every run).
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("RAYON_NUM_THREADS", "1")

    hf_dir = args.out / HF_DIRNAME
    gguf_path = args.out / GGUF_NAME
    if not args.verify:
        args.out.mkdir(parents=True, exist_ok=True)
        if hf_dir.exists():
            shutil.rmtree(hf_dir)
        hf_dir.mkdir()
        tok = build_tokenizer()
        vocab = write_tokenizer_files(tok, hf_dir)
        n_params = build_model(vocab, hf_dir)
        print(f"wrote {hf_dir} ({n_params:,} parameters, vocabulary {len(vocab)})")
        convert_to_gguf(hf_dir, gguf_path, fetch_sdist(args.sdist))
        for p in sorted(hf_dir.iterdir()) + [gguf_path]:
            p.chmod(0o644)  # safetensors are written 0600
            print(f"  {p.relative_to(args.out)}: {p.stat().st_size:,} bytes")
    verify(hf_dir, gguf_path)
    server = args.llama_server or find_llama_server()
    if server is None:
        print("llama-server: none given or found under ~/.cache/chat-conformance; not checked")
    else:
        check_llama_server(server, gguf_path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
