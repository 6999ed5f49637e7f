"""The client layer: what real, pinned client libraries make of recorded answers.

"What will break in my client?" is answered by running each client on the exact bytes of an
answer (status, headers, body chunks in arrival order) through its own transport hook (an httpx
transport for the Python clients, a `fetch` for the JavaScript ones), so the bytes reach the
client's parsing code unchanged and no socket is used:

    openai-python      in-process                  create / parse; stream + get_final_completion, create(stream) iteration
    openai-node        Node bridge (js/bridge.mjs) create; stream + finalChatCompletion, create(stream) iteration
    ai-sdk             Node bridge                 generateText; streamText
    langchain-openai   in-process (lazy import)    invoke; stream (chunks summed)

Each gives a `ClientOutcome`: `ok`, `breaks` (it raised), `mis-assembles` (it handed the user
something other than what the server meant: `Difference`s against the caller's reference) or
`not-run`. Drivers are registered by being defined (one public module each); pins live in
pyproject.toml and js/package.json; `install_clients()` (`chat-conformance clients install`)
installs the JavaScript ones and Node 22.

Nothing here imports the validators, runner, report or cli: the reference arrives as a plain dict.
"""

from ._compare import FULL, Aspects, compare_chunks, compare_completion
from ._install import INSTALL_COMMAND, default_cache_dir, install_clients
from ._judge import PathRun
from ._model import (
    ClientNotice,
    ClientOutcome,
    ClientSetupError,
    ClientStatus,
    Difference,
    Outcome,
    PathOutcome,
    Raised,
    RecordedAnswer,
    RecordedCall,
    recorded_calls,
)
from ._reduce import MAX_EVENTS, Reduction, reduce_answer
from ._registry import Driver, Job, NodeDriver, drivers
from ._run import (
    ClientRunner,
    RunnerStats,
    available_clients,
    choose_clients,
    client_notices,
    client_status,
    client_versions,
    close_clients,
    run_clients,
)

__all__ = [
    "FULL",
    "INSTALL_COMMAND",
    "MAX_EVENTS",
    "Aspects",
    "ClientNotice",
    "ClientOutcome",
    "ClientRunner",
    "ClientSetupError",
    "ClientStatus",
    "Difference",
    "Driver",
    "Job",
    "NodeDriver",
    "Outcome",
    "PathOutcome",
    "PathRun",
    "Raised",
    "RecordedAnswer",
    "RecordedCall",
    "Reduction",
    "RunnerStats",
    "available_clients",
    "choose_clients",
    "client_notices",
    "client_status",
    "client_versions",
    "close_clients",
    "compare_chunks",
    "compare_completion",
    "default_cache_dir",
    "drivers",
    "install_clients",
    "recorded_calls",
    "reduce_answer",
    "run_clients",
]
