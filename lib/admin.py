"""Account administration from the server's shell, for the operator (who needs no account):

    python -m lib.admin list
    python -m lib.admin create-admin EMAIL --name NAME   # password: prompt or env, see below
    python -m lib.admin make-admin EMAIL | make-instructor EMAIL | make-student EMAIL
    python -m lib.admin disable EMAIL | enable EMAIL
    python -m lib.admin reset-code EMAIL                 # prints a one-time code, valid 24 h
    python -m lib.admin backup [DIR]                     # a timestamped backup folder in DIR
    python -m lib.admin restore DIR [--force]            # rebuild the database from a backup

`create-admin` asks for the password, or reads $CAREER_CONVERSATIONS_ADMIN_PASSWORD (scripts).
It works on the database file the app uses ($CAREER_CONVERSATIONS_DB), which only one program
can open at a time: while the app runs, this says so and stops (exit 1). It does the same work
as the admin pages, through the same functions of `lib.accounts`, minus the "is the caller an
admin" check.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from pathlib import Path

from lib import accounts, auth, backup, db
from lib.store import NotFound
from lib.validation import ValidationError

PASSWORD_ENV = "CAREER_CONVERSATIONS_ADMIN_PASSWORD"


class CommandError(Exception):
    """A problem the operator can fix; printed without a traceback."""


def _user_id(con, email: str) -> int:
    account = accounts.account_by_email(con, email)
    if account is None:
        raise CommandError(f"No account has the email {email}. `python -m lib.admin list` "
                           "shows them all.")
    return account.id


def _now():
    return accounts._utc(None)


# --- commands: each takes (con, args) and returns what to print ------------------------------

def cmd_list(con, args) -> str:
    with db.reading(con) as cur:
        frame = accounts._accounts_frame(cur)
    if frame.empty:
        return "No accounts yet. Create the first one with `python -m lib.admin create-admin`."
    return frame.to_string(index=False)


def _role_command(role: str, label: str):
    def run(con, args) -> str:
        user_id = _user_id(con, args.email)
        accounts._write(con, lambda cur: accounts._set_role(cur, user_id, role))
        return f"{args.email} is now {label}."
    return run


def _disabled_command(disabled: bool):
    def run(con, args) -> str:
        user_id = _user_id(con, args.email)
        now = _now()
        accounts._write(con, lambda cur: accounts._set_disabled(cur, user_id, disabled, now))
        if disabled:
            return f"{args.email} is disabled and signed out everywhere."
        return f"{args.email} is enabled."
    return run


def cmd_reset_code(con, args) -> str:
    user_id = _user_id(con, args.email)
    now = _now()
    code = accounts._write(con, lambda cur: accounts._issue_reset_code(cur, user_id, None, now))
    hours = int(auth.RESET_CODE_VALID.total_seconds() // 3600)
    return (f"Reset code for {args.email}: {code}\n"
            f"It works once, within {hours} hours, under “Forgot your password?” on the sign-in page.")


def _read_password() -> str:
    from_env = os.environ.get(PASSWORD_ENV)
    if from_env:
        return from_env
    password = getpass.getpass("Password for the new admin: ")
    if sys.stdin.isatty() and getpass.getpass("Same password again: ") != password:
        raise CommandError("The two passwords differ — nothing was created.")
    return password


def cmd_create_admin(con, args) -> str:
    if accounts.account_by_email(con, args.email) is not None:
        raise CommandError(f"{args.email} already has an account — use "
                           f"`python -m lib.admin make-admin {args.email}`.")
    account = accounts._create_account(con, email=args.email, password=_read_password(),
                                       display_name=args.name, now=None, role="admin")
    return f"Created admin account {account.email} ({account.display_name})."


def cmd_backup(args) -> str:
    root = Path(args.dir).expanduser().resolve() if args.dir else db.backup_directory()
    if not db.database_path().exists():
        raise backup.BackupError(f"There is no database at {db.database_path()} to back up "
                                 f"(check {db.DB_ENV}).")
    con = db.connect(migrate=False, backup_dir=root)
    try:
        folder = backup.backup_now(con, root)
    finally:
        con.close()
    return f"Backup written to {folder}"


def cmd_restore(args) -> str:
    target = db.database_path()
    counts = backup.restore(args.dir, target, force=args.force)
    return (f"Restored {target} from {Path(args.dir).expanduser().resolve()}: "
            f"{sum(counts.values()):,} rows in {len(counts)} tables.")


# --- command line ----------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m lib.admin",
        description="Manage Career Conversations accounts. Stop the app first: only one program "
                    "can use the database file at a time.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, run, help_text: str, *, email: bool = True):
        sub = commands.add_parser(name, help=help_text, description=help_text)
        if email:
            sub.add_argument("email", metavar="EMAIL")
        sub.set_defaults(run=run)
        return sub

    command("list", cmd_list, "List every account.", email=False)
    create = command("create-admin", cmd_create_admin,
                     f"Create an admin account (password from ${PASSWORD_ENV} or a prompt).")
    create.add_argument("--name", required=True, help="display name")
    command("make-admin", _role_command("admin", "an admin"), "Make an account an admin.")
    command("make-instructor", _role_command("instructor", "an instructor"),
            "Make an account an instructor.")
    command("make-student", _role_command("student", "a student"),
            "Make an account a student.")
    command("disable", _disabled_command(True), "Disable an account and sign it out.")
    command("enable", _disabled_command(False), "Enable a disabled account.")
    command("reset-code", cmd_reset_code, "Print a one-time password-reset code (24 h).")
    saving = command("backup", cmd_backup,
                     "Write a backup (a timestamped folder) of the database, including commits "
                     f"still in its write-ahead log. DIR defaults to ${db.BACKUP_ENV} or "
                     "data/backups.", email=False)
    saving.add_argument("dir", metavar="DIR", nargs="?", help="folder for backups")
    saving.set_defaults(opens_database=False)
    restoring = command("restore", cmd_restore,
                        f"Rebuild the database (${db.DB_ENV}) from a backup folder.",
                        email=False)
    restoring.add_argument("dir", metavar="DIR", help="a backup folder (career-conversations-…)")
    restoring.add_argument("--force", action="store_true",
                           help="replace an existing database (every record in it)")
    restoring.set_defaults(opens_database=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if not getattr(args, "opens_database", True):  # backup, restore: they open what they need
        try:
            print(args.run(args))
        except db.DatabaseUnavailable as problem:
            print(f"{problem}\n{problem.how_to_fix}", file=sys.stderr)
            return 1
        except backup.BackupError as problem:
            print(problem, file=sys.stderr)
            return 1
        return 0
    try:
        con = db.connect()
    except db.DatabaseUnavailable as problem:
        print(f"{problem}\n{problem.how_to_fix}", file=sys.stderr)
        return 1
    try:
        print(args.run(con, args))
    except ValidationError as problem:
        print("\n".join(problem.errors.values()), file=sys.stderr)
        return 1
    except (CommandError, NotFound) as problem:
        print(problem, file=sys.stderr)
        return 1
    except (KeyboardInterrupt, EOFError):
        print("\nCancelled — nothing was changed.", file=sys.stderr)
        return 1
    finally:
        con.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
