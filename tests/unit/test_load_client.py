"""The pure parts of the load test (bench/load.py, bench/load_client.py): the widget states it
sends, its plan of submissions, its percentiles and how it appends to RESULTS.md."""

import datetime as dt

import pytest
from streamlit.proto.NumberInput_pb2 import NumberInput
from streamlit.proto.Selectbox_pb2 import Selectbox

from bench import load
from bench.load_client import Widget, widget_state


def _widget(kind, proto=None):
    return Widget(kind, f"$$ID-{kind}", kind.title(), "form", "", proto)


def test_widget_states_are_what_the_frontend_sends():
    assert widget_state(_widget("button"), True).trigger_value is True
    assert widget_state(_widget("text_area"), "a\nb").string_value == "a\nb"
    day = widget_state(_widget("date_input"), dt.date(2026, 3, 9))
    assert list(day.string_array_value.data) == ["2026-03-09"]
    empty = widget_state(_widget("date_input"), None)
    assert empty.WhichOneof("value") == "string_array_value"
    assert list(empty.string_array_value.data) == []
    assert widget_state(_widget("number_input", NumberInput(data_type=NumberInput.INT)),
                        45).int_value == 45
    assert widget_state(_widget("number_input", NumberInput(data_type=NumberInput.FLOAT)),
                        2.5).double_value == 2.5
    box = _widget("selectbox", Selectbox(options=["Video call", "Phone"]))
    assert widget_state(box, "Phone").string_value == "Phone"
    assert widget_state(box, None).WhichOneof("value") is None  # nothing chosen
    with pytest.raises(ValueError, match="not an option"):
        widget_state(box, "Carrier pigeon")


def test_plan_has_exactly_the_invalid_and_resent_shares():
    kinds = load.plan(40, 10, seed=3)
    flat = [k for session in kinds for k in session]
    assert len(kinds) == 40 and all(len(s) == 10 for s in kinds)
    assert flat.count("invalid") == 40 and flat.count("resend") == 8
    assert flat.count("valid") == 352
    assert load.plan(40, 10, seed=3) == kinds  # repeatable
    assert load.plan(40, 10, seed=4) != kinds


def test_percentiles_interpolate():
    values = [float(v) for v in range(1, 101)]
    assert load.percentile(values, 50) == pytest.approx(50.5)
    assert load.percentile(values, 95) == pytest.approx(95.05)
    assert load.percentile([3.0], 99) == 3.0


def test_results_go_at_the_end_of_the_load_section(tmp_path):
    results = tmp_path / "RESULTS.md"
    results.write_text("# Benchmark\n\n<!-- bench:start -->\ntable\n<!-- bench:end -->\n\n"
                       "## Notes\n\nby hand\n", encoding="utf-8")
    load.record("### Load run 1\n\nfirst", results)
    load.record("### Load run 2\n\nsecond", results)
    text = results.read_text(encoding="utf-8")
    assert text.startswith("# Benchmark\n\n<!-- bench:start -->\ntable\n<!-- bench:end -->\n\n"
                           "## Notes\n\nby hand\n")
    assert text.count("## Load\n") == 1
    assert text.index("## Load\n") < text.index("### Load run 1") < text.index("### Load run 2")
    # A section someone adds after ours stays after it, untouched.
    results.write_text(text + "\n## Later\n\nkept\n", encoding="utf-8")
    load.record("### Soak\n\nthird", results)
    text = results.read_text(encoding="utf-8")
    assert text.index("### Load run 2") < text.index("### Soak") < text.index("## Later")
    assert text.endswith("## Later\n\nkept\n")
