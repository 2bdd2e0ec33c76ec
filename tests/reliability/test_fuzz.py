"""A fixed-length atheris fuzz run of the webhook payload parser and the caption extractor: no crash.

Each target runs in its own process (atheris owns the process and exits when done)
with a fixed seed and run count, starting from a small corpus of real shapes so the
mutations reach past the JSON decoder. Pass: exit status 0 and "Done N runs".
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.reliability.report import Table

pytest.importorskip("atheris", reason="atheris is a dev extra (pip install -e '.[dev]')")

ROOT = Path(__file__).resolve().parents[2]
RUNS = {"payload": 40_000, "caption": 20_000}
SEEDS = {
    "payload": [
        {"object": "instagram", "entry": [{"id": "1784", "time": 1, "changes": [
            {"field": "comments", "value": {"id": "c1", "text": "Bei?", "media": {"id": "m1"}}}]}]},
        {"object": "instagram", "entry": [{"id": "1784", "time": 2, "field": "mentions",
                                           "value": {"media_id": "m2"}}]},
        {"object": "instagram", "entry": [{"id": "1784", "time": 3, "messaging": [{"message": {"text": "hi"}}]}]},
        {"object": "page", "entry": []},
        {"object": "instagram", "entry": [{"changes": [{"value": 1}]}, 7, None]},
    ],
    "caption": [
        "Kitenge dress Ksh 2,500 sizes 8-16 DM to order",
        "Sufuria set of 5 @ 3.5k was 4,500 now 3,500 free delivery CBD",
        "Viatu vya ngozi bei 1800/= saizi 38-44 📦 delivery 200",
    ],
}


def _corpus(target: str, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for index, seed in enumerate(SEEDS[target]):
        raw = json.dumps(seed).encode() if target == "payload" else seed.encode()
        (directory / f"seed-{index}").write_bytes(raw)
    return directory


@pytest.mark.slow
def test_fuzz_payload_parser_and_caption_extractor(tmp_path, artifacts_dir):
    table = Table("fuzz", "Bad input: atheris fuzz runs", ["target", "runs", "seconds", "coverage", "exit", "crash"],
                  "each target completes its fixed number of runs with exit status 0")
    failures = []
    for target, runs in RUNS.items():
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "tests.reliability.fuzz_targets", target, f"-runs={runs}", "-seed=11",
             "-max_len=4096", f"-artifact_prefix={tmp_path}/", str(_corpus(target, tmp_path / f"corpus-{target}"))],
            cwd=ROOT, capture_output=True, text=True, timeout=240,
        )
        log = done.stdout + done.stderr
        coverage = re.findall(r"cov: (\d+)", log)
        finished = f"Done {runs} runs" in log
        table.add(target, runs, f"{time.monotonic() - started:.1f}", coverage[-1] if coverage else "?",
                  done.returncode, "none" if finished and done.returncode == 0 else "YES")
        if done.returncode != 0 or not finished:
            failures.append(f"{target}: exit {done.returncode}\n{log[-3000:]}")
    table.write(artifacts_dir)
    assert not failures, "\n\n".join(failures)
