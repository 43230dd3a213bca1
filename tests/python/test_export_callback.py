"""export_function with a callback: MLX's record-by-record description."""

import mlx.core as mx


def records(fun, *args, **kwargs):
    seen = []
    mx.export_function(seen.append, fun, *args, **kwargs)
    return seen


def test_record_order_and_names():
    def fn(x, y):
        return mx.log(mx.abs(x - y))

    seen = records(fn, mx.array([1.0, 2.0]), y=mx.array(0.5))
    types = [r["type"] for r in seen]
    assert types[:4] == ["inputs", "keyword_inputs", "outputs", "constants"]
    assert set(types[4:]) == {"primitive"}
    inputs, keywords, outputs, constants = seen[:4]
    assert inputs["inputs"] == [("A", (2,), mx.float32), ("B", (), mx.float32)]
    assert keywords["keywords"] == [("y", "B")]
    assert outputs["outputs"] == [("C", (2,), mx.float32)]
    assert constants["constants"] == []
    prims = seen[4:]
    assert [p["name"] for p in prims] == ["Subtract", "Abs", "Log"]
    # Each operation reads names produced before it; the last writes C.
    known = {"A", "B"}
    for p in prims:
        assert {n for n, _, _ in p["inputs"]} <= known
        known |= {n for n, _, _ in p["outputs"]}
    assert prims[-1]["outputs"][0][0] == "C"


def test_constants_and_dtypes_are_reported():
    def fn(x):
        return (x * 2.0).astype(mx.int32)

    seen = records(fn, mx.array([1.0, 2.0]))
    (name, value), = seen[3]["constants"]
    assert value.item() == 2.0
    assert seen[2]["outputs"] == [("B", (2,), mx.int32)]
    multiply = next(r for r in seen if r.get("name") == "Multiply")
    assert (name, (), mx.float32) in multiply["inputs"]


def test_callback_needs_no_metadata():
    import pytest

    with pytest.raises(ValueError):
        mx.export_function(lambda r: None, mx.abs, mx.array(1.0), metadata="x")
