#!/usr/bin/env python
"""Renderer benchmark (``make bench``): each known pathological input against plain text of equal length.

Rendering must stay linear in the length of the text: a construct Python-Markdown, the HTML parser or
the sanitiser handle in quadratic time would let one member hold a worker for minutes with a single
preview. Prints one row per input: its rendering time, that of plain prose of the same length, and the
ratio; exits 1 if a ratio exceeds ``--max-ratio`` (default 50, as in the tests) unless ``--no-fail``.

Usage: ``scripts/bench_render.py [--length 60000] [--repeat 3] [--max-ratio 50] [--no-fail]``.
No database needed: citations are not looked up.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

#: name → the repeated unit; each is repeated up to the requested length.
PATHOLOGICAL_UNITS = {
    "unclosed links [a](": "[a](",
    "unclosed images ![a](": "![a](",
    "empty links [](": "[](",
    "angle links [a](<": "[a](<",
    'links with a quote [a]("x)': '[a]("x)',
    "setext headings a/-": "a\n-\n",
    "rules ***": "***\n",
    "rules ---": "---\n",
    "ATX headings #": "# a\n",
    "definitions a/: b": "a\n: b\n",
    "abbreviations *[A]:": "*[A]: abbreviation\n",
    "unclosed tags <a": "<a ",
    "unclosed autolinks <http://": "<http://a ",
    "tables a|b/-|-": "a|b\n-|-\n",
    "list items - a": "- a\n",
    "emphasis *a*": "*a* ",
    "open brackets [": "[",
    "escapes \\(": "\\(",
    "dollars $": "$",
}


def plain_text(length: int) -> str:
    sentence = "Attention layers replace recurrence, and the model trains faster on eight GPUs. "
    paragraph = sentence * 6 + "\n\n"
    return (paragraph * (length // len(paragraph) + 1))[:length]


def repeat_to(unit: str, length: int) -> str:
    return unit * max(1, length // len(unit))


def abbreviations(length: int) -> str:
    """Distinct abbreviation definitions (3,000 at 60,000 characters) and a line using them."""
    lines, size, n = [], 0, 0
    while size < length - 40:
        line = f"*[A{n}]: abbreviation {n}\n"
        lines.append(line)
        size += len(line)
        n += 1
    return "".join(lines) + "A1 and A2 in a sentence."


def seconds(render, text: str, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        render(text)
        best = min(best, time.perf_counter() - start)
    return best


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--length", type=int, default=60_000, help="characters per input (the form's limit)")
    parser.add_argument("--repeat", type=int, default=3, help="renders per input; the fastest counts")
    parser.add_argument("--max-ratio", type=float, default=50.0)
    parser.add_argument("--no-fail", action="store_true")
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shortscience.settings")
    os.environ.setdefault("DEBUG", "1")
    import django

    django.setup()
    from shortscience.lib.markdown import render_markdown

    def render(text: str) -> str:
        return render_markdown(text, resolve_papers=lambda identifiers: {})

    inputs = {name: repeat_to(unit, args.length) for name, unit in PATHOLOGICAL_UNITS.items()}
    inputs["distinct abbreviations"] = abbreviations(args.length)
    print(f"Rendering {args.length:,} characters (fastest of {args.repeat}), against plain prose of equal length\n")
    print(f"{'input':36} {'chars':>7} {'ms':>9} {'plain ms':>9} {'ratio':>7}")
    worst = 0.0
    plain_cache: dict[int, float] = {}
    for name, text in inputs.items():
        if len(text) not in plain_cache:
            plain_cache[len(text)] = seconds(render, plain_text(len(text)), args.repeat)
        plain = plain_cache[len(text)]
        took = seconds(render, text, args.repeat)
        ratio = took / plain
        worst = max(worst, ratio)
        flag = "  <-- over budget" if ratio > args.max_ratio else ""
        print(f"{name:36} {len(text):>7,} {took * 1000:>9.1f} {plain * 1000:>9.1f} {ratio:>6.1f}x{flag}", flush=True)
    print(f"\nWorst ratio {worst:.1f}x (budget {args.max_ratio:g}x)")
    return 1 if worst > args.max_ratio and not args.no_fail else 0


if __name__ == "__main__":
    sys.exit(main())
