"""``manage.py generate_arxiv_snapshot OUT --count N [--seed S] [--start-id N]``: a synthetic arXiv metadata
snapshot with the real file's shape, for measuring ``load_arxiv_snapshot`` (docs/performance.md).

Shaped like arXiv's: one JSON object a line with every field the real file has; new-style ids month by month
(``0704.0001`` …, five digits from 2015) after a share of old-style ones (``hep-th/9901001``); 1–3 categories
(primary first, skewed toward the big archives); 1–3 versions with their dates; ~1,000-character abstracts;
1–12 authors (mean ≈ 4.5) from a pool of ~5 million names so that authors recur across papers; a DOI on ~40 % and
a journal reference on ~30 %; affiliations on ~15 % of authors; ~1 % withdrawn; TeX and non-ASCII in some
titles. ``OUT`` ending in ``.gz`` is gzipped. Deterministic for a seed. ``--revise`` writes the same ids with
~10 % of the records changed (a new version, a DOI, a title), for measuring a re-load.
"""

from __future__ import annotations

import datetime
import gzip
import json
import random

from django.core.management.base import BaseCommand

_WORDS_TEXT = """
learning neural network deep model models data graph attention transformer quantum field theory energy optimal
control stochastic gradient descent convergence analysis bounds sparse representation matrix completion low
rank tensor decomposition inference variational bayesian posterior sampling markov chain monte carlo dynamics
phase transition spin glass lattice gauge symmetry breaking black hole entropy cosmological constant dark
matter galaxy cluster survey spectroscopy photometric redshift star formation reinforcement policy agent
reward robust adversarial examples detection segmentation image video language speech recognition translation
generation diffusion probabilistic score based efficient scalable algorithm approximation complexity hardness
lower upper estimation regression classification kernel methods manifold geometry topology algebraic curves
modular forms number theory prime distribution random walks percolation superconductivity topological
insulators graphene semiconductor laser cavity optics entanglement qubit error correction circuit benchmark
dataset evaluation federated privacy differential
"""
WORDS = _WORDS_TEXT.split()
LATEX_BITS = ["$\\alpha$", "$O(n \\log n)$", "$\\mathcal{N}=4$", "$SU(N)$", "$L^2$", "$\\ell_1$", "$k$", "$p$-adic"]
UNICODE_BITS = ["Schrödinger", "Poincaré", "Erdős", "Gödel", "Kähler", "Möbius", "Ångström", "Hölder"]
CATEGORIES = [
    ("cs.LG", 14),
    ("cs.CV", 9),
    ("cs.CL", 6),
    ("cs.AI", 5),
    ("stat.ML", 5),
    ("cs.RO", 2),
    ("eess.AS", 1),
    ("eess.IV", 1),
    ("cs.CR", 2),
    ("cs.DS", 1),
    ("cs.IT", 2),
    ("math.IT", 2),
    ("math.PR", 3),
    ("math.OC", 2),
    ("math.AP", 3),
    ("math.CO", 3),
    ("math.NT", 2),
    ("math.AG", 2),
    ("math-ph", 2),
    ("hep-th", 6),
    ("hep-ph", 6),
    ("hep-ex", 2),
    ("gr-qc", 3),
    ("astro-ph.GA", 4),
    ("astro-ph.CO", 4),
    ("astro-ph.SR", 3),
    ("astro-ph.HE", 3),
    ("cond-mat.mes-hall", 4),
    ("cond-mat.str-el", 3),
    ("cond-mat.mtrl-sci", 4),
    ("cond-mat.stat-mech", 3),
    ("quant-ph", 8),
    ("physics.optics", 2),
    ("q-bio.NC", 1),
    ("q-fin.ST", 1),
    ("econ.EM", 1),
    ("nucl-th", 2),
]
OLD_ARCHIVES = ["hep-th", "hep-ph", "astro-ph", "cond-mat", "gr-qc", "quant-ph", "math", "nucl-th", "physics"]
LICENSES = [
    None,
    None,
    "http://arxiv.org/licenses/nonexclusive-distrib/1.0/",
    "http://creativecommons.org/licenses/by/4.0/",
    "http://creativecommons.org/licenses/by-nc-sa/4.0/",
]
INSTITUTIONS = ["Stanford University", "UC Berkeley", "MIT", "University of Toronto", "Tsinghua University", "CERN"]
DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def _created(moment: datetime.datetime) -> str:
    return f"{DAYS[moment.weekday()]}, {moment.day} {MONTHS[moment.month - 1]} {moment.year} {moment:%H:%M:%S} GMT"


class Generator:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.revise_rng = random.Random(seed - 1)  # its own draws: the other records stay as they were
        syllables = ["an", "be", "chi", "do", "el", "fa", "gu", "ho", "in", "ja", "ko", "li", "mo", "na", "or", "pe"]
        syllables += ["qi", "ra", "su", "ta", "ul", "va", "wen", "xu", "ya", "zh", "ber", "son", "ski", "ez"]
        rng = random.Random(seed + 1)
        self.firsts = sorted({"".join(rng.choices(syllables, k=rng.randint(2, 3))).title() for _ in range(1500)})
        self.lasts = sorted({"".join(rng.choices(syllables, k=rng.randint(2, 4))).title() for _ in range(5000)})
        self.categories = [code for code, _ in CATEGORIES]
        self.weights = [weight for _, weight in CATEGORIES]

    def title(self) -> str:
        rng = self.rng
        words = rng.choices(WORDS, k=rng.randint(5, 14))
        if rng.random() < 0.15:
            words.insert(rng.randrange(len(words)), rng.choice(LATEX_BITS))
        if rng.random() < 0.05:
            words.insert(rng.randrange(len(words)), rng.choice(UNICODE_BITS))
        text = " ".join(words)
        if len(text) > 70:  # the real file wraps long titles
            cut = text.rfind(" ", 0, 70)
            text = text[:cut] + "\n  " + text[cut + 1 :]
        return text[:1].upper() + text[1:]

    def abstract(self) -> str:
        rng = self.rng
        sentences = []
        for _ in range(rng.randint(5, 9)):
            sentence = " ".join(rng.choices(WORDS, k=rng.randint(12, 24)))
            sentences.append(sentence[:1].upper() + sentence[1:] + ".")
        text = " ".join(sentences)
        lines, line = [], ""
        for word in text.split():
            if len(line) + len(word) > 78:
                lines.append(line)
                line = word
            else:
                line = f"{line} {word}" if line else word
        lines.append(line)
        return "  " + "\n".join(lines) + "\n"

    def authors(self) -> list[list[str]]:
        rng = self.rng
        count = min(12, max(1, int(rng.expovariate(1 / 4.0)) + 1))
        parsed = []
        for _ in range(count):
            first = rng.choice(self.firsts)
            entry = [rng.choice(self.lasts), first if rng.random() < 0.7 else f"{first[0]}.", ""]
            if rng.random() < 0.15:
                entry += rng.sample(INSTITUTIONS, k=rng.randint(1, 2))
            parsed.append(entry)
        return parsed

    def record(self, number: int, total: int, *, revise: bool = False) -> dict:
        rng = self.rng
        # The first 20 % are old-style ids (1991–2007), the rest new-style, month by month up to 2025.
        if number < total // 5:
            month_index, seq = divmod(number, total // 5 // (16 * 12) + 1)
            year, month = 1991 + month_index // 12, month_index % 12 + 1
            archive = OLD_ARCHIVES[seq % len(OLD_ARCHIVES)]
            arxiv_id = f"{archive}/{year % 100:02d}{month:02d}{seq // len(OLD_ARCHIVES) + 1:03d}"
            primary = archive if archive != "math" else "math.PR"
        else:
            n = number - total // 5
            months = (2025 - 2007) * 12
            per_month = max(1, (total - total // 5) // months + 1)
            month_index, seq = divmod(n, per_month)
            year, month = 2007 + month_index // 12, month_index % 12 + 4
            if month > 12:
                year, month = year + 1, month - 12
            digits = 5 if (year, month) >= (2015, 1) else 4
            arxiv_id = f"{year % 100:02d}{month:02d}.{seq + 1:0{digits}d}"
            primary = rng.choices(self.categories, self.weights)[0]
        categories = [primary] + [c for c in rng.choices(self.categories, self.weights, k=rng.randint(0, 2))]
        categories = list(dict.fromkeys(categories))
        created = datetime.datetime(year, month, rng.randint(1, 28), rng.randint(0, 23), rng.randint(0, 59))
        versions = [created]
        for _ in range(min(4, int(rng.expovariate(1.5)))):
            versions.append(versions[-1] + datetime.timedelta(days=rng.randint(1, 400)))
        withdrawn = rng.random() < 0.01
        authors = self.authors()
        title = self.title()
        doi = f"10.{rng.randint(1000, 9999)}/{rng.choice(WORDS)}.{number}" if rng.random() < 0.4 else None
        if revise and self.revise_rng.random() < 0.1:  # a re-load: about one record in ten changed since
            versions.append(versions[-1] + datetime.timedelta(days=30))
            doi = doi or f"10.5555/revised.{number}"
            title = title + " (revised)"
        return {
            "id": arxiv_id,
            "submitter": " ".join(authors[0][1::-1]),
            "authors": ", ".join(f"{a[1]} {a[0]}" for a in authors),
            "title": title,
            "comments": "This paper has been withdrawn by the author" if withdrawn else f"{rng.randint(4, 40)} pages",
            "journal-ref": f"Phys. Rev. D {rng.randint(1, 110)}, {rng.randint(1, 9999)} ({year})"
            if rng.random() < 0.3
            else None,
            "doi": doi,
            "report-no": None,
            "categories": " ".join(categories),
            "license": rng.choice(LICENSES),
            "abstract": "  This paper has been withdrawn.\n" if withdrawn else self.abstract(),
            "versions": [{"version": f"v{i}", "created": _created(v)} for i, v in enumerate(versions, start=1)],
            "update_date": (versions[-1] + datetime.timedelta(days=rng.randint(0, 30))).date().isoformat(),
            "authors_parsed": authors,
        }


class Command(BaseCommand):
    help = "Write a synthetic arXiv metadata snapshot (JSON lines) of COUNT records, shaped like the real one."

    def add_arguments(self, parser):
        parser.add_argument("out")
        parser.add_argument("--count", type=int, default=100_000)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--revise", action="store_true", help="Change ~10 %% of the records (for a re-load).")

    def handle(self, *args, out, count, seed, revise, **options):
        generator = Generator(seed)
        opener = gzip.open if out.endswith(".gz") else open
        with opener(out, "wt", encoding="utf-8") as handle:
            for number in range(count):
                handle.write(json.dumps(generator.record(number, count, revise=revise)) + "\n")
        self.stdout.write(f"Wrote {count} records to {out}.")
