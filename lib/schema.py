"""The database schema, as numbered migrations. The only place that defines tables.

Each migration runs in its own transaction and records its number in `schema_version`, so
opening a file made by an older version upgrades it step by step and keeps every row.
DuckDB cannot drop or rename a column that an index or foreign key touches: later migrations
add columns and tables, they do not rewrite old ones.
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
                user_id BIGINT NOT NULL REFERENCES users(id),
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
                user_id BIGINT NOT NULL REFERENCES users(id),
                contact_id BIGINT NOT NULL REFERENCES contacts(id),
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
                user_id BIGINT NOT NULL REFERENCES users(id),
                contact_id BIGINT NOT NULL REFERENCES contacts(id),
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
                conversation_id BIGINT NOT NULL REFERENCES conversations(id),
                position INTEGER NOT NULL,
                text VARCHAR NOT NULL
            )""",
            """CREATE TABLE IF NOT EXISTS insights (
                id BIGINT PRIMARY KEY DEFAULT nextval('seq_insights'),
                user_id BIGINT NOT NULL REFERENCES users(id),
                conversation_id BIGINT NOT NULL REFERENCES conversations(id),
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
]

LATEST_VERSION = MIGRATIONS[-1][0]
