"""Properties: the accumulator keeps every call's pieces in order; the case loader only ever
raises its own clear error, whatever the file holds."""

from __future__ import annotations

import json
import random
import tempfile
from pathlib import Path

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.cases import load_case_file
from harness.errors import CaseError
from harness.validators import accumulate_chunks, rule_ids

names = st.sampled_from(["get_weather", "lookup", "f", "a_b"])
arguments = st.dictionaries(st.text("abcxyz", min_size=1, max_size=4), st.one_of(st.integers(), st.text(max_size=6), st.booleans()), max_size=3)
calls = st.lists(st.tuples(names, arguments), min_size=1, max_size=4)


def _split(text: str, rng: random.Random) -> list[str]:
    cuts = sorted(rng.sample(range(1, len(text)), min(len(text) - 1, rng.randint(0, 5)))) if len(text) > 1 else []
    return [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)])]


@settings(max_examples=200)
@given(calls=calls, seed=st.integers(0, 2**32 - 1), style=st.sampled_from(["openai", "vertex", "no-index"]))
def test_tool_call_accumulation_is_order_faithful(calls, seed, style):
    """Deltas of several calls, interleaved at random (each call's own pieces in order), accumulate
    to exactly the calls sent, in order of first appearance: OpenAI style (id once, then index),
    Vertex style (id, name and a changing index on every delta), and without index (by id)."""
    rng = random.Random(seed)
    pieces = {n: _split(json.dumps(args), rng) for n, (_, args) in enumerate(calls)}
    queue = [n for n in range(len(calls)) for _ in pieces[n]]
    rng.shuffle(queue)
    # Each call starts where its first piece is; calls first appear in the order of that position.
    order = list(dict.fromkeys(queue))
    sent: dict[int, int] = {}
    chunks = []
    for n in queue:
        position = sent.get(n, 0)
        sent[n] = position + 1
        name, _ = calls[n]
        delta = {"function": {"arguments": pieces[n][position]}}
        first = position == 0
        if style == "openai":
            delta["index"] = order.index(n)
            if first:
                delta.update(id=f"call_{n}", type="function")
                delta["function"]["name"] = name
        elif style == "vertex":
            delta.update(id=f"call_{n}", type="function", index=rng.randint(0, 3))
            delta["function"]["name"] = name
        else:
            delta.update(id=f"call_{n}")
            if first:
                delta["function"]["name"] = name
        chunks.append({"choices": [{"index": 0, "delta": {"tool_calls": [delta]}}]})
    message = accumulate_chunks(chunks)["choices"][0]["message"]
    got = [(c["id"], c["function"]["name"], json.loads(c["function"]["arguments"])) for c in message["tool_calls"]]
    assert got == [(f"call_{n}", calls[n][0], calls[n][1]) for n in order]


scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=10))
documents = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=5)), max_leaves=20)
case_like = st.fixed_dictionaries(
    {},
    optional={
        "id": st.one_of(st.text(max_size=8), st.integers()),
        "title": scalars,
        "source": st.one_of(scalars, st.fixed_dictionaries({"document": scalars, "section": scalars})),
        "feature": scalars,
        "applies_to": st.one_of(scalars, st.lists(st.sampled_from(["vertex", "openai-compatible", "x"]))),
        "steps": st.one_of(scalars, st.lists(documents, max_size=2), st.lists(st.fixed_dictionaries({"request": documents}, optional={"name": scalars, "expect": documents}), max_size=2)),
        "tags": documents,
    },
)


@settings(max_examples=300)
@given(text=st.one_of(st.text(max_size=200), documents.map(yaml.safe_dump), case_like.map(yaml.safe_dump), st.binary(max_size=100).map(lambda b: b.decode("latin-1"))))
def test_case_loader_only_raises_its_own_error(text):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "case.yaml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            load_case_file(path, known_rules=rule_ids())
        except CaseError as error:
            assert str(error).startswith(str(path)), str(error)
            assert "\n" not in str(error).strip()
