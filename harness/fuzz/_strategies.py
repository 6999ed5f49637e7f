"""Hypothesis strategies for Chat Completions requests, derived from the profile's request schema.

Schema-valid requests are drawn from the schema itself (types, enums, bounds, required keys,
`anyOf`/`oneOf` branches, `$ref`s), kept close to what a client sends: the endpoint's model, a
short conversation, and a few optional parameters. Schema-invalid requests are valid ones with one
known violation (a wrong type, an out-of-range number, a missing required key, an unknown enum
value), each re-checked against the schema so an "invalid" request is never in fact valid.
"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import strategies as st

from ..validators import profile_schemas

__all__ = ["RequestStrategies"]

_TEXT = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x24F, exclude_categories=("Cs",)), max_size=24)
_MAX_DEPTH = 5


class RequestStrategies:
    def __init__(self, profile: str, model: str | None):
        self.schemas = profile_schemas(profile)
        self.main = self.schemas._main
        self.model = model
        self.request_schema = self.main["$defs"]["CreateChatCompletionRequest"]

    # -- from a schema node to a strategy -------------------------------------------------------
    def _resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        while isinstance(node, dict) and "$ref" in node:
            name = node["$ref"].split("#/$defs/")[-1]
            merged = {k: v for k, v in node.items() if k != "$ref"}
            node = {**self.main["$defs"][name], **merged}
        return node

    def _merged_object(self, node: dict[str, Any]) -> dict[str, Any]:
        """allOf of objects flattened into one object schema (properties and required united)."""
        node = self._resolve(node)
        if "allOf" not in node:
            return node
        properties: dict[str, Any] = dict(node.get("properties", {}))
        required: list[str] = list(node.get("required", []))
        for part in node["allOf"]:
            part = self._merged_object(part)
            properties.update(part.get("properties", {}))
            required += part.get("required", [])
        return {"type": "object", "properties": properties, "required": sorted(set(required))}

    def strategy(self, node: Any, depth: int = 0, optional_share: float = 0.3) -> st.SearchStrategy[Any]:
        node = self._merged_object(node) if isinstance(node, dict) else node
        if not isinstance(node, dict) or depth > _MAX_DEPTH:
            return st.none()
        if "const" in node:
            return st.just(node["const"])
        if "enum" in node:
            return st.sampled_from(node["enum"])
        for key in ("anyOf", "oneOf"):
            if key in node:
                branches = [b for b in node[key] if self._resolve(b).get("type") != "null"] or node[key]
                return st.one_of([self.strategy(b, depth + 1, optional_share) for b in branches])
        kind = node.get("type")
        if isinstance(kind, list):
            return st.one_of([self.strategy({**node, "type": k}, depth, optional_share) for k in kind])
        if kind == "string":
            return _TEXT
        if kind == "integer":
            return st.integers(node.get("minimum", -10), node.get("maximum", 1000))
        if kind == "number":
            return st.floats(node.get("minimum", -10.0), node.get("maximum", 10.0), allow_nan=False, allow_infinity=False)
        if kind == "boolean":
            return st.booleans()
        if kind == "null":
            return st.none()
        if kind == "array":
            items = node.get("items", {})
            return st.lists(self.strategy(items, depth + 1, optional_share), min_size=node.get("minItems", 0), max_size=min(node.get("maxItems", 3), 3))
        if kind == "object" or "properties" in node:
            return self._object(node, depth, optional_share)
        return st.one_of(st.none(), st.booleans(), st.integers(-5, 5), _TEXT)

    def _object(self, node: dict[str, Any], depth: int, optional_share: float) -> st.SearchStrategy[dict[str, Any]]:
        properties = node.get("properties", {})
        required = [k for k in node.get("required", []) if k in properties]
        optional = sorted(k for k in properties if k not in required)

        @st.composite
        def build(draw):
            chosen = [k for k in optional if draw(st.floats(0, 1)) < optional_share]
            return {key: draw(self.strategy(properties[key], depth + 1, optional_share)) for key in [*required, *chosen]}

        return build()

    # -- whole requests --------------------------------------------------------------------------
    def _messages(self) -> st.SearchStrategy[list[dict[str, Any]]]:
        simple = st.lists(
            st.fixed_dictionaries({"role": st.sampled_from(["user", "system", "developer"]), "content": _TEXT.filter(bool)}), min_size=1, max_size=3
        ).map(lambda messages: [*messages[:-1], {"role": "user", "content": messages[-1]["content"]}])
        drawn = self.strategy(self.request_schema_property("messages"), optional_share=0.2)
        return st.one_of(simple, simple, simple, drawn)

    def request_schema_property(self, name: str) -> dict[str, Any]:
        return self._merged_object(self.request_schema)["properties"][name]

    def valid(self) -> st.SearchStrategy[dict[str, Any]]:
        merged = self._merged_object(self.request_schema)
        optional = sorted(k for k in merged["properties"] if k not in ("messages", "model", "stream"))

        @st.composite
        def build(draw):
            request: dict[str, Any] = {"messages": draw(self._messages())}
            if self.model is not None:
                request["model"] = self.model
            for key in draw(st.lists(st.sampled_from(optional), max_size=3, unique=True)):
                request[key] = draw(self.strategy(merged["properties"][key], 1, optional_share=0.2))
            if draw(st.booleans()):
                request["stream"] = True
            return request

        return build().filter(lambda request: not self.schemas.request(request))

    def invalid(self) -> st.SearchStrategy[dict[str, Any]]:
        merged = self._merged_object(self.request_schema)

        @st.composite
        def build(draw):
            request = copy.deepcopy(draw(self.valid()))
            mutation = draw(st.sampled_from(["drop-messages", "messages-not-list", "bad-role", "wrong-type", "out-of-range", "bad-enum"]))
            if mutation == "drop-messages":
                request.pop("messages")
            elif mutation == "messages-not-list":
                request["messages"] = draw(_TEXT)
            elif mutation == "bad-role":
                request["messages"][-1]["role"] = draw(st.sampled_from(["robot", "", "USER"]))
            else:
                candidates = {
                    "wrong-type": ["temperature", "top_p", "n", "max_completion_tokens", "stream", "seed", "stop"],
                    "out-of-range": ["temperature", "top_p", "frequency_penalty", "presence_penalty"],
                    "bad-enum": ["reasoning_effort", "service_tier", "tool_choice"],
                }[mutation]
                key = draw(st.sampled_from([k for k in candidates if k in merged["properties"]]))
                if mutation == "wrong-type":
                    request[key] = draw(st.sampled_from([{"nested": True}, [1, 2], "not-a-number" if key != "stop" else 7]))
                elif mutation == "out-of-range":
                    request[key] = draw(st.sampled_from([-99.5, 99.5]))
                else:
                    request[key] = draw(st.sampled_from(["extreme", "maximal-ish", "NONE"]))
            return request

        return build().filter(lambda request: bool(self.schemas.request(request)))
