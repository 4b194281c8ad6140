"""Streamlit pieces of the Prepare page: the prep sheet, the question bank and the message
templates. Widget keys are prefixed per piece (`prep_…`, `bank…`, `tpl_…`); storage is
lib.prep_store, the rules lib.prep."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib

import pandas as pd
import streamlit as st

from lib import prep, prep_store, queries, store, templates, ui, vocab
from lib.prep_validation import clean_schedule
from lib.question_bank import CATEGORIES
from lib.validation import QUESTION_MAX, ValidationError

EDIT_FORM = "edit_schedule"
PREP_FORM = "prep_sheet"
BANK_FORM = "my_question"
EDITING = "bank_editing"  # the own question being edited
ALL_INDUSTRIES = "All industries"
DONE, NOT_DONE = ":material/check_circle: Done", ":material/radio_button_unchecked: Not yet"


def status_line(done: bool, label: str) -> str:
    """A checklist line: icon and word, never colour alone."""
    return f"{DONE if done else NOT_DONE} · {label}"


def when_label(sheet: prep.ScheduledConversation, tz_name: str) -> str:
    """When it is, with its time zone only when that differs from the browser's."""
    label = prep.when(sheet)
    return label if sheet.timezone != tz_name else label.rsplit(" (", 1)[0]


# --- the prep sheet --------------------------------------------------------------------------
# The chosen questions are a working list in session state until "Save prep sheet"; the
# callbacks change it before the widgets are drawn again.

def _working_questions(scheduled_id: int) -> list:
    return st.session_state.setdefault(f"prep_q_{scheduled_id}", [])


def _add_from_bank(scheduled_id: int, picker: str, texts: dict) -> None:
    chosen = _working_questions(scheduled_id)
    have = {text for text, _ in chosen}
    for bank_id in st.session_state.get(picker) or []:
        if texts.get(bank_id) and texts[bank_id] not in have:
            chosen.append((texts[bank_id], bank_id))
            have.add(texts[bank_id])
    st.session_state[picker] = []


def _add_written(scheduled_id: int, box: str) -> None:
    text = " ".join((st.session_state.get(box) or "").split())
    if text and text not in {t for t, _ in _working_questions(scheduled_id)}:
        _working_questions(scheduled_id).append((text, None))
    st.session_state[box] = ""


def _remove_question(scheduled_id: int, index: int) -> None:
    chosen = _working_questions(scheduled_id)
    if 0 <= index < len(chosen):
        del chosen[index]


def _move_up(scheduled_id: int, index: int) -> None:
    chosen = _working_questions(scheduled_id)
    if 0 < index < len(chosen):
        chosen[index - 1], chosen[index] = chosen[index], chosen[index - 1]


@st.fragment
def prep_sheet(con, user_id: int, sid: int, *, contacts: dict[int, str], tz_name: str) -> None:
    """The prep sheet of scheduled conversation `sid`: research notes, goals, chosen questions,
    checklist, save and Markdown download. A fragment: adding, moving or removing a question
    reruns only this part of the page. `contacts`: id → label, for the reschedule form."""
    try:
        sheet = prep_store.scheduled_conversation(con, user_id, sid)
    except store.NotFound:
        st.error("That conversation no longer exists.")
        return
    # Load the stored sheet into the widgets once per opening; later reruns keep edits.
    if st.session_state.get("_prep_loaded") != sid:
        st.session_state["_prep_loaded"] = sid
        st.session_state[f"prep_q_{sid}"] = [(q.text, q.bank_id) for q in sheet.questions]
        st.session_state[f"prep_notes_{sid}"] = sheet.research_notes or ""
        st.session_state[f"prep_goals_{sid}"] = sheet.goals or ""
        st.session_state[f"prep_researched_{sid}"] = sheet.researched
        st.session_state[f"prep_confirmed_{sid}"] = sheet.confirmed
        ui.set_errors(PREP_FORM, {})
    chosen = _working_questions(sid)

    st.markdown(f"**{ui.escape_markdown(prep.who(sheet.contact_name, sheet.organization))}**"
                + (f" — {ui.escape_markdown(sheet.title)}" if sheet.title else ""))
    st.caption(ui.escape_markdown(
        f"{when_label(sheet, tz_name)} · {vocab.label(vocab.FORMATS, sheet.format)}"
        + (f" · {sheet.place}" if sheet.place else "")
        + (f" · {sheet.industry}" if sheet.industry else "")))

    with st.expander("Change whom, when or where", icon=":material/edit_calendar:"):
        E = f"edit{sid}"
        with st.form(f"{EDIT_FORM}_{sid}", enter_to_submit=False):
            new_contact = st.selectbox("Who", list(contacts), format_func=contacts.get,
                                       index=list(contacts).index(sheet.contact_id)
                                       if sheet.contact_id in contacts else None,
                                       key=f"{E}_contact")
            left, middle, right = st.columns(3)
            new_day = left.date_input("Date", value=sheet.starts_at.date(),
                                      format="YYYY-MM-DD", key=f"{E}_date")
            new_time = middle.time_input("Start time", value=sheet.starts_at.time(),
                                         step=dt.timedelta(minutes=15), key=f"{E}_time")
            new_duration = right.number_input("Duration (minutes)", min_value=5,
                                              max_value=600, value=sheet.duration_min,
                                              step=5, key=f"{E}_duration")
            left, right = st.columns([1, 2])
            new_format = left.selectbox("Format", list(vocab.FORMATS),
                                        index=list(vocab.FORMATS).index(sheet.format)
                                        if sheet.format in vocab.FORMATS else 0,
                                        format_func=vocab.FORMATS.get, key=f"{E}_format")
            new_place = right.text_input("Place or link", value=sheet.place or "",
                                         max_chars=500, key=f"{E}_place")
            for field in ("contact_id", "date", "time", "duration_min", "place"):
                ui.field_error(EDIT_FORM, field)
            save_time = st.form_submit_button("Save changes")
        if save_time:
            try:
                data = clean_schedule({"contact_id": new_contact, "date": new_day,
                                       "time": new_time, "duration_min": new_duration,
                                       "format": new_format, "place": new_place,
                                       "timezone": sheet.timezone},
                                      now_local=prep.local_now(sheet.timezone), is_new=False)
                prep_store.update_schedule(con, user_id, sid, data)
                ui.set_errors(EDIT_FORM, {})
                ui.flash("Saved the new details. Download the calendar event again to "
                         "update it in your calendar.")
            except ValidationError as problem:
                ui.set_errors(EDIT_FORM, problem.errors)
            except store.NotFound:
                ui.set_errors(EDIT_FORM, {"contact_id": "That contact no longer exists."})
            st.rerun()

    notes = st.text_area("Research notes on the person and organization", max_chars=5000,
                         key=f"prep_notes_{sid}", height=120,
                         placeholder="Their path, recent projects, news about the "
                                     "organization, what you have in common")
    ui.field_error(PREP_FORM, "research_notes")
    goals = st.text_area("Goals for this conversation", max_chars=5000,
                         key=f"prep_goals_{sid}", height=80,
                         placeholder="What do you want to leave knowing?")
    ui.field_error(PREP_FORM, "goals")

    st.markdown(f"**Your questions** ({len(chosen)} chosen — "
                f"{prep.QUESTIONS_MIN} to {prep.QUESTIONS_MAX} fit a 20-minute "
                "conversation)")
    if not chosen:
        st.caption("None yet: pick some from the bank or write your own below.")
    for i, (text, _bank_id) in enumerate(chosen):
        q_col, buttons = st.columns([3, 1], vertical_alignment="center")
        q_col.text(f"{i + 1}. {text}")
        buttons = buttons.container(horizontal=True, horizontal_alignment="right")
        buttons.button("Up", icon=":material/arrow_upward:", key=f"prep_up_{sid}_{i}",
                       on_click=_move_up, args=(sid, i), disabled=i == 0,
                       help="Move this question up")
        buttons.button("Remove", icon=":material/close:", key=f"prep_rm_{sid}_{i}",
                       on_click=_remove_question, args=(sid, i),
                       help="Remove this question from the sheet")
    ui.field_error(PREP_FORM, "questions")

    with st.container(border=True):
        st.markdown("**Pick from the question bank**")
        a, b, c = st.columns([2, 3, 1], vertical_alignment="bottom")
        industries = [ALL_INDUSTRIES, *vocab.INDUSTRIES]
        industry = a.selectbox("Industry", industries,
                               index=industries.index(sheet.industry)
                               if sheet.industry in industries else 0,
                               key=f"prep_pick_industry_{sid}")
        categories = b.multiselect("Category", list(CATEGORIES), format_func=CATEGORIES.get,
                                   placeholder="All categories",
                                   key=f"prep_pick_categories_{sid}")
        starred_only = c.toggle("Starred only", key=f"prep_pick_starred_{sid}")
        bank = prep_store.question_bank(
            con, user_id, industry=None if industry == ALL_INDUSTRIES else industry,
            categories=categories or None, starred_only=starred_only)
        taken = {t for t, _ in chosen}
        bank = bank[~bank["text"].isin(taken)]
        texts = dict(zip(bank["id"], bank["text"]))
        marks = {r.id: f"{'★ ' if r.starred else ''}{CATEGORIES.get(r.category, r.category)}:"
                       f" {r.text}" for r in bank.itertuples()}
        picker = f"prep_pick_{sid}"
        st.multiselect("Questions", list(texts), format_func=marks.get,
                       placeholder="Choose one or more questions", key=picker)
        st.button("Add to my questions", icon=":material/playlist_add:",
                  key=f"prep_pick_add_{sid}", on_click=_add_from_bank,
                  args=(sid, picker, texts))
        left, right = st.columns([5, 1], vertical_alignment="bottom")
        box = f"prep_write_{sid}"
        left.text_input("Or write your own question", max_chars=QUESTION_MAX, key=box,
                        placeholder="What would you ask only this person?")
        right.button("Add", icon=":material/add:", key=f"prep_write_add_{sid}",
                     on_click=_add_written, args=(sid, box))

    st.markdown("**Checklist**")
    researched = st.checkbox("I researched the person and their organization",
                             key=f"prep_researched_{sid}")
    st.markdown(status_line(prep.questions_ready(len(chosen)),
                            f"{prep.QUESTIONS_MIN}–{prep.QUESTIONS_MAX} questions chosen "
                            f"({len(chosen)} chosen)"))
    confirmed = st.checkbox("I confirmed the conversation the day before",
                            key=f"prep_confirmed_{sid}")
    complete = prep.prep_complete(researched=researched, question_count=len(chosen),
                                  confirmed=confirmed)
    st.markdown(status_line(complete, "**Prep complete**" if complete else
                            "**Prep not complete yet**"))

    current = dataclasses.replace(
        sheet, research_notes=notes.strip() or None, goals=goals.strip() or None,
        researched=researched, confirmed=confirmed,
        questions=tuple(prep.PrepQuestion(t, b) for t, b in chosen))
    if current != sheet:
        st.caption(":material/info: You have unsaved changes.")
    left, right = st.columns(2)
    if left.button("Save prep sheet", type="primary", icon=":material/save:",
                   key=f"prep_save_{sid}"):
        try:
            prep_store.save_prep_sheet(con, user_id, sid, notes, goals, researched,
                                       confirmed, chosen)
            ui.set_errors(PREP_FORM, {})
            ui.flash(f"Saved the prep sheet for {sheet.contact_name}.")
        except ValidationError as problem:
            ui.set_errors(PREP_FORM, problem.errors)
        except store.NotFound:
            ui.flash("That conversation no longer exists.", "warning")
        st.rerun()
    right.download_button("Download as Markdown",
                          prep.prep_sheet_markdown(current).encode("utf-8"),
                          file_name=f"prep-{prep.file_stem(sheet)}.md", mime="text/markdown",
                          icon=":material/download:", on_click="ignore",
                          key=f"prep_md_{sid}")
    ui.error_summary(PREP_FORM)


# --- the question bank -----------------------------------------------------------------------

def _star(con, user_id: int, question_id: str, starred: bool) -> None:
    try:
        prep_store.star_question(con, user_id, question_id, starred)
    except store.NotFound:
        pass  # deleted in another tab: the list is redrawn without it


def _hide(con, user_id: int, question_id: str, hidden: bool) -> None:
    try:
        prep_store.hide_question(con, user_id, question_id, hidden)
    except store.NotFound:
        pass


def _edit_question(question_id: str | None) -> None:
    st.session_state[EDITING] = question_id
    ui.set_errors("edit_question", {})


@st.fragment
def _question_list(con, user_id: int, industry: str, search: str, starred_only: bool,
                   show_hidden: bool) -> None:
    """The bank, grouped by category. A fragment: starring or hiding a question reruns
    only this list."""
    shown = prep_store.question_bank(
        con, user_id, industry=None if industry == ALL_INDUSTRIES else industry,
        starred_only=starred_only, search=search, include_hidden=show_hidden)
    st.caption(f"{len(shown)} question(s).")
    for code, label in CATEGORIES.items():
        group = shown[shown["category"] == code]
        if group.empty:
            continue
        st.markdown(f"### {label} ({len(group)})")  # under the tab's h2
        for q in group.itertuples():
            text_col, buttons = st.columns([3, 1], vertical_alignment="center")
            buttons = buttons.container(horizontal=True, horizontal_alignment="right")
            with text_col:
                st.markdown(ui.escape_markdown(q.text))
                tags = [("Yours" if q.source == "mine" else ""),
                        (f"For {q.industries}" if q.industries else ""),
                        ("Hidden" if q.hidden else "")]
                if any(tags):
                    st.caption(" · ".join(t for t in tags if t))
            buttons.button("Unstar" if q.starred else "Star",
                           icon=":material/star:" if q.starred else ":material/star_border:",
                           key=f"bank_star_{q.id}", on_click=_star,
                           args=(con, user_id, q.id, not q.starred),
                           help="Starred questions are easy to find on a prep sheet")
            if q.source == "mine":
                buttons.button("Edit", icon=":material/edit:", key=f"bank_edit_{q.id}",
                               on_click=_edit_question, args=(q.id,))
            else:
                buttons.button("Show" if q.hidden else "Hide",
                               icon=":material/visibility:" if q.hidden
                               else ":material/visibility_off:",
                               key=f"bank_hide_{q.id}", on_click=_hide,
                               args=(con, user_id, q.id, not q.hidden))
            if q.source == "mine" and st.session_state.get(EDITING) == q.id:
                with st.form(f"edit_question_{q.id}", enter_to_submit=False):
                    left, right = st.columns([1, 3])
                    cat = left.selectbox("Category", list(CATEGORIES),
                                         index=list(CATEGORIES).index(q.category),
                                         format_func=CATEGORIES.get,
                                         key=f"bank_edit_cat_{q.id}")
                    text = right.text_input("Question", value=q.text, max_chars=QUESTION_MAX,
                                            key=f"bank_edit_text_{q.id}")
                    with right:
                        ui.field_error("edit_question", "text")
                    save_col, delete_col, close_col = st.columns(3)
                    save_edit = save_col.form_submit_button("Save changes", type="primary")
                    delete = delete_col.form_submit_button("Delete question")
                    close = close_col.form_submit_button("Close")
                if save_edit or delete or close:
                    try:
                        if save_edit:
                            prep_store.update_my_question(con, user_id, q.id, cat, text)
                            ui.flash("Saved your question.")
                        elif delete:
                            prep_store.delete_my_question(con, user_id, q.id)
                            ui.flash("Deleted your question. Prep sheets that use it keep "
                                     "their copy.")
                        _edit_question(None)
                    except ValidationError as problem:
                        ui.set_errors("edit_question", problem.errors)
                    except store.NotFound:
                        _edit_question(None)
                        ui.flash("That question was already deleted.", "warning")
                    st.rerun()


def question_bank_tab(con, user_id: int) -> None:
    """Browse the bank by category with an industry filter and search; star, hide, add,
    edit and delete questions."""
    st.caption("Questions for informational interviews, in the order a conversation usually "
               "runs: small talk, then TIARA — Trends, Insights, Advice, Resources, "
               "Assignments — then closing. Star the ones you like; add your own.")
    B = f"bank{ui.form_generation(BANK_FORM)}"
    with st.expander("Add your own question", icon=":material/add:"):
        with st.form(BANK_FORM, enter_to_submit=False):
            left, right = st.columns([1, 3])
            new_category = left.selectbox("Category", list(CATEGORIES),
                                          format_func=CATEGORIES.get, key=f"{B}_category")
            new_text = right.text_input("Question *", max_chars=QUESTION_MAX, key=f"{B}_text")
            with right:
                ui.field_error(BANK_FORM, "text")
            add_clicked = st.form_submit_button("Add question", type="primary")
        if add_clicked:
            try:
                prep_store.add_my_question(con, user_id, new_category, new_text,
                                           submission_id=ui.submission_id(BANK_FORM))
                ui.set_errors(BANK_FORM, {})
                ui.new_submission(BANK_FORM)
                ui.next_generation(BANK_FORM)
                ui.flash(f"Added your question to {CATEGORIES[new_category]}.")
            except ValidationError as problem:
                ui.set_errors(BANK_FORM, problem.errors)
            st.rerun()

    st.header("Questions by category")
    a, b, c, d = st.columns([2, 2.4, 1.3, 1.3], vertical_alignment="bottom")
    industries = [ALL_INDUSTRIES, *vocab.INDUSTRIES]
    bank_industry = a.selectbox("Industry", industries, key="bank_industry",
                                help="General questions plus those for this industry")
    bank_search = b.text_input("Search questions", key="bank_search",
                               placeholder="e.g. typical day, advice")
    bank_starred = c.toggle("Starred only", key="bank_starred")
    show_hidden = d.toggle("Show hidden", key="bank_hidden",
                           help="Built-in questions you hid")
    _question_list(con, user_id, bank_industry, bank_search, bank_starred, show_hidden)


# --- templates -------------------------------------------------------------------------------

def templates_tab(con, user_id: int, student_name: str, pipeline: pd.DataFrame,
                  contacts: dict[int, str]) -> None:
    """A message of each kind for a contact, filled in from their record; the outreach
    draft is editable and checked."""
    st.caption("A starting point for each message, filled in from your contact. Edit it, then "
               "copy it with the button at the top right of the box.")
    if not contacts:
        st.info("Add a contact first — the templates fill in their name and organization.")
    else:
        left, right = st.columns(2)
        kind = left.selectbox("Message", list(templates.TEMPLATE_KINDS),
                              format_func=templates.TEMPLATE_KINDS.get, key="tpl_kind")
        who_id = right.selectbox("To", list(contacts), format_func=contacts.get,
                                 key="tpl_contact")
        person = pipeline.loc[pipeline["id"] == who_id].iloc[0]
        organization = person["organization"] if isinstance(person["organization"], str) else None
        title = person["title"] if isinstance(person["title"], str) else None
        said = queries.insight_list(con, user_id, contact_id=int(who_id))
        discussed = said["text"].iloc[0] if not said.empty else None
        referrer = None
        if pd.notna(person["referred_by_contact_id"]):
            match = pipeline.loc[pipeline["id"] == person["referred_by_contact_id"], "name"]
            referrer = match.iloc[0] if not match.empty else None

        topic = st.text_input(
            "What you talked about" if kind in ("thank_you", "keep_in_touch")
            else "The field you are exploring",
            value=prep.template_topic(kind, industry=person["industry"],
                                      discussed=discussed) or "",
            max_chars=200, key=f"tpl_topic_{kind}_{who_id}",
            help="Filled in from the first insight of your last conversation with them, or "
                 "their industry. Reword it so the sentence reads well.")
        connection = None
        if kind == "outreach":
            connection = st.text_input(
                "How you are connected",
                value=prep.template_connection(person["how_found"], referrer) or "",
                max_chars=200, key=f"tpl_connection_{who_id}",
                placeholder="e.g. we met at the spring career fair")
        message = templates.render(kind, student_name=student_name,
                                   contact_name=person["name"], organization=organization,
                                   title=title, topic=topic, connection=connection)
        if kind == "outreach":
            digest = hashlib.sha1(message.encode("utf-8")).hexdigest()[:10]
            draft = st.text_area("Your draft — edit freely", value=message, height=200,
                                 max_chars=3000, key=f"tpl_draft_{who_id}_{digest}")
            st.code(draft, language=None, wrap_lines=True)
            st.markdown("**Draft check** — hints, not rules:")
            for check in templates.check_outreach(draft):
                icon = ":material/check_circle:" if check.passed else ":material/cancel:"
                verdict = "Pass" if check.passed else "Not yet"
                st.markdown(f"{icon} **{verdict}** · {templates.CHECK_LABELS[check.name]} — "
                            f"{ui.escape_markdown(check.hint)}")
        else:
            st.code(message, language=None, wrap_lines=True)
