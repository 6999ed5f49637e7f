"""Build the `vertex-docs` recordings from the sample responses Google publishes in the seed page.

These are the only Vertex responses the project has, so they are taken verbatim from the page
(`origin: documentation`), never edited. The page shows no status line, headers or chunk
boundaries; the recording says what was assumed for those (200, the content type the request
implies, one network chunk per SSE event) in its `note`.

    python scripts/import_seed_recordings.py [--seed PATH] [--check]

`--check` writes nothing and exits 1 if a committed recording differs from what the page gives
(the test suite runs it that way).
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from array import array
from pathlib import Path

from harness.cases import bundled_cases_dir, load_cases
from harness.endpoints import bundled_endpoints
from harness.runner import build_request
from harness.transport import Attempt, Cassette, Exchange, HTTPResponse, Redactor, cassette_path, cassette_to_yaml
from harness.validators import rule_ids

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from scripts.shared_folder import shared_folder  # noqa: E402

DEFAULT_SEED = shared_folder() / "seed" / "vertex-openai-chat-completions-examples.de.txt"
ENDPOINT = "vertex-docs"

# case id -> (section title, the line that introduces the sample answer, content type)
SAMPLES = {
    "stream-function-call-arguments": ("stream_function_call_arguments verwenden", "Beispielantworten:", "text/event-stream"),
    "image-generation": ("Bildgenerierung", "Beispielantwort:", "application/json"),
    "multimodal-function-response": ("Multimodale Funktionsantworten", "Beispielantwort:", "application/json"),
}
NEXT_SECTIONS = ("Bildgenerierung", "Multimodale Anfragen", "Strukturierte Ausgabe")


def sample_body(lines: list[str], section: str, marker: str) -> tuple[str, int, int]:
    """The sample answer's text and its 1-based line range: from after `marker` to the next section."""
    start = lines.index(section)
    begin = lines.index(marker, start) + 1
    end = next(i for i in range(begin, len(lines)) if lines[i] in NEXT_SECTIONS)
    while not lines[begin].strip():
        begin += 1
    while not lines[end - 1].strip():
        end -= 1
    return "\n".join(lines[begin:end]) + "\n", begin + 1, end


def sse_chunks(text: str) -> list[bytes]:
    """One chunk per event, each ending in the blank line that dispatches it."""
    events = [event for event in text.split("\n\n") if event.strip()]
    return [(event.strip("\n") + "\n\n").encode() for event in events]


def created_at(text: str) -> str:
    """When the sample answer says it was made (its `created` field): the page gives no other date."""
    seconds = int(re.search(r'"created":\s*(\d+)', text).group(1))
    return dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def build(seed: Path) -> dict[Path, str]:
    lines = seed.read_text(encoding="utf-8").split("\n")
    cases = {case.id: case for case in load_cases([bundled_cases_dir()], known_rules=rule_ids())}
    endpoint = bundled_endpoints()[ENDPOINT]
    out: dict[Path, str] = {}
    for case_id, (section, marker, content_type) in SAMPLES.items():
        case = cases[case_id]
        (step,) = case.steps
        text, first, last = sample_body(lines, section, marker)
        chunks = sse_chunks(text) if content_type == "text/event-stream" else [text.encode()]
        request = Redactor().request(build_request(case, step, endpoint, {}))
        response = HTTPResponse(
            status=200,
            reason="OK",
            headers=[("content-type", content_type)],
            chunks=chunks,
            offsets=array("d", [0.0] * len(chunks)),
            headers_at=0.0,
        )
        cassette = Cassette(
            case=case_id,
            endpoint=ENDPOINT,
            origin="documentation",
            exchanges=[Exchange(step=step.name, attempts=[Attempt(request=request, response=response)])],
            recorded_at=created_at(text),
            server="Vertex AI (sample response published in the documentation)",
            note=(
                f"Body verbatim from the seed page, section {section!r}, lines {first}-{last} "
                f"(shared/seed/{seed.name}). The page shows no status, headers or timing: "
                f"HTTP 200, Content-Type {content_type}"
                + (", one network chunk per SSE event" if content_type == "text/event-stream" else "")
                + " and zero offsets are assumed."
            ),
        )
        out[cassette_path(case.recordings_dir, ENDPOINT, case_id)] = cassette_to_yaml(cassette)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=Path, default=DEFAULT_SEED, help=f"the seed page (default {DEFAULT_SEED})")
    parser.add_argument("--check", action="store_true", help="compare with the committed recordings; write nothing")
    args = parser.parse_args()
    if not args.seed.is_file():
        print(f"import_seed_recordings: no seed page at {args.seed} (pass --seed PATH)", file=sys.stderr)
        return 2
    differing = []
    for path, text in build(args.seed).items():
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if args.check:
            if current != text:
                differing.append(path)
        elif current != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(REPO)}")
    if differing:
        print("out of date (run scripts/import_seed_recordings.py): " + ", ".join(map(str, differing)), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
