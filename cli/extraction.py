"""Extraction commands: `extract` (JSONL in, one JSON product per line out) and `eval` (accuracy report)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from core.config import get_settings
from core.extraction.engine import ExtractionRequest, build_extractor
from core.extraction.evaluation import evaluate, format_report, load_labeled

BATCH = 64
_EXTRACTOR_CHOICE = click.Choice(["local", "openai", "auto"])


def _read_requests(path: Path) -> list[tuple[str, ExtractionRequest]]:
    """(id, request) per line; a bad line stops the run with its line number instead of vanishing."""
    requests = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise click.ClickException(f"{path}:{number}: not JSON ({error.msg})") from error
        if not isinstance(row, dict) or "caption" not in row:
            raise click.ClickException(f"{path}:{number}: each line needs at least 'id' and 'caption'")
        image = None
        if row.get("image_path"):
            image_path = (path.parent / row["image_path"]).resolve()
            if not image_path.is_file():
                raise click.ClickException(f"{path}:{number}: image {row['image_path']} not found")
            image = image_path.read_bytes()
        requests.append((
            str(row.get("id", number)),
            ExtractionRequest(
                caption=row.get("caption") or "", media_type=row.get("media_type") or "IMAGE", image_bytes=image,
                default_currency=row.get("default_currency") or "KES",
            ),
        ))
    return requests


def _build(extractor: str):
    try:
        return build_extractor(get_settings(), mode=extractor)
    except ValueError as error:
        raise click.ClickException(str(error)) from error


@click.command("extract", help="Extract products from a JSONL file of captions (id, caption, media_type, image_path).")
@click.option("--input", "input_path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--extractor", type=_EXTRACTOR_CHOICE, default="auto", show_default=True)
@click.option("--output", "output_path", type=click.Path(dir_okay=False, path_type=Path), help="Default: stdout.")
def extract_command(input_path: Path, extractor: str, output_path: Path | None) -> None:
    engine = _build(extractor)
    rows = _read_requests(input_path)
    out = output_path.open("w", encoding="utf-8") if output_path else sys.stdout
    try:
        for start in range(0, len(rows), BATCH):
            batch = rows[start:start + BATCH]
            products = engine.extract_many(request for _, request in batch)
            for (row_id, _), product in zip(batch, products):
                out.write(json.dumps({"id": row_id, **product.model_dump(mode="json")}, ensure_ascii=False) + "\n")
    finally:
        if output_path:
            out.close()
    if output_path:
        click.echo(f"wrote {len(rows)} products to {output_path}", err=True)


@click.command("eval", help="Score an extractor on labeled captions and print per-field accuracy against the targets.")
@click.option("--input", "input_path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--extractor", type=_EXTRACTOR_CHOICE, default="auto", show_default=True)
@click.option("--worst", default=8, show_default=True, help="How many worst cases to print.")
@click.option("--check", is_flag=True, help="Exit with status 1 when a metric is below its target.")
def eval_command(input_path: Path, extractor: str, worst: int, check: bool) -> None:
    engine = _build(extractor)
    try:
        rows = load_labeled(input_path)
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    report = evaluate(
        rows, lambda row: engine.extract(row["caption"], row.get("media_type") or "IMAGE", None,
                                         row.get("default_currency") or "KES"),
    )
    click.echo(f"extractor: {engine.version}")
    click.echo(format_report(report, worst=worst))
    failures = report.failures()
    if failures:
        click.echo("below target: " + ", ".join(f"{k} {v:.3f} < {t:.2f}" for k, (v, t) in failures.items()))
        if check:
            sys.exit(1)
    else:
        click.echo("all targets met")


COMMANDS = [extract_command, eval_command]
