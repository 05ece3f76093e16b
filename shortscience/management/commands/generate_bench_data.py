"""Fill a separate benchmark database with realistic data at arXiv scale, fast.

``manage.py generate_bench_data --papers 2500000 --summaries 1000000`` creates (or reuses) the
database ``shortscience_bench`` on the same PostgreSQL server as the site (embedded or
``DATABASE_URL``'s), migrates it and fills it with set-based SQL (``INSERT … SELECT … FROM
generate_series``): venues (arXiv holding most papers), a pool of authors with 3–8 ordered
authors per paper, keywords on a fraction of papers, a few hundred members, summaries skewed
towards popular papers and prolific writers, revisions, votes, comments, reports and audit
entries. Every denormalised column is then computed from the rows it summarises (scores,
summary and comment counts, venue and member counters) and the search vectors are built with
the site's own SQL (``papers.vectors``) in batches, exactly as the site would store them.

Speed: secondary indexes and foreign keys of the bulk tables are dropped while loading and
recreated afterwards (re-adding a foreign key validates every row, so the constraints still
hold), the big tables are rewritten once with ``VACUUM FULL`` after the counter updates, then
everything is ANALYZEd. The database backend is reniced to this process's niceness, so
``nice -n 10 manage.py generate_bench_data …`` leaves the CPUs to everyone else.

The dev database is never touched: the command refuses a target name without ``bench`` in it.
A finished run records its parameters in ``bench_meta``; running again with the same
parameters does nothing, with other parameters (or after an interrupted run) it starts over
from an empty database. ``--reset`` always drops and recreates the database first.
"""

from __future__ import annotations

import copy
import json
import math
import os
import random
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections, models

DEFAULT_DATABASE = "shortscience_bench"
CONNECTION_ALIAS = "bench"

# Tables the generator fills, emptied first (order irrelevant with CASCADE).
FILLED_TABLES = [
    "moderation_auditentry",
    "moderation_report",
    "comments_comment",
    "summaries_vote",
    "summaries_revision",
    "summaries_summary",
    "taggit_taggeditem",
    "taggit_tag",
    "papers_paperauthor",
    "papers_paper",
    "papers_author",
    "papers_venue",
    "accounts_user_groups",
    "accounts_user",
]
# Bulk tables whose secondary indexes and foreign keys are dropped while loading.
BULK_TABLES = [
    "papers_paper",
    "papers_paperauthor",
    "papers_author",
    "summaries_summary",
    "summaries_revision",
    "summaries_vote",
    "comments_comment",
    "taggit_taggeditem",
]
# Rewritten with VACUUM FULL after the counter and search-vector updates.
REWRITTEN_TABLES = ["papers_paper", "summaries_summary", "papers_venue", "accounts_user"]

COUNTED_TABLES = [
    "papers_paper",
    "papers_author",
    "papers_paperauthor",
    "taggit_taggeditem",
    "summaries_summary",
    "summaries_vote",
    "comments_comment",
    "accounts_user",
]
BANNED_USERS = 3
MODERATOR_USERS = 5
ADMIN_USERNAME = "benchadmin"


@dataclass(frozen=True)
class BenchSpec:
    papers: int = 20_000
    summaries: int = 8_000
    users: int = 400
    seed: int = 42
    # Percentage of papers on arXiv (the largest venue by far, as on the real site).
    arxiv_percent: int = 80
    # Percentage of papers with keywords (taggit).
    keyword_percent: int = 35
    comments_per_summary: float = 0.4
    votes_per_summary: float = 3.0

    @property
    def authors(self) -> int:
        return max(200, int(self.papers * 0.6))


# --- Vocabulary (shortscience/bench_words.json) ------------------------------------------------------------------

_VOCABULARY = json.loads((Path(__file__).resolve().parents[2] / "bench_words.json").read_text(encoding="utf-8"))
_ADJECTIVES = _VOCABULARY["adjectives"]
_NOUNS = _VOCABULARY["nouns"]
_TASK_LIST = _VOCABULARY["tasks"]
_VERBS = _VOCABULARY["verbs"]
_SYLLABLES = _VOCABULARY["syllables"]
_FIRST_NAMES = _VOCABULARY["first_names"]
_LAST_NAMES = _VOCABULARY["last_names"]
_CHINESE = _VOCABULARY["chinese"]
# (name, acronym, kind)
_VENUES = [tuple(venue) for venue in _VOCABULARY["venues"]]
_VENUE_FIELDS = _VOCABULARY["venue_fields"]


def _coined(rng: random.Random) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()


def _sentence(rng: random.Random) -> str:
    adj, noun, task = rng.choice(_ADJECTIVES), rng.choice(_NOUNS), rng.choice(_TASK_LIST)
    templates = [
        f"We propose {adj} {noun} for {task} that {rng.choice(_VERBS)} prior work on several benchmarks.",
        f"Our analysis shows that {adj} {noun} learn representations useful for {task}.",
        f"Experiments on {task} demonstrate that the method {rng.choice(_VERBS)} strong baselines by a wide margin.",
        f"The key idea is to combine {rng.choice(_ADJECTIVES)} {noun} with {adj} {rng.choice(_NOUNS)}.",
        f"We prove convergence of {adj} {noun} under mild assumptions and study {task} empirically.",
        f"Code and pretrained {noun} for {task} are publicly available.",
        f"Unlike previous approaches, {_coined(rng)} {rng.choice(_VERBS)} {task} without labelled data.",
    ]
    return rng.choice(templates)


def _paragraph(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.05:
        return " ".join(rng.sample(_CHINESE, 2))
    if roll < 0.15:
        return f"## {rng.choice(['Idea', 'Method', 'Results', 'Why it matters', 'Limitations'])}"
    if roll < 0.30:
        return "\n".join(f"- {_sentence(rng)}" for _ in range(rng.randint(2, 4)))
    if roll < 0.40:
        norm = rng.randint(1, 2)
        return (
            "$$\\mathcal{L}(\\theta) = \\sum_{i=1}^{n} \\ell(f_\\theta(x_i), y_i)"
            f" + \\lambda \\|\\theta\\|_{norm}$$"
        )
    text = " ".join(_sentence(rng) for _ in range(rng.randint(2, 5)))
    if rng.random() < 0.5:
        text += " The update uses $x_{t+1} = x_t - \\eta \\nabla f(x_t)$"
        text += f" with step size $\\eta = 10^{{-{rng.randint(2, 5)}}}$."
    return text


def _sql_array(words: list[str]) -> str:
    return "ARRAY[" + ",".join("'" + w.replace("'", "''") + "'" for w in words) + "]::text[]"


def _pick(array_sql: str, length: int, expr: str = "random()") -> str:
    """SQL picking one element of a small literal array."""
    return f"({array_sql})[1 + floor({expr} * {length})::int]"


# --- The generator -----------------------------------------------------------------------------------------


class Generator:
    """Runs the generation on one Django connection (the bench database, or the test database in tests)."""

    def __init__(
        self, connection, spec: BenchSpec, *, log=print, vacuum: bool = False, batch: int = 100_000, workers: int = 1
    ):
        self.connection = connection
        self.spec = spec
        self.log = log
        self.vacuum = vacuum
        self.batch = batch
        # Batches of the big statements run on this many connections at once (1 inside a test's transaction:
        # other connections would not see its rows).
        self.workers = workers
        self.timings: dict[str, float] = {}
        self.rng = random.Random(spec.seed)

    # Helpers --------------------------------------------------------------------------------------------

    def execute(self, sql: str, params=None):
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.rowcount

    def scalar(self, sql: str, params=None):
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
            return row[0] if row else None

    def step(self, name: str, func, *args) -> None:
        started = time.monotonic()
        func(*args)
        elapsed = time.monotonic() - started
        self.timings[name] = round(elapsed, 2)
        self.log(f"  {name:<34} {elapsed:8.1f} s")

    def batches(self, total: int, size: int | None = None):
        size = size or self.batch
        for low in range(1, total + 1, size):
            yield low, min(total, low + size - 1)

    def run_batches(self, label: str, sql: str, total: int, size: int, extra: dict | None = None) -> None:
        """Run ``sql`` once per id range ``%(low)s``–``%(high)s`` of 1..total, on ``self.workers`` connections."""
        jobs = [{"low": low, "high": high, **(extra or {})} for low, high in self.batches(total, size)]
        if self.workers <= 1 or len(jobs) == 1:
            for done, params in enumerate(jobs, 1):
                self.execute(sql, params)
                self._progress(label, done, len(jobs))
            return
        queue = list(reversed(jobs))
        lock = threading.Lock()
        errors: list[BaseException] = []
        finished = [0]
        alias = self.connection.alias

        def worker():
            connection = connections[alias]  # a connection of this thread's own
            try:
                renice_backend(connection)
                with connection.cursor() as cursor:
                    cursor.execute("SET synchronous_commit = off")
                while True:
                    with lock:
                        if not queue or errors:
                            return
                        params = queue.pop()
                    with connection.cursor() as cursor:
                        cursor.execute(sql, params)
                    with lock:
                        finished[0] += 1
                        self._progress(label, finished[0], len(jobs))
            except BaseException as error:  # re-raised in the main thread
                with lock:
                    errors.append(error)
            finally:
                connection.close()

        threads = [threading.Thread(target=worker) for _ in range(self.workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]

    def _progress(self, label: str, done: int, total: int) -> None:
        if total > 4 and (done == total or done % max(1, total // 5) == 0):
            self.log(f"    {label} {done}/{total} batches")

    # Entry point ----------------------------------------------------------------------------------------

    def run(self) -> dict[str, float]:
        spec = self.spec
        self.log(
            f"Generating {spec.papers:,} papers, {spec.summaries:,} summaries, {spec.users:,} members "
            f"into database {self.connection.settings_dict['NAME']!r}"
        )
        started = time.monotonic()
        self.execute("SET CONSTRAINTS ALL IMMEDIATE")
        self.execute("SET synchronous_commit = off")
        self.execute("SELECT setseed(%s)", [((spec.seed % 1000) / 1000.0)])
        self.step("empty tables", self.empty_tables)
        defaults = self.add_column_defaults()
        dropped = self.drop_secondary_structures()
        self.step("text pools", self.create_pools)
        self.step("members", self.insert_users)
        self.step("venues", self.insert_venues)
        self.step("authors", self.insert_authors)
        self.step("papers", self.insert_papers)
        self.step("ordered authors", self.insert_authorships)
        self.step("keywords", self.insert_keywords)
        self.step("summaries", self.insert_summaries)
        self.step("revisions", self.insert_revisions)
        self.step("votes", self.insert_votes)
        self.step("comments", self.insert_comments)
        self.step("reports and audit trail", self.insert_moderation)
        # Fresh statistics first: the counter and search-vector statements join the loaded tables row by row.
        self.step("analyze (loaded rows)", self.analyze)
        self.step("counters", self.update_counters)
        self.step("search vectors (papers)", self.update_paper_vectors)
        self.step("title words", self.update_title_words)
        self.step("search vectors (summaries)", self.update_summary_vectors)
        if self.vacuum:
            self.step("vacuum full", self.vacuum_full)
        self.step("indexes and foreign keys", self.restore_secondary_structures, dropped)
        self.step("sequences", self.reset_sequences)
        self.drop_column_defaults(defaults)
        if self.vacuum:
            # Statistics, and the visibility map that VACUUM FULL leaves empty: autovacuum sets it on a live site,
            # and without it every count reads the heap (the admin's "today" counts: 77 ms, 2 ms with it).
            self.step("vacuum and analyze", self.vacuum_analyze)
        else:
            self.step("analyze", self.analyze)
        self.execute("DROP TABLE IF EXISTS bench_sentence, bench_paragraph, bench_remark")
        self.execute("RESET synchronous_commit")
        self.timings["total"] = round(time.monotonic() - started, 2)
        self.log(f"  {'total':<34} {self.timings['total']:8.1f} s")
        return self.timings

    def empty_tables(self) -> None:
        self.execute("TRUNCATE " + ", ".join(FILLED_TABLES) + " RESTART IDENTITY CASCADE")

    def add_column_defaults(self) -> list[tuple[str, str]]:
        """Give NOT NULL columns the model's default in the database while loading.

        The INSERTs below name the columns they fill; columns that other parts of the project add later
        (with a Python default) then still get a valid value instead of breaking the generator.
        """
        from django.apps import apps
        from psycopg import sql

        tables = set(FILLED_TABLES)
        added = []
        raw = self.connection.connection
        for model in apps.get_models(include_auto_created=True):
            table = model._meta.db_table
            if table not in tables:
                continue
            for field in model._meta.concrete_fields:
                if field.null or field.primary_key or field.db_default is not models.NOT_PROVIDED:
                    continue
                if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                    literal = "now()"
                elif field.has_default():
                    value = field.get_db_prep_save(field.get_default(), self.connection)
                    literal = sql.Literal(value).as_string(raw)
                else:
                    continue
                self.execute(f'ALTER TABLE "{table}" ALTER COLUMN "{field.column}" SET DEFAULT {literal}')
                added.append((table, field.column))
        return added

    def drop_column_defaults(self, added: list[tuple[str, str]]) -> None:
        for table, column in added:
            self.execute(f'ALTER TABLE "{table}" ALTER COLUMN "{column}" DROP DEFAULT')

    def drop_secondary_structures(self) -> list[str]:
        """Drop secondary indexes and foreign keys of the bulk tables; return the DDL that recreates them."""
        with self.connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT format('ALTER TABLE %%I ADD CONSTRAINT %%I %%s', c.conrelid::regclass::text, c.conname,
                              pg_get_constraintdef(c.oid)),
                       format('ALTER TABLE %%I DROP CONSTRAINT %%I', c.conrelid::regclass::text, c.conname)
                FROM pg_constraint c
                WHERE c.contype = 'f' AND c.conrelid::regclass::text = ANY(%s)
                ORDER BY c.conname
                """,
                [BULK_TABLES],
            )
            foreign_keys = cursor.fetchall()
            # Indexes that no constraint owns (primary keys and UNIQUE constraints stay: they guard the data).
            # taggit's look-up index stays too: the search-vector SQL reads keywords through it.
            cursor.execute(
                """
                SELECT i.indexdef, format('DROP INDEX %%I', i.indexname)
                FROM pg_indexes i
                WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s) AND i.tablename <> 'taggit_taggeditem'
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = (quote_ident(i.indexname))::regclass)
                ORDER BY i.indexname
                """,
                [BULK_TABLES],
            )
            indexes = cursor.fetchall()
            for _, drop in foreign_keys + indexes:
                cursor.execute(drop)
        return [create for create, _ in indexes] + [create for create, _ in foreign_keys]

    def restore_secondary_structures(self, ddl: list[str]) -> None:
        self.execute("SET maintenance_work_mem = '1GB'")
        for statement in ddl:
            self.execute(statement)
        self.execute("RESET maintenance_work_mem")

    # Text pools -------------------------------------------------------------------------------------------

    def create_pools(self) -> None:
        from shortscience.lib.markdown import render_comment, render_markdown

        rng = self.rng
        spec = self.spec
        sentences = [_sentence(rng) for _ in range(min(4000, max(200, spec.papers // 10)))]
        paragraphs = [_paragraph(rng) for _ in range(min(1500, max(60, spec.summaries // 4)))]
        remarks = [
            rng.choice(
                [
                    f"Thanks, this made the {rng.choice(_NOUNS)} part much clearer.",
                    f"How does this compare with {_coined(rng)} on {rng.choice(_TASK_LIST)}?",
                    f"I think the bound in the second section needs $\\delta < {rng.randint(1, 9)}/10$.",
                    f"Great summary. The ablation on {rng.choice(_ADJECTIVES)} {rng.choice(_NOUNS)} is the key result.",
                    "这个总结写得很好，谢谢！",
                ]
            )
            for _ in range(200)
        ]
        self.execute("DROP TABLE IF EXISTS bench_sentence, bench_paragraph, bench_remark")
        # Plain (unlogged) tables rather than temporary ones: every worker connection reads them.
        self.execute("CREATE UNLOGGED TABLE bench_sentence (id int PRIMARY KEY, body text NOT NULL)")
        for table in ("bench_paragraph", "bench_remark"):
            self.execute(f"CREATE UNLOGGED TABLE {table} (id int PRIMARY KEY, body text NOT NULL, html text NOT NULL)")
        with self.connection.cursor() as cursor:
            cursor.executemany("INSERT INTO bench_sentence VALUES (%s, %s)", list(enumerate(sentences)))
            cursor.executemany(
                "INSERT INTO bench_paragraph VALUES (%s, %s, %s)",
                [(i, p, render_markdown(p).strip()) for i, p in enumerate(paragraphs)],
            )
            cursor.executemany(
                "INSERT INTO bench_remark VALUES (%s, %s, %s)",
                [(i, r, render_comment(r).strip()) for i, r in enumerate(remarks)],
            )
        self.n_sentences, self.n_paragraphs, self.n_remarks = len(sentences), len(paragraphs), len(remarks)

    # Members, venues, authors -----------------------------------------------------------------------------

    def insert_users(self) -> None:
        from django.contrib.auth.models import Group

        from accounts.models import MODERATORS_GROUP

        users = self.spec.users
        first, last = _sql_array(_FIRST_NAMES), _sql_array(_LAST_NAMES)
        nf, nl = len(_FIRST_NAMES), len(_LAST_NAMES)
        self.execute(
            f"""
            INSERT INTO accounts_user (id, password, last_login, is_superuser, username, first_name, last_name,
                email, is_staff, is_active, date_joined, display_name, affiliation, bio, website, orcid,
                email_on_comment, banned_at, banned_until, ban_reason, summary_count, total_score)
            SELECT g, '!', NULL, g = 1,
                   CASE WHEN g = 1 THEN %(admin)s ELSE 'reader' || g END, '', '',
                   CASE WHEN g = 1 THEN 'admin@bench.invalid' ELSE 'reader' || g || '@bench.invalid' END,
                   g <= 1 + %(moderators)s, true,
                   now() - (g * interval '7 hours') - interval '1 day',
                   CASE WHEN g %% 3 = 0 THEN '' ELSE
                       ({first})[1 + g %% {nf}] || ' ' || ({last})[1 + (g * 7) %% {nl}] END,
                   CASE WHEN g %% 4 = 0 THEN '' ELSE 'University of ' || ({last})[1 + (g * 3) %% {nl}] END,
                   CASE WHEN g %% 5 = 0 THEN '' ELSE 'I read papers about machine learning and write about them.' END,
                   CASE WHEN g %% 6 = 0 THEN 'https://example.org/~reader' || g ELSE '' END,
                   '', true,
                   CASE WHEN g > %(users)s - %(banned)s THEN now() - interval '3 days' END,
                   NULL,
                   CASE WHEN g > %(users)s - %(banned)s THEN 'Spam' ELSE '' END,
                   0, 0
            FROM generate_series(1, %(users)s) g
            """,
            {"admin": ADMIN_USERNAME, "moderators": MODERATOR_USERS, "users": users, "banned": BANNED_USERS},
        )
        group, _ = Group.objects.db_manager(self.connection.alias).get_or_create(name=MODERATORS_GROUP)
        self.execute(
            "INSERT INTO accounts_user_groups (user_id, group_id) SELECT g, %s FROM generate_series(2, %s) g",
            [group.pk, 1 + MODERATOR_USERS],
        )
        self.banned_from = users - BANNED_USERS + 1

    def insert_venues(self) -> None:
        rows = [("arXiv", "arXiv", "arxiv", "preprint", "journals/corr")]
        for name, acronym, kind in _VENUES:
            rows.append((name, acronym, (acronym or name).lower().replace(" ", "-"), kind, ""))
        rng = self.rng
        count = min(300, max(40, self.spec.papers // 500))
        while len(rows) < count:
            field = rng.choice(_VENUE_FIELDS)
            kind = rng.choice(["journal", "conference", "workshop"])
            name = {
                "journal": f"Journal of {rng.choice(_ADJECTIVES).capitalize()} {field}",
                "conference": f"International Conference on {rng.choice(_ADJECTIVES).capitalize()} {field}",
                "workshop": f"Workshop on {rng.choice(_ADJECTIVES).capitalize()} {field}",
            }[kind]
            rows.append((f"{name} {len(rows)}", "", f"venue-{len(rows)}", kind, ""))
        with self.connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO papers_venue (id, name, acronym, slug, kind, dblp_key, paper_count, summary_count)"
                " VALUES (%s, %s, %s, %s, %s, %s, 0, 0)",
                [(i + 1, *row) for i, row in enumerate(rows)],
            )
        self.n_venues = len(rows)

    def insert_authors(self) -> None:
        first, last = _sql_array(_FIRST_NAMES), _sql_array(_LAST_NAMES)
        nf, nl = len(_FIRST_NAMES), len(_LAST_NAMES)
        self.run_batches(
            "authors",
            f"""
            INSERT INTO papers_author (id, name, slug, orcid)
            SELECT g, name, trim(both '-' from regexp_replace(lower(name), '[^a-z0-9]+', '-', 'g')) || '-' || g,
                   CASE WHEN g %% 50 = 0 THEN
                       '0000-' || lpad((g / 10000000)::text, 4, '0')
                       || '-' || lpad(((g / 1000) %% 10000)::text, 4, '0')
                       || '-' || lpad((g %% 1000)::text, 3, '0') || 'X' ELSE '' END
            FROM (SELECT g, ({first})[1 + g %% {nf}]
                         || CASE WHEN g %% 7 = 0 THEN ' ' || chr(65 + (g / 7) %% 26) || '.' ELSE '' END
                         || ' ' || ({last})[1 + (g / {nf}) %% {nl}] AS name
                  FROM generate_series(%(low)s, %(high)s) g) a
            """,
            self.spec.authors,
            250_000,
        )

    # Papers ------------------------------------------------------------------------------------------------

    def insert_papers(self) -> None:
        spec = self.spec
        pct = spec.arxiv_percent
        n_arxiv = (spec.papers // 100) * pct + min(spec.papers % 100, pct)
        # New-style arXiv ids: four-digit numbers until December 2014 (93 months from April 2007), five after.
        pre_months, post_months = 93, 132
        n_pre = min(n_arxiv * 3 // 10, pre_months * 9000)
        if math.ceil((n_arxiv - n_pre) / post_months) > 99_999:
            raise CommandError("Too many arXiv papers for unique identifiers; lower --papers or the arXiv share.")
        adjectives, nouns, tasks = _sql_array(_ADJECTIVES), _sql_array(_NOUNS), _sql_array(_TASK_LIST)
        syllables = f"({_sql_array(_SYLLABLES)})"
        na, nn, nt, ns = len(_ADJECTIVES), len(_NOUNS), len(_TASK_LIST), len(_SYLLABLES)
        coined = (
            "initcap("
            + " || ".join(f"{syllables}[1 + (hashint8(g * 4 + {i}) & 2147483647) %% {ns}]" for i in range(4))
            + ")"
        )
        title = (
            f"CASE WHEN g %% 4 = 0 THEN {coined} || ': ' ELSE '' END"
            f" || initcap({_pick(adjectives, na, 'r1')}) || ' ' || {_pick(nouns, nn, 'r2')}"
            f" || CASE WHEN g %% 3 = 0 THEN ' and ' || {_pick(adjectives, na, 'r3')} || ' ' || {_pick(nouns, nn, 'r4')}"
            " ELSE '' END"
            f" || ' for ' || {_pick(tasks, nt, 'r5')}"
            f" || CASE WHEN g %% 5 = 1 THEN ' with ' || {coined} ELSE '' END"
        )
        self.n_arxiv = n_arxiv
        self.run_batches(
            "papers",
            f"""
            WITH base AS (
                SELECT g, random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5,
                       (g %% 100) < {pct} AS is_arxiv,
                       (g / 100) * {pct} + least(g %% 100, {pct}) AS k,
                       floor(random() * {self.n_sentences})::int AS s1,
                       floor(random() * {self.n_sentences})::int AS s2,
                       floor(random() * {self.n_sentences})::int AS s3,
                       floor(random() * {self.n_sentences})::int AS s4,
                       floor(random() * {self.n_sentences})::int AS s5,
                       2 + floor(power(random(), 2) * {self.n_venues - 1})::int AS other_venue,
                       2025 - floor(power(random(), 2) * 30)::int AS other_year,
                       now() - power(random(), 1.5) * interval '3650 days' AS added
                FROM generate_series(%(low)s, %(high)s) g
            ), ids AS (
                SELECT *,
                       CASE WHEN k < {n_pre} THEN k %% {pre_months}
                            ELSE {pre_months} + (k - {n_pre}) %% {post_months} END
                           AS month_idx,
                       CASE WHEN k < {n_pre} THEN k / {pre_months} ELSE (k - {n_pre}) / {post_months} END + 1 AS seq
                FROM base
            ), shaped AS (
                SELECT ids.*, {title} AS title,
                       CASE WHEN is_arxiv THEN
                           lpad(((7 + (3 + month_idx) / 12) %% 100)::text, 2, '0')
                           || lpad((1 + (3 + month_idx) %% 12)::text, 2, '0') || '.'
                           || lpad(seq::text, CASE WHEN month_idx < {pre_months} THEN 4 ELSE 5 END, '0')
                       END AS arxiv_id,
                       CASE WHEN is_arxiv THEN 2007 + (3 + month_idx) / 12 ELSE other_year END AS year,
                       CASE WHEN is_arxiv THEN 1 + (3 + month_idx) %% 12 ELSE 1 + g %% 12 END AS month
                FROM ids
            )
            INSERT INTO papers_paper (id, title, slug, abstract, venue_id, year, published_on, arxiv_id,
                arxiv_version, doi, dblp_key, url, pdf_url, source, added_by_id, merged_into_id, title_key,
                summary_count, last_summary_at, search_vector, created_at, updated_at, journal_ref, license,
                arxiv_comments)
            SELECT g, title,
                   left(trim(both '-' from regexp_replace(lower(title), '[^a-z0-9]+', '-', 'g')), 80) || '-' || g,
                   a1.body || ' ' || a2.body || ' ' || a3.body || ' ' || a4.body
                       || CASE WHEN g %% 2 = 0 THEN ' ' || a5.body ELSE '' END,
                   CASE WHEN is_arxiv THEN 1 ELSE other_venue END,
                   year, make_date(year, month, 1 + g %% 28),
                   arxiv_id, CASE WHEN is_arxiv THEN 1 + g %% 4 END,
                   CASE WHEN NOT is_arxiv OR g %% 5 = 0 THEN '10.' || (1000 + g %% 9000) || '/bench.' || g END,
                   CASE WHEN NOT is_arxiv AND g %% 2 = 0 THEN 'conf/bench/P' || g END,
                   CASE WHEN is_arxiv THEN 'https://arxiv.org/abs/' || arxiv_id
                        ELSE 'https://doi.org/10.' || (1000 + g %% 9000) || '/bench.' || g END,
                   CASE WHEN is_arxiv THEN 'https://arxiv.org/pdf/' || arxiv_id ELSE '' END,
                   CASE WHEN is_arxiv THEN 'arxiv' ELSE 'crossref' END,
                   CASE WHEN g %% 3 = 0 THEN 1 + g %% {self.spec.users} END,
                   CASE WHEN g %% 2000 = 7 THEN g - 1 END,
                   trim(regexp_replace(lower(title), '[^a-z0-9]+', ' ', 'g')),
                   0, NULL, NULL, added, added, '', '', ''
            FROM shaped
            JOIN bench_sentence a1 ON a1.id = s1
            JOIN bench_sentence a2 ON a2.id = s2
            JOIN bench_sentence a3 ON a3.id = s3
            JOIN bench_sentence a4 ON a4.id = s4
            JOIN bench_sentence a5 ON a5.id = s5
            """,
            spec.papers,
            self.batch,
        )

    def insert_authorships(self) -> None:
        authors = self.spec.authors
        stride = max(1, authors // 8)
        # 3–8 distinct authors per paper: base + position × stride stays distinct modulo the pool size.
        # The base is skewed towards low ids, so some authors are prolific (long author pages).
        self.run_batches(
            "ordered authors",
            f"""
            INSERT INTO papers_paperauthor (paper_id, author_id, position)
            SELECT p.g, 1 + (p.base + pos * {stride}) %% {authors}, pos
            FROM (SELECT g, floor(power(random(), 2.5) * {authors})::bigint AS base,
                         3 + floor(random() * 6)::int AS k
                  FROM generate_series(%(low)s, %(high)s) g) p
            CROSS JOIN LATERAL generate_series(0, p.k - 1) pos
            """,
            self.spec.papers,
            250_000,
        )

    def insert_keywords(self) -> None:
        from django.contrib.contenttypes.models import ContentType

        from papers.models import Paper

        content_type = ContentType.objects.db_manager(self.connection.alias).get_for_model(Paper)
        names = sorted(
            {t for t in _TASK_LIST}
            | {f"{a} {n}" for a in _ADJECTIVES for n in _NOUNS[:12]}
            | {f"{a} {t}" for a in _ADJECTIVES[:10] for t in _TASK_LIST}
        )[:1500]
        self.rng.shuffle(names)
        with self.connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO taggit_tag (id, name, slug) VALUES (%s, %s, %s)",
                [(i + 1, name, name.replace(" ", "-")) for i, name in enumerate(names)],
            )
        n_tags = len(names)
        stride = max(1, n_tags // 4)
        self.run_batches(
            "keywords",
            f"""
            INSERT INTO taggit_taggeditem (object_id, content_type_id, tag_id)
            SELECT p.g, %(ct)s, 1 + (p.base + pos * {stride}) %% {n_tags}
            FROM (SELECT g, floor(power(random(), 3) * {n_tags})::int AS base, 1 + floor(random() * 4)::int AS k
                  FROM generate_series(%(low)s, %(high)s) g
                  WHERE random() * 100 < {self.spec.keyword_percent}) p
            CROSS JOIN LATERAL generate_series(0, p.k - 1) pos
            """,
            self.spec.papers,
            250_000,
            extra={"ct": content_type.pk},
        )

    # Summaries and what hangs off them ---------------------------------------------------------------------

    def _permutation_multiplier(self) -> int:
        """A multiplier coprime with the number of papers, near the golden ratio of it (spreads ranks out)."""
        multiplier = max(1, int(self.spec.papers * 0.6180339887))
        while math.gcd(multiplier, self.spec.papers) != 1:
            multiplier += 1
        return multiplier

    def insert_summaries(self) -> None:
        spec = self.spec
        multiplier = self._permutation_multiplier()
        users = spec.users - BANNED_USERS
        # Papers that receive summaries: a skewed draw over a fixed permutation of all papers, so popular papers
        # have hundreds of summaries, most have none, and popularity is not tied to the paper id.
        universe = max(10, min(spec.papers, int(spec.summaries * 0.8)))
        next_id = 1
        inserted = 0
        attempts = 0
        while inserted < spec.summaries and attempts < 50:
            attempts += 1
            want = min(self.batch, spec.summaries - inserted)
            draw = int(want * 1.15) + 10
            count = self.execute(
                f"""
                INSERT INTO summaries_summary (id, paper_id, writer_id, body, body_html, visibility, is_anonymous,
                    state, audience, arxiv_version, score, comment_count, is_featured, featured_at, share_token,
                    revision_number, deleted_at, search_vector, created_at, updated_at)
                SELECT d.id, paper_id, writer_id,
                       p1.body || E'\\n\\n' || p2.body || E'\\n\\n' || p3.body,
                       p1.html || E'\\n' || p2.html || E'\\n' || p3.html,
                       CASE WHEN roll < 0.03 THEN 'private' ELSE 'public' END,
                       roll BETWEEN 0.03 AND 0.13,
                       CASE WHEN roll BETWEEN 0.13 AND 0.14 THEN 'hidden' WHEN roll BETWEEN 0.14 AND 0.145 THEN 'spam'
                            WHEN roll BETWEEN 0.145 AND 0.15 THEN 'pending' ELSE 'visible' END,
                       (ARRAY['newcomer', 'practitioner', 'expert'])[1 + d.id %% 3],
                       CASE WHEN d.id %% 3 = 0 THEN 1 + d.id %% 3 END,
                       0, 0, roll > 0.9995, CASE WHEN roll > 0.9995 THEN created END, NULL, 1,
                       CASE WHEN roll BETWEEN 0.15 AND 0.155 THEN created + interval '1 day' END,
                       NULL, created, created
                FROM (
                    SELECT %(next_id)s + n AS id,
                           1 + (floor(power(random(), 2) * {universe})::bigint * {multiplier} + 17)
                               %% {spec.papers} AS paper_id,
                           1 + floor(power(random(), 1.6) * {users})::int AS writer_id,
                           random() AS roll,
                           now() - power(random(), 2) * interval '3650 days' AS created,
                           floor(random() * {self.n_paragraphs})::int AS q1,
                           floor(random() * {self.n_paragraphs})::int AS q2,
                           floor(random() * {self.n_paragraphs})::int AS q3
                    FROM generate_series(0, %(draw)s - 1) n
                ) d
                JOIN bench_paragraph p1 ON p1.id = q1
                JOIN bench_paragraph p2 ON p2.id = q2
                JOIN bench_paragraph p3 ON p3.id = q3
                -- Merged papers redirect to the paper they were merged into and get no summaries of their own.
                WHERE paper_id %% 2000 <> 7
                ORDER BY d.id
                LIMIT %(want)s
                ON CONFLICT ON CONSTRAINT summary_one_per_writer_per_paper DO NOTHING
                """,
                {"next_id": next_id, "draw": draw, "want": want},
            )
            next_id += draw
            inserted += count
            self.log(f"    summaries {inserted:,}/{spec.summaries:,}")
        self.max_summary_id = next_id

    def insert_revisions(self) -> None:
        self.run_batches(
            "revisions",
            """
            INSERT INTO summaries_revision (summary_id, number, body, editor_id, created_at)
            SELECT id, 1, body, writer_id, created_at FROM summaries_summary WHERE id BETWEEN %(low)s AND %(high)s
            """,
            self.max_summary_id,
            250_000,
        )

    def insert_votes(self) -> None:
        voters = self.banned_from - 1  # banned members' votes would not count; they cast none here
        mean = self.spec.votes_per_summary
        # Vote counts follow a power law; distinct voters per summary via base + i × stride (stride coprime).
        stride = next(s for s in range(7, voters + 8) if math.gcd(s, voters) == 1)
        self.run_batches(
            "votes",
            f"""
            INSERT INTO summaries_vote (user_id, summary_id, value, created_at, updated_at)
            SELECT voter, s.id, CASE WHEN random() < 0.88 THEN 1 ELSE -1 END, t, t
            FROM (SELECT id, writer_id, created_at,
                         least({voters - 1}, floor(power(random(), 3) * {mean * 4})::int) AS k,
                         floor(random() * {voters})::int AS base
                  FROM summaries_summary WHERE id BETWEEN %(low)s AND %(high)s) s
            CROSS JOIN LATERAL generate_series(0, s.k - 1) i
            CROSS JOIN LATERAL (SELECT 1 + (s.base + i * {stride}) %% {voters} AS voter,
                                       s.created_at + (i + 1) * interval '5 hours' AS t) v
            WHERE voter IS DISTINCT FROM s.writer_id
            """,
            self.max_summary_id,
            100_000,
        )

    def insert_comments(self) -> None:
        n_top = int(self.spec.summaries * self.spec.comments_per_summary * 0.75)
        n_replies = int(self.spec.summaries * self.spec.comments_per_summary * 0.25)
        users = self.spec.users - BANNED_USERS
        # Top-level comments on summaries skewed towards early ids (any summary id; gaps are skipped).
        self.execute(
            f"""
            INSERT INTO comments_comment (id, summary_id, writer_id, parent_id, body, body_html, state, deleted_at,
                                          created_at, updated_at)
            SELECT n, s.id, 1 + (n * 37) %% {users}, NULL, r.body, r.html,
                   CASE WHEN n %% 50 = 0 THEN 'hidden' WHEN n %% 97 = 0 THEN 'spam' ELSE 'visible' END,
                   CASE WHEN n %% 101 = 0 THEN s.created_at + interval '3 days' END,
                   s.created_at + interval '1 day', s.created_at + interval '1 day'
            FROM (SELECT n, 1 + floor(power(random(), 2) * {self.max_summary_id})::bigint AS sid,
                         floor(random() * {self.n_remarks})::int AS rid
                  FROM generate_series(1, %s) n) c
            JOIN summaries_summary s ON s.id = c.sid
            JOIN bench_remark r ON r.id = c.rid
            """,
            [n_top],
        )
        top = self.scalar("SELECT coalesce(max(id), 0) FROM comments_comment")
        if top:
            self.execute(
                f"""
                INSERT INTO comments_comment (id, summary_id, writer_id, parent_id, body, body_html, state,
                                              deleted_at, created_at, updated_at)
                SELECT {top} + n, p.summary_id, 1 + (n * 53) %% {users}, p.id, r.body, r.html, 'visible', NULL,
                       p.created_at + interval '2 hours', p.created_at + interval '2 hours'
                FROM (SELECT n, 1 + floor(random() * {top})::bigint AS pid,
                             floor(random() * {self.n_remarks})::int AS rid
                      FROM generate_series(1, %s) n) c
                JOIN comments_comment p ON p.id = c.pid
                JOIN bench_remark r ON r.id = c.rid
                """,
                [n_replies],
            )

    def insert_moderation(self) -> None:
        from django.contrib.contenttypes.models import ContentType

        from comments.models import Comment
        from summaries.models import Summary

        types = ContentType.objects.db_manager(self.connection.alias)
        summary_type, comment_type = types.get_for_model(Summary).pk, types.get_for_model(Comment).pk
        users = self.spec.users - BANNED_USERS
        reports = min(2000, max(20, self.spec.summaries // 200))
        self.execute(
            f"""
            INSERT INTO moderation_report (reporter_id, content_type_id, object_id, reason, details, status,
                                           resolved_by_id, resolved_at, created_at)
            SELECT DISTINCT ON (reporter, ct, oid) reporter, ct, oid,
                   (ARRAY['spam', 'abuse', 'wrong_paper', 'duplicate', 'other'])[1 + n %% 5],
                   'Looks wrong to me.', CASE WHEN n %% 3 = 0 THEN 'resolved' ELSE 'open' END,
                   CASE WHEN n %% 3 = 0 THEN 2 END, CASE WHEN n %% 3 = 0 THEN now() - interval '1 hour' END,
                   now() - n * interval '1 hour'
            FROM (SELECT n, 2 + (n * 13) %% ({users} - 1) AS reporter,
                         CASE WHEN n %% 4 = 0 THEN %s ELSE %s END AS ct,
                         CASE WHEN n %% 4 = 0 THEN (SELECT min(id) FROM comments_comment) + n
                              ELSE (SELECT min(id) FROM summaries_summary) + n * 7 END AS oid
                  FROM generate_series(1, %s) n) r
            """,
            [comment_type, summary_type, reports],
        )
        self.execute(
            """
            INSERT INTO moderation_auditentry (actor_id, action, content_type_id, object_id, object_repr, reason,
                                               created_at)
            SELECT 2, (ARRAY['hide', 'spam', 'resolve', 'feature', 'restore'])[1 + s.id %% 5], %s, s.id,
                   'Summary ' || s.id, 'Bench data', s.updated_at
            FROM summaries_summary s WHERE s.state <> 'visible' OR s.is_featured
            """,
            [summary_type],
        )

    # Derived data ----------------------------------------------------------------------------------------

    def update_counters(self) -> None:
        from comments.models import Comment
        from summaries import counters

        # The statements repair_counters runs: one spelling of each counter's rule.
        counters.repair_all(Comment.objects.shown(), using=self.connection.alias)

    def update_paper_vectors(self) -> None:
        from papers.vectors import CJK_SQL_PATTERN, PAPER_VECTOR_SQL

        self.run_batches(
            "paper vectors",
            PAPER_VECTOR_SQL + " WHERE p.id BETWEEN %(low)s AND %(high)s",
            self.spec.papers,
            25_000,
            extra={"cjk": CJK_SQL_PATTERN},
        )

    def update_title_words(self) -> None:
        from papers.vectors import TITLE_WORDS_SQL

        self.run_batches(
            "title words", TITLE_WORDS_SQL.format(where="p.id BETWEEN %(low)s AND %(high)s"), self.spec.papers, 25_000
        )

    def update_summary_vectors(self) -> None:
        from papers.vectors import CJK_SQL_PATTERN
        from summaries.vectors import SUMMARY_VECTOR_SQL

        self.run_batches(
            "summary vectors",
            SUMMARY_VECTOR_SQL + " WHERE s.id BETWEEN %(low)s AND %(high)s",
            self.max_summary_id,
            50_000,
            extra={"cjk": CJK_SQL_PATTERN},
        )

    def vacuum_full(self) -> None:
        for table in REWRITTEN_TABLES:
            self.execute(f"VACUUM FULL {table}")

    def reset_sequences(self) -> None:
        for table in FILLED_TABLES:
            self.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                f" coalesce((SELECT max(id) FROM {table}), 0) + 1, false)"
            )

    def analyze(self) -> None:
        for table in FILLED_TABLES:
            self.execute(f"ANALYZE {table}")

    def vacuum_analyze(self) -> None:
        for table in FILLED_TABLES:
            self.execute(f"VACUUM (ANALYZE) {table}")


def generate(connection, spec: BenchSpec, *, log=print, vacuum: bool = False, workers: int = 1) -> dict[str, float]:
    """Fill the database behind ``connection`` with bench data; returns the seconds each step took.

    Empties the tables it fills first. ``vacuum`` rewrites the big tables once at the end and ``workers`` > 1
    runs the big batched statements on that many connections (neither works inside a transaction, so tests
    leave both off).
    """
    return Generator(connection, spec, log=log, vacuum=vacuum, workers=workers).run()


# --- Database handling -------------------------------------------------------------------------------------


def _maintenance_connection():
    """A psycopg connection to the server's ``postgres`` database, for CREATE/DROP DATABASE."""
    import psycopg

    params = settings.DATABASES["default"]
    kwargs = {
        "dbname": "postgres",
        "user": params.get("USER") or None,
        "password": params.get("PASSWORD") or None,
        "host": params.get("HOST") or None,
        "port": params.get("PORT") or None,
        **(params.get("OPTIONS") or {}),
    }
    kwargs.pop("pool", None)
    return psycopg.connect(autocommit=True, **{k: v for k, v in kwargs.items() if v is not None})


def ensure_database(name: str, *, reset: bool = False) -> bool:
    """Create database ``name`` on the site's server if needed (dropping it first on ``reset``); True if created."""
    from psycopg import sql

    with _maintenance_connection() as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None
        if exists and reset:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            exists = False
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            return True
    return False


def bench_connection(name: str):
    """A Django connection (alias ``bench``) to database ``name`` on the site's server."""
    if CONNECTION_ALIAS not in connections.settings:
        config = copy.deepcopy(connections.settings[DEFAULT_DB_ALIAS])
        config["NAME"] = name
        config["CONN_MAX_AGE"] = 0
        connections.settings[CONNECTION_ALIAS] = config
    return connections[CONNECTION_ALIAS]


def renice_backend(connection) -> None:
    """Give the database backend serving ``connection`` this process's niceness (the work happens there)."""
    niceness = os.getpriority(os.PRIO_PROCESS, 0)
    if niceness <= 0:
        return
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    try:
        if os.getpriority(os.PRIO_PROCESS, pid) < niceness:
            os.setpriority(os.PRIO_PROCESS, pid, niceness)
    except (PermissionError, ProcessLookupError, OSError):
        pass  # remote server or another user's process: nothing to do


def read_meta(connection) -> dict | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('bench_meta') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return None
        cursor.execute("SELECT value FROM bench_meta WHERE key = 'spec'")
        row = cursor.fetchone()
        return (json.loads(row[0]) if isinstance(row[0], str) else row[0]) if row else None


def write_meta(connection, value: dict) -> None:
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_meta (key text PRIMARY KEY, value jsonb NOT NULL)")
        cursor.execute(
            "INSERT INTO bench_meta (key, value) VALUES ('spec', %s::jsonb)"
            " ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            [json.dumps(value)],
        )


class Command(BaseCommand):
    help = "Fill a separate benchmark database (default shortscience_bench) with realistic data at scale."

    def add_arguments(self, parser):
        parser.add_argument("--papers", type=int, default=BenchSpec.papers)
        parser.add_argument("--summaries", type=int, default=BenchSpec.summaries)
        parser.add_argument("--users", type=int, default=BenchSpec.users)
        parser.add_argument("--seed", type=int, default=BenchSpec.seed)
        parser.add_argument("--database-name", default=DEFAULT_DATABASE)
        parser.add_argument("--reset", action="store_true", help="Drop and recreate the bench database first.")
        parser.add_argument(
            "--workers", type=int, default=2, help="Connections running batches in parallel (each reniced)."
        )

    def handle(self, *args, **options):
        name = options["database_name"]
        if "bench" not in name:
            raise CommandError(f"Refusing to fill {name!r}: the bench database's name must contain 'bench'.")
        if options["papers"] < 100 or options["summaries"] < 10 or options["users"] < 20:
            raise CommandError("Use at least 100 papers, 10 summaries and 20 members.")
        spec = BenchSpec(
            papers=options["papers"], summaries=options["summaries"], users=options["users"], seed=options["seed"]
        )
        created = ensure_database(name, reset=options["reset"])
        connection = bench_connection(name)
        wanted = {**asdict(spec), "finished": True}
        if not created:
            meta = read_meta(connection)
            if meta and meta.get("finished") and {k: meta.get(k) for k in wanted} == wanted:
                self.stdout.write(f"{name} already holds this data ({meta.get('finished_at')}); --reset to redo.")
                return
            # Another scale, or a run that stopped half-way (its secondary indexes and foreign keys dropped for
            # the load and never recreated): start from an empty database, not from what is left.
            connection.close()
            ensure_database(name, reset=True)
        self.stdout.write(f"Migrating {name}…")
        call_command("migrate", database=CONNECTION_ALIAS, interactive=False, verbosity=0)
        renice_backend(connection)
        if os.getpriority(os.PRIO_PROCESS, 0) > 0:
            # Niced: leave the other core to everyone else (parallel workers would not inherit the niceness).
            with connection.cursor() as cursor:
                cursor.execute("SET max_parallel_maintenance_workers = 0")
                cursor.execute("SET max_parallel_workers_per_gather = 0")
        write_meta(connection, {**asdict(spec), "finished": False})
        timings = generate(connection, spec, log=self.stdout.write, vacuum=True, workers=options["workers"])
        with connection.cursor() as cursor:
            counts = {}
            for table in COUNTED_TABLES:
                cursor.execute(f"SELECT count(*) FROM {table}")
                counts[table] = cursor.fetchone()[0]
            cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
            size = cursor.fetchone()
        write_meta(
            connection,
            {
                **asdict(spec),
                "finished": True,
                "finished_at": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
                "timings": timings,
                "counts": counts,
                "size": size[0],
                "cpus": os.cpu_count(),
            },
        )
        self.stdout.write(self.style.SUCCESS(f"{name}: {counts} ({size[0]}) in {timings['total']:.0f} s"))
