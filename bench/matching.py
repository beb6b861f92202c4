"""How the topic is found, with and without retrieval over the answers: a
measurement, not a test (`make bench-matching`).

Trains the current model (config.yml) and the same model with `retrieval:
false`, in a scratch copy of the training inputs, then runs `bot eval` on both:
the held-out set and the wild set, the whole reply through a real action server
(bot/training/wild.py). Also times one parse at a time on the held-out
messages (median and 95th percentile, after a warm-up) and reports the size of
the retrieval index. Prints one table; the figures go to
bench/results/matching.json.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bot.training import evaluate, train

ROOT = Path(__file__).resolve().parent.parent

RESULTS = ROOT / "bench" / "results" / "matching.json"


def model_without_retrieval(scratch: Path) -> Path:
    """The current training inputs with retrieval switched off, trained once."""
    for name in ("config.yml", "domain.yml"):
        shutil.copy(ROOT / name, scratch / name)
    shutil.copytree(ROOT / "data", scratch / "data")
    (scratch / "models").mkdir()
    # The spaCy pipeline `make build` writes, which config.yml names by path.
    (scratch / "models" / "spacy_en_lemmas").symlink_to(ROOT / "models" / "spacy_en_lemmas")
    config = (scratch / "config.yml").read_text(encoding="utf-8")
    off, count = re.subn(r"(?m)^(\s+)retrieval: true$", r"\1retrieval: false", config)
    if count != 1:
        raise SystemExit("config.yml: expected one `retrieval: true` to switch off")
    (scratch / "config.yml").write_text(off, encoding="utf-8")
    out = scratch / "models" / "without-retrieval.tar.gz"
    # Rasa imports our components (bot.nlu...) from the project, not the scratch folder.
    os.environ["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])
    )
    code = train.rasa(
        "train", *train.RASA_PROJECT_ARGS, "--out", str(out.parent),
        "--fixed-model-name", out.name.removesuffix(".tar.gz"), root=scratch,
    )  # fmt: skip
    if code or not out.exists():
        raise SystemExit(f"training without retrieval failed (exit {code})")
    return out


def evaluate_model(model: Path, report: Path) -> dict:
    subprocess.run(
        [sys.executable, "-m", "bot", "eval", "--model", str(model), "--json", str(report)],
        cwd=ROOT,
        check=False,
        stdout=subprocess.DEVNULL,
    )
    return json.loads(report.read_text(encoding="utf-8"))


async def _parse_times(model: Path, texts: list[str]) -> list[float]:
    from bot.rasa import agent as rasa_agent

    agent = rasa_agent.load(model)
    for text in texts[:20]:
        await agent.parse_message(text)
    times = []
    for text in texts:
        start = time.perf_counter()
        await agent.parse_message(text)
        times.append((time.perf_counter() - start) * 1000)
    return times


def parse_times(model: Path) -> dict:
    texts = [e.text for e in evaluate.load_test_set()]
    times = sorted(asyncio.run(_parse_times(model, texts)))
    return {
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1),
    }


def index_size(model: Path) -> float:
    """MiB of the retrieval index's arrays in the model (0 without one)."""
    import tarfile

    with tarfile.open(model) as archive:
        sizes = [m.size for m in archive.getmembers() if m.name.endswith("retrieval.npz")]
    return round(sum(sizes) / 2**20, 2)


def row(name: str, result: dict, times: dict, size: float) -> dict:
    wild = result.get("wild", {})
    return {
        "variant": name,
        "held_out_accuracy": result["accuracy"],
        "held_out_fallback": result["fallback_rate"],
        "held_out_confident_wrong": len(result["confident_wrong"]),
        "wild_right": wild.get("right"),
        "wild_safe_not_sure": wild.get("safe_not_sure"),
        "wild_wrong": wild.get("wrong"),
        "wild_wrong_answers": len(wild.get("wrong_answers", [])),
        "false_premises_corrected": wild.get("false_premises_corrected"),
        **times,
        "index_mib": size,
    }


def main() -> int:
    current = train.ensure_model()
    with tempfile.TemporaryDirectory(prefix="haip-matching-") as scratch:
        scratch = Path(scratch)
        plain = model_without_retrieval(scratch)
        rows = []
        for name, model in (("classifier + retrieval", current), ("classifier only", plain)):
            result = evaluate_model(model, scratch / f"{name}.json")
            rows.append(row(name, result, parse_times(model), index_size(model)))
    pct = lambda x: "-" if x is None else f"{x:.1%}"  # noqa: E731
    print(
        "variant                | held-out right  fallback  conf.wrong | wild right  "
        "not-sure  wrong  wrong answers  premises corrected | parse ms median  p95 | index MiB"
    )
    for r in rows:
        print(
            f"{r['variant']:<22} | {pct(r['held_out_accuracy']):>14}  "
            f"{pct(r['held_out_fallback']):>8}  {r['held_out_confident_wrong']:>10} | "
            f"{pct(r['wild_right']):>10}  {pct(r['wild_safe_not_sure']):>8}  "
            f"{pct(r['wild_wrong']):>5}  {r['wild_wrong_answers']:>13}  "
            f"{pct(r['false_premises_corrected']):>18} | {r['median_ms']:>15}  "
            f"{r['p95_ms']:>4} | {r['index_mib']:>9}"
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(rows, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
