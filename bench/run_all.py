"""`make bench`: run every benchmark in bench/, then write bench/RESULTS.md.

Each script runs as its own process with the arguments below (unknown new scripts
run with none), and what it printed is kept. Figures come from two places:
- a line `RESULT {json}` (the preferred, machine-readable form), with keys
  `figure`, `value`, `unit`, `target` and `met` (true/false), one line per figure;
- otherwise the patterns in `FIGURES`, which read the human lines the existing
  scripts already print.
Every figure the issues ask for is listed in RESULTS.md, measured or not, with its
target and a plain "met" / "NOT met" / "not measured", and the machine it ran on.

    .venv/bin/python bench/run_all.py [--only bench_scan.py ...] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
RESULTS = BENCH_DIR / "RESULTS.md"
NOT_BENCHMARKS = {"run_all.py", "generate_analytics_data.py", "__init__.py"}
DEFAULT_TIMEOUT = 20 * 60
NUMBER = r"(?P<v>[0-9][0-9,]*(?:\.[0-9]+)?)"


@dataclass(frozen=True)
class Figure:
    """One figure an issue asks for: where to read it and what it must reach."""

    issue: str
    name: str
    target: str
    pattern: str | None = None  # a regex with group `v`, searched in the script's output
    met: Callable[[float], bool] | None = None
    unit: str = ""


@dataclass
class Script:
    args: list[str] = field(default_factory=list)
    quick_args: list[str] = field(default_factory=list)
    timeout: int = DEFAULT_TIMEOUT
    figures: list[Figure] = field(default_factory=list)
    file: str | None = None  # the script, when the run's name is not the file name


def at_most(limit: float) -> Callable[[float], bool]:
    return lambda value: value <= limit


def at_least(limit: float) -> Callable[[float], bool]:
    return lambda value: value >= limit


SCRIPTS: dict[str, Script] = {
    "bench_graph_client.py": Script(["--posts", "1000", "--rounds", "5"], ["--rounds", "1"], figures=[
        Figure("3", "Graph calls to list 1,000 posts (a third carousels), per 100 posts", "<= 1.0 (seed plan: ~37.3)",
               r"GraphClient\.list_media.*?, " + NUMBER + r" calls per 100 posts", at_most(1.0), "calls/100 posts"),
        Figure("3", "Seed plan's calls per 100 posts, same account (for comparison)", "(reference, ~37.3)",
               r"seed plan.*?, " + NUMBER + r" calls per 100 posts", None, "calls/100 posts"),
        Figure("3", "Client throughput listing posts from the sandbox", "(no target; print it)",
               NUMBER + r" posts/s", None, "posts/s"),
    ]),
    "bench_extraction.py": Script(["--ai-seconds", "75"], ["--ai-seconds", "20"], figures=[
        Figure("5", "Local extractor speed, one process", ">= 2,000 captions/s",
               r"local extractor: .*?= " + NUMBER + r" captions/s", at_least(2000), "captions/s"),
        *[Figure("5", f"Dev set {metric}", f">= {target}", rf"^{metric}\s+" + NUMBER, at_least(target))
          for metric, target in [("is_product", 0.95), ("price", 0.95), ("currency", 0.97), ("category", 0.90),
                                 ("name", 0.80), ("variants_f1", 0.80), ("zero_edit", 0.70)]],
        Figure("5", "AI path: share of a 120/min limit sustained (fake server, 500 ms latency)", ">= 90%",
               r"sustained rate .*?= " + NUMBER + r"% of the limit", at_least(90), "%"),
        Figure("5", "AI path: most requests in any rolling 60 s (limit 120)", "<= 120",
               r"most requests in any rolling 60 s window: " + NUMBER, at_most(120), "requests"),
    ]),
    "bench_scan.py": Script(["--posts", "1000"], ["--posts", "200"], figures=[
        Figure("6", "Scan of 1,000 posts (a third carousels), local extractor, images included", "< 60 s",
               r"seconds: " + NUMBER, lambda v: v < 60, "s"),
        Figure("6", "Scan throughput end to end", "(>= 16.7 posts/s for the 60 s target)",
               r"posts/s: " + NUMBER, None, "posts/s"),
        Figure("6", "Graph API calls used by the scan", "the page count only (10 for 1,000 posts)",
               r"Graph API calls used: " + NUMBER, None, "calls"),
        Figure("6", "Peak RSS of the worker (sandbox in its own process)", "(no target; print it)",
               r"peak RSS.*?: " + NUMBER + " MB", None, "MB"),
    ]),
    "bench_scan.py --ai": Script(["--posts", "300", "--ai"], ["--posts", "150", "--ai"], file="bench_scan.py", figures=[
        Figure("6", "Scan with the AI path: fewest AI requests in any full minute, share of the 120/min limit "
                    "(fake, 500 ms latency, a caption per post)", ">= 90%",
               r"AI path: .*?= " + NUMBER + r"% of the", at_least(90), "%"),
        Figure("6", "Scan with the AI path: most AI requests in any 60 s window (limit 120)", "<= 120",
               r"most in any 60 s window: " + NUMBER, at_most(120), "requests"),
    ]),
    "bench_review.py": Script(["--drafts", "10000", "--runs", "20"], ["--drafts", "2000", "--runs", "5"], figures=[
        Figure("7", "Review grid page with filter counts, 10,000 pending drafts (worst view, median)", "< 100 ms",
               None, at_most(100), "ms"),
        Figure("7", "Batch approve 100 drafts", "< 2 s",
               r"batch approve \d+ drafts\s+" + NUMBER + " s", lambda v: v < 2, "s"),
    ]),
    # Offered above the target: a generator paced at exactly 500/s can only measure just under it.
    "bench_webhook_ingest.py": Script(["--rate", "550", "--seconds", "60"], ["--rate", "300", "--seconds", "10"],
                                      figures=[
        Figure("8", "Webhook ingest throughput (gunicorn + PostgreSQL), answered 200", ">= 500 req/s for 60 s",
               r"throughput\s+" + NUMBER + " req/s", at_least(500), "req/s"),
        Figure("8", "Webhook ingest latency p99 (from due time)", "< 50 ms",
               r"latency from due .*?p99 " + NUMBER + " ms", lambda v: v < 50, "ms"),
        Figure("8", "Webhook ingest: deliveries lost", "0", r"lost " + NUMBER, at_most(0)),
        Figure("8", "Webhook ingest: deliveries stored twice", "0", r"stored twice " + NUMBER, at_most(0)),
    ]),
    "bench_analytics.py": Script(["--drafts", "1000000", "--runs", "5"], ["--drafts", "100000", "--runs", "3"],
                                 figures=[
        Figure("10", "Analytics page queries, one store, 1,000,000 drafts (worst period, median)", "< 1 s",
               None, lambda v: v < 1000, "ms"),
        Figure("10", "Analytics page queries, all stores, 1,000,000 drafts (worst period, median)", "< 1 s",
               None, lambda v: v < 1000, "ms"),
    ]),
}

SCRIPTS["bench_event_processing.py"] = Script(
    args=["--events", "3000", "--workers", "1", "2", "4"], quick_args=["--events", "600", "--workers", "1", "2"],
    figures=[
        *[Figure("8", f"Event processing throughput, {n} worker(s), PostgreSQL", "(grows with workers)",
                 rf"^\s*{n} worker\(s\):\s+" + NUMBER + " events/s", None, "events/s") for n in (1, 2, 4)],
        Figure("8", "Event processing: 2 workers / 1 worker throughput", "> 1 (grows with workers)",
               None, lambda v: v > 1.0, "x"),
        Figure("8", "Event processing: events claimed more than once (all runs)", "0", None, at_most(0)),
    ])

SCRIPTS["bench_realtime_latency.py webhook"] = Script(
    args=["--mode", "webhook", "--posts", "30"], quick_args=["--mode", "webhook", "--posts", "10"],
    file="bench_realtime_latency.py", figures=[
        Figure("8", "Latency webhook arrival -> draft, p95", "< 2 s",
               r"latency publish -> draft: .*?p95 " + NUMBER + " s", lambda v: v < 2.0, "s"),
    ])
# Polling alone at the default 60 s interval: the target is below the interval plus processing.
SCRIPTS["bench_realtime_latency.py poll"] = Script(
    args=["--mode", "poll", "--posts", "8", "--spacing", "12"], quick_args=["--mode", "poll", "--posts", "3"],
    file="bench_realtime_latency.py", figures=[
        Figure("8", "Latency sandbox publication -> draft with polling only, p95", "< poll interval (60 s) + processing",
               r"latency publish -> draft: .*?p95 " + NUMBER + " s", lambda v: v < 65.0, "s"),
    ])

# Figures the issues ask for whose script has not landed; listed "not measured" until then.
PENDING: list[Figure] = []


def worst_median(output: str, label_prefix: str) -> float | None:
    """The largest median (ms) among lines starting with `label_prefix` (review, analytics)."""
    values = []
    for line in output.splitlines():
        stripped = line.strip()
        if not stripped.lower().startswith(label_prefix):
            continue
        match = re.search(r"(?:median\s+)?" + NUMBER + r" ms", stripped)
        if match:
            values.append(_number(match.group("v")))
    return max(values) if values else None


def events_ratio(output: str) -> float | None:
    rates = dict(re.findall(r"^\s*(\d) worker\(s\):\s+([0-9.]+) events/s", output, re.MULTILINE))
    return float(rates["2"]) / float(rates["1"]) if "1" in rates and "2" in rates else None


def claimed_twice(output: str) -> float | None:
    counts = re.findall(r"claimed more than once (\d+)", output)
    return float(sum(map(int, counts))) if counts else None


SPECIAL_READERS: dict[tuple[str, int], Callable[[str], float | None]] = {
    ("bench_event_processing.py", 3): events_ratio,
    ("bench_event_processing.py", 4): claimed_twice,
    ("bench_review.py", 0): lambda out: worst_median(
        "\n".join(l for l in out.splitlines() if "batch approve" not in l and "median" in l), ""),
    ("bench_analytics.py", 0): lambda out: worst_median(out, "one store"),
    ("bench_analytics.py", 1): lambda out: worst_median(out, "all stores"),
}


def _number(text: str) -> float:
    return float(text.replace(",", ""))


@dataclass
class Measured:
    issue: str
    name: str
    target: str
    value: float | str | None
    unit: str
    verdict: str  # "met" | "NOT met" | "reported" | "not measured" | "script failed"
    source: str


def read_figures(script: str, output: str, ok: bool) -> list[Measured]:
    """Every figure of one script's output: `RESULT {json}` lines first, then the patterns."""
    found = [_from_result_line(script, line) for line in output.splitlines() if line.startswith("RESULT ")]
    found = [m for m in found if m is not None]
    named = {m.name for m in found}
    spec = SCRIPTS.get(script)
    for index, figure in enumerate(spec.figures if spec else []):
        if figure.name in named:
            continue
        value = _read_value(script, index, figure, output)
        found.append(_judge(script, figure, value, ok))
    return found


def _from_result_line(script: str, line: str) -> Measured | None:
    try:
        data = json.loads(line[len("RESULT "):])
    except json.JSONDecodeError:
        return None
    if not isinstance(data, dict) or "figure" not in data:
        return None
    met = data.get("met")
    verdict = "reported" if met is None else ("met" if met else "NOT met")
    return Measured(str(data.get("issue", "?")), str(data["figure"]), str(data.get("target", "")),
                    data.get("value"), str(data.get("unit", "")), verdict, script)


def _read_value(script: str, index: int, figure: Figure, output: str) -> float | None:
    reader = SPECIAL_READERS.get((script, index))
    if reader:
        return reader(output)
    if not figure.pattern:
        return None
    match = re.search(figure.pattern, output, re.MULTILINE | re.IGNORECASE)
    return _number(match.group("v")) if match else None


def _judge(script: str, figure: Figure, value: float | None, ok: bool) -> Measured:
    if value is None:
        verdict = "script failed" if not ok else "not measured"
    elif figure.met is None:
        verdict = "reported"
    else:
        verdict = "met" if figure.met(value) else "NOT met"
    return Measured(figure.issue, figure.name, figure.target, value, figure.unit, verdict, script)


def runs_of(path: Path) -> list[str]:
    """The run names of one script: its entries in SCRIPTS, or the file name alone."""
    named = [name for name, spec in SCRIPTS.items() if (spec.file or name) == path.name]
    return named or [path.name]


def run_script(name: str, quick: bool) -> tuple[str, bool, float]:
    spec = SCRIPTS.get(name, Script())
    path = BENCH_DIR / (spec.file or name)
    args = spec.quick_args if quick and spec.quick_args else spec.args
    print(f"== {path.name} {' '.join(args)}", flush=True)
    started = time.monotonic()
    try:
        done = subprocess.run([sys.executable, str(path), *args], cwd=ROOT, capture_output=True, text=True,
                              timeout=spec.timeout, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        output, ok = done.stdout + (f"\n[stderr tail]\n{done.stderr[-2000:]}" if done.returncode else ""), \
            done.returncode == 0
    except subprocess.TimeoutExpired as expired:
        output, ok = f"{expired.stdout or ''}\n[timed out after {spec.timeout} s]", False
    seconds = time.monotonic() - started
    print(output.rstrip(), flush=True)
    return output, ok, seconds


def machine() -> dict[str, str]:
    """What the figures were measured on."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "?"
    try:
        kib = int(next(l for l in Path("/proc/meminfo").read_text().splitlines() if l.startswith("MemTotal")).split()[1])
        memory = f"{kib / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    return {"CPU": cpu, "cores": str(os.cpu_count()), "memory": memory, "OS": platform.platform(),
            "Python": platform.python_version(), "PostgreSQL": postgres_version(),
            "load average at the end (1/5/15 min)": " / ".join(f"{x:.1f}" for x in os.getloadavg()),
            "note": "other test suites may share this machine; a load above the core count slows every figure"}


def postgres_version() -> str:
    url = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    try:
        from sqlalchemy import create_engine, text

        engine = create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            version = conn.execute(text("SHOW server_version")).scalar()
        engine.dispose()
        return str(version)
    except Exception as error:  # the report says so instead of failing
        return f"unreachable ({type(error).__name__})"


def render(figures: list[Measured], runs: dict[str, tuple[bool, float]], outputs: dict[str, str],
           quick: bool) -> str:
    host = machine()
    met = sum(f.verdict == "met" for f in figures)
    missed = [f for f in figures if f.verdict in ("NOT met", "script failed")]
    unmeasured = [f for f in figures if f.verdict == "not measured"]
    lines = [
        "# Benchmark results", "",
        f"Written by `make bench` (`bench/run_all.py`) on {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC"
        + (" in **quick mode** (smaller sizes; not the issues' figures)" if quick else "") + ".", "",
        "## Machine", "", "| | |", "|---|---|", *[f"| {k} | {v} |" for k, v in host.items()], "",
        "## Summary", "",
        f"{met} figures met their target, {len(missed)} did not, {len(unmeasured)} were not measured, "
        f"{sum(f.verdict == 'reported' for f in figures)} are reported without a target.", "",
    ]
    lines += [f"- NOT met: issue {f.issue}, {f.name}: {_value(f)} (target {f.target})" for f in missed]
    lines += [f"- Not measured: issue {f.issue}, {f.name} (target {f.target})" for f in unmeasured]
    lines += ["", "## Figures", "", "| issue | figure | value | target | verdict | script |", "|---|---|---|---|---|---|"]
    for f in sorted(figures, key=lambda f: (int(f.issue) if f.issue.isdigit() else 99, f.source)):
        lines.append(f"| {f.issue} | {f.name} | {_value(f)} | {f.target} | **{f.verdict}** | {f.source} |")
    lines += ["", "## Runs", "", "| script | exit | seconds |", "|---|---|---|"]
    lines += [f"| {name} | {'ok' if ok else 'FAILED'} | {seconds:.0f} |" for name, (ok, seconds) in runs.items()]
    lines += ["", "## What each script printed", ""]
    for name, output in outputs.items():
        lines += [f"### {name}", "", "```", output.strip()[-6000:], "```", ""]
    return "\n".join(lines)


def _value(f: Measured) -> str:
    if f.value is None:
        return "-"
    if isinstance(f.value, float):
        text = f"{f.value:,.2f}".rstrip("0").rstrip(".")
    else:
        text = str(f.value)
    return f"{text} {f.unit}".strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="script names to run (default: every bench/*.py)")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for checking this runner")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    scripts = sorted(p for p in BENCH_DIR.glob("*.py") if p.name not in NOT_BENCHMARKS)
    if args.only:
        scripts = [p for p in scripts if p.name in args.only]
    figures: list[Measured] = []
    runs: dict[str, tuple[bool, float]] = {}
    outputs: dict[str, str] = {}
    for name in [run for path in scripts for run in runs_of(path)]:
        output, ok, seconds = run_script(name, args.quick)
        runs[name], outputs[name] = (ok, seconds), output
        figures += read_figures(name, output, ok)
    figures += _expected_but_missing(figures)
    args.output.write_text(render(figures, runs, outputs, args.quick) + "\n")
    print(f"wrote {args.output}")
    return 0 if all(ok for ok, _ in runs.values()) else 1


def _expected_but_missing(figures: list[Measured]) -> list[Measured]:
    """Figures the issues ask for that no script printed (their script has not landed or did not run)."""
    seen = {f.name for f in figures}
    expected = PENDING + [f for name, spec in SCRIPTS.items() for f in spec.figures]
    return [Measured(f.issue, f.name, f.target, None, f.unit, "not measured", "-")
            for f in expected if f.name not in seen]


if __name__ == "__main__":
    raise SystemExit(main())
