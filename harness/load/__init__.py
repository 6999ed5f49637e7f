"""Judged load against one endpoint: the selected cases sent concurrently, every answer judged by
the full rule set as it arrives, latency and throughput counted in constant memory.

`harness.load.locust` (imported only by a locustfile: importing Locust patches the standard
library for gevent) is the same sending and judging as a Locust user class, for load spread
over several machines.
"""

from ._answer import LEFT_OUT, Answer, Plan, plan_cases, send_answer
from ._html import LOAD_PAGE, render_load_html, write_load_html
from ._run import LOAD_FILE, RECORDINGS_DIR, LoadRun, LoadSettings
from ._stats import AnswerFacts, Histogram, LoadStats

__all__ = [
    "LEFT_OUT",
    "LOAD_FILE",
    "LOAD_PAGE",
    "RECORDINGS_DIR",
    "Answer",
    "AnswerFacts",
    "Histogram",
    "LoadRun",
    "LoadSettings",
    "LoadStats",
    "Plan",
    "plan_cases",
    "render_load_html",
    "send_answer",
    "write_load_html",
]
