"""Answers recorded by other tools, or printed in documentation, read into our own exchanges.

Two doors, one per use:

- `import_foreign(path)`: a whole foreign recording (a vcrpy text dump, a vcrpy or go-vcr YAML
  cassette, documentation examples) as a `Cassette`, its format detected (`FOREIGN_FORMATS`);
- `open_capture(path)`: one answer for `chat-conformance check` (a `curl -i` capture, a bare
  SSE or JSON body, or one of our recordings), read as a stream whatever its size.

One module per format, so adding a format touches one file and `_foreign`'s detection. Importers
build on `harness.transport` (exchanges, cassettes); transport knows nothing of them.
"""

from ._capture import Capture, open_capture
from ._common import ForeignFormatError
from ._foreign import FOREIGN_FORMATS, import_foreign

__all__ = ["FOREIGN_FORMATS", "Capture", "ForeignFormatError", "import_foreign", "open_capture"]
