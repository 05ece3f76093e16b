"""Link previews (OpenGraph, Twitter) show a paper's title as plain text, without its TeX markup."""

import re

import pytest

from tests.factories import PaperFactory, SummaryFactory

pytestmark = pytest.mark.django_db
TITLE = r"$\alpha$-Divergence Variational Inference with $\mathcal{O}(n)$ Memory"


def meta(html: str, name: str) -> str:
    return re.search(rf'<meta (?:property|name)="{name}" content="([^"]*)"', html).group(1)


@pytest.mark.parametrize("page", ["paper", "summary"])
def test_link_preview_titles_carry_no_tex_markup(client, page):
    paper = PaperFactory(title=TITLE)
    url = paper.get_absolute_url() if page == "paper" else SummaryFactory(paper=paper).get_absolute_url()
    html = client.get(url).content.decode()
    for name in ("og:title", "twitter:title"):
        title = meta(html, name)
        assert "$" not in title and "\\" not in title, title
        assert "Divergence Variational Inference" in title
