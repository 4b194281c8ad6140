"""Welcome: sign in, create an account, or explore the demo."""

import streamlit as st

from lib import accounts, classes, demo, ui
from lib.validation import ValidationError

con = ui.database()

st.title("Career Conversations")
st.write("Plan, log and learn from your informational interviews — and watch your network grow.")
ui.show_flash()
if wanted := ui.wanted_title():
    st.info(f"Sign in to open “{ui.escape_markdown(wanted)}”.", icon=":material/login:")

# Single sign-on (only when [auth] is configured in .streamlit/secrets.toml).
if ui.sso_configured():
    user = st.user
    if user.get("is_logged_in", False) and user.get("email"):
        try:
            account = accounts.account_for_sso(con, user.get("email"), user.get("name") or
                                               user.get("email"))
        except ValidationError:
            st.error("Your university account did not provide a usable email address. Sign in "
                     "with email and password instead.")
            st.stop()
        if account.disabled:
            st.error("This account is disabled. Ask your instructor or administrator.")
            st.stop()
        ui.sign_in(account)
        st.rerun()

first_start = not accounts.has_accounts(con)
demo_ready = demo.demo_available(con)
tab_names = ["Sign in", "Create an account"] + (["Explore the demo"] if first_start or demo_ready
                                                else [])
tabs = st.tabs(tab_names)

with tabs[0]:
    with st.form("sign_in", enter_to_submit=True):
        email = st.text_input("Email", key="signin_email", autocomplete="email")
        password = st.text_input("Password", type="password", key="signin_password",
                                 autocomplete="current-password")
        go = st.form_submit_button("Sign in", type="primary")
    if go:
        try:
            account = accounts.authenticate(con, email, password, now=ui.now())
            ui.sign_in(account)
            st.rerun()
        except accounts.AuthError as problem:
            st.error(str(problem), icon=":material/error:")
    if ui.sso_configured():
        st.button("Sign in with your university account", icon=":material/key:",
                  on_click=st.login)
    with st.expander("Forgot your password?"):
        st.write("Ask your instructor or administrator for a one-time reset code, then set a "
                 "new password here.")
        with st.form("reset_password", enter_to_submit=False):
            reset_email = st.text_input("Email", key="reset_email")
            code = st.text_input("Reset code", key="reset_code")
            new_password = st.text_input("New password", type="password", key="reset_new")
            reset = st.form_submit_button("Set new password")
        if reset:
            try:
                accounts.reset_password(con, reset_email, code, new_password, now=ui.now())
                ui.flash("Your password is set. Sign in with it now.")
                st.rerun()
            except ValidationError as problem:
                for message in problem.errors.values():
                    st.error(message)
            except accounts.AuthError as problem:
                st.error(str(problem))

with tabs[1]:
    if first_start:
        st.info("You're the first person here: your account will be the administrator (and an "
                "instructor) of this Career Conversations.", icon=":material/shield_person:")
    with st.form("sign_up", enter_to_submit=False):
        name = st.text_input("Your name", key="signup_name", max_chars=120,
                             autocomplete="name")
        ui.field_error("sign_up", "display_name")
        email = st.text_input("Email", key="signup_email", autocomplete="email")
        ui.field_error("sign_up", "email")
        password = st.text_input("Password (at least 8 characters)", type="password",
                                 key="signup_password", autocomplete="new-password")
        ui.field_error("sign_up", "password")
        again = st.text_input("Repeat the password", type="password", key="signup_again",
                              autocomplete="new-password")
        ui.field_error("sign_up", "again")
        join_code = st.text_input("Class join code (optional)", key="signup_code",
                                  help="From your instructor. You can also join a class later "
                                       "under My account.")
        ui.field_error("sign_up", "join_code")
        create = st.form_submit_button("Create account", type="primary")
    if create:
        try:
            errors = {}
            if password != again:
                errors["again"] = "The two passwords differ — type the same password twice."
            if join_code.strip():
                try:
                    classes.check_join_code(con, join_code)
                except ValidationError as problem:
                    errors.update(problem.errors)
            if errors:
                raise ValidationError(errors)
            account = accounts.create_account(con, email=email, password=password,
                                              display_name=name, now=ui.now())
            joined = classes.join_class(con, account.id, join_code) if join_code.strip() else None
            ui.set_errors("sign_up", {})
            ui.sign_in(account)
            ui.flash(f"Welcome, {account.display_name}!" +
                     (f" You joined {joined}." if joined else ""))
            st.rerun()
        except ValidationError as problem:
            ui.set_errors("sign_up", problem.errors)
            st.rerun()
    ui.error_summary("sign_up")

if len(tabs) > 2:
    with tabs[2]:
        st.write("Look around with a realistic semester: one instructor with two classes of "
                 "students at different stages. Demo accounts use the passwords below — for "
                 "trying the app only.")
        logins = demo.demo_logins(con)
        if logins is None:
            if st.button("Create the demo", type="primary", icon=":material/auto_awesome:"):
                with st.spinner("Creating two classes and their semesters… (about a minute)"):
                    demo.load_class_demo(con, today=ui.today())
                st.rerun()
        else:
            st.dataframe(logins, hide_index=True, width="stretch",
                         column_config={"role": "Role", "name": "Name", "email": "Email",
                                        "password": "Password"})
            for row in logins.head(3).itertuples():
                if st.button(f"Sign in as {row.name} ({row.role})", key=f"demo_{row.email}"):
                    account = accounts.authenticate(con, row.email, row.password, now=ui.now())
                    ui.sign_in(account)
                    st.rerun()
