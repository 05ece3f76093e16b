import pytest

from shortscience.lib.identifiers import normalize_arxiv_id, normalize_doi, parse_identifier


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1706.03762", ("arxiv", "1706.03762", None)),
        ("1706.03762v5", ("arxiv", "1706.03762", 5)),
        ("arXiv:1706.03762", ("arxiv", "1706.03762", None)),
        ("ARXIV: 2101.00001v2", ("arxiv", "2101.00001", 2)),
        ("https://arxiv.org/abs/1706.03762v2", ("arxiv", "1706.03762", 2)),
        ("http://arxiv.org/pdf/1706.03762v2.pdf", ("arxiv", "1706.03762", 2)),
        ("https://export.arxiv.org/abs/hep-th/9901001", ("arxiv", "hep-th/9901001", None)),
        ("hep-th/9901001v3", ("arxiv", "hep-th/9901001", 3)),
        ("math.GT/0309136", ("arxiv", "math/0309136", None)),
        ("journals/corr/1706.03762", ("arxiv", "1706.03762", None)),
        ("journals/corr/abs-1706-03762", ("arxiv", "1706.03762", None)),
        ("10.1145/3065386", ("doi", "10.1145/3065386", None)),
        ("https://doi.org/10.1038/NATURE14539", ("doi", "10.1038/nature14539", None)),
        ("doi:10.1007/978-3-319-24574-4_28", ("doi", "10.1007/978-3-319-24574-4_28", None)),
        ("https://dx.doi.org/10.18653/v1/N19-1423", ("doi", "10.18653/v1/n19-1423", None)),
        ("conf/nips/VaswaniSPUJGKP17", ("dblp", "conf/nips/VaswaniSPUJGKP17", None)),
    ],
)
def test_identifiers_are_recognised_and_normalised(value, expected):
    parsed = parse_identifier(value)
    assert (parsed.kind, parsed.value, parsed.version) == expected


@pytest.mark.parametrize("value", ["", "   ", "attention is all you need", "1706.0376", "10.12/x", "<script>"])
def test_free_text_is_not_an_identifier(value):
    assert parse_identifier(value) is None


def test_normalisers_reject_garbage():
    with pytest.raises(ValueError):
        normalize_arxiv_id("not an id")
    with pytest.raises(ValueError):
        normalize_doi("not a doi")
