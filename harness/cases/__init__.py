"""Cases: documented request variants, loaded from YAML and checked before anything is sent."""

from ._loader import RECORDINGS_DIRNAME, bundled_cases_dir, case_files, load_case_file, load_cases, select_cases
from ._model import Case, Expect, Source, Step
from ._render import DependencyMissing, PlaceholderMissing, render_body, resolve_pointer

__all__ = [
    "RECORDINGS_DIRNAME",
    "Case",
    "DependencyMissing",
    "Expect",
    "PlaceholderMissing",
    "Source",
    "Step",
    "bundled_cases_dir",
    "case_files",
    "load_case_file",
    "load_cases",
    "render_body",
    "resolve_pointer",
    "select_cases",
]
