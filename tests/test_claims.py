"""`archstat claims`: the catalogue covers every listed claim, the verdicts follow from measurement
(checked against hand arithmetic written here), and docs/claims.md is the command's current output.

The whole catalogue is measured once per test session (module fixture ``results``)."""

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from archstat import analyze
from archstat.claims.catalogue import CATALOGUE, SOURCES
from archstat.claims.figures import trace_free
from archstat.claims.hardware import GROUPS, RATIOS, TIMED, stack_bytes
from archstat.claims.measure import Session
from archstat.claims.rules import RULES, VERDICTS, judge
from archstat.cli.app import app
from archstat.cli.commands.claims import evaluate, markdown_summary, measure
from archstat.models import registry
from archstat.models.alexnet import PAPER_2012, AlexNet

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
runner = CliRunner()


@pytest.fixture(scope="module")
def results():
    return {r.claim.id: r for r in measure(list(CATALOGUE.claims))}


def part(result, says):
    return next(p for p in result.parts if p.part.says == says)


# ----------------------------------------------------------------------------- coverage


def listed_ids() -> list[str]:
    path = SHARED / "claims.md"
    if not path.exists():
        pytest.skip(f"{path} is not available")
    return re.findall(r"^\| (c\d\d) \|", path.read_text(encoding="utf-8"), flags=re.M)


def test_every_listed_claim_is_in_the_catalogue():
    listed = listed_ids()
    assert listed == [f"c{i:02d}" for i in range(1, 38)]
    ids = [i for i in CATALOGUE.ids() if i.startswith("c")]  # the papers' (p01 ...): test_claims_papers.py
    assert ids[: len(listed)] == listed  # none dropped, none renumbered
    documents = [i for i in ids if i.startswith("c")]
    assert documents == [f"c{i:02d}" for i in range(1, len(documents) + 1)]  # further claims continue the sequence


def test_titles_are_the_first_lines_and_quotes_are_the_documents_words():
    folder = SHARED / "sources"
    if not folder.is_dir():
        pytest.skip(f"{folder} is not available")
    for source in SOURCES.values():
        text = (folder / source.file).read_text(encoding="utf-8")
        assert text.splitlines()[0].strip() == source.title
    for claim in CATALOGUE.claims:
        if claim.source not in SOURCES:  # a paper (the efficient CNNs), not one of the five documents
            continue
        text = (folder / SOURCES[claim.source].file).read_text(encoding="utf-8")
        # source 004's conversion left pinyin in brackets after many characters and '?' for spaces
        clean = re.sub(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)", "", text).replace("?", " ")
        for fragment in claim.quote.split(" … "):
            assert fragment in clean, (claim.id, fragment)


def test_every_claim_has_a_verdict_and_every_failure_a_reason(results):
    assert list(results) == CATALOGUE.ids()
    for claim_id, result in results.items():
        assert result.verdict in VERDICTS
        if result.verdict != "holds":
            assert result.note, claim_id
    checkable = {"c23", "c37", "c47", "c48"}
    documents = {i for i, r in results.items() if r.verdict == "not checkable" and i.startswith("c")}
    assert documents == checkable
    assert "16.4% averaging five" in results["c23"].measured  # the zoo's metadata is shown


# ----------------------------------------------------------------------------- verdicts by hand


def conv(cin, cout, k, groups=1):
    return cout * (cin // groups) * k * k + cout


ALEXNET = (conv(3, 96, 11) + conv(96, 256, 5, 2) + conv(256, 384, 3) + conv(384, 384, 3, 2)
           + conv(384, 256, 3, 2) + 9216 * 4096 + 4096 + 4096 * 4096 + 4096 + 4096 * 1000 + 1000)
VGG16_CONVS = [(3, 64), (64, 64), (64, 128), (128, 128), (128, 256), (256, 256), (256, 256),
               (256, 512), (512, 512), (512, 512), (512, 512), (512, 512), (512, 512)]
VGG16 = (sum(conv(a, b, 3) for a, b in VGG16_CONVS)
         + 25088 * 4096 + 4096 + 4096 * 4096 + 4096 + 4096 * 1000 + 1000)


def test_c01_vgg16_is_not_3x_alexnet(results):
    assert ALEXNET == 60_965_224 and VGG16 == 138_357_544
    r = results["c01"]
    assert part(r, "about 3x").measured.value == pytest.approx(VGG16 / ALEXNET)  # 2.27
    assert not 0.85 * 3 <= VGG16 / ALEXNET <= 1.15 * 3
    k17 = part(r, "about 3x with 17 classes").measured.value
    assert k17 == pytest.approx((VGG16 - 4097 * 983) / (ALEXNET - 4097 * 983))  # fc: 4097 params per class
    assert r.verdict == "roughly" and "2.27x" in r.note


def test_c05_bottleneck_arithmetic(results):
    r = results["c05"]
    direct, reduced = 5 * 5 * 56 * 125, 56 * 28 + 28 * 5 * 5 * 125
    assert (direct, reduced) == (175_000, 89_068)
    assert [p.measured.value for p in r.parts[:3]] == [direct, reduced, pytest.approx(1 - reduced / direct)]
    assert 0.40 <= 1 - reduced / direct < 0.50 and r.verdict == "holds"
    assert "175,125" in r.note and "89,221" in r.note  # with a bias per filter: +125, +28+125


def test_c16_to_c19_the_arithmetic_of_source_003(results):
    assert [p.measured.value for p in results["c16"].parts] == [10**6 * 10**6, 10**6 * 10 * 10, 10 * 10]
    assert results["c17"].parts[0].measured.value == 4 * 2 * 2 * 2
    c18 = results["c18"]
    assert c18.parts[0].measured.value == (96 - 8 + 1) ** 2 == 7921
    assert c18.parts[1].measured.value == 7921 * 400 == 3_168_400
    assert results["c19"].parts[0].measured.value == f"12x{(32 + 2 * 1 - 3) + 1}x32"
    assert results["c19"].parts[1].measured.value == "12x30x30"
    assert all(results[i].verdict == "holds" for i in ("c16", "c17", "c18", "c19"))
    assert results["c39"].parts[0].measured.value == pytest.approx(10**8 / 10**12)  # not 1/1000
    assert results["c39"].verdict == "does not hold"
    assert results["c40"].parts[0].measured.value == 100 * 100 and results["c40"].verdict == "does not hold"


def test_c26_conv3_holds_more_than_1_percent(results):
    r = results["c26"]
    conv3 = conv(256, 384, 3)
    assert conv3 == 885_120 and conv3 / ALEXNET > 0.01
    assert part(r, "each conv under 1%").measured.value == pytest.approx(conv3 / ALEXNET)
    assert "features.conv3.conv: 1.45%" in r.measured and r.verdict == "does not hold"
    assert part(r, "about 1M or fewer").verdict == "holds"  # 885,120 is 'about 1M or fewer'


def test_c28_stacked_3x3_fields_and_weights(results):
    r = results["c28"]
    assert part(r, "two 3x3 see 5x5").measured.value == 1 + 2 * (3 - 1)
    assert part(r, "three 3x3 see 7x7").measured.value == 1 + 3 * (3 - 1)
    c = 64
    assert part(r, "fewer params than one 7x7").measured.value == pytest.approx(3 * 9 * c * c / (49 * c * c))
    assert r.verdict == "holds"


def test_c20_lists_where_the_documents_alexnet_differs(results):
    r = results["c20"]
    assert r.verdict == "does not hold"
    for wrong in ("conv1 kernel 5 (built: 11)", "conv2 kernel 3 (built: 5)", "pool1 kernel 2 (built: 3)",
                  "input 224 (built: 227..258)"):
        assert wrong in r.measured
    assert "conv1 kernels 96" not in r.measured  # the kernel counts are right


def test_c11_c12_c30_c41_by_hand(results):
    assert [p.measured.value for p in results["c11"].parts[:2]] == [6 * 200 + 2, 9 * 111 + 2]
    assert results["c12"].parts[1].measured.value == 2048 * 2 + 2
    c30 = results["c30"]
    assert part(c30, "22 layers").verdict == "holds"
    assert part(c30, "1.5 billion (as multiply-adds)").verdict == "holds"  # 1.58G within 10%
    assert part(c30, "1/12 of AlexNet's").verdict == "roughly" and c30.verdict == "roughly"
    c41 = results["c41"]
    assert c41.parts[1].measured.value == f"96x{(224 - 11) // 4 + 1}x{(224 - 11) // 4 + 1}"  # 54
    assert c41.parts[2].measured.value == "96x55x55" and c41.verdict == "does not hold"


def test_c36_units_by_hand(results):
    basic = 2 * 3 * 3 * 64 * 64 + 2 * 2 * 64  # two convs, two BNs (scale and shift)
    bottleneck = 256 * 64 + 9 * 64 * 64 + 64 * 256 + 2 * (64 + 64 + 256)
    assert results["c36"].parts[2].measured.value == pytest.approx(bottleneck / basic)


def test_counting_without_the_trace_agrees_with_analyze():
    """c11's 1000-layer nets skip fvcore's trace; on a small net both ways give the same counts."""
    report = analyze("resnet20")
    session = Session()
    assert trace_free("params", "resnet20").run(session).value == report.totals["params"]
    assert trace_free("depth", "resnet20").run(session).value == report.totals["depth"] == 6 * 3 + 2


def test_the_documents_own_networks(results):
    assert results["c10"].parts[0].measured.value == 64 + 64 + 96 + 32
    c38 = results["c38"]
    assert c38.verdict == "does not hold" and "'fc'" in c38.measured and "512" in c38.measured
    c15 = results["c15"]
    assert "128..143 px: one row per image" in c15.measured
    assert "conv6 (36,896 params)" in c15.note and 32 * 32 * 6 * 6 + 32 == 36_896


# ----------------------------------------------------------------------------- the catalogue is measured


def test_changing_a_model_changes_the_verdict(monkeypatch):
    claim = CATALOGUE.get("c25")  # conv1 is 11x11 at stride 4, 96 kernels
    assert evaluate(claim, SOURCES["004"], Session()).verdict == "holds"
    as_003_says = [("conv1", 96, 5, 4, 0, 1, True, True), *PAPER_2012[1:]]  # the document's 5x5 conv1
    monkeypatch.setitem(registry._BUILDERS, "alexnet",
                        lambda *, num_classes=1000: AlexNet(as_003_says, num_classes=num_classes))
    changed = evaluate(claim, SOURCES["004"], Session())
    assert changed.verdict == "does not hold" and changed.parts[0].measured.value == 5
    assert "11x11: measured 5" in changed.note  # no reason was written for this: it says what differs
    listed = evaluate(CATALOGUE.get("c20"), SOURCES["003"], Session())
    assert "conv1 kernel 5" not in listed.measured and "conv2 kernel 3" in listed.measured


def test_rules_read_the_words(results):
    about, round_, half = RULES["about"], RULES["round"], RULES["almost_half"]
    assert [judge(about, m, 3.0) for m in (3.45, 2.55, 2.27, 1.4)] == ["holds", "holds", "roughly", "does not hold"]
    assert judge(round_, 1.58e9, 1.5e9) == "holds" and judge(round_, 7.0e6, 5e6) == "roughly"
    assert [judge(half, m, 0.5) for m in (0.491, 0.40, 0.50, 0.1)] == ["holds", "holds", "roughly", "does not hold"]
    assert judge(RULES["under"], 0.0145, 0.01) == "does not hold"  # a bound has no 'roughly'
    assert judge(RULES["several"], 1.5, 2.0) == "roughly" and judge(RULES["several"], 0.9, 2.0) == "does not hold"
    assert judge(RULES["almost"], 0.962, 0.9) == "roughly" and judge(RULES["almost"], 0.894, 0.9) == "holds"
    assert judge(RULES["exact"], 48, 42) == "roughly"
    assert judge(RULES["exact"], "12x30x30", "12x32x32") == "does not hold"
    assert judge(RULES["info"], None, None) is None
    # "runs fastest": 23.4 ms against the others' least 22.1 ms is 1.059 (slower by more than a tie);
    # 22.8 / 22.1 = 1.032 is a tie within the spread; the least itself, 1.0, holds
    least = RULES["least"]
    assert [judge(least, m, 1.0) for m in (22.1 / 22.8, 1.0, 22.8 / 22.1, 23.4 / 22.1)] == [
        "holds", "holds", "roughly", "does not hold"]


def test_every_rule_is_documented():
    method = (ROOT / "docs" / "claims-method.md").read_text(encoding="utf-8")
    for key in RULES:
        assert f"| `{key}` |" in method, key


# ----------------------------------------------------------------------------- output


def test_docs_claims_md_is_current(results):
    """docs/claims.md is `archstat claims --format markdown`; regenerate it with
    `archstat claims --format markdown --output docs/claims.md --force`."""
    def steady(page: str) -> list[str]:  # rows of claims timed on this machine, and the verdict counts, vary
        return [line for line in page.splitlines()
                if not any(line.startswith(f"| {i} |") for i in TIMED) and " claims: " not in line]

    text = markdown_summary(list(results.values()))
    assert steady((ROOT / "docs" / "claims.md").read_text(encoding="utf-8")) == steady(text), \
        "docs/claims.md is stale: archstat claims --format markdown --output docs/claims.md --force"


def test_json_objects_have_the_documented_keys():
    result = runner.invoke(app, ["claims", "c17", "18", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [d["id"] for d in data] == ["c17", "c18"]
    assert {"id", "source", "quote", "claimed", "measured", "verdict", "note"} <= set(data[0])
    assert data[0]["source"] == SOURCES["003"].cite() and "4×2×2×2" in data[0]["quote"]


def test_explain_shows_the_per_layer_table():
    result = runner.invoke(app, ["claims", "c26", "--explain", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    tables = {e["title"]: e["rows"] for e in data["evidence"]}
    layers = next(rows for title, rows in tables.items() if title.startswith("alexnet at 1x3x227x227"))
    assert {"layer": "features.conv3.conv", "params": "885,120"}.items() <= layers[2].items()
    markdown = runner.invoke(app, ["claims", "c26", "--explain", "--format", "markdown"]).stdout
    assert markdown.startswith("## c26: does not hold") and "| features.conv3.conv |" in markdown


def test_bad_ids_and_explain_misuse_are_one_line_usage_errors():
    for args, needle in ((["claims", "c99"], "Unknown claim id 'c99'"),
                         (["claims", "c01", "c02", "--explain"], "--explain takes exactly one claim id")):
        result = runner.invoke(app, args)
        assert result.exit_code == 2
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and needle in lines[0], result.stderr
    assert "c01" in runner.invoke(app, ["claims", "c99"]).stderr  # the valid ids are listed



def test_the_documents_networks_in_the_package_match_the_test_fixtures():
    # The claims need the documents' networks inside the installed package; the loading tests need
    # them as a user's own files. The two copies must stay the same code.
    import ast
    from pathlib import Path

    from archstat.claims import nets as claims_nets

    def classes(path: Path) -> dict[str, str]:
        text = path.read_text()
        return {node.name: "\n".join(re.split(r"  # (?:type|noqa)", line)[0].rstrip() for line in
                                      ast.get_source_segment(text, node).splitlines())
                for node in ast.parse(text).body if isinstance(node, ast.ClassDef)}

    package = classes(Path(claims_nets.__file__))
    fixtures = Path(__file__).parent / "fixtures"
    for file, names in (("simple_googlenet.py", ("InceptionModule", "SimpleGoogleNet")), ("lenet_like.py", ("Net",))):
        fixture = classes(fixtures / file)
        for name in names:
            assert fixture[name] == package[name], name


# ----------------------------------------------------------------------------- hardware claims (timing-free parts)


@pytest.mark.parametrize(("c1", "c2", "g"), [(c1, c2, 1) for c1, c2 in RATIOS] + [(c, c, g) for g, c in GROUPS])
def test_shufflenet_v2_stacks_move_the_papers_memory_access_cost(c1, c2, g):
    """ShuffleNet V2's Eq. (1): a 1x1 convolution's memory access cost is hw(c1 + c2) + c1 c2 / g numbers;
    the stack is ten blocks of two such convolutions on 56 x 56, fp32 (4 bytes)."""
    hw = 56 * 56
    assert c1 * c2 // g in range(15500, 16400)  # the FLOPs the paper holds fixed
    assert stack_bytes(c1, c2, g) == 10 * 2 * (hw * (c1 + c2) + c1 * c2 // g) * 4


def test_hardware_claims_traffic_verdicts(results):
    assert results["p10"].parts[0].verdict == "holds"  # 1:1 moves the fewest bytes
    assert results["p11"].parts[0].verdict == "holds"  # g = 1 moves the fewest bytes
    for claim in ("p10", "p11"):  # the timed part reads the first setting's time over the least of the others'
        times = [float(ms) for ms in re.findall(r"([0-9.]+) ms", results[claim].parts[1].measured.reading)]
        assert results[claim].parts[1].measured.value == pytest.approx(times[0] / min(times[1:]), rel=0.01)
    assert results["h01"].parts[0].measured.value < 1  # 2.3 GB of training state: under the GTX 580's 3 GB
    assert results["h02"].parts[0].verdict == "holds"  # predicted on the GTX 580's datasheet roofline
