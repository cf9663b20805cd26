"""Every DynamoDB key Kring uses, in one place. ``docs/data-model.md`` lists the access patterns.

One table, ``pk``/``sk``, three generic sparse GSIs (``gsi1``, ``gsi2``, ``gsi3``) and ``expires_at``
as TTL.
Ids never contain ``#`` (see :mod:`kring.models.common`), so keys cannot collide.
"""

from __future__ import annotations

from typing import TypedDict


class Key(TypedDict):
    pk: str
    sk: str


PK, SK = "pk", "sk"
GSI1, GSI1_PK, GSI1_SK = "gsi1", "gsi1pk", "gsi1sk"
GSI2, GSI2_PK, GSI2_SK = "gsi2", "gsi2pk", "gsi2sk"
GSI3, GSI3_PK, GSI3_SK = "gsi3", "gsi3pk", "gsi3sk"
TTL_ATTRIBUTE = "expires_at"

# --- ambassadors -------------------------------------------------------------------------------
AMBASSADOR_LIST = "AMBASSADORS"
ELIGIBLE_AMBASSADORS = "ELIGIBLE"


def ambassador(ambassador_id: str) -> Key:
    return {"pk": f"AMB#{ambassador_id}", "sk": "PROFILE"}


def ambassador_list_entry(ambassador_id: str) -> dict[str, str]:
    """gsi1: every ambassador, in id order (admin list, paginated)."""
    return {GSI1_PK: AMBASSADOR_LIST, GSI1_SK: f"AMB#{ambassador_id}"}


def eligible_entry(ambassador_id: str) -> dict[str, str]:
    """gsi2 (sparse): only ambassadors the fan-out may select (opted in, sharing phase, active)."""
    return {GSI2_PK: ELIGIBLE_AMBASSADORS, GSI2_SK: f"AMB#{ambassador_id}"}


def share_cap_ledger(ambassador_id: str, iso_week: str) -> Key:
    """The vacancies an ambassador was given links for in one ISO week (``2026-W48``)."""
    return {"pk": f"AMB#{ambassador_id}", "sk": f"CAP#{iso_week}"}


def ambassador_id_from(pk: str) -> str:
    prefix, _, ambassador_id = pk.partition("#")
    if prefix != "AMB" or not ambassador_id:
        raise ValueError(f"not an ambassador key: {pk!r}")
    return ambassador_id


# --- ambassador imports ------------------------------------------------------------------------
# One job per uploaded file (its counters), and one record per chunk of the file's lines (each
# line's outcome): written in the transaction that writes the chunk's profiles, so a redelivered
# chunk finds its record and changes nothing. Both expire (TTL) with the job.
def import_job(job_id: str) -> Key:
    return {"pk": f"IMPORT#{job_id}", "sk": "JOB"}


def import_chunk(job_id: str, chunk: int) -> Key:
    return {"pk": f"IMPORT#{job_id}", "sk": f"CHUNK#{chunk:06d}"}


def import_chunk_range(first_chunk: int) -> tuple[str, str]:
    """Sort-key bounds (``BETWEEN``) of the chunk records from ``first_chunk`` on."""
    return f"CHUNK#{first_chunk:06d}", "CHUNK#~"


def import_chunk_of(sk: str) -> int:
    """The chunk number of a chunk record's sort key (``CHUNK#000012`` → 12)."""
    prefix, _, number = sk.partition("#")
    if prefix != "CHUNK" or not (number.isascii() and number.isdigit()):
        raise ValueError(f"not an import chunk key: {sk!r}")
    return int(number)


def import_report_position(job_id: str, chunk: int, line: int) -> Key:
    """A place in an import's line report (page tokens): after ``line``, in chunk ``chunk``."""
    return {"pk": f"IMPORT#{job_id}", "sk": f"CHUNK#{chunk:06d}#LINE#{line}"}


def import_report_position_of(job_id: str, position: Key) -> tuple[int, int]:
    """(chunk, line) of a :func:`import_report_position`; ValueError for anything else."""
    parts = position["sk"].split("#")
    if (
        position["pk"] != f"IMPORT#{job_id}"
        or len(parts) != 4
        or (parts[0], parts[2]) != ("CHUNK", "LINE")
        or not ((parts[1].isascii() and parts[1].isdigit()) and (parts[3].isascii() and parts[3].isdigit()))
    ):
        raise ValueError("not a position in this import's report")
    return int(parts[1]), int(parts[3])


# --- vacancies ---------------------------------------------------------------------------------
VACANCY_LIST = "VACANCIES"
OPEN_VACANCIES = "OPEN"


def vacancy(vacancy_id: str) -> Key:
    return {"pk": f"VAC#{vacancy_id}", "sk": "VACANCY"}


def vacancy_list_entry(vacancy_id: str) -> dict[str, str]:
    """gsi1: every vacancy, in id order (admin list, paginated)."""
    return {GSI1_PK: VACANCY_LIST, GSI1_SK: f"VAC#{vacancy_id}"}


def open_vacancy_entry(vacancy_id: str, published_at: str) -> dict[str, str]:
    """gsi3 (sparse): only published vacancies, newest first when read backwards — what the
    catch-up gives a newly eligible ambassador links for. ``published_at`` is the stored
    fixed-width UTC text (empty when unknown: oldest)."""
    return {GSI3_PK: OPEN_VACANCIES, GSI3_SK: f"{published_at}#VAC#{vacancy_id}"}


def vacancy_by_job_entry(provider: str, job_id: str, vacancy_id: str) -> dict[str, str]:
    """gsi2: the posts of one ATS job, so a job event can complete them."""
    return {GSI2_PK: f"JOBPOSTS#{provider}#{job_id}", GSI2_SK: f"VAC#{vacancy_id}"}


def vacancy_id_of_job_entry(gsi2sk: str) -> str:
    """The vacancy id of a :func:`vacancy_by_job_entry` sort key (``VAC#<id>`` → ``<id>``)."""
    return gsi2sk.removeprefix("VAC#")


def vacancies_of_job(provider: str, job_id: str) -> str:
    return f"JOBPOSTS#{provider}#{job_id}"


def ats_job(provider: str, job_id: str) -> Key:
    return {"pk": f"ATSJOB#{provider}#{job_id}", "sk": "JOB"}


def link_key(vacancy_id: str) -> Key:
    """The vacancy's secret from which its share codes are derived (never leaves the table)."""
    return {"pk": f"VAC#{vacancy_id}", "sk": "LINKKEY"}


# --- share links -------------------------------------------------------------------------------
def share_link(code: str) -> Key:
    """GetItem by code: the redirect's one read."""
    return {"pk": f"LINK#{code}", "sk": "LINK"}


def share_link_by_vacancy_entry(vacancy_id: str, ambassador_id: str) -> dict[str, str]:
    """gsi1: the links of one vacancy, by ambassador."""
    return {GSI1_PK: f"VAC#{vacancy_id}#SHARES", GSI1_SK: f"AMB#{ambassador_id}"}


def share_link_by_ambassador_entry(ambassador_id: str, vacancy_id: str) -> dict[str, str]:
    """gsi2: the links of one ambassador, by vacancy."""
    return {GSI2_PK: f"AMB#{ambassador_id}#SHARES", GSI2_SK: f"VAC#{vacancy_id}"}


def shares_of_vacancy(vacancy_id: str) -> str:
    return f"VAC#{vacancy_id}#SHARES"


def shares_of_ambassador(ambassador_id: str) -> str:
    return f"AMB#{ambassador_id}#SHARES"


# --- clicks and share intents -------------------------------------------------------------------
def click(click_token: str) -> Key:
    """The click record, keyed by its click token: written once per click by the recorder (the
    exactly-once marker too), read by attribution with one GetItem. Expires with the attribution
    window plus a margin."""
    return {"pk": f"CLICK#{click_token}", "sk": "CLICK"}


def click_token_of(pk: str) -> str:
    """The click token of a click record's pk (:func:`click`)."""
    if not pk.startswith("CLICK#"):
        raise ValueError(f"not a click record: {pk!r}")
    return pk.removeprefix("CLICK#")


def share_intent(intent_id: str) -> Key:
    """Marker that a ShareIntended event was counted (exactly once)."""
    return {"pk": f"INTENT#{intent_id}", "sk": "INTENT"}


def own_visitor(ambassador_id: str, day: str, visitor: str) -> Key:
    """The ambassador's own visitor hash on one UTC day (``2026-11-29``), written by the share
    intent before it answers; the recorder counts clicks from it as ``own_clicks``."""
    return {"pk": f"OWNVIS#{ambassador_id}#{day}#{visitor}", "sk": "OWN"}


# --- link statistics ---------------------------------------------------------------------------
# Exact click and share counters, written by the click recorder (see kring.clicks.counting).
# Counter items carry a small shard suffix (0..STATS_SHARDS-1, by a hash of the event id) so that
# concurrent clicks on one vacancy or ambassador rarely touch the same item; reads sum the shards.
STATS_SHARDS = 4


def vacancy_stats_prefix(vacancy_id: str) -> str:
    return f"STATS#VAC#{vacancy_id}"


def ambassador_stats_prefix(ambassador_id: str) -> str:
    return f"STATS#AMB#{ambassador_id}"


def vacancy_day_stats(vacancy_id: str, day: str, shard: int) -> Key:
    """One shard of a vacancy's counters on one UTC day (``2026-11-29``)."""
    return {"pk": vacancy_stats_prefix(vacancy_id), "sk": f"DAY#{day}#{shard}"}


def ambassador_day_stats(ambassador_id: str, day: str, shard: int) -> Key:
    """One shard of an ambassador's counters on one UTC day."""
    return {"pk": ambassador_stats_prefix(ambassador_id), "sk": f"DAY#{day}#{shard}"}


def vacancy_ambassador_stats(vacancy_id: str, ambassador_id: str, shard: int) -> Key:
    """One shard of the all-time counters of one ambassador's link(s) for one vacancy; in the
    vacancy's stats collection, beside (never inside) its day range."""
    return {"pk": vacancy_stats_prefix(vacancy_id), "sk": f"AMB#{ambassador_id}#{shard}"}


VACANCY_AMBASSADOR_STATS_PREFIX = "AMB#"  # sort keys of the vacancy x ambassador items


def ambassador_of_vacancy_stats(sk: str) -> str:
    """The ambassador of a vacancy x ambassador sort key (``AMB#E1#3`` → ``E1``); ValueError for
    any other sort key (a day item's, one without an id or a shard)."""
    parts = sk.split("#")
    if (
        len(parts) != 3
        or parts[0] != "AMB"
        or not parts[1]
        or not (parts[2].isascii() and parts[2].isdigit())
    ):
        raise ValueError(f"not a vacancy x ambassador stats key: {sk!r}")
    return parts[1]


def stats_day_range(first_day: str, last_day: str) -> tuple[str, str]:
    """Sort-key bounds (``BETWEEN``) of every day shard from ``first_day`` to ``last_day``."""
    return f"DAY#{first_day}#", f"DAY#{last_day}#~"


def stats_day_of(sk: str) -> str:
    """The day of a day-shard sort key (``DAY#2026-11-29#3`` → ``2026-11-29``)."""
    prefix, day, _shard = sk.split("#")
    if prefix != "DAY":
        raise ValueError(f"not a day stats key: {sk!r}")
    return day


class StatsScope(TypedDict):
    scope: str  # program_day | vacancy_day | ambassador_day | vacancy_ambassador
    vacancy_id: str | None
    ambassador_id: str | None
    day: str | None


def stats_scope_of(pk: str, sk: str) -> StatsScope:
    """What a stats item's key counts for (the shard left out): the inverse of
    :func:`program_day_stats`, :func:`vacancy_day_stats`, :func:`ambassador_day_stats` and
    :func:`vacancy_ambassador_stats`."""
    parts = sk.split("#")
    day = parts[1] if parts[0] == "DAY" else None
    if pk == program_stats_prefix():
        return {"scope": "program_day", "vacancy_id": None, "ambassador_id": None, "day": day}
    ambassador_prefix, vacancy_prefix = ambassador_stats_prefix(""), vacancy_stats_prefix("")
    if pk.startswith(ambassador_prefix):
        return {
            "scope": "ambassador_day",
            "vacancy_id": None,
            "ambassador_id": pk.removeprefix(ambassador_prefix),
            "day": day,
        }
    if not pk.startswith(vacancy_prefix):
        raise ValueError(f"not a stats key: {pk!r}")
    vacancy_id = pk.removeprefix(vacancy_prefix)
    if parts[0] == "AMB":
        return {
            "scope": "vacancy_ambassador",
            "vacancy_id": vacancy_id,
            "ambassador_id": parts[1],
            "day": None,
        }
    return {"scope": "vacancy_day", "vacancy_id": vacancy_id, "ambassador_id": None, "day": day}


def visitor_day(day: str, visitor: str) -> Key:
    """What one visitor (a daily hash) was already counted for on one UTC day: a string set of
    dedupe tags (unique visitor of a vacancy, of an ambassador, of a link and channel; counted
    click of a link in a clock hour). One item per visitor-day, so a click reads one key."""
    return {"pk": f"SEEN#{day}#{visitor}", "sk": "SEEN"}


def program_stats_prefix() -> str:
    """The whole programme's counters (every vacancy together), by day, sharded like the rest."""
    return "STATS#PROG"


def program_day_stats(day: str, shard: int) -> Key:
    return {"pk": program_stats_prefix(), "sk": f"DAY#{day}#{shard}"}


def shares_counted(page_id: str) -> Key:
    """Marker that one fan-out page (``<origin event id>:<page>``) added its new links to the
    ``shares`` counters: written in the same transaction, so a retried page counts once."""
    return {"pk": f"SHCOUNT#{page_id}", "sk": "SHCOUNT"}


# --- applications and attribution --------------------------------------------------------------
STATE_PREFIX = "APPL#"  # every application state's partition key starts so


def application(provider: str, job_ref: str, candidate_key: str) -> Key:
    """The attribution state of one candidate's application(s) to one ATS job: everything the
    ATS told about it merged, the decision, the stage, the hire. ``job_ref`` is the ATS job id, or
    ``app:<application id>`` when the provider gave none."""
    return {"pk": f"{STATE_PREFIX}{provider}#{job_ref}#{candidate_key}", "sk": "APPL"}


APPLICATION_LIST = "APPLICATIONS"


def application_list_entry(applied_at: str, state_pk: str) -> dict[str, str]:
    """gsi1: every decided application state, in order of the application (the dashboard's list,
    newest first). Written with the state's Put, so it moves when the application time does."""
    return {GSI1_PK: APPLICATION_LIST, GSI1_SK: f"{applied_at}#{state_pk}"}


def application_alias(provider: str, application_id: str) -> Key:
    """Points an ATS application id at its :func:`application` item (the explain API's lookup)."""
    return {"pk": f"APPID#{provider}#{application_id}", "sk": "APPID"}


def ambassador_email(email_hash: str) -> Key:
    """Points an ambassador's keyed e-mail hash at their id: referral records name people by
    e-mail. Verified against the profile on every use, so a stale pointer never credits."""
    return {"pk": f"AMBEMAIL#{email_hash}", "sk": "AMBEMAIL"}


def click_wait(click_token: str) -> Key:
    """The applications that named a click token before its click was recorded (a string set of
    their :func:`application` pks), and whether attribution has seen the click's event: the
    handshake that credits an application whose click is recorded late. Expires."""
    return {"pk": f"CLICKWAIT#{click_token}", "sk": "WAIT"}


# --- rewards -----------------------------------------------------------------------------------
REWARD_LIST = "REWARDS"


def reward(ambassador_id: str, reward_id: str) -> Key:
    """One ledger entry: the reward for one credited hire, in the ambassador's collection."""
    return {"pk": f"AMB#{ambassador_id}", "sk": f"REWARD#{reward_id}"}


def reward_list_entry(hired_at: str, reward_id: str) -> dict[str, str]:
    """gsi1: every reward, in order of the hire (admin list, paginated)."""
    return {GSI1_PK: REWARD_LIST, GSI1_SK: f"{hired_at}#{reward_id}"}


def rewards_of_ambassador_prefix() -> str:
    return "REWARD#"


# --- erasure -----------------------------------------------------------------------------------
def erasure_record(ambassador_id_hash: str) -> Key:
    """Proof that an erasure happened, keyed by a hash so the id itself is gone too."""
    return {"pk": f"ERASED#{ambassador_id_hash}", "sk": "ERASURE"}


# --- mail (the mail platform; issue 12) ----------------------------------------------------------
MAIL_FREQUENCY_INDEX_PREFIX = "MAILFREQ#"
SUPPRESSION_LIST = "SUPPRESSIONS"


def mail_preferences(ambassador_id: str) -> Key:
    """The ambassador's mail preferences, in their collection (erased with the profile)."""
    return {"pk": f"AMB#{ambassador_id}", "sk": "MAILPREFS"}


def mail_frequency_entry(frequency: str, ambassador_id: str) -> dict[str, str]:
    """gsi2 (sparse): the ambassadors whose digest frequency is not the default (weekly), by
    frequency, so a daily or monthly run Queries only its own recipients."""
    return {GSI2_PK: f"{MAIL_FREQUENCY_INDEX_PREFIX}{frequency}", GSI2_SK: f"AMB#{ambassador_id}"}


def mail_frequency_partition(frequency: str) -> str:
    return f"{MAIL_FREQUENCY_INDEX_PREFIX}{frequency}"


def mail_send(kind: str, recipient: str, period_key: str) -> Key:
    """The once-only marker of one mail: one recipient, one kind, one period (or notice id)."""
    return {"pk": f"MAILSEND#{kind}#{recipient}", "sk": f"PERIOD#{period_key}"}


def mail_last_sent(kind: str, recipient: str) -> Key:
    """Which period of ``kind`` was last sent to ``recipient``: beside the markers, written with
    the send record and read with the recipient (a digest lists what is new since)."""
    return {"pk": f"MAILSEND#{kind}#{recipient}", "sk": "LAST"}


def mail_sends_of(kind: str, recipient: str) -> str:
    """The partition of every mail of one kind to one recipient (the last one: Query, newest first)."""
    return f"MAILSEND#{kind}#{recipient}"


def suppression(address_hash: str) -> Key:
    """A bounced or complained address, by its keyed hash (never the address itself)."""
    return {"pk": f"SUPPRESS#{address_hash}", "sk": "SUPPRESS"}


def suppression_list_entry(address_hash: str) -> dict[str, str]:
    """gsi1: every suppressed address, by hash (admin list, paginated)."""
    return {GSI1_PK: SUPPRESSION_LIST, GSI1_SK: f"SUPPRESS#{address_hash}"}


# --- digests (issue 12: digest content, instant notices, the talent team's settings) ------------
TEAM_RECIPIENT_LIST = "TEAMRCPTS"


def instant_notice(ambassador_id: str) -> Key:
    """The vacancies gathered for an ambassador's next instant notice, and the batch (delayed job)
    that will mail them: in the ambassador's collection, so erasure takes it too."""
    return {"pk": f"AMB#{ambassador_id}", "sk": "INSTANT"}


def team_recipient(recipient_id: str) -> Key:
    """One address of the talent team's weekly digest (address and locale)."""
    return {"pk": TEAM_RECIPIENT_LIST, "sk": f"RCPT#{recipient_id}"}


def team_recipients_prefix() -> str:
    return "RCPT#"


def programme_settings() -> Key:
    """The talent team's settings for the programme: other channels' cost per hire, time zone."""
    return {"pk": "SETTINGS", "sk": "PROGRAMME"}


def ats_last_delivery(provider: str) -> Key:
    """When an ATS last delivered a verified webhook (the talent-team digest's "silent ATS")."""
    return {"pk": "ATSSEEN", "sk": f"ATS#{provider}"}


def ats_last_delivery_prefix() -> str:
    return "ATS#"


# --- the advocacy programme (issue 13) -----------------------------------------------------------
# One facts item per ambassador (what the state machine knows, the state it last published, the
# phases reached and when), one history item per transition, both in the ambassador's collection
# (erased with the profile). Two sparse index entries on the facts item: gsi1 the next review (the
# daily sweep's Query for dormancy and the evangelist rule lapsing, spread over a few shards),
# gsi2 the cohort (the month they entered the funnel, for conversion). Per-phase counters in one
# partition, updated in the transaction of every transition.
PROGRAMME_REVIEW_SHARDS = 4
PROGRAMME_HISTORY_PREFIX = "PHASE#"
PROGRAMME_FUNNEL = "PROGFUNNEL"


def programme_facts(ambassador_id: str) -> Key:
    return {"pk": f"AMB#{ambassador_id}", "sk": "PROGRAMME"}


def programme_history(ambassador_id: str, occurred_at: str, version: int) -> Key:
    """One transition: by its time (fixed-width UTC), then the facts version that caused it —
    a redelivered fact causes no new version, so it can never write a second item."""
    return {"pk": f"AMB#{ambassador_id}", "sk": f"{PROGRAMME_HISTORY_PREFIX}{occurred_at}#{version:08d}"}


def programme_review_shard(ambassador_id: str) -> int:
    import hashlib

    return hashlib.sha256(ambassador_id.encode()).digest()[0] % PROGRAMME_REVIEW_SHARDS


def programme_review_partition(shard: int) -> str:
    return f"PROGREVIEW#{shard}"


def programme_review_entry(ambassador_id: str, review_at: str) -> dict[str, str]:
    """gsi1 (sparse): when derive can next change by time alone (fixed-width UTC), so the sweep
    Queries ``gsi1sk <= now`` per shard; absent while nothing will change by itself."""
    return {
        GSI1_PK: programme_review_partition(programme_review_shard(ambassador_id)),
        GSI1_SK: f"{review_at}#AMB#{ambassador_id}",
    }


def programme_review_until(moment: str) -> str:
    """The upper sort-key bound of the reviews due at ``moment``."""
    return f"{moment}#~"


def programme_cohort_partition(month: str) -> str:
    """The cohort of one month (``2026-11``): who entered the funnel then."""
    return f"PROGCOHORT#{month}"


def programme_cohort_entry(ambassador_id: str, entered_at: str) -> dict[str, str]:
    """gsi2: the facts item by the month and moment they entered the funnel."""
    return {GSI2_PK: programme_cohort_partition(entered_at[:7]), GSI2_SK: f"{entered_at}#AMB#{ambassador_id}"}


def programme_counters(scope: str) -> Key:
    """How many are in each phase now, dormant, left, returned: ``ALL``, ``DEPT#<department>`` or
    ``LOC#<location>`` (a department or location may hold any character: it ends the key)."""
    return {"pk": PROGRAMME_FUNNEL, "sk": f"NOW#{scope}"}


def programme_counters_prefix(by: str) -> str:
    """``NOW#DEPT#`` / ``NOW#LOC#``: every department's or location's counters (one Query)."""
    return f"NOW#{by}#"


# --- signing in (the ambassador portal and the talent team's dashboard) ----------------------------
# Sign-in tokens and sessions are keyed by a keyed hash of their secret (the secret itself is only
# ever in the mail or the cookie); both expire (TTL, and checked on read: TTL deletes lazily). The
# portal's and the dashboard's are hashed as different kinds, so they never share an item.
def sign_in_link(token_hash: str) -> Key:
    """A mailed sign-in link, until it is used or 15 minutes have passed."""
    return {"pk": f"SIGNIN#{token_hash}", "sk": "TOKEN"}


def signed_in_session(session_hash: str) -> Key:
    """A signed-in session (the cookie holds the random id, this item its hash)."""
    return {"pk": f"SESSION#{session_hash}", "sk": "SESSION"}


def rate_counter(scope: str, window: str) -> Key:
    """A rate-limit counter of one scope (``signin-addr#<address hash>``, ``signin-all``,
    ``team-signin-…``) in one time window; it expires after the window."""
    return {"pk": f"RATE#{scope}", "sk": f"WINDOW#{window}"}


# --- the ambassador portal ---------------------------------------------------------------------
def portal_profile(ambassador_id: str) -> Key:
    """What the portal itself keeps of an ambassador: consent (version, time), networks, the
    onboarding steps done, the personal goal, their invite code. In their collection: erased with
    the profile."""
    return {"pk": f"AMB#{ambassador_id}", "sk": "PORTAL"}


def portal_invite(code: str) -> Key:
    """A personal "invite a colleague" code → the inviter."""
    return {"pk": f"INVITE#{code}", "sk": "INVITE"}


def portal_recruited(colleague_id: str) -> Key:
    """Who recruited this colleague: written once (the first credit wins), in the colleague's
    collection."""
    return {"pk": f"AMB#{colleague_id}", "sk": "RECRUITEDBY"}


def portal_recruits_entry(inviter_id: str, colleague_id: str) -> dict[str, str]:
    """gsi1: the colleagues one ambassador recruited."""
    return {GSI1_PK: portal_recruits_of(inviter_id), GSI1_SK: f"AMB#{colleague_id}"}


def portal_recruits_of(inviter_id: str) -> str:
    return f"RECRUITS#{inviter_id}"


# --- points and leaderboards -------------------------------------------------------------------
# See kring.points: one item per ambassador and period (ISO week, month, quarter) with the
# point-eligible counts (and the raw ones beside them), in gsi1 (the period's overall ranking)
# and gsi2 (the ranking of the ambassador's department); a second item per ambassador and period
# is in gsi1 under the location's ranking and, only while the figures look gamed, in gsi2 under
# the period's suspicious list. First-of-their-kind markers make a click or share intent earn a
# point once per network, link and day.
POINTS_PREFIX = "POINTS#AMB#"
LEADERBOARD_PREFIX = "LB#"
SUSPICIOUS_PREFIX = "SUSPECT#"


def ambassador_points(ambassador_id: str, period: str) -> Key:
    """An ambassador's counts for one period (``2026-W49``, ``2026-12``, ``2026-Q4``)."""
    return {"pk": f"{POINTS_PREFIX}{ambassador_id}", "sk": f"PERIOD#{period}"}


def ambassador_points_location(ambassador_id: str, period: str) -> Key:
    """The location-ranking (and suspicious-list) entry beside :func:`ambassador_points`."""
    return {"pk": f"{POINTS_PREFIX}{ambassador_id}", "sk": f"PERIOD#{period}#LOC"}


def ambassador_of_points(pk: str) -> str:
    if not pk.startswith(POINTS_PREFIX):
        raise ValueError(f"not a points key: {pk!r}")
    return pk.removeprefix(POINTS_PREFIX)


def leaderboard_partition(period: str, scope: str) -> str:
    """A ranking's GSI partition: ``scope`` is ``all``, ``dept#<department>`` or ``loc#<location>``
    (department and location case-folded)."""
    return f"{LEADERBOARD_PREFIX}{period}#{scope}"


def suspicious_partition(period: str) -> str:
    return f"{SUSPICIOUS_PREFIX}{period}"


def suspicious_entry(period: str, ambassador_id: str) -> dict[str, str]:
    """gsi2 (sparse): on the location item while the period's figures look gamed."""
    return {GSI2_PK: suspicious_partition(period), GSI2_SK: f"AMB#{ambassador_id}"}


def click_point_marker(day: str, network: str, code: str) -> Key:
    """A click point was earned on ``day`` from this visitor network for this link (TTL)."""
    return {"pk": f"NETDAY#{day}#{network}", "sk": f"CLICKPT#{code}"}


def share_point_marker(day: str, code: str, network: str) -> Key:
    """A share-intent point was earned on ``day`` for this link on this (social) network (TTL)."""
    return {"pk": f"SHAREDAY#{day}#{code}", "sk": f"SHAREPT#{network}"}


def colleague_credit(colleague_id: str) -> Key:
    """A colleague who joined through an ambassador's invitation was credited (once, ever)."""
    return {"pk": f"RECRUITED#{colleague_id}", "sk": "RECRUITED"}


# --- the talent team: users, API tokens, the audit trail -------------------------------------------
TEAM_USER_LIST = "TEAMUSERS"
API_TOKEN_LIST = "APITOKENS"  # noqa: S105 - a partition name, not a secret
AUDIT_PREFIX = "AUDIT#"


def team_user(user_id: str) -> Key:
    """A talent-team user (name, role, locale, the address their sign-in links go to)."""
    return {"pk": f"TEAMUSER#{user_id}", "sk": "USER"}


def team_user_list_entry(user_id: str) -> dict[str, str]:
    """gsi1 ``TEAMUSERS``: every user, in id order (the user list pages by Query)."""
    return {GSI1_PK: TEAM_USER_LIST, GSI1_SK: f"TEAMUSER#{user_id}"}


def team_user_email(email_hash: str) -> Key:
    """The pointer from an address's keyed hash to its user: one address, one user (created in the
    same transaction as the user), and how a sign-in finds the user without a Scan."""
    return {"pk": f"TEAMEMAIL#{email_hash}", "sk": "USER"}


def api_token(token_id: str) -> Key:
    """An API token: name, role, the keyed hash of its secret, created, last used."""
    return {"pk": f"APITOKEN#{token_id}", "sk": "TOKEN"}


def api_token_list_entry(token_id: str) -> dict[str, str]:
    """gsi1 ``APITOKENS``: every token, in id order."""
    return {GSI1_PK: API_TOKEN_LIST, GSI1_SK: f"APITOKEN#{token_id}"}


def audit_partition(day: str) -> str:
    """``AUDIT#<yyyy-mm-dd>``: the audit trail of one UTC day (a day's items are read newest first
    with one Query; a range of days is a Query per day, never a Scan)."""
    return f"{AUDIT_PREFIX}{day}"


def audit_entry(day: str, at: str, entry_id: str) -> Key:
    """One audit item: sorted by its time (ISO 8601 UTC, microseconds) and a random id."""
    return {"pk": audit_partition(day), "sk": f"{at}#{entry_id}"}


def audit_day_of(pk: str) -> str:
    return pk.removeprefix(AUDIT_PREFIX)


# --- invitation campaigns (issue 13) -----------------------------------------------------------
# One item per campaign (its audience and counters), listed newest first in gsi1; in its
# collection one marker per ambassador sent an invitation and one per ambassador who opened it,
# each written in the transaction that counts it (exactly once), and expiring (TTL).
INVITATION_CAMPAIGNS = "INVCAMPAIGNS"


def invitation_campaign(campaign_id: str) -> Key:
    return {"pk": f"INVCAMPAIGN#{campaign_id}", "sk": "CAMPAIGN"}


def invitation_campaign_list_entry(created_at: str, campaign_id: str) -> dict[str, str]:
    """gsi1: every campaign by the moment it was made (fixed-width UTC), newest first on read."""
    return {GSI1_PK: INVITATION_CAMPAIGNS, GSI1_SK: f"{created_at}#{campaign_id}"}


def invitation_sent(campaign_id: str, ambassador_id: str) -> Key:
    """The campaign's invitation to this ambassador was sent (and counted)."""
    return {"pk": f"INVCAMPAIGN#{campaign_id}", "sk": f"SENT#{ambassador_id}"}


def invitation_opened(campaign_id: str, ambassador_id: str) -> Key:
    """A person opened this ambassador's invitation of the campaign (counted once)."""
    return {"pk": f"INVCAMPAIGN#{campaign_id}", "sk": f"OPENED#{ambassador_id}"}
