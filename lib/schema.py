"""The database schema, as numbered migrations. The only place that defines tables.

Each migration runs in its own transaction and records its number in `schema_version`, so
opening a file made by an older version upgrades it step by step and keeps every row.
DuckDB cannot drop or rename a column that an index touches: later migrations add columns and
tables, they do not rewrite old ones.

No FOREIGN KEY constraints, on purpose: DuckDB 1.5 refuses to delete a parent whose children
were deleted in the same transaction, and to update a column of a row that others reference,
so with them a delete or a merge could not be one transaction. References are kept by the
storage layer instead (children deleted in the same transaction), and `lib.db.integrity_problems`
checks them.
"""

from __future__ import annotations

MIGRATIONS: list[tuple[int, str, list[str]]] = [
    (
        1,
        "tracker: users, contacts, outreach, conversations, insights",
        [
            "CREATE SEQUENCE IF NOT EXISTS seq_users START 1",
            "CREATE SEQUENCE IF NOT EXISTS seq_contacts START 1",
            "CREATE SEQUENCE IF NOT EXISTS seq_outreach START 1",
            "CREATE SEQUENCE IF NOT EXISTS seq_conversations START 1",
            "CREATE SEQUENCE IF NOT EXISTS seq_insights START 1",
            "CREATE SEQUENCE IF NOT EXISTS seq_questions START 1",
            """CREATE TABLE IF NOT EXISTS users (
                id BIGINT PRIMARY KEY DEFAULT nextval('seq_users'),
                display_name VARCHAR NOT NULL,
                role VARCHAR NOT NULL CHECK (role IN ('student', 'instructor', 'admin')),
                weekly_goal INTEGER NOT NULL DEFAULT 5 CHECK (weekly_goal BETWEEN 0 AND 100),
                created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
            )""",
            """CREATE TABLE IF NOT EXISTS contacts (
                id BIGINT PRIMARY KEY DEFAULT nextval('seq_contacts'),
                user_id BIGINT NOT NULL,
                name VARCHAR NOT NULL,
                title VARCHAR,
                organization VARCHAR,
                industry VARCHAR NOT NULL,
                industry_other VARCHAR,
                how_found VARCHAR NOT NULL,
                email VARCHAR,
                profile_url VARCHAR,
                priority VARCHAR NOT NULL CHECK (priority IN ('dream', 'great', 'curious')),
                notes VARCHAR,
                referred_by_contact_id BIGINT,
                referred_in_conversation_id BIGINT,
                created_on DATE NOT NULL DEFAULT current_date
            )""",
            "CREATE INDEX IF NOT EXISTS contacts_user ON contacts(user_id)",
            """CREATE TABLE IF NOT EXISTS outreach (
                id BIGINT PRIMARY KEY DEFAULT nextval('seq_outreach'),
                user_id BIGINT NOT NULL,
                contact_id BIGINT NOT NULL,
                sent_on DATE NOT NULL,
                channel VARCHAR NOT NULL,
                attempt INTEGER NOT NULL CHECK (attempt >= 1),
                response_on DATE,
                outcome VARCHAR NOT NULL DEFAULT 'pending'
                    CHECK (outcome IN ('pending', 'accepted', 'declined')),
                CHECK (response_on IS NULL OR response_on >= sent_on),
                CHECK ((outcome = 'pending') = (response_on IS NULL))
            )""",
            "CREATE INDEX IF NOT EXISTS outreach_user ON outreach(user_id)",
            """CREATE TABLE IF NOT EXISTS conversations (
                id BIGINT PRIMARY KEY DEFAULT nextval('seq_conversations'),
                user_id BIGINT NOT NULL,
                contact_id BIGINT NOT NULL,
                held_on DATE NOT NULL,
                format VARCHAR NOT NULL,
                duration_min INTEGER CHECK (duration_min BETWEEN 1 AND 600),
                next_steps VARCHAR,
                clarity_before INTEGER CHECK (clarity_before BETWEEN 1 AND 5),
                clarity_after INTEGER CHECK (clarity_after BETWEEN 1 AND 5),
                reflection VARCHAR,
                thank_you_on DATE,
                share_insights BOOLEAN NOT NULL DEFAULT false,
                CHECK (thank_you_on IS NULL OR thank_you_on >= held_on)
            )""",
            "CREATE INDEX IF NOT EXISTS conversations_user ON conversations(user_id)",
            """CREATE TABLE IF NOT EXISTS conversation_questions (
                id BIGINT PRIMARY KEY DEFAULT nextval('seq_questions'),
                conversation_id BIGINT NOT NULL,
                position INTEGER NOT NULL,
                text VARCHAR NOT NULL
            )""",
            """CREATE TABLE IF NOT EXISTS insights (
                id BIGINT PRIMARY KEY DEFAULT nextval('seq_insights'),
                user_id BIGINT NOT NULL,
                conversation_id BIGINT NOT NULL,
                position INTEGER NOT NULL,
                category VARCHAR NOT NULL
                    CHECK (category IN ('trend', 'insight', 'advice', 'resource', 'assignment')),
                text VARCHAR NOT NULL
            )""",
            "CREATE INDEX IF NOT EXISTS insights_user ON insights(user_id)",
            # One row per form submission: a resent or double-clicked form finds its id here
            # and stores nothing a second time.
            """CREATE TABLE IF NOT EXISTS submissions (
                id VARCHAR PRIMARY KEY,
                user_id BIGINT NOT NULL,
                kind VARCHAR NOT NULL,
                record_id BIGINT NOT NULL,
                created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
            )""",
        ],
    ),
    (
        2,
        "accounts, sessions, classes, join codes, enrolments, sharing with name",
        [
            # ADD COLUMN cannot carry NOT NULL in DuckDB: code treats NULL as false.
            "ALTER TABLE users ADD COLUMN IF NOT EXISTS disabled BOOLEAN DEFAULT false",
            # E-mail lives apart from `users`: DuckDB cannot update a UNIQUE column of a row
            # that other tables reference, and every record references users(id).
            """CREATE TABLE IF NOT EXISTS credentials (
                user_id BIGINT PRIMARY KEY,
                email VARCHAR NOT NULL,
                password_hash VARCHAR NOT NULL,
                failed_attempts INTEGER NOT NULL DEFAULT 0,
                locked_until TIMESTAMP,
                created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
            )""",
            "CREATE UNIQUE INDEX IF NOT EXISTS credentials_email ON credentials(lower(email))",
            """CREATE TABLE IF NOT EXISTS app_settings (
                key VARCHAR PRIMARY KEY,
                value VARCHAR NOT NULL
            )""",
            """CREATE TABLE IF NOT EXISTS password_resets (
                code_hash VARCHAR PRIMARY KEY,
                user_id BIGINT NOT NULL,
                expires_at TIMESTAMP NOT NULL,
                used_at TIMESTAMP,
                created_by BIGINT
            )""",
            """CREATE TABLE IF NOT EXISTS sessions (
                id VARCHAR PRIMARY KEY,
                user_id BIGINT NOT NULL,
                created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
                last_seen_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
                ended_at TIMESTAMP
            )""",
            "CREATE SEQUENCE IF NOT EXISTS seq_classes START 1",
            "CREATE SEQUENCE IF NOT EXISTS seq_enrolments START 1",
            """CREATE TABLE IF NOT EXISTS classes (
                id BIGINT PRIMARY KEY DEFAULT nextval('seq_classes'),
                instructor_id BIGINT NOT NULL,
                name VARCHAR NOT NULL,
                term VARCHAR,
                starts_on DATE NOT NULL,
                ends_on DATE NOT NULL,
                weekly_goal INTEGER NOT NULL DEFAULT 5 CHECK (weekly_goal BETWEEN 0 AND 100),
                conversations_goal INTEGER NOT NULL DEFAULT 5
                    CHECK (conversations_goal BETWEEN 0 AND 500),
                joining_open BOOLEAN NOT NULL DEFAULT true,
                archived BOOLEAN NOT NULL DEFAULT false,
                created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
                CHECK (ends_on >= starts_on)
            )""",
            # Codes in their own table, so regenerating one never updates an indexed column of
            # a referenced row.
            """CREATE TABLE IF NOT EXISTS join_codes (
                code VARCHAR PRIMARY KEY,
                class_id BIGINT NOT NULL,
                active BOOLEAN NOT NULL DEFAULT true,
                created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
            )""",
            """CREATE TABLE IF NOT EXISTS enrolments (
                id BIGINT PRIMARY KEY DEFAULT nextval('seq_enrolments'),
                class_id BIGINT NOT NULL,
                student_id BIGINT NOT NULL,
                joined_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
                removed_at TIMESTAMP
            )""",
            "CREATE UNIQUE INDEX IF NOT EXISTS enrolments_class_student"
            " ON enrolments(class_id, student_id)",
            "CREATE INDEX IF NOT EXISTS enrolments_student ON enrolments(student_id)",
            "ALTER TABLE conversations ADD COLUMN IF NOT EXISTS share_name BOOLEAN DEFAULT false",
        ],
    ),
    (
        3,
        "coaching: scheduled conversations, prep sheets, question bank, actions, goals",
        [
            "CREATE SEQUENCE IF NOT EXISTS seq_scheduled START 1",
            "CREATE SEQUENCE IF NOT EXISTS seq_prep_questions START 1",
            "CREATE SEQUENCE IF NOT EXISTS seq_my_questions START 1",
            "CREATE SEQUENCE IF NOT EXISTS seq_touches START 1",
            "CREATE SEQUENCE IF NOT EXISTS seq_career_goals START 1",
            # A conversation planned before it is held. starts_at is the student's wall-clock
            # time in `timezone`; once held, conversation_id points at the logged conversation.
            """CREATE TABLE IF NOT EXISTS scheduled_conversations (
                id BIGINT PRIMARY KEY DEFAULT nextval('seq_scheduled'),
                user_id BIGINT NOT NULL,
                contact_id BIGINT NOT NULL,
                starts_at TIMESTAMP NOT NULL,
                timezone VARCHAR,
                duration_min INTEGER NOT NULL DEFAULT 30 CHECK (duration_min BETWEEN 5 AND 600),
                format VARCHAR NOT NULL,
                place VARCHAR,
                research_notes VARCHAR,
                goals VARCHAR,
                researched BOOLEAN NOT NULL DEFAULT false,
                confirmed BOOLEAN NOT NULL DEFAULT false,
                conversation_id BIGINT,
                cancelled_at TIMESTAMP,
                created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
            )""",
            "CREATE INDEX IF NOT EXISTS scheduled_user ON scheduled_conversations(user_id)",
            """CREATE TABLE IF NOT EXISTS prep_questions (
                id BIGINT PRIMARY KEY DEFAULT nextval('seq_prep_questions'),
                scheduled_id BIGINT NOT NULL,
                position INTEGER NOT NULL,
                text VARCHAR NOT NULL,
                bank_id VARCHAR
            )""",
            # A student's own questions, and their stars and edits of built-in ones (bank_id).
            """CREATE TABLE IF NOT EXISTS my_questions (
                id BIGINT PRIMARY KEY DEFAULT nextval('seq_my_questions'),
                user_id BIGINT NOT NULL,
                category VARCHAR NOT NULL,
                text VARCHAR NOT NULL,
                starred BOOLEAN NOT NULL DEFAULT false,
                bank_id VARCHAR,
                hidden BOOLEAN NOT NULL DEFAULT false,
                created_at TIMESTAMP NOT NULL DEFAULT current_timestamp
            )""",
            "CREATE INDEX IF NOT EXISTS my_questions_user ON my_questions(user_id)",
            # Next actions marked done or snoozed, by their stable key ("follow_up:42").
            """CREATE TABLE IF NOT EXISTS action_marks (
                user_id BIGINT NOT NULL,
                action_key VARCHAR NOT NULL,
                mark VARCHAR NOT NULL CHECK (mark IN ('done', 'snoozed')),
                until DATE,
                created_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
                PRIMARY KEY (user_id, action_key)
            )""",
            # Keep-in-touch messages (at most 3 a year per contact are suggested).
            """CREATE TABLE IF NOT EXISTS touches (
                id BIGINT PRIMARY KEY DEFAULT nextval('seq_touches'),
                user_id BIGINT NOT NULL,
                contact_id BIGINT NOT NULL,
                touched_on DATE NOT NULL
            )""",
            # The student's own goals; NULL means "use my class's" (or the app default).
            "ALTER TABLE users ADD COLUMN IF NOT EXISTS weekly_conversation_goal INTEGER",
            "ALTER TABLE users ADD COLUMN IF NOT EXISTS term_conversation_goal INTEGER",
            "ALTER TABLE users ADD COLUMN IF NOT EXISTS weekly_goal_set BOOLEAN DEFAULT false",
            # "Current career goal", every edit kept with its date.
            """CREATE TABLE IF NOT EXISTS career_goals (
                id BIGINT PRIMARY KEY DEFAULT nextval('seq_career_goals'),
                user_id BIGINT NOT NULL,
                goal VARCHAR NOT NULL,
                set_at TIMESTAMP NOT NULL DEFAULT current_timestamp
            )""",
        ],
    ),
]

LATEST_VERSION = MIGRATIONS[-1][0]
