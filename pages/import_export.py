"""Import & export: bring a tracker or LinkedIn connections in, take all my data out, or delete
my account and everything in it."""

import streamlit as st

from lib import data_export, erasure, importer, queries, store, ui
from lib.validation import ValidationError

PREVIEW_ROWS = 2_000
STATUS_LABELS = {importer.STATUS_NEW: "Will import", importer.STATUS_KNOWN: "Already there",
                 importer.STATUS_SKIPPED: "Skipped"}
NOT_IMPORTED = "— don't import —"
# Session state: the file as read (lib.importer.Upload), so mapping, preview and import work on
# it without reading the upload again; and the last import's result.
UPLOAD, FILE_ID, READ_ERROR, RESULT, PLAN = ("ie_upload", "ie_file_id", "ie_read_error",
                                             "ie_result", "ie_plan")

con = ui.database()
account = ui.require_account("student")
user_id = account.id
today = ui.today()


def remember_file(name: str, data: bytes, file_id: str) -> None:
    """Read a new upload into session state (or its problem)."""
    for key in (UPLOAD, READ_ERROR, RESULT, PLAN):
        st.session_state.pop(key, None)
    st.session_state[FILE_ID] = file_id
    try:
        st.session_state[UPLOAD] = importer.read_upload(name, data)
    except importer.ImportFileError as problem:
        st.session_state[READ_ERROR] = str(problem)


def make_plan(upload, table, mapping, progress=None, keys=None) -> importer.ImportPlan:
    """What importing the file would store, given the student's records (`keys`: from
    `store.existing_keys`, read now when not given)."""
    existing = importer.ExistingRecords.from_keys(keys or store.existing_keys(con, user_id))
    if upload.kind == "export":
        return data_export.plan_export(upload, existing, today=today)
    return importer.plan_rows(table, mapping, existing, today=today,
                              linkedin=upload.kind == "linkedin", progress=progress)


def preview_plan(upload, table, mapping) -> importer.ImportPlan:
    """The plan for the preview, kept while the file, mapping, kept rows and records stay the
    same (a long file is not checked again on every click)."""
    keys = store.existing_keys(con, user_id)
    signature = (st.session_state.get(FILE_ID), tuple(mapping), tuple(table.row_numbers),
                 tuple(len(rows) for rows in keys.values()), tuple(keys["goals"]), today)
    kept = st.session_state.get(PLAN)
    if kept and kept[0] == signature:
        return kept[1]
    bar = st.progress(0.0, text="Checking the rows…") if len(table) > 1000 else None
    plan = make_plan(upload, table, mapping,
                     progress=(lambda f: bar.progress(f, text="Checking the rows…"))
                     if bar else None, keys=keys)
    if bar:
        bar.empty()
    st.session_state[PLAN] = (signature, plan)
    return plan


def mapping_editor(table, token: str) -> list:
    """A selectbox per column, preset with the guessed field; returns the chosen mapping."""
    st.markdown("**Which field is in each column?** Check the guesses and correct them.")
    st.caption("The first rows of your file:")
    st.dataframe(table.frame().head(3).fillna(""), hide_index=True, width="stretch")
    guess = [g or "" for g in importer.guess_mapping(table.headers)]
    options = [""] + [f.key for f in importer.FIELDS]  # "": the column is not imported
    chosen = []
    columns = st.columns(4)
    for i, header in enumerate(table.headers):
        with columns[i % 4]:
            label = ui.escape_markdown(header) if header.strip() else f"Column {i + 1}"
            chosen.append(st.selectbox(
                label, options, index=options.index(guess[i]),
                format_func=lambda k: importer.FIELD_LABELS.get(k, NOT_IMPORTED),
                key=f"ie_map_{token}_{i}"))
    return [key or None for key in chosen]


def choose_connections(table, token: str):
    """LinkedIn: keep the connections whose company or position matches, then untick any."""
    frame = table.frame()
    names = {c: importer.normalize_header(c) for c in frame.columns}
    shown = [c for c, n in names.items() if n in ("first name", "last name", "company",
                                                   "position")]
    text = st.text_input("Keep connections whose company or position contains",
                         key=f"ie_filter_{token}", placeholder="e.g. health, hospital",
                         help="Separate several words with commas. Leave empty to keep "
                              "everyone.")
    terms = [t.strip().lower() for t in text.split(",") if t.strip()]
    if terms:
        searched = frame[[c for c in shown if names[c] in ("company", "position")]]
        haystack = searched.fillna("").astype(str).agg(" ".join, axis=1).str.lower()
        frame = frame[haystack.map(lambda h: any(t in h for t in terms))]
    editor = frame[shown].fillna("").assign(Keep=True)
    edited = st.data_editor(
        editor, hide_index=True, width="stretch", disabled=shown,
        key=f"ie_keep_{token}_{'|'.join(terms)}",
        column_config={"Keep": st.column_config.CheckboxColumn("Keep", default=True)})
    kept = edited.index[edited["Keep"].fillna(False).astype(bool)]
    st.caption(f"{len(kept):,} of {len(table):,} connections kept.")
    return table.subset(kept)


# How the import result names the coaching records (lib.store.Batch.counts), in order.
COACHING_RESULT = {
    "scheduled_conversations": ("scheduled conversation", "scheduled conversations"),
    "prep_questions": ("question chosen for a prep sheet", "questions chosen for prep sheets"),
    "my_questions": ("question of your question bank", "questions of your question bank"),
    "action_marks": ("next action ticked off or snoozed", "next actions ticked off or snoozed"),
    "touches": ("keep-in-touch note", "keep-in-touch notes"),
    "career_goals": ("career goal", "career goals"),
}


def result_message(counts: dict) -> str:
    text = (f"Imported {counts['contacts']} contacts, {counts['outreach']} messages, "
            f"{counts['conversations']} conversations and {counts['insights']} insights.")
    coaching = [f"{n} {COACHING_RESULT[k][0 if n == 1 else 1]}" for k, n in counts.items()
                if k in COACHING_RESULT and n]
    if counts.get("goals"):
        coaching.append("your weekly and term goals")
    if coaching:
        text += " Also: " + ", ".join(coaching) + "."
    return text


def show_result(result: dict) -> None:
    st.success(result_message(result["counts"]), icon=":material/check_circle:")
    if result["known"]:
        st.info(f"{result['known']} rows were already in your tracker and were not added again.")
    if result["skipped"]:
        st.warning(f"{len(result['skipped'])} rows were not imported:")
        st.dataframe(result["skipped"], hide_index=True, width="stretch",
                     column_config={"row": "Row", "reason": st.column_config.TextColumn(
                         "Why", width="large")})


def skipped_rows(upload, plan) -> list[dict]:
    rows = [{"row": p.row, "reason": p.message} for p in importer.bad_row_report(upload)]
    rows += [{"row": r.row, "reason": " ".join(r.problems)} for r in plan.skipped]
    return sorted(rows, key=lambda r: r["row"])


def import_section() -> None:
    st.write("Bring in the tracker you already keep: a spreadsheet (.csv or .xlsx), LinkedIn's "
             "Connections.csv (Settings → Data privacy → Get a copy of your data), or a "
             "Career Conversations export. Nothing is saved until you press Import, and "
             "importing the same file again adds nothing twice.")
    uploaded = st.file_uploader("Your file (CSV, Excel or a Career Conversations ZIP)",
                                type=["csv", "xlsx", "zip"], key="ie_file",
                                help=f"Up to {importer.MAX_BYTES // 1024 // 1024} MB and "
                                     f"{importer.MAX_ROWS:,} rows; UTF-8 or Windows-1252, "
                                     "separated by commas or semicolons.")
    if uploaded is None:
        for key in (UPLOAD, READ_ERROR, FILE_ID, PLAN):
            st.session_state.pop(key, None)
    elif st.session_state.get(FILE_ID) != uploaded.file_id:
        remember_file(uploaded.name, uploaded.getvalue(), uploaded.file_id)

    if RESULT in st.session_state:
        show_result(st.session_state[RESULT])
    if st.session_state.get(READ_ERROR):
        st.error(st.session_state[READ_ERROR], icon=":material/error:")
        return
    upload = st.session_state.get(UPLOAD)
    if upload is None:
        return
    token = str(st.session_state.get(FILE_ID))
    st.info(ui.escape_markdown(upload.describe()), icon=":material/description:")
    table = upload.table
    mapping: list = []
    if upload.kind != "export":
        if upload.kind == "linkedin":
            st.markdown("**LinkedIn connections** — they are added as contacts found on "
                        "LinkedIn. Choose whom to keep:")
            table = choose_connections(table, token)
        with st.expander("Columns", expanded=upload.kind == "tracker"):
            mapping = mapping_editor(upload.table, token)
        problems = importer.mapping_problems(mapping)
        if problems:
            st.error("\n\n".join(problems), icon=":material/error:")
            return

    plan = preview_plan(upload, table, mapping)
    skipped = skipped_rows(upload, plan)
    a, b, c = st.columns(3)
    a.metric("Rows to import", len(plan.importing))
    b.metric("Already there", len(plan.known))
    c.metric("Skipped", len(skipped))
    for note in plan.notes:
        st.caption(ui.escape_markdown(note))
    preview = plan.frame()
    preview["status"] = preview["status"].map(STATUS_LABELS)
    order = [c for c in ("sheet", "row", "status", "name", "organization", "problems",
                         "contact", "outreach", "conversation", "record")
             if c in preview.columns and (c in ("row", "status", "problems")
                                          or preview[c].astype(bool).any())]
    st.dataframe(preview[order].head(PREVIEW_ROWS), hide_index=True, width="stretch",
                 column_config={"sheet": "Sheet", "row": "Row", "status": "Status",
                                "name": "Name", "organization": "Organization",
                                "contact": "Contact", "outreach": "Message",
                                "conversation": "Conversation", "record": "Record",
                                "problems": st.column_config.TextColumn("Problems and notes",
                                                                        width="large")})
    if len(preview) > PREVIEW_ROWS:
        st.caption(f"Showing the first {PREVIEW_ROWS:,} of {len(preview):,} rows.")
    bad = importer.bad_row_report(upload)
    if bad:
        with st.expander(f"{len(bad)} rows could not be read"):
            for problem in bad:
                st.text(problem.message)

    count = len(plan.importing)
    if count == 0 and plan.known:
        st.info(f"Nothing new in this file: {len(plan.known)} of its rows are already in your "
                "tracker, so importing it again would add nothing.", icon=":material/done_all:")
    if st.button(f"Import {count} rows", type="primary", disabled=count == 0,
                 key="ie_import", icon=":material/upload:"):
        bar = st.progress(0.0, text="Checking the rows…")
        fresh = make_plan(upload, table, mapping,
                          progress=lambda f: bar.progress(0.9 * f, text="Checking the rows…"))
        bar.progress(0.95, text="Saving…")
        try:
            counts = store.write_batch(con, user_id, fresh.batch,
                                       submission_id=ui.submission_id("import"))
        except store.NotFound:
            bar.empty()
            st.error("A contact this file adds to was deleted meanwhile. Nothing was imported "
                     "— try again.", icon=":material/error:")
            return
        bar.progress(1.0, text="Done.")
        ui.new_submission("import")
        st.session_state[RESULT] = {"counts": counts, "known": len(fresh.known),
                                    "skipped": skipped_rows(upload, fresh)}
        st.session_state.pop(PLAN, None)
        st.rerun()


def export_section() -> None:
    counts = queries.table_counts(con, user_id)
    st.write(f"Everything you logged — {counts['contacts']} contacts, {counts['outreach']} "
             f"messages, {counts['conversations']} conversations and {counts['insights']} "
             "insights — and everything you prepared and planned, in files you can keep, open "
             "in a spreadsheet or import again here (into this or another account).")
    left, right = st.columns(2)
    stamp = today.isoformat()
    left.download_button("Download ZIP (CSV files)", key="ie_zip", on_click="ignore",
                         data=lambda: data_export.student_zip(con, user_id, today=today),
                         file_name=f"career-conversations-{stamp}.zip", mime="application/zip",
                         icon=":material/folder_zip:")
    right.download_button("Download Excel workbook", key="ie_xlsx", on_click="ignore",
                          data=lambda: data_export.student_xlsx(con, user_id),
                          file_name=f"career-conversations-{stamp}.xlsx",
                          mime=data_export.XLSX_MIME, icon=":material/table_view:")
    st.caption("One file (or sheet) per kind of record. Text that a spreadsheet could run as a "
               "formula gets a leading apostrophe, so opening the files is safe.")
    st.markdown("**What the files contain**\n\n" + "\n".join(
        f"- `{name}` — {text}" for name, text in data_export.CONTENTS.items()))
    st.caption("Not included: your sign-in details (e-mail address, password), sign-in "
               "sessions and class memberships — after importing into another account, join "
               "your class again with its code.")


def delete_section() -> None:
    st.header("Delete my account and all my data")
    st.write("This deletes your account and everything in it at once: contacts, messages, "
             "conversations, insights, prepared questions, scheduled conversations and goals. "
             "Your classes stop counting you. It can't be undone — download your data first "
             "if you want to keep it.")
    typed = st.text_input("Type your email address to confirm", key="ie_erase_confirm")
    confirmed = erasure.confirms(typed, account.email)
    if typed and not confirmed:
        st.caption("That is not the email address of this account.")
    if st.button("Delete my account and all my data", type="primary", disabled=not confirmed,
                 key="ie_erase", icon=":material/delete_forever:"):
        try:
            erasure.erase_account(con, user_id)
        except (ValidationError, LookupError) as problem:
            errors = getattr(problem, "errors", {}) or {"account": str(problem)}
            st.error(ui.escape_markdown(" ".join(errors.values())), icon=":material/error:")
            return
        ui.sign_out()
        ui.flash("Your account and all your data were deleted.")
        st.rerun()


st.title("Import & export")
ui.show_flash()
tab_import, tab_export, tab_delete = st.tabs(["Import", "Export my data", "Delete my account"])
with tab_import:
    import_section()
with tab_export:
    export_section()
with tab_delete:
    delete_section()
