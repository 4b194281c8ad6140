"""A realistic sample semester for one student, for trying the app out.

`load_demo` plans ~14 weeks ending `today` — contacts across many industries, first messages
and follow-ups, answers that differ by channel, conversations with TIARA insights, thank-you
notes and referrals — then stores it exactly as the forms would: raw values through
`lib.validation.clean_*`, then `lib.store`. The plan is built and validated completely before
the first write, and is the same for the same seed and day.

Every record has a fixed submission id, so loading again stores nothing twice and completes an
interrupted load. Answers are recorded only on messages stored in this run, so a reload never
overwrites what the student changed. Once every demo contact has been deleted, the next load
starts a new generation of ids and the sample comes back.

Run `python -m lib.demo` to load it into the database the app uses ($CAREER_CONVERSATIONS_DB).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import random
import sys
import unicodedata
from dataclasses import dataclass, field

from lib import db, queries, store, vocab
from lib.validation import (
    ContactInput,
    ConversationInput,
    OutreachInput,
    ResponseInput,
    clean_contact,
    clean_conversation,
    clean_outreach,
    clean_response,
)

DEFAULT_SEED = 2026
SEMESTER_DAYS = 14 * 7
BASE_CONTACTS = 40
IDENTIFIED_ONLY = 3  # contacts added but not yet written to
REFERRALS = (3, 5)  # people named in conversations, who become contacts
NAMED_INDUSTRIES = 9  # besides one contact in "Other"
FOCUS_INDUSTRIES = 2  # the student's main interests get more contacts
DECLINES = 2
TARGET_RESPONSE_RATE = 0.38  # contacts who answered ÷ contacts written to

# Relative likelihood of an answer by the channel of the first message.
CHANNEL_WEIGHTS = {"referral_intro": 5.0, "in_person": 4.0, "phone": 3.0, "email": 3.0,
                   "linkedin": 1.0}
# How the first message goes out, by how the contact was found.
FIRST_CHANNEL = {
    "alumni": {"email": 8, "linkedin": 2},
    "linkedin": {"linkedin": 1},
    "referral": {"referral_intro": 1},
    "event": {"email": 5, "in_person": 3, "linkedin": 2},
    "cold": {"email": 4, "linkedin": 6},
    "other": {"email": 6, "phone": 4},
}
HOW_FOUND_WEIGHTS = {"alumni": 11, "linkedin": 12, "event": 6, "cold": 6, "referral": 3, "other": 2}
FOLLOW_UP_CHANNEL = {"referral_intro": "email", "in_person": "email"}  # otherwise the same
RESPONSE_DELAYS = (0, 1, 1, 2, 2, 3, 3, 4, 5, 6, 7, 8, 10)  # days after the message answered
FORMATS = {"video": 9, "phone": 4, "coffee": 4, "in_person": 3}
DURATIONS = (15, 20, 20, 25, 30, 30, 30, 35, 40, 45)


# --- content ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Industry:
    organizations: tuple[str, ...]
    titles: tuple[str, ...]
    questions: tuple[str, ...]
    insights: dict[str, tuple[str, ...]]  # TIARA category -> texts specific to this industry
    other: str | None = None  # the "Other industry" text when this is vocab.OTHER_INDUSTRY


INDUSTRIES: dict[str, _Industry] = {
    "Technology": _Industry(
        ("Brightloop Software", "Cobalt Ridge Systems", "Nimbusfield Labs", "Quillstack"),
        ("Software Engineer", "Product Manager", "UX Researcher", "Data Analyst",
         "Engineering Manager"),
        ("How do product managers and engineers split decisions on your team?",
         "What does a good first pull request or first project look like for a new hire?"),
        {"trend": ("Her team ships AI-assisted features every sprint now; new hires are expected "
                   "to review generated code critically, not just write it.",),
         "insight": ("Product work is mostly saying no: she spends more time cutting scope than "
                     "adding features.",),
         "resource": ("Recommended reading engineering blogs from mid-size companies — they "
                      "explain real trade-offs better than the big-tech ones.",),
         "assignment": ("Put my class project on GitHub with a README that explains the "
                        "problem, then send him the link.",)}),
    "Finance & Banking": _Industry(
        ("Harborline Capital", "Meridian Trust Bank", "Stonebridge Credit Union",
         "Ashcombe Partners"),
        ("Financial Analyst", "Credit Risk Associate", "Relationship Manager",
         "Treasury Analyst", "Vice President, Corporate Banking"),
        ("How much of the analyst role is modelling versus client work?",
         "Which certifications actually matter early on?"),
        {"trend": ("Credit unions and regional banks are hiring more analysts while the big "
                   "banks slow down campus recruiting.",),
         "insight": ("The analyst hours are long for two years, but the rotation program lets "
                     "you try three teams before choosing one.",),
         "advice": ("Learn to explain a financial model to someone who has never seen one — "
                    "that's what interviews really test.",),
         "resource": ("Suggested the free corporate finance lectures from Professor Damodaran's "
                      "website.",)}),
    "Healthcare": _Industry(
        ("Riverbend Health", "Lakeshore Medical Group", "Cedar Valley Hospital",
         "Northstar Community Clinics"),
        ("Clinical Operations Manager", "Health Data Analyst", "Patient Experience Lead",
         "Practice Administrator", "Quality Improvement Specialist"),
        ("How do clinical and administrative staff work together on projects?",
         "What should someone without clinical training know before applying?"),
        {"trend": ("Hospitals are hiring for patient-flow and scheduling analytics because "
                   "staffing shortages made every empty slot expensive.",),
         "insight": ("Nothing changes in a hospital without the nurses on board; the best "
                     "administrators spend time on the floor.",),
         "resource": ("Recommended the student membership of the regional healthcare "
                      "management association.",),
         "assignment": ("Volunteer a few hours a week at a clinic this summer to see how "
                        "patients move through a visit.",)}),
    "Consulting": _Industry(
        ("Northgate Advisory", "Calder & Finch Consulting", "Bluewater Strategy Group",
         "Kestrel Partners"),
        ("Business Analyst", "Senior Consultant", "Engagement Manager", "Associate",
         "Principal"),
        ("How do you prepare for case interviews without a consulting club?",
         "What does a week on a client project actually look like?"),
        {"trend": ("Clients buy shorter, implementation-focused projects now, so firms value "
                   "people who can stay and make the change happen.",),
         "insight": ("Travel is down to two or three days a week, but the pace on a project is "
                     "still intense.",),
         "advice": ("Practise cases out loud with a friend twice a week for a month — reading "
                    "case books alone isn't enough.",),
         "assignment": ("Do two practice cases and send her my structure for the market-sizing "
                        "one.",)}),
    "Nonprofit & Social Impact": _Industry(
        ("Open Pantry Network", "Bridgeway Youth Alliance", "Greenhaven Land Trust",
         "Common Thread Housing"),
        ("Program Coordinator", "Development Associate", "Volunteer Manager",
         "Policy and Advocacy Lead", "Executive Director"),
        ("How is your work funded, and how does that shape the job?",
         "How do you avoid burnout in mission-driven work?"),
        {"trend": ("Funders now ask for outcome data on every grant, so small nonprofits need "
                   "staff who can measure and report impact.",),
         "insight": ("Titles mean little in small nonprofits: a coordinator might run an entire "
                     "program alone.",),
         "advice": ("Volunteer on a board committee — it's the fastest way to understand how a "
                    "nonprofit is really run.",),
         "resource": ("Recommended the free grant-writing workshops at the city library's "
                      "nonprofit resource centre.",)}),
    "Media & Journalism": _Industry(
        ("The Valley Ledger", "Signal Harbor Media", "Northline Public Radio",
         "Brick Lane Podcasts"),
        ("Reporter", "Audience Editor", "Podcast Producer", "Managing Editor",
         "Data Journalist"),
        ("How do you pitch a story as a freelancer with no clips?",
         "Which skills does a newsroom need that journalism programs don't teach?"),
        {"trend": ("Local newsrooms are shrinking, but nonprofit newsrooms and newsletters are "
                   "hiring reporters who can also handle audience growth.",),
         "insight": ("Every story now ships in three formats — article, newsletter and short "
                     "video — and reporters plan for all three from the start.",),
         "resource": ("Suggested the free data-journalism tutorials from the investigative "
                      "reporters' association.",),
         "assignment": ("Pitch one local story to the student paper this month and send him the "
                        "published piece.",)}),
    "Government & Public Policy": _Industry(
        ("City of Ashford Planning Department", "State Office of Budget Analysis",
         "Lakeview County Public Works", "Civic Futures Institute"),
        ("Policy Analyst", "Budget Analyst", "Legislative Aide", "Program Manager",
         "Research Director"),
        ("How long does the government hiring process usually take?",
         "What's the difference between working in an agency and at a think tank?"),
        {"trend": ("Many agencies will lose a large share of staff to retirement in the next "
                   "five years, so entry-level hiring is picking up.",),
         "insight": ("Government applications are scored against the posting's exact wording; "
                     "a résumé that mirrors it gets past the first screen.",),
         "advice": ("Apply for the fellowship programs — they're the main way recent graduates "
                    "get into an agency quickly.",),
         "resource": ("Recommended the city's open budget portal for seeing where the money "
                      "actually goes.",)}),
    "Energy & Environment": _Industry(
        ("Solstice Grid Partners", "Prairie Wind Cooperative", "Clearwater Environmental",
         "Helios Retrofit Co."),
        ("Sustainability Analyst", "Project Developer", "Environmental Scientist",
         "Energy Efficiency Engineer", "Grants Manager"),
        ("Which technical skills matter for non-engineers in energy?",
         "How have new incentive programs changed your work?"),
        {"trend": ("Utilities and developers can't hire project managers fast enough for "
                   "solar and storage projects.",),
         "insight": ("Most of a project developer's time goes to permits and community meetings, "
                     "not the technology itself.",),
         "resource": ("Suggested the free online courses on energy markets from the national "
                      "renewable energy lab.",),
         "assignment": ("Read the state's clean energy plan and come back with two questions "
                        "for our next chat.",)}),
    "Biotech & Pharma": _Industry(
        ("Helix Harbor Therapeutics", "Verdant Bio", "Crestline Diagnostics",
         "Amberfield Pharmaceuticals"),
        ("Research Associate", "Clinical Trial Coordinator", "Regulatory Affairs Specialist",
         "Medical Science Liaison", "Bioinformatics Scientist"),
        ("How do people move from the lab bench into business roles?",
         "What do clinical trial coordinators do day to day?"),
        {"trend": ("Small biotechs outsource more lab work, so contract research organisations "
                   "are where many graduates start now.",),
         "insight": ("Regulatory affairs is a hidden career path that rewards careful writers "
                     "more than lab skills.",),
         "advice": ("Keep a lab notebook habit even outside the lab — documentation is half the "
                    "job in regulated work.",),
         "resource": ("Recommended the industry's free weekly newsletter on clinical trials and "
                      "drug approvals.",)}),
    "Advertising & Marketing": _Industry(
        ("Paper Kite Creative", "Brightside Brand Studio", "Lantern & Loom Agency",
         "Fieldnote Marketing"),
        ("Marketing Coordinator", "Brand Strategist", "Copywriter", "Account Manager",
         "Growth Marketing Lead"),
        ("What should be in an entry-level marketing portfolio?",
         "How do agency and in-house marketing jobs differ?"),
        {"trend": ("Brands are moving budget from paid ads to creators and community, so "
                   "agencies hire people who understand online communities.",),
         "insight": ("At an agency the client relationship matters as much as the creative "
                     "work; account managers are the ones who keep the work alive.",),
         "advice": ("Run a small campaign for a campus club and report the numbers — it counts "
                    "as real experience.",),
         "assignment": ("Write three sample headlines for one of her clients' products and "
                        "email them to her.",)}),
    "Education": _Industry(
        ("Westbrook Unified School District", "Lumen Learning Lab", "Harbor City College",
         "Bright Path Tutoring"),
        ("Instructional Designer", "Program Director", "Academic Advisor",
         "Learning Experience Designer", "High School Teacher"),
        ("What's it like moving from teaching into instructional design?",
         "How do schools decide which learning tools to adopt?"),
        {"trend": ("Companies are hiring former teachers as instructional designers for "
                   "employee training.",),
         "insight": ("The summer months are when all the planning happens; that's when her team "
                     "hires.",),
         "resource": ("Suggested the free instructional design community forum and its "
                      "portfolio reviews.",),
         "assignment": ("Build a short sample lesson in a free authoring tool and share it with "
                        "her.",)}),
    "Architecture & Design": _Industry(
        ("Fieldstone Architects", "Ochre Studio", "Lattice Urban Design",
         "Greywater Landscape Collective"),
        ("Junior Designer", "Project Architect", "Urban Designer", "Design Director",
         "Landscape Designer"),
        ("How much does a design portfolio matter compared with grades?",
         "What software should I learn before applying?"),
        {"trend": ("Clients increasingly ask for energy modelling from the first sketch, so "
                   "designers who understand building performance stand out.",),
         "insight": ("Most of a junior designer's first year is drawings and details, not "
                     "concept design — and that's where you learn the craft.",),
         "advice": ("Show process in the portfolio, not just polished renderings.",),
         "resource": ("Recommended the local architecture foundation's monthly lecture series, "
                      "free for students.",)}),
    vocab.OTHER_INDUSTRY: _Industry(
        ("Riverside Rapids FC", "Summit City Athletics"),
        ("Partnerships Coordinator", "Community Relations Manager", "Ticketing Analyst"),
        ("How do people get their first job in sports without playing experience?",),
        {"trend": ("Teams rely on ticketing and fan data much more than five years ago, so "
                   "analysts are in demand even in small clubs.",),
         "insight": ("Sports jobs are fun but the hours follow the game schedule: evenings and "
                     "weekends are normal.",)},
        other="Sports management"),
}

GENERIC_INSIGHTS: dict[str, tuple[str, ...]] = {
    "trend": (
        "Hiring managers look at project work before GPA now — a portfolio link at the top of "
        "the résumé gets read first.",
        "Most new hires are in the office three days a week; fully remote entry-level jobs are "
        "getting rare.",
        "Teams expect new hires to use AI tools for first drafts and to check the output "
        "carefully.",
        "More employers fill entry-level roles from their own interns instead of posting them "
        "publicly.",
        "Skills-based hiring is spreading: several postings at their organization dropped the "
        "degree requirement last year.",
        "Budgets are tight, so teams hire fewer generalists and more people who can own one "
        "tool or process.",
        "Data literacy now shows up in job descriptions that never mentioned it, even in "
        "creative roles.",
        "Contract-to-hire positions have become a common way in for early-career candidates.",
        "Remote-first teams recruit nationally, so local applicants compete with a much bigger "
        "pool.",
        "Sustainability reporting is becoming part of many jobs, not just the dedicated teams.",
    ),
    "insight": (
        "The posting lists ten requirements, but the team really hires for two: clear writing "
        "and reliability.",
        "Most of her week is meetings and coordination; the hands-on work is maybe a third of "
        "the job.",
        "His biggest surprise in the first year was how much of the job is explaining decisions "
        "to people outside the field.",
        "People who present their own work to leadership get promoted faster than those who "
        "let their manager do it.",
        "Smaller organizations give new hires real responsibility much sooner than large ones.",
        "The first 90 days are mostly learning internal systems; nobody expects big results "
        "right away.",
        "Their team works in quarterly cycles, so the start of a quarter is the worst time to "
        "ask for a meeting.",
        "She moved from a specialist role into management and says the skills that matter "
        "changed completely.",
        "Internal referrals get an interview far more often than online applications at his "
        "company.",
        "The job is less about knowing the answers than about knowing whom to ask.",
    ),
    "advice": (
        "Keep a running list of accomplishments with numbers during every internship — it makes "
        "résumé bullets and interviews much easier.",
        "Send a thank-you within a day and mention one specific thing you learned.",
        "Learn spreadsheets properly — pivot tables, lookups and clean formatting — before "
        "worrying about fancier tools.",
        "End every conversation by asking who else you should talk to; that's how the network "
        "grows.",
        "Tailor the first three lines of each cover letter to the team's actual work, not the "
        "company's mission statement.",
        "Find somewhere you present regularly — a club, a class, a meetup — and get "
        "comfortable speaking.",
        "Don't wait for the perfect first job; it's mainly about learning how organizations "
        "work.",
        "Follow up once after a week if you don't hear back — people are busy, not "
        "uninterested.",
        "Have a 30-second introduction ready: what you study, what you're curious about and "
        "what you're asking for.",
        "Stay in touch every few months with a short update, not only when you need something.",
    ),
    "resource": (
        "Recommended 'Designing Your Life' by Burnett and Evans for treating career choices as "
        "small experiments.",
        "Suggested subscribing to the weekly industry newsletter her whole team reads on "
        "Mondays.",
        "Pointed me to the university's alumni mentoring platform; several people in her field "
        "volunteer there.",
        "Recommended the free online SQL course she used to prepare for her first analyst job.",
        "Mentioned the regional professional association's student membership — cheap, and it "
        "includes the monthly mixers.",
        "Suggested the podcast 'How I Built This' for hearing how people think about career "
        "risk.",
        "Recommended the Occupational Outlook Handbook for salary and growth figures before "
        "interviews.",
        "Shared an online community for early-career people in the field where jobs get posted "
        "before they go public.",
        "Suggested the career centre's mock interview program, which helped him a lot.",
        "Recommended 'So Good They Can't Ignore You' by Cal Newport.",
    ),
    "assignment": (
        "Rewrite my résumé summary for this field and send it to her for feedback within two "
        "weeks.",
        "Look up two of the projects she mentioned and come back with questions about them.",
        "Apply to their summer internship before the deadline at the end of the month.",
        "Write to the colleague he mentioned and use his name in the introduction.",
        "Build a small sample project I can show, then share it with him.",
        "Go to the next chapter meeting of the professional association and introduce myself "
        "to the organizer.",
        "Update my LinkedIn headline and About section, then ask her to take a look.",
        "Read the latest annual report and write down three questions about their strategy.",
        "Try the free certification she suggested and tell her how it went.",
        "Sit in on one of the team's public meetings next month — she'll send the details.",
    ),
}

QUESTIONS = (
    "What does a typical week look like in your role?",
    "How did you get from your degree to this job?",
    "What do you wish you had known when you were in my position?",
    "Which skills matter most for someone starting out in this field?",
    "What's changing in the industry that students should pay attention to?",
    "How does your team measure success?",
    "Which entry-level roles lead to what you do now?",
    "What do strong internship applications have in common?",
    "What's the most challenging part of your job?",
    "Which professional associations or events are worth joining?",
    "How do people usually move up or move around in your organization?",
    "What would you do differently if you were starting your career today?",
    "Is there anyone else you think I should talk to?",
    "What do you enjoy most about your work?",
    "How do you keep your skills current?",
    "What does the hiring process look like on your team?",
    "How much does where you went to school matter in this field?",
    "What's a project you're proud of, and what made it work?",
)

NEXT_STEPS = (
    "Send {first} my revised résumé by Friday.",
    "Apply to the opening at {org} that {first} mentioned.",
    "Connect with {first} on LinkedIn and share the article we talked about.",
    "Email {first} an update after my midterms.",
    "Follow up with {first} in a month about the summer program.",
    "Sign up for the info session at {org}.",
    "Research two of {org}'s competitors before talking to anyone else there.",
    "Ask the career centre to review my cover letter for {org}.",
    "Write to the people {first} suggested this week.",
    "Check {org}'s careers page every Monday for internship postings.",
)

REFLECTIONS = (
    "I assumed I'd need a specialised degree for this path; skills and projects seem to matter "
    "more.",
    "This made the day-to-day much more concrete — more coordination and less solo work than I "
    "imagined.",
    "I'm less sure this is for me after hearing about the hours, but glad I found out now.",
    "I came in thinking about job titles; I'm leaving thinking about the problems I want to "
    "work on.",
    "Hearing how non-linear their career was took a lot of pressure off choosing the perfect "
    "first job.",
    "I underestimated how much writing matters in this field. I want to take a writing-heavy "
    "elective next semester.",
    "This confirmed my interest. I now have a short list of roles to target for internships.",
    "Smaller organizations sound like a better fit for me than I expected.",
    "I realised I should talk to people earlier in their careers, not only senior people.",
    "The advice on internships changed my plan for the summer.",
    "I was nervous, but the conversation felt natural once I asked about their own path.",
    "I want to compare this with the consulting conversations before deciding anything.",
)

NOTES = {
    "alumni": ("Graduated from our program; listed in the alumni directory.",
               "Alumni mentor who offered to talk to current students."),
    "linkedin": ("Wrote a post about entry-level hiring that I found helpful.",
                 "Second-degree connection through a classmate."),
    "event": ("Met at the fall career fair; said to reach out.",
              "Spoke on the industry panel hosted by the career centre."),
    "cold": ("Found through the company's team page.",),
    "referral": ("My professor suggested I talk to them.",
                 "A friend from my internship introduced us."),
    "other": ("Works with my cousin; open to a short call.",),
}

FIRST_NAMES = (
    "Amara", "Ben", "Camila", "Daniel", "Elif", "Farah", "Gabriel", "Hana", "Ibrahim", "Jasmine",
    "Kenji", "Laura", "Mateo", "Nadia", "Oliver", "Priya", "Quinn", "Rosa", "Samuel", "Tamsin",
    "Uchenna", "Valentina", "Wei", "Ximena", "Yusuf", "Zoë", "Aiko", "Bruno", "Chloé", "Dmitri",
    "Esther", "Felix", "Grace", "Hugo", "Ingrid", "Jonah", "Keisha", "Luca", "Maya", "Nikhil",
    "Olga", "Pedro", "Rachel", "Sofia", "Tomás", "Vera",
)
LAST_NAMES = (
    "Adeyemi", "Bergström", "Castillo", "Dubois", "Eriksen", "Fernandes", "Goldberg", "Haddad",
    "Ishikawa", "Jovanović", "Kowalski", "Lindqvist", "Mensah", "Novak", "O'Neill", "Patel",
    "Quintero", "Rahman", "Schneider", "Takahashi", "Uribe", "Varga", "Whitfield", "Xu",
    "Yilmaz", "Zimmerman", "Alvarez", "Brennan", "Chen", "Delgado", "Okafor", "Nguyen", "Moreau",
    "Sato", "Kaur", "Hughes", "Lindgren", "Ferreira", "Abbott", "Mwangi", "Park", "Rossi",
    "Sandoval", "Tran", "Walsh", "Yamamoto", "Bianchi", "Osei",
)


# --- the plan --------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Message:
    outreach: OutreachInput  # validated with contact_id 0: the real id exists only once stored
    response: ResponseInput | None = None


@dataclass(eq=False)  # people are told apart by identity (referred_by is a person)
class _Person:
    key: str  # stable within a plan; part of every submission id
    first: str
    last: str
    industry: str = ""  # referrals: known once the conversation that names them is planned
    organization: str | None = None
    title: str | None = None
    created_on: dt.date | None = None
    contact: ContactInput | None = None  # None for referrals: log_conversation creates them
    channel: str | None = None  # first message's channel; None = never written to
    first_sent: dt.date | None = None
    outcome: str | None = None  # "accepted" / "declined" / None (no answer)
    referred_by: _Person | None = None
    messages: list[_Message] = field(default_factory=list)
    held_on: dt.date | None = None
    conversation: ConversationInput | None = None

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


def _weighted(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in ascii_text.lower() if ch.isalnum())


def _names(rng: random.Random, count: int) -> list[tuple[str, str]]:
    firsts = rng.sample(FIRST_NAMES, count)
    lasts = rng.sample(LAST_NAMES, count)
    return list(zip(firsts, lasts))


def _industry_mix(rng: random.Random) -> list[str]:
    """One industry per base contact: every chosen industry at least twice, focus ones often."""
    named = [name for name in INDUSTRIES if name != vocab.OTHER_INDUSTRY]
    chosen = rng.sample(named, NAMED_INDUSTRIES)
    focus = chosen[:FOCUS_INDUSTRIES]
    mix = [vocab.OTHER_INDUSTRY] + chosen * 2
    weights = [4 if name in focus else 1 for name in chosen]
    mix += rng.choices(chosen, weights=weights, k=BASE_CONTACTS - len(mix))
    rng.shuffle(mix)
    return mix


def _base_person(rng: random.Random, key: str, name: tuple[str, str], industry: str,
                 start: dt.date) -> _Person:
    profile = INDUSTRIES[industry]
    first, last = name
    how_found = _weighted(rng, HOW_FOUND_WEIGHTS)
    first_sent = start + dt.timedelta(days=int(rng.uniform(2, SEMESTER_DAYS - 1)))
    created_on = max(start, first_sent - dt.timedelta(days=rng.randint(0, 6)))
    has_email = rng.random() < (0.85 if how_found == "alumni" else 0.45)
    has_profile = how_found == "linkedin" or rng.random() < 0.35
    suffix = rng.choice(("", "", f"-{rng.randint(10, 99)}"))
    raw = {
        "name": f"{first} {last}",
        "organization": rng.choice(profile.organizations),
        "title": rng.choice(profile.titles),
        "industry": industry,
        "industry_other": profile.other,
        "how_found": how_found,
        "email": f"{_slug(first)}.{_slug(last)}@example.org" if has_email else None,
        "profile_url": (f"https://www.linkedin.com/in/{_slug(first)}-{_slug(last)}{suffix}"
                        if has_profile else None),
        "priority": _weighted(rng, {"dream": 2, "great": 4, "curious": 4}),
        "notes": rng.choice(NOTES[how_found]) if rng.random() < 0.4 else None,
    }
    contact = clean_contact(raw)
    return _Person(key=key, first=first, last=last, industry=industry,
                   organization=contact.organization, title=contact.title,
                   created_on=created_on, contact=contact,
                   channel=_weighted(rng, FIRST_CHANNEL[how_found]), first_sent=first_sent)


def _allocate(total: int, groups: dict[str, list[_Person]]) -> dict[str, int]:
    """Answers per channel: proportional to size × channel weight, never more than the size."""
    quota = {channel: 0 for channel in groups}
    for _ in range(total):
        open_groups = [c for c in groups if quota[c] < len(groups[c])]
        if not open_groups:
            break
        best = max(open_groups,
                   key=lambda c: CHANNEL_WEIGHTS[c] * len(groups[c]) / (quota[c] + 1))
        quota[best] += 1
    return quota


def _choose_outcomes(rng: random.Random, reached: list[_Person], today: dt.date) -> None:
    """Who answers: a fixed share overall, split by channel; people written to early first (a
    message sent last week has had little time for an answer). A few answers are declines."""
    groups: dict[str, list[_Person]] = {}
    for person in reached:
        groups.setdefault(person.channel, []).append(person)
    quota = _allocate(round(TARGET_RESPONSE_RATE * len(reached)), groups)
    answered: list[_Person] = []
    for channel, members in groups.items():
        # Referrals have no send date yet; they are written to soon after being named.
        early = [p for p in members if p.first_sent is None or (today - p.first_sent).days >= 14]
        late = [p for p in members if p not in early]
        rng.shuffle(early)
        rng.shuffle(late)
        answered += (early + late)[:quota[channel]]
    for person in answered:
        person.outcome = "accepted"
    for person in rng.sample([p for p in answered if p.contact is not None], DECLINES):
        person.outcome = "declined"


def _schedule_messages(rng: random.Random, person: _Person, today: dt.date) -> None:
    """First message, perhaps a follow-up a week later, and the answer (if any) to the last one;
    then, when accepted, the day of the conversation. Nothing after `today`."""
    gap = dt.timedelta(days=rng.randint(6, 8))
    wants_follow_up = rng.random() < (0.35 if person.outcome else 0.6)
    delay = dt.timedelta(days=rng.choice(RESPONSE_DELAYS))
    meet_after = dt.timedelta(days=rng.randint(2, 12))
    sends = [(person.first_sent, person.channel)]
    if wants_follow_up and person.first_sent + gap <= today:
        sends.append((person.first_sent + gap,
                      FOLLOW_UP_CHANNEL.get(person.channel, person.channel)))
    for number, (sent_on, channel) in enumerate(sends, start=1):
        outreach = clean_outreach({"contact_id": 0, "sent_on": sent_on, "channel": channel},
                                  today=today)
        response = None
        if person.outcome and number == len(sends):
            response = clean_response({"outcome": person.outcome,
                                       "response_on": min(sent_on + delay, today)},
                                      sent_on=sent_on, today=today)
            if person.outcome == "accepted":
                person.held_on = min(response.response_on + meet_after, today)
        person.messages.append(_Message(outreach, response))


def _introduce(rng: random.Random, person: _Person, referrer: _Person, today: dt.date) -> None:
    """A person named in `referrer`'s conversation; the student writes a few days later."""
    profile = INDUSTRIES[referrer.industry]
    person.referred_by = referrer
    person.industry = referrer.industry
    person.organization = (referrer.organization if rng.random() < 0.5
                           else rng.choice(profile.organizations))
    person.title = rng.choice(profile.titles)
    person.created_on = referrer.held_on
    person.first_sent = min(referrer.held_on + dt.timedelta(days=rng.randint(1, 4)), today)


def _pick_insight(rng: random.Random, category: str, industry: str, used: set[str]) -> str:
    """An unused text of this category, often one specific to the industry."""
    specific = [t for t in INDUSTRIES[industry].insights.get(category, ()) if t not in used]
    generic = [t for t in GENERIC_INSIGHTS[category] if t not in used]
    pool = specific if specific and rng.random() < 0.5 else (generic or specific)
    text = rng.choice(pool or GENERIC_INSIGHTS[category])
    used.add(text)
    return text


def _categories(rng: random.Random, counts: list[int]) -> list[list[str]]:
    """TIARA categories for each conversation's insights: every category used, evenly."""
    total = sum(counts)
    pool = [list(vocab.TIARA)[i % len(vocab.TIARA)] for i in range(total)]
    rng.shuffle(pool)
    out, position = [], 0
    for count in counts:
        out.append(pool[position:position + count])
        position += count
    return out


def _conversations(rng: random.Random, people: list[_Person], start: dt.date,
                   today: dt.date) -> None:
    """Fill in what was said, learned and sent afterwards for every conversation held."""
    held = sorted((p for p in people if p.held_on), key=lambda p: (p.held_on, p.key))
    n = len(held)
    order = rng.sample(range(n), n)
    missing_thanks = set(order[:rng.randint(1, 2)])
    late_thanks = set(order[2:4])
    shared = set(rng.sample(range(n), round(n / 2)))
    categories = _categories(rng, [rng.randint(2, 5) for _ in held])
    used: set[str] = set()
    for index, person in enumerate(held):
        profile = INDUSTRIES[person.industry]
        progress = (person.held_on - start).days / SEMESTER_DAYS
        before = min(5, max(1, round(1.6 + 2.2 * progress + rng.uniform(-0.8, 0.8))))
        after = min(5, max(1, before + rng.choice((-1, 0, 0, 1, 1, 1, 2))))
        thank_days = rng.randint(3, 6) if index in late_thanks else rng.choice((0, 0, 0, 1, 1))
        details = {"first": person.first, "org": person.organization}
        raw = {
            "held_on": person.held_on,
            "format": _weighted(rng, FORMATS),
            "duration_min": rng.choice(DURATIONS),
            "questions": rng.sample(QUESTIONS + profile.questions, rng.randint(2, 6)),
            "insights": [{"category": c, "text": _pick_insight(rng, c, person.industry, used)}
                         for c in categories[index]],
            "referrals": [{"name": r.name, "organization": r.organization, "title": r.title}
                          for r in people if r.referred_by is person],
            "next_steps": (rng.choice(NEXT_STEPS).format(**details)
                           if rng.random() < 0.9 else None),
            "clarity_before": before,
            "clarity_after": after,
            "reflection": rng.choice(REFLECTIONS) if rng.random() < 0.6 else None,
            "thank_you_on": (None if index in missing_thanks
                             else min(person.held_on + dt.timedelta(days=thank_days), today)),
            "share_insights": index in shared,
        }
        person.conversation = clean_conversation(raw, today=today)


def plan_semester(today: dt.date, seed: int = DEFAULT_SEED) -> list[_Person]:
    """Everyone in the sample semester with their messages and conversation, validated."""
    rng = random.Random(seed)
    start = today - dt.timedelta(days=SEMESTER_DAYS - 1)
    names = _names(rng, BASE_CONTACTS + REFERRALS[1])
    base = [_base_person(rng, f"c{i:02d}", names[i], industry, start)
            for i, industry in enumerate(_industry_mix(rng))]
    for person in rng.sample(base, IDENTIFIED_ONLY):
        person.channel = person.first_sent = None
        person.created_on = today - dt.timedelta(days=rng.randint(0, 12))
    reached = [p for p in base if p.channel]
    # Referrals come from conversations; how many, and who answers, is settled first.
    referrals = [_Person(key=f"r{i}", first=first, last=last, channel="referral_intro")
                 for i, (first, last)
                 in enumerate(names[BASE_CONTACTS:BASE_CONTACTS + rng.randint(*REFERRALS)])]
    _choose_outcomes(rng, reached + referrals, today)
    for person in reached:
        _schedule_messages(rng, person, today)
    met = sorted((p for p in reached if p.held_on), key=lambda p: (p.held_on, p.key))
    early_met = met[:max(1, (len(met) * 3) // 5)]  # leaves time to write to the referral
    for person in referrals:
        _introduce(rng, person, rng.choice(early_met), today)
        _schedule_messages(rng, person, today)
    people = base + referrals
    _conversations(rng, people, start, today)
    return people


# --- storing it ------------------------------------------------------------------------------

def _submission(seed: int, user_id: int, generation: int, kind: str, key: str) -> str:
    return f"demo-{seed}-{user_id}-g{generation}-{kind}-{key}"


def _add_contacts(con, user_id: int, people: list[_Person], seed: int
                  ) -> tuple[int, dict[str, int]]:
    """Store the base contacts; returns the generation used and the ids of those that exist.

    A generation none of whose contacts exists any more was deleted by the student: the next
    one is loaded instead."""
    base = [p for p in people if p.contact is not None]
    generation = 0
    while True:
        ids = {}
        for person in base:
            saved = store.add_contact(
                con, user_id, person.contact, created_on=person.created_on,
                submission_id=_submission(seed, user_id, generation, "contact", person.key))
            if saved.created or queries.contact_record(con, user_id, saved.id) is not None:
                ids[person.key] = saved.id
        if ids:
            return generation, ids
        generation += 1


def _referral_ids(con, user_id: int, referrer_id: int, people: list[_Person]) -> dict[str, int]:
    pipeline = queries.contact_pipeline(con, user_id)
    named = pipeline[pipeline["referred_by_contact_id"] == referrer_id].sort_values("id")
    by_name = dict(zip(named["name"], named["id"].astype(int)))
    return {p.key: by_name[p.name] for p in people if p.name in by_name}


def load_demo(con, user_id: int, *, today: dt.date, seed: int = DEFAULT_SEED) -> dict:
    """Store the sample semester for `user_id`; returns how many records it consists of."""
    if isinstance(today, dt.datetime):
        today = today.date()
    if queries.user_profile(con, user_id) is None:
        raise ValueError(f"No user with id {user_id}.")
    people = plan_semester(today, seed)  # validates everything before the first write

    generation, ids = _add_contacts(con, user_id, people, seed)
    counts = {"contacts": 0, "outreach": 0, "conversations": 0, "insights": 0}
    # Conversations in the order they were held: a referral is a contact only once the
    # conversation that named them is stored.
    for person in sorted((p for p in people if p.conversation),
                         key=lambda p: (p.held_on, p.referred_by is not None, p.key)):
        contact_id = ids.get(person.key)
        if contact_id is None:  # deleted by the student
            continue
        store.log_conversation(
            con, user_id, person.conversation, contact_id=contact_id,
            submission_id=_submission(seed, user_id, generation, "conversation", person.key))
        counts["conversations"] += 1
        counts["insights"] += len(person.conversation.insights)
        if person.conversation.referrals:
            ids.update(_referral_ids(con, user_id, contact_id,
                                     [p for p in people if p.referred_by is person]))
    for person in people:
        contact_id = ids.get(person.key)
        if contact_id is None:
            continue
        counts["contacts"] += 1
        for attempt, message in enumerate(person.messages, start=1):
            saved = store.log_outreach(
                con, user_id, dataclasses.replace(message.outreach, contact_id=contact_id),
                submission_id=_submission(seed, user_id, generation, "outreach",
                                          f"{person.key}-{attempt}"))
            counts["outreach"] += 1
            if message.response is not None and saved.created:
                store.record_response(con, user_id, saved.id, message.response)
    settle_old_reminders(con, user_id, today=today)
    return counts


SETTLED_AFTER_DAYS = 7


def settle_old_reminders(con, user_id: int, *, today: dt.date) -> int:
    """Tick off the reminders a student who kept up would already have dealt with: every next
    action due more than a week ago, except unsent thank-yous (the semester leaves two, as a real
    one does). Without this the sample semester opens on some 30 overdue items. Returns how many
    were ticked off."""
    from lib import coaching, coaching_store  # coaching needs the store; keep imports one-way

    cutoff = today - dt.timedelta(days=SETTLED_AFTER_DAYS)
    old = [action for action in coaching.student_next_actions(con, user_id, today=today)
           if action.kind != "thank_you" and action.due_on < cutoff]
    coaching_store.mark_done_many(con, user_id, [action.key for action in old])
    return len(old)


# --- the class demo: an instructor and two classes -------------------------------------------

DEMO_DOMAIN = "demo.example"
INSTRUCTOR_PASSWORD = "demo-instructor"
STUDENT_PASSWORD = "demo-student"
DEMO_INSTRUCTOR = ("Dr. Maya Ortiz", f"instructor@{DEMO_DOMAIN}")
DEMO_CLASSES = (
    # name, term, students, weekly outreach goal, conversations goal for the term
    ("Career Exploration Seminar", "Fall 2026", 35, 4, 8),
    ("Professional Development Lab", "Fall 2026", 25, 5, 10),
)
# Share of students per activity profile, and the share of their planned semester they did.
PROFILES = (("ahead", 0.15, 1.0), ("on track", 0.5, 0.6), ("behind", 0.25, 0.3),
            ("inactive", 0.10, 0.12))
_DEMO_FLAG = "demo_loaded"


def _student_people(rng: random.Random, people: list[_Person], share: float,
                    cutoff: dt.date | None) -> list[_Person]:
    """Part of a planned semester: `share` of the people written to (with whoever they
    referred), and nothing after `cutoff` for a student who stopped."""
    base = [p for p in people if p.referred_by is None]
    kept = {id(p) for p in rng.sample(base, max(1, round(len(base) * share)))}
    chosen = []
    for person in people:
        root = person.referred_by or person
        if id(root) not in kept:
            continue
        if cutoff and (person.created_on or person.first_sent or cutoff) > cutoff:
            continue
        chosen.append(person)
    return chosen


def semester_batch(people: list[_Person], *, cutoff: dt.date | None = None) -> store.Batch:
    """A planned semester as one batch of records (one transaction, a few statements)."""
    batch = store.Batch()
    keys = {id(p): p.key for p in people}
    for person in people:
        contact = person.contact
        referrer = person.referred_by
        if contact is None and referrer is not None:  # a referral, named in a conversation
            mention = next((r for r in referrer.conversation.referrals if r.name == person.name),
                           None) if referrer.conversation else None
            contact = ContactInput(
                name=person.name, organization=mention.organization if mention else None,
                title=mention.title if mention else None, industry=referrer.contact.industry,
                industry_other=referrer.contact.industry_other, how_found="referral",
                email=None, profile_url=None, priority="great", notes=None)
        if contact is None:
            continue
        talked = referrer is not None and referrer.conversation is not None \
            and id(referrer) in keys and (cutoff is None or referrer.held_on <= cutoff)
        batch.contacts.append(store.BatchContact(
            key=person.key, contact=contact,
            created_on=person.created_on or person.first_sent or (referrer.held_on if referrer
                                                                    else None),
            referred_by=keys[id(referrer)] if talked else None,
            referred_in=f"talk-{keys[id(referrer)]}" if talked else None))
        for message in person.messages:
            if cutoff and message.outreach.sent_on > cutoff:
                continue
            answered = message.response if message.response and (
                cutoff is None or message.response.response_on <= cutoff) else None
            batch.outreach.append(store.BatchOutreach(person.key, message.outreach, answered))
        if person.conversation and (cutoff is None or person.held_on <= cutoff):
            batch.conversations.append(store.BatchConversation(
                f"talk-{person.key}", person.key, person.conversation))
    return batch


def demo_available(con) -> bool:
    """True once the class demo was loaded into this database."""
    return store.get_setting(con, _DEMO_FLAG) is not None


def _student_names(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    pairs = [(f, l) for f in FIRST_NAMES for l in LAST_NAMES]
    return [f"{f} {l}" for f, l in rng.sample(pairs, count)]


def demo_logins(con) -> "pd.DataFrame | None":
    """The demo's sign-ins to show on the welcome screen: the instructor, then one student of
    each activity profile. None until the demo is loaded."""
    import pandas as pd

    flag = store.get_setting(con, _DEMO_FLAG)
    if flag is None:
        return None
    rows = [{"role": "instructor", "name": DEMO_INSTRUCTOR[0], "email": DEMO_INSTRUCTOR[1],
             "password": INSTRUCTOR_PASSWORD}]
    for line in flag.split("\n")[1:]:
        profile, name, email = line.split("|")
        rows.append({"role": f"student ({profile})", "name": name, "email": email,
                     "password": STUDENT_PASSWORD})
    return pd.DataFrame(rows)


def load_class_demo(con, *, today: dt.date, seed: int = DEFAULT_SEED) -> dict:
    """One instructor, two classes (35 and 25 students) whose students are ahead, on track,
    behind or inactive. Idempotent: a second call changes nothing."""
    from lib import accounts, classes

    if isinstance(today, dt.datetime):
        today = today.date()
    if demo_available(con):
        return {"students": 0, "classes": 0}
    rng = random.Random(seed)
    term_start = today - dt.timedelta(days=SEMESTER_DAYS - 1)
    teacher = accounts.account_by_email(con, DEMO_INSTRUCTOR[1]) or \
        accounts.create_account_as_operator(
            con, email=DEMO_INSTRUCTOR[1], password=INSTRUCTOR_PASSWORD,
            display_name=DEMO_INSTRUCTOR[0],
            role="instructor" if accounts.has_accounts(con) else "admin")
    total = sum(c[2] for c in DEMO_CLASSES)
    names = _student_names(total, seed)
    examples: dict[str, tuple[str, str]] = {}
    number = 0
    for name, term, size, weekly, goal in DEMO_CLASSES:
        class_id = classes.create_class(con, teacher.id, classes.clean_class({
            "name": name, "term": term, "starts_on": term_start,
            "ends_on": today + dt.timedelta(days=20), "weekly_goal": weekly,
            "conversations_goal": goal}))
        code = classes.classes_for(con, teacher.id).set_index("id").loc[class_id, "join_code"]
        profiles = [p for p, share, _ in PROFILES for _ in range(round(share * size))]
        profiles = (profiles + ["on track"] * size)[:size]
        rng.shuffle(profiles)
        for profile in profiles:
            number += 1
            student_name = names[number - 1]
            email = f"student{number:02d}@{DEMO_DOMAIN}"
            student = accounts.account_by_email(con, email) or accounts.create_account_as_operator(
                con, email=email, password=STUDENT_PASSWORD, display_name=student_name,
                role="student")
            classes.join_class(con, student.id, code)
            share = dict((p, s) for p, _, s in PROFILES)[profile]
            cutoff = term_start + dt.timedelta(days=rng.randint(14, 28)) \
                if profile == "inactive" else None
            people = _student_people(rng, plan_semester(today, seed + number), share, cutoff)
            store.write_batch(con, student.id, semester_batch(people, cutoff=cutoff),
                              submission_id=f"demo-class-{seed}-{student.id}")
            if profile in ("ahead", "on track"):  # the others let their reminders pile up
                settle_old_reminders(con, student.id, today=today)
            examples.setdefault(profile, (student_name, email))
    store.set_setting(con, _DEMO_FLAG, "\n".join(
        ["loaded"] + [f"{p}|{n}|{e}" for p, (n, e) in examples.items()]))
    return {"students": number, "classes": len(DEMO_CLASSES)}


# --- command line ----------------------------------------------------------------------------

def main() -> None:
    """`python -m lib.demo`: load the class demo and print its sign-ins."""
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s: %(message)s")
    try:
        con = db.connect()
    except db.DatabaseUnavailable as problem:
        print(f"Could not load the demo data. {problem}\n{problem.how_to_fix}", file=sys.stderr)
        sys.exit(1)
    try:
        result = load_class_demo(con, today=dt.date.today())
        logins = demo_logins(con)
    finally:
        con.close()
    if result["students"]:
        print(f"Demo loaded into {db.database_path()}: {result['classes']} classes, "
              f"{result['students']} students.")
    else:
        print(f"The demo was already loaded in {db.database_path()}.")
    print("Sign in with:")
    for row in logins.itertuples():
        print(f"  {row.role:<22} {row.email:<28} password: {row.password}")


if __name__ == "__main__":
    main()
