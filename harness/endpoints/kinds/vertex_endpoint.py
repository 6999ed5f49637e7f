"""`kind: vertex-endpoint`: a self-deployed model on Vertex AI (Model Garden, a vLLM container).

It is reached on the shared regional host, or with `dedicated: true` on its own host
`{endpoint_id}.{location}-{project_number}.prediction.vertexai.goog`, which is why a dedicated
endpoint also needs the project number.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ._vertex_base import VertexKind, regional_host

if TYPE_CHECKING:
    from .._model import Endpoint

__all__ = ["VertexEndpoint"]


class VertexEndpoint(VertexKind):
    name = "vertex-endpoint"
    description = "a self-deployed model on Vertex AI, on the shared or a dedicated host (Google auth)"
    required = ("project", "endpoint_id")
    endpoint_fields = VertexKind.endpoint_fields | {"endpoint_id", "dedicated", "project_number"}
    # No case may pin a location: the endpoint's ID exists in the one location it was deployed in.
    pinnable = frozenset()

    def required_fields(self, given: Mapping[str, Any]) -> tuple[str, ...]:
        return (*self.required, "project_number") if given.get("dedicated") else self.required

    def why_required(self, field: str) -> str:
        return "a dedicated endpoint's host name holds the project number" if field == "project_number" else ""

    def unused_settings(self, given: Mapping[str, Any]) -> dict[str, str]:
        if "project_number" in given and not given.get("dedicated"):
            return {"project_number": "is only used by a dedicated endpoint; add `dedicated: true` or remove project_number"}
        return {}

    def from_flags(self, given: dict[str, Any]) -> dict[str, Any]:
        # The project number is needed only for the dedicated host, so giving it selects that host.
        return {**given, "dedicated": True} if given.get("project_number") is not None else given

    def validate(self, endpoint: Endpoint) -> None:
        super().validate(endpoint)
        if endpoint.dedicated and endpoint.location == "global":
            raise ValueError("a dedicated endpoint is regional: set location to its region, not global")

    def placeholder_values(self, endpoint: Endpoint) -> dict[str, str]:
        values = super().placeholder_values(endpoint)
        if endpoint.endpoint_id:
            values["endpoint_id"] = endpoint.endpoint_id
        return values

    def fixed_fields(self, endpoint: Endpoint) -> frozenset[str]:
        # The dedicated host names the region, so a case's documented global cannot move it.
        return frozenset({"location"}) if endpoint.dedicated else frozenset()

    def endpoint_segment(self, endpoint: Endpoint) -> str:
        if not endpoint.endpoint_id:
            raise ValueError(f"endpoint {endpoint.name}: kind vertex-endpoint needs endpoint_id")
        return endpoint.endpoint_id

    def google_host(self, endpoint: Endpoint, location: str) -> str:
        # seed line 160 (shared host); custom-weights file line 4 (dedicated host)
        if not endpoint.dedicated:
            return regional_host(location)
        if location == "global":
            raise ValueError(f"endpoint {endpoint.name}: a dedicated endpoint is regional, it has no global host")
        if not endpoint.project_number:
            raise ValueError(f"endpoint {endpoint.name}: a dedicated endpoint needs project_number")
        return f"{endpoint.endpoint_id}.{location}-{endpoint.project_number}.prediction.vertexai.goog"
