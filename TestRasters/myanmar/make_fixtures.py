#!/usr/bin/env python3
"""Make TestRasters/myanmar/corpus.json: a mixed corpus of Myanmar text (Unicode, Zawgyi,
neither) with the answers of independent tools, for geotool's Zawgyi tests.

Run once, from the repository root (the Swift tests read the JSON; they need neither
Python nor PyPI):

    /usr/bin/python3 -m venv --system-site-packages /tmp/venv-myanmar
    /tmp/venv-myanmar/bin/pip install myanmartools==1.2.1 python-myanmar==1.10.0
    apt-get install python3-icu            # Debian's PyICU (ICU 72), seen through the venv
    /tmp/venv-myanmar/bin/python TestRasters/myanmar/make_fixtures.py

What is in it (sources and licences in TestRasters/README.md):

- mimu_unicode: MIMU's own township names, TS_MMR of TestRasters/mimu/townships.json (Unicode).
- mimu_zawgyi: the same names turned into Zawgyi with ICU's my-Zawgyi transform (PyICU);
  truth "same" where the transform leaves the name as it is (it reads the same in both
  encodings), else "zawgyi" with the original name as `unicode`, the ground truth of a
  conversion back.
- mmgov_line, mmgov_word: hand-typed Zawgyi, a news text of the State Counsellor Office's
  Zawgyi site (26 July 2018) as kept in google/myanmar-tools (mmgov_zawgyi_src.txt beside
  this script), by line and by space-separated word; a line's `myanmar_tools_unicode` is
  myanmar-tools' own conversion (mmgov_unicode_out.txt). A word is "zawgyi" when
  python-myanmar's converter changes it, else "same".
- typed_zawgyi: place and school names typed here in Zawgyi key order (vowel sign E and
  medial RA before the consonant, U+1039 as the visible asat...), with their Unicode
  spelling (python-myanmar's conversion disagrees on two: printed when the script runs).
- latin, digits, other_script, mojibake, empty: values that must never be flagged
  (English township names, numbers, Myanmar digits, Thai, Chinese, Devanagari, Myanmar
  UTF-8 read as Windows-1252). Shan, Mon and Karen text (Unicode-only languages of the
  Myanmar block) comes from myanmar-tools' compatibility file, truth "unicode".

For every string: `p`, myanmartools' ZawgyiDetector probability (null for -infinity: no
Myanmar code point); for Zawgyi strings `python_myanmar`, python-myanmar's Zawgyi to
Unicode conversion (a second converter, beside ICU's that geotool uses). `compatibility`
holds myanmar-tools' compatibility.tsv (probabilities of its Java implementation).
"""
import importlib.metadata as metadata
import json
import math
import os
import unicodedata
from importlib import resources

import icu
from myanmar import converter as pm
from myanmartools import ZawgyiDetector

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

# Typed for this corpus in Zawgyi key order, with the Unicode spelling of each.
TYPED = [
    ("ရန္ကုန္", "ရန်ကုန်"),
    ("မႏၲေလး", "မန္တလေး"),
    ("ေနျပည္ေတာ္", "နေပြည်တော်"),
    ("ေမာ္လၿမိဳင္", "မော်လမြိုင်"),
    ("ျမစ္ႀကီးနား", "မြစ်ကြီးနား"),
    ("ေတာင္ႀကီး", "တောင်ကြီး"),
    ("စစ္ကိုင္း", "စစ်ကိုင်း"),
    ("ပုသိမ္", "ပုသိမ်"),
    ("ေက်ာက္ျဖဴ", "ကျောက်ဖြူ"),
    ("ထားဝယ္", "ထားဝယ်"),
    ("ၿမိတ္", "မြိတ်"),
    ("လား႐ိႈး", "လားရှိုး"),
    ("အ.ထ.က (၁) ဒဂံု", "အ.ထ.က (၁) ဒဂုံ"),
    ("အ.မ.က ေက်ာက္တံတား", "အ.မ.က ကျောက်တံတား"),
    ("အေျခခံပညာ မူလတန္းေက်ာင္း", "အခြေခံပညာ မူလတန်းကျောင်း"),
    ("ေက်းရြာ ေဆးေပးခန္း", "ကျေးရွာ ဆေးပေးခန်း"),
    ("ၿမိဳ႕နယ္ ျပည္သူ႔ေဆး႐ံု", "မြို့နယ် ပြည်သူ့ဆေးရုံ"),
    ("ျမန္မာႏိုင္ငံ", "မြန်မာနိုင်ငံ"),
    ("BEHS 1 ေတာင္ငူ", "BEHS 1 တောင်ငူ"),
    ("ေရႊဘို", "ရွှေဘို"),
]

OTHER_SCRIPTS = ["เชียงใหม่", "仰光", "यांगून", "Ρόδος", "Москва", "서울", "ঢাকা"]
LATIN = ["BEHS No. 1", "Primary School", "Clinic (RHC)", "N/A", "Mawlamyine"]
DIGITS = ["12345", "16.8", "96.1O", "၁၂၃", "၂၀၂၄", "No. ၅"]


def nfc(s: str) -> str:
    return unicodedata.normalize("NFC", s)


def townships():
    data = json.load(open(os.path.join(ROOT, "TestRasters/mimu/townships.json"), encoding="utf-8"))
    layer = next(iter(data["objects"].values()))
    return [g["properties"] for g in layer["geometries"]]


def mmgov(name: str):
    with open(os.path.join(HERE, name), encoding="utf-8") as f:
        return [line.rstrip("\n") for line in f if not line.startswith("#") and line.strip()]


def main() -> None:
    detector = ZawgyiDetector()
    to_zawgyi = icu.Transliterator.createInstance("my-Zawgyi")

    def prob(s: str):
        p = detector.get_zawgyi_probability(s)
        return None if p == -math.inf else p

    def python_myanmar(s: str) -> str:
        return nfc(pm.convert(s, "zawgyi", "unicode"))

    strings = []

    def add(source, text, truth, **extra):
        row = {"source": source, "text": text, "truth": truth, "p": prob(text)}
        if truth == "zawgyi":
            row["python_myanmar"] = python_myanmar(text)
        row.update(extra)
        strings.append(row)

    props = townships()
    names = [p.get("TS_MMR") or "" for p in props]
    for n in names:
        if n:
            add("mimu_unicode", n, "unicode")
        else:
            add("empty", n, "none")
    for n in names:
        if not n:
            continue
        z = to_zawgyi.transliterate(n)
        if z == n:
            add("mimu_zawgyi", z, "same", unicode=nfc(n))
        else:
            add("mimu_zawgyi", z, "zawgyi", unicode=nfc(n))

    zg_lines, uni_lines = mmgov("mmgov_zawgyi_src.txt"), mmgov("mmgov_unicode_out.txt")
    assert len(zg_lines) == len(uni_lines), (len(zg_lines), len(uni_lines))
    seen = set()
    for z, u in zip(zg_lines, uni_lines):
        if z.startswith("http"):
            continue
        add("mmgov_line", z, "zawgyi", myanmar_tools_unicode=nfc(u))
        for w in z.split():
            if w in seen or not any("\u1000" <= c <= "\u109f" for c in w):
                continue
            seen.add(w)
            add("mmgov_word", w, "zawgyi" if python_myanmar(w) != nfc(w) else "same")

    for z, u in TYPED:
        converted = python_myanmar(z)
        if converted != nfc(u):
            print(f"typed sample {z}: python-myanmar gives {converted}, the typed Unicode is {u}")
        add("typed_zawgyi", z, "zawgyi", unicode=nfc(u))

    for p in props:
        add("latin", p["TS"], "none")
    for s in LATIN:
        add("latin", s, "none")
    for s in DIGITS:
        add("digits", s, "none")
    add("empty", "", "none")
    add("empty", "   ", "none")
    for s in OTHER_SCRIPTS:
        add("other_script", s, "none")
    # A register saved as UTF-8 but read as Windows-1252: what the Myanmar text becomes.
    for n in names[:20] + [z for z, _ in TYPED[:5]]:
        if n:
            add("mojibake", n.encode("utf-8").decode("cp1252", errors="replace"), "none")

    compat = []
    tsv = resources.files("myanmartools.resources").joinpath("compatibility.tsv").read_text(encoding="utf-8")
    for line in tsv.splitlines():
        p, text = line.split("\t", 1)
        compat.append({"text": text, "p": None if p == "-Infinity" else float(p)})
        if "language)" in text:
            add("other_language", text, "unicode")

    out = {
        "generated_by": "TestRasters/myanmar/make_fixtures.py",
        "myanmartools": metadata.version("myanmartools"),
        "python_myanmar": metadata.version("python-myanmar"),
        "icu": icu.ICU_VERSION,
        "note": "p: myanmartools ZawgyiDetector.get_zawgyi_probability (null = -infinity); python_myanmar: "
                "myanmar.converter.convert(text, 'zawgyi', 'unicode') then NFC; unicode: the ground truth "
                "(MIMU's own name, or the typed Unicode spelling); myanmar_tools_unicode: myanmar-tools' "
                "conversion of a line (mmgov_unicode_out.txt)",
        "strings": strings,
        "compatibility": compat,
    }
    # One string per line, so that a change shows as a readable diff.
    with open(os.path.join(HERE, "corpus.json"), "w", encoding="utf-8") as f:
        f.write("{\n")
        for k, v in out.items():
            if isinstance(v, list):
                f.write(f"{json.dumps(k)}: [\n")
                f.write(",\n".join(json.dumps(x, ensure_ascii=False) for x in v))
                f.write("\n]" + (",\n" if k != "compatibility" else "\n"))
            else:
                f.write(f"{json.dumps(k)}: {json.dumps(v, ensure_ascii=False)},\n")
        f.write("}\n")

    # What the corpus holds, and how myanmartools does on it (printed, not asserted).
    from collections import Counter
    counts = Counter((s["source"], s["truth"]) for s in strings)
    for k in sorted(counts):
        print(f"{k[0]:15} {k[1]:8} {counts[k]}")

    def cls(p):
        return "none" if p is None else "zawgyi" if p > 0.95 else "unicode" if p < 0.05 else "ambiguous"
    for truth in ("unicode", "zawgyi"):
        c = Counter(cls(s["p"]) for s in strings if s["truth"] == truth)
        print(f"myanmartools on truth={truth}: {dict(c)}")
    agree = sum(1 for s in strings if s["truth"] == "zawgyi" and "unicode" in s and s["python_myanmar"] == s["unicode"])
    total = sum(1 for s in strings if s["truth"] == "zawgyi" and "unicode" in s)
    print(f"python-myanmar equals the ground truth on {agree} of {total} Zawgyi strings")


if __name__ == "__main__":
    main()
