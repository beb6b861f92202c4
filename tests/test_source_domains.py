"""content/source_domains.yml: a source links only to a host of the original
publishers, and `make validate` names the source that does not."""

import pytest

from bot import paths
from bot.content import loader
from tests.conftest import edit_yaml

DOMAINS = "content/source_domains.yml"


def url_problems(content_dir, key="JH"):
    return [
        p
        for p in loader.load(content_dir).problems
        if (p.file, p.field) == ("content/sources.yml", f"{key}.url")
    ]


def test_the_shipped_sources_are_all_on_listed_hosts():
    problems = loader.load(paths.ROOT / "content").problems
    assert not [p for p in problems if p.file in ("content/sources.yml", DOMAINS)]


@pytest.mark.parametrize(
    "url",
    [
        "https://www.readbyqxmd.com/read/30376157/",
        "https://pubmed.ncbi.nlm.nih.gov.evil.example/30376157/",
        "https://evilfda.gov/recall",
        "https://fda.gov@evil.example/recall",
        "https://ncbi.nlm.nih.gov\\@evil.example/",
    ],
)
def test_a_source_elsewhere_is_refused_naming_file_key_and_field(content_dir, url):
    edit_yaml(content_dir / "sources.yml", lambda d: d["JH"].update(url=url))
    [problem] = url_problems(content_dir)
    assert problem.level == "error"
    assert str(problem).startswith("ERROR: content/sources.yml field 'JH.url': ")
    assert "JH" not in loader.load(content_dir).sources


def test_the_message_says_which_host_and_which_file_to_extend(content_dir):
    edit_yaml(
        content_dir / "sources.yml",
        lambda d: d["JH"].update(url="https://scilit.net/publications/d05824dd"),
    )
    [problem] = url_problems(content_dir)
    assert "links to scilit.net" in problem.message
    assert "add it to content/source_domains.yml" in problem.message


@pytest.mark.parametrize(
    "url",
    [
        "https://pubmed.ncbi.nlm.nih.gov/2935242/",  # under ncbi.nlm.nih.gov
        "https://www.accessdata.fda.gov/scripts/cdrh/cfdocs/cfres/res.cfm?id=195297",
        "https://FDA.gov/recall",
        "https://example.org/lakeside-haip/pump",  # the clinic's own website
    ],
)
def test_a_listed_host_or_one_under_it_is_accepted(content_dir, url):
    edit_yaml(content_dir / "sources.yml", lambda d: d["JH"].update(url=url))
    assert url_problems(content_dir) == []


def test_plain_http_only_for_a_host_listed_as_having_no_https(content_dir):
    edit_yaml(
        content_dir / "sources.yml",
        lambda d: d["JH"].update(url="http://pubmed.ncbi.nlm.nih.gov/2935242/"),
    )
    [problem] = url_problems(content_dir)
    assert problem.message.startswith("must start with https://")
    edit_yaml(
        content_dir / "sources.yml",
        lambda d: d["JH"].update(url="http://www.codmanpumps.com/Patient_pain_faq.asp"),
    )
    assert url_problems(content_dir) == []


def test_an_added_host_lets_its_source_through(content_dir):
    url = "https://www.example-hospital.org/hai-pump"
    edit_yaml(content_dir / "sources.yml", lambda d: d["JH"].update(url=url))
    assert url_problems(content_dir)
    with (content_dir / "source_domains.yml").open("a") as out:
        out.write("- example-hospital.org\n")
    assert url_problems(content_dir) == []


@pytest.mark.parametrize(
    "text, field, message",
    [
        ("- pubmed.ncbi.nlm.nih.gov\n- https://doi.org/\n", "entry 2", "'https://doi.org/'"),
        ("- fda.gov\n- 42\n", "entry 2", "42 is not a host name"),
        ("- fda.gov\n- {host: doi.org}\n", "entry 2", "is not a host name"),
        ("- fda.gov\n- doi.org:443\n", "entry 2", "'doi.org:443'"),
        ("hosts: [fda.gov]\n", "(file)", "must be a list of host names"),
        ("- fda.gov\n- [doi.org\n", "(file)", "is not valid YAML (line 3"),
    ],
)
def test_a_malformed_list_names_file_and_entry(content_dir, text, field, message):
    (content_dir / "source_domains.yml").write_text(text)
    problems = [p for p in loader.load(content_dir).problems if p.file == DOMAINS]
    assert [p.field for p in problems] == [field]
    assert message in problems[0].message
    assert str(problems[0]).startswith(f"ERROR: {DOMAINS} field '{field}': ")


def test_a_missing_list_is_an_error(content_dir):
    (content_dir / "source_domains.yml").unlink()
    problems = [p for p in loader.load(content_dir).problems if p.file == DOMAINS]
    assert [(p.field, p.level) for p in problems] == [("(file)", "error")]
