"""Request headers that authenticate against an endpoint, and the secrets to redact from output.

Vertex takes a short-lived OAuth access token from Application Default Credentials, exactly as
the docs' samples do (`google.auth.default(scopes=[cloud-platform])`, then `refresh`; see
`vertex-docs/vertex-openai-auth-and-credentials.txt`). A conformance run can outlast a token,
so it is refreshed ahead of expiry and once more when the server answers 401.
"""

from __future__ import annotations

import datetime
import os
import threading
from collections.abc import Mapping
from typing import Any, Protocol

from ..errors import ConfigError, HarnessError
from ._model import AuthSpec

__all__ = ["Auth", "AuthError", "REFRESH_MARGIN", "make_auth"]

# Refresh a token that expires within this window, so a long streaming request started now
# does not run into an expired token halfway (google-auth's own threshold is 3m45s).
REFRESH_MARGIN = datetime.timedelta(minutes=5)


class AuthError(HarnessError):
    """Credentials exist but no token could be obtained (refresh refused or unreachable).

    Not an `InputError`: the configuration may be right and the token service down, so the
    runner reports it as a finding on the case instead of stopping the run.
    """


class Auth(Protocol):
    """What the transport needs from an authentication method."""

    def headers(self) -> dict[str, str]:
        """Headers to add to a request, refreshing first if the token is missing or about to expire."""
        ...

    def refresh_after_unauthorized(self) -> bool:
        """Called once after a 401: force a refresh; True if retrying the request can help."""
        ...

    def secrets(self) -> list[str]:
        """Every secret value in use, so reports and recordings can redact it."""
        ...


def make_auth(spec: AuthSpec, *, environ: Mapping[str, str] | None = None) -> Auth:
    """The `Auth` for a spec. Problems the user must fix (no token variable, no ADC) raise `ConfigError`.

    `environ` is where bearer tokens are read; Google's ADC discovery reads the process
    environment itself (`GOOGLE_APPLICATION_CREDENTIALS`), as every Google client does.
    """
    if spec.type == "none":
        return _NoAuth()
    if spec.type == "bearer":
        env = os.environ if environ is None else environ
        assert spec.token_env is not None  # AuthSpec guarantees it for bearer
        token = env.get(spec.token_env, "")
        if not token:
            raise ConfigError(
                f"bearer auth reads its token from {spec.token_env}, which is not set or empty; "
                f"set {spec.token_env}, e.g. export {spec.token_env}=$(gcloud auth print-access-token)"
            )
        return _BearerAuth(token)
    return _GoogleAuth(spec.scopes)


class _NoAuth:
    """A server without authentication, e.g. a local vLLM or llama.cpp."""

    def headers(self) -> dict[str, str]:
        return {}

    def refresh_after_unauthorized(self) -> bool:
        return False

    def secrets(self) -> list[str]:
        return []


class _BearerAuth:
    """A fixed token from the environment; nothing to refresh, so a 401 is final."""

    def __init__(self, token: str):
        self._token = token

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token}"}

    def refresh_after_unauthorized(self) -> bool:
        return False

    def secrets(self) -> list[str]:
        return [self._token]


class _GoogleAuth:
    """Application Default Credentials, refreshed ahead of expiry; safe to share between threads.

    A 401 earns one retry per request cycle: if the token the failing request carried came from
    a refresh forced by an earlier 401, a new token will not help either (e.g. the account lacks
    the permission), and `refresh_after_unauthorized` says so instead of looping.
    """

    def __init__(self, scopes: tuple[str, ...]):
        # Imported here: google-auth and requests cost a fifth of a second, and only live runs
        # against Vertex need them.
        import google.auth
        import google.auth.exceptions
        import google.auth.transport.requests

        self._google = google
        try:
            credentials, _project = google.auth.default(scopes=list(scopes))
        except google.auth.exceptions.DefaultCredentialsError as exc:
            raise ConfigError(
                "google auth found no Application Default Credentials; run "
                "`gcloud auth application-default login`, or set GOOGLE_APPLICATION_CREDENTIALS to a "
                f"service-account key file ({exc})"
            ) from None
        self._credentials: Any = credentials
        self._request = google.auth.transport.requests.Request()
        self._lock = threading.Lock()
        # Every token handed out: a recording written after a refresh still holds older ones.
        self._issued: list[str] = []
        # The token obtained by the last 401-forced refresh, and per thread the token last sent.
        self._forced_token: str | None = None
        self._sent = threading.local()

    def headers(self) -> dict[str, str]:
        with self._lock:
            if self._needs_refresh():
                self._refresh()
            token: str = self._credentials.token
        self._sent.token = token
        headers = {"Authorization": f"Bearer {token}"}
        # User credentials from `gcloud auth application-default login` carry a quota project;
        # Google's own clients send it so that quota and billing land on that project.
        quota_project = getattr(self._credentials, "quota_project_id", None)
        if quota_project:
            headers["x-goog-user-project"] = quota_project
        return headers

    def refresh_after_unauthorized(self) -> bool:
        sent = getattr(self._sent, "token", None)
        with self._lock:
            if sent is not None and sent == self._forced_token:
                return False
            # Another thread may already have replaced the rejected token; then just retry.
            if sent is None or sent == self._credentials.token:
                self._refresh()
                self._forced_token = self._credentials.token
            return True

    def secrets(self) -> list[str]:
        with self._lock:
            return list(self._issued)

    def _needs_refresh(self) -> bool:
        credentials = self._credentials
        if not credentials.token or not credentials.valid:
            return True
        expiry: datetime.datetime | None = credentials.expiry
        if expiry is None:
            return False
        # google-auth keeps expiry as naive UTC; compare like with like.
        now = datetime.datetime.now(datetime.timezone.utc)
        if expiry.tzinfo is None:
            now = now.replace(tzinfo=None)
        return expiry - now < REFRESH_MARGIN

    def _refresh(self) -> None:
        try:
            self._credentials.refresh(self._request)
        except (self._google.auth.exceptions.RefreshError, self._google.auth.exceptions.TransportError) as exc:
            raise AuthError(f"could not get a Google access token: {exc}") from exc
        token = self._credentials.token
        if token and token not in self._issued:
            self._issued.append(token)
