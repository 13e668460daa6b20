"""Large cached values are unpickled once per process and shared; any change is a new value."""

import pickle

import pytest

from dashboard.platform.cache_backend import SharedUnpickler


def _big(marker: str) -> list[str]:
    return [f"{marker}-{n}" for n in range(2000)]


def test_the_same_bytes_give_the_same_object_without_unpickling_again(monkeypatch):
    serializer = SharedUnpickler()
    data = serializer.dumps(_big("a"))
    assert len(data) >= SharedUnpickler.MIN_BYTES
    first = serializer.loads(data)
    calls = []
    monkeypatch.setattr(pickle, "loads", lambda *a, **k: calls.append(1))
    assert serializer.loads(bytes(data)) is first
    assert calls == []


def test_changed_bytes_are_a_new_value():
    serializer = SharedUnpickler()
    old = serializer.loads(serializer.dumps(_big("a")))
    new = serializer.loads(serializer.dumps(_big("b")))
    assert new is not old
    assert new[0] == "b-0"


@pytest.mark.parametrize("value", [7, "small", {"a": 1}])
def test_small_values_and_integers_are_unpickled_each_time(value):
    serializer = SharedUnpickler()
    data = serializer.dumps(value)
    assert serializer.loads(data) == value
    if not isinstance(value, int | str):
        assert serializer.loads(data) is not serializer.loads(data)


def test_only_the_most_recent_values_are_kept():
    serializer = SharedUnpickler()
    blobs = [serializer.dumps(_big(str(n))) for n in range(SharedUnpickler.MAX_VALUES + 1)]
    first = serializer.loads(blobs[0])
    for blob in blobs[1:]:
        serializer.loads(blob)
    assert serializer.loads(blobs[0]) is not first  # evicted, unpickled afresh
    assert serializer.loads(blobs[0]) == first
