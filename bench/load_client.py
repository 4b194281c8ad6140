"""A browserless Streamlit client for `python -m bench.load`: it speaks the protocol the frontend
speaks — `BackMsg` protobufs up the websocket at /_stcore/stream, `ForwardMsg` protobufs down —
with the `websockets` package, which Streamlit itself depends on.

What the frontend does, and this client copies:
- it connects with the subprotocol "streamlit" (the request carries the page's cookies) and
  sends `rerun_script` with a `ClientState`: the page (`page_script_hash` / `page_name`), the
  browser's timezone and the state of every widget on screen (`WidgetStates`);
- a form submit is one `rerun_script` carrying the values of all the form's widgets plus a
  `trigger_value` for the submit button; a widget outside a form sends a rerun when it changes;
  a widget drawn inside an `st.fragment` sends the fragment's id, so only the fragment reruns;
- the server answers a run with `new_session`, `delta`s (elements, each with its position
  `metadata.delta_path` and the fragment it belongs to) and finally `script_finished`
  (FINISHED_SUCCESSFULLY, FINISHED_FRAGMENT_RUN_SUCCESSFULLY; FINISHED_EARLY_FOR_RERUN means
  another run follows, e.g. after `st.rerun()`);
- large elements the client says it has cached (`cached_message_hashes`) come back as
  `ref_hash` references.

Widget ids are never guessed: they are read from the elements the server sent (`Widget.id`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Any

from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.NumberInput_pb2 import NumberInput
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

FINISHED = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY}
ALERT_KINDS = {Alert.ERROR: "error", Alert.WARNING: "warning", Alert.INFO: "info",
               Alert.SUCCESS: "success"}
WIDGET_KINDS = {"text_input", "text_area", "selectbox", "radio", "number_input", "date_input",
                "checkbox", "button"}


class ProtocolError(RuntimeError):
    """The server closed the connection, or did not finish a run in time."""


@dataclass
class Element:
    kind: str  # the Element oneof: "alert", "text_input", "exception", ...
    proto: Any  # the element's own protobuf message (e.g. a TextInput)
    fragment_id: str = ""

    @property
    def label(self) -> str:
        return getattr(self.proto, "label", "")

    @property
    def text(self) -> str:
        return getattr(self.proto, "body", "")


@dataclass(eq=False)  # hashable by identity: used as a key in `changes`
class Widget:
    kind: str
    id: str
    label: str
    form_id: str
    fragment_id: str
    proto: Any

    @property
    def options(self) -> list[str]:
        return list(getattr(self.proto, "options", []))


def widget_state(widget: Widget, value: Any) -> WidgetState:
    """The `WidgetState` the frontend would send for `widget` holding `value` (the formatted
    option for a selectbox or radio, a date or None for a date input, True for a button)."""
    state = WidgetState(id=widget.id)
    kind = widget.kind
    if kind == "button":
        state.trigger_value = bool(value)
    elif kind in ("text_input", "text_area"):
        state.string_value = "" if value is None else str(value)
    elif kind in ("selectbox", "radio"):
        if value is None:
            return state  # nothing chosen: no value (the widget's default, or None)
        if str(value) not in widget.options:
            raise ValueError(f"{value!r} is not an option of {widget.label!r}: {widget.options}")
        state.string_value = str(value)
    elif kind == "number_input":
        if widget.proto.data_type == NumberInput.INT:
            state.int_value = int(value)
        else:
            state.double_value = float(value)
    elif kind == "date_input":
        state.string_array_value.SetInParent()
        if value is not None:
            dates = value if isinstance(value, (list, tuple)) else [value]
            state.string_array_value.data.extend(
                f"{d.year:04d}-{d.month:02d}-{d.day:02d}" for d in dates)
    elif kind == "checkbox":
        state.bool_value = bool(value)
    else:
        raise ValueError(f"{kind} widgets are not supported by this client")
    return state


@dataclass
class Run:
    """What one script run drew (the run that ended with `status`)."""
    status: int
    elements: list[Element] = field(default_factory=list)
    paths: list[tuple[tuple, Element]] = field(default_factory=list)  # (delta path, element)
    started: float = 0.0
    finished: float = 0.0

    def alerts(self, kind: str | None = None) -> list[str]:
        return [e.text for e in self.elements if e.kind == "alert"
                and (kind is None or ALERT_KINDS.get(e.proto.format) == kind)]

    def exceptions(self) -> list[str]:
        return [f"{e.proto.type}: {e.proto.message}" for e in self.elements
                if e.kind == "exception"]


class Session:
    """One browser tab's Streamlit session over one websocket."""

    def __init__(self, base_url: str, *, cookies: dict[str, str] | None = None,
                 timezone: str = "UTC"):
        self.url = base_url.replace("http://", "ws://").replace("https://", "wss://") \
            + "/_stcore/stream"
        self.cookies = cookies or {}
        self.timezone = timezone
        self.ws = None
        self._reader: asyncio.Task | None = None
        self._finished: asyncio.Queue[Run] = asyncio.Queue()
        self._current = Run(status=-1)
        self._screen: dict[tuple, Element] = {}  # delta path -> element, as the page shows it
        self._cache: dict[str, ForwardMsg] = {}  # cacheable messages by hash
        self.pages: dict[str, str] = {}  # url_pathname -> page_script_hash
        self.page_hash = ""
        self.page_name = ""
        self.values: dict[str, WidgetState] = {}  # widget id -> last value sent
        self.closed_by_server: str | None = None
        self._closed_by_us = False
        self.runs_started = 0
        self.bytes_received = 0

    # --- connection ----------------------------------------------------------------------

    async def connect(self) -> None:
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        self.ws = await connect(self.url, subprotocols=["streamlit"], additional_headers=headers,
                                max_size=None, open_timeout=60, ping_interval=None)
        self._reader = asyncio.create_task(self._read())

    async def close(self) -> None:
        self._closed_by_us = True
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)

    async def _read(self) -> None:
        try:
            async for data in self.ws:
                self.bytes_received += len(data)
                msg = ForwardMsg()
                msg.ParseFromString(data)
                self._handle(msg)
        except ConnectionClosed as closed:
            self.closed_by_server = f"connection closed: {closed}"
        except Exception as problem:  # a message this client cannot handle: report, stop
            self.closed_by_server = f"client error: {problem!r}"
        finally:
            if self._closed_by_us:
                self.closed_by_server = None
            elif self.closed_by_server is None:
                self.closed_by_server = "connection closed by the server"

    def _handle(self, msg: ForwardMsg) -> None:
        kind = msg.WhichOneof("type")
        if kind == "ref_hash":
            cached = self._cache.get(msg.ref_hash)
            if cached is None:
                raise ProtocolError(f"reference to a message never received: {msg.ref_hash}")
            original = ForwardMsg()
            original.CopyFrom(cached)
            original.metadata.CopyFrom(msg.metadata)
            msg, kind = original, cached.WhichOneof("type")
        elif msg.metadata.cacheable and msg.hash:
            self._cache[msg.hash] = msg
        if kind == "new_session":
            self.runs_started += 1
            self.page_hash = msg.new_session.page_script_hash
            self._current = Run(status=-1, started=time.monotonic())
        elif kind == "navigation":
            self.pages = {p.url_pathname: p.page_script_hash for p in msg.navigation.app_pages}
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element
            which = element.WhichOneof("type")
            item = Element(which, getattr(element, which), msg.delta.fragment_id)
            self._current.elements.append(item)
            self._current.paths.append((tuple(msg.metadata.delta_path), item))
        elif kind == "script_finished":
            run = self._current
            run.status = msg.script_finished
            run.finished = time.monotonic()
            if run.status in FINISHED:
                self._update_screen(run)
            self._finished.put_nowait(run)
            self._current = Run(status=-1, started=time.monotonic())

    def _update_screen(self, run: Run) -> None:
        paths = run.paths
        if run.status == ForwardMsg.FINISHED_SUCCESSFULLY:
            self._screen = dict(paths)
        else:  # a fragment run redraws that fragment only
            redrawn = {e.fragment_id for _, e in paths}
            self._screen = {p: e for p, e in self._screen.items()
                            if e.fragment_id not in redrawn}
            self._screen.update(paths)

    # --- what the page shows -------------------------------------------------------------

    def widgets(self) -> dict[str, Widget]:
        """The widgets on screen by label (the first one wins if labels repeat)."""
        found: dict[str, Widget] = {}
        for path in sorted(self._screen):
            element = self._screen[path]
            if element.kind in WIDGET_KINDS and hasattr(element.proto, "id"):
                widget = Widget(element.kind, element.proto.id, element.label,
                                getattr(element.proto, "form_id", ""), element.fragment_id,
                                element.proto)
                found.setdefault(widget.label, widget)
        return found

    def widget(self, label: str) -> Widget:
        widgets = self.widgets()
        if label not in widgets:
            raise ProtocolError(f"no widget labelled {label!r} on the page; "
                                f"there are {sorted(widgets)}")
        return widgets[label]

    # --- talking to the server -----------------------------------------------------------

    def rerun_message(self, changes: dict[Widget, Any] | None = None, *,
                      page_hash: str | None = None, page_name: str | None = None,
                      fragment_id: str = "") -> BackMsg:
        """A `rerun_script` BackMsg: every widget's last value, with `changes` applied
        (buttons trigger once and are not remembered)."""
        on_screen = {w.id for w in self.widgets().values()}
        states = {wid: s for wid, s in self.values.items() if wid in on_screen}
        for widget, value in (changes or {}).items():
            state = widget_state(widget, value)
            states[widget.id] = state
            if widget.kind != "button":
                self.values[widget.id] = state
        msg = BackMsg()
        rerun = msg.rerun_script
        rerun.query_string = ""
        rerun.page_script_hash = self.page_hash if page_hash is None else page_hash
        rerun.page_name = self.page_name if page_name is None else page_name
        rerun.context_info.timezone = self.timezone
        rerun.context_info.locale = "en-US"
        rerun.widget_states.SetInParent()
        rerun.widget_states.widgets.extend(states.values())
        rerun.cached_message_hashes.extend(self._cache)
        if fragment_id:
            rerun.fragment_id = fragment_id
        return msg

    async def send(self, msg: BackMsg) -> None:
        if self.closed_by_server:
            raise ProtocolError(self.closed_by_server)
        await self.ws.send(msg.SerializeToString())

    async def next_run(self, timeout: float = 120.0) -> Run:
        """The next run that finished (early-for-rerun runs are skipped)."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ProtocolError(f"no script run finished within {timeout:.0f} s")
            try:
                run = await asyncio.wait_for(self._finished.get(), min(left, 1.0))
            except asyncio.TimeoutError:
                if self.closed_by_server:
                    raise ProtocolError(self.closed_by_server) from None
                continue
            if run.status in FINISHED:
                return run
            if run.status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                raise ProtocolError("the script did not compile")

    async def settle(self, quiet: float = 0.5, timeout: float = 120.0) -> list[Run]:
        """Wait until no run has started for `quiet` seconds after the last finished one (for
        actions that may cause several runs, such as a double-sent submit)."""
        runs = [await self.next_run(timeout)]
        while True:
            started = self.runs_started
            await asyncio.sleep(quiet)
            if self.runs_started == started and self._finished.empty():
                return runs
            runs.append(await self.next_run(timeout))

    async def open(self, path: str = "", timeout: float = 120.0) -> Run:
        """Open the app at `path` as a new tab would, then (if it landed elsewhere) follow the
        navigation to `path` as a click on its link does."""
        self.page_name = path
        await self.send(self.rerun_message(page_hash="", page_name=path))
        run = await self.next_run(timeout)
        wanted = self.pages.get(path)
        if path and wanted and self.page_hash != wanted:
            await self.send(self.rerun_message(page_hash=wanted, page_name=path))
            run = await self.next_run(timeout)
        if path and self.pages.get(path) != self.page_hash:
            raise ProtocolError(f"could not open the page {path!r} (on {self.page_hash})")
        return run


def today_utc() -> dt.date:
    return dt.datetime.now(dt.timezone.utc).date()
