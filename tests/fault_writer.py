"""A writer for tests/unit/test_faults.py, run as its own process and killed with SIGKILL.

    python tests/fault_writer.py DB_PATH PREFIX [CHECKPOINT_EVERY]

Opens the database with `lib.db.connect`, as the app does, and stores records through
`lib.store` in an endless loop, each with the submission id `PREFIX-<n>`:
two of every three submissions are a contact (`add_contact`), every third a conversation with a
new contact, three insights, two questions and one referral (`log_conversation`: six rows in
one transaction). After each call returns — the transaction is committed — it prints the
submission id on its own line and flushes: a printed id is an acknowledged write.
With CHECKPOINT_EVERY > 0 it also runs CHECKPOINT after that many submissions, so that a kill
can land in the middle of one.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lib import db, store  # noqa: E402
from lib.validation import clean_contact, clean_conversation  # noqa: E402

HELD_ON = dt.date(2026, 3, 2)
TODAY = dt.date(2026, 3, 20)
INSIGHTS_PER_CONVERSATION = 3
QUESTIONS_PER_CONVERSATION = 2


def kind_of(number: int) -> str:
    return "conversation" if number % 3 == 2 else "contact"


def contact_raw(submission_id: str) -> dict:
    # The submission id is in the record itself, so a test can tell which write a row came from.
    return {"name": f"Writer {submission_id}", "organization": "Fault Tests Ltd",
            "industry": "Technology", "how_found": "alumni", "priority": "great",
            "notes": f"written by {submission_id}\n" + "x" * 200}


def conversation_raw(submission_id: str) -> dict:
    return {
        "held_on": HELD_ON, "format": "video", "duration_min": 30,
        "questions": [f"{submission_id} question {n}" for n in range(QUESTIONS_PER_CONVERSATION)],
        "insights": [{"category": "advice", "text": f"{submission_id} insight {n}"}
                     for n in range(INSIGHTS_PER_CONVERSATION)],
        "referrals": [{"name": f"Referral of {submission_id}", "organization": "Elsewhere"}],
        "reflection": f"reflection of {submission_id}",
    }


def main() -> None:
    path, prefix = sys.argv[1], sys.argv[2]
    checkpoint_every = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    con = db.connect(path)
    user_id = store.ensure_local_profile(con)
    number = 0
    while True:
        submission_id = f"{prefix}-{number:06d}"
        if kind_of(number) == "contact":
            store.add_contact(con, user_id, clean_contact(contact_raw(submission_id)),
                              submission_id=submission_id)
        else:
            store.log_conversation(con, user_id,
                                   clean_conversation(conversation_raw(submission_id), today=TODAY),
                                   new_contact=clean_contact(contact_raw(submission_id)),
                                   submission_id=submission_id)
        sys.stdout.write(submission_id + "\n")
        sys.stdout.flush()
        number += 1
        if checkpoint_every and number % checkpoint_every == 0:
            con.execute("CHECKPOINT")


if __name__ == "__main__":
    main()
