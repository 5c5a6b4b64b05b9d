"""The on-disk parse store (marc.core.parsestore): a new process reads stored parses, never stale ones."""

from __future__ import annotations

import os

import pandas as pd
import pytest
from builders import write_framework
from hypothesis import given
from hypothesis import strategies as hs

from marc.core import parsecache, parsestore, yamlio, yamlmodel
from marc.core.errors import MarcError
from marc.method import evidence
from marc.method.loader import load_framework


@pytest.fixture
def store(tmp_path, monkeypatch):
    folder = tmp_path / "store"
    monkeypatch.setenv("MARC_PARSE_CACHE", str(folder))
    parsecache.clear()
    yield folder
    parsecache.clear()


def _framework(tmp_path, values=(10.5, 20.25)):
    root = write_framework(tmp_path / "fw", {"p": [{"id": "a"}, {"id": "b"}]})
    (root / "custom").mkdir()
    for name, value in zip("ab", values):
        (root / "custom" / f"{name}.csv").write_text(f"unit,year,value\nKEN,2005,{value}\nFRA,2004,1\n")
    return root


def _no_parsing(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("parsed although the store holds this content")

    monkeypatch.setattr(yamlio, "parse_text", refuse)
    monkeypatch.setattr(evidence, "parse_custom", refuse)


def test_a_new_process_reads_the_stored_parse(tmp_path, store, monkeypatch):
    root = _framework(tmp_path)
    first = load_framework(root)
    names = sorted(p.name.split("-")[0] for p in store.iterdir())
    assert names == ["custom", "yaml", "yaml"]
    parsecache.clear()  # as a new process
    with monkeypatch.context() as m:
        _no_parsing(m)
        second = load_framework(root)
    pd.testing.assert_frame_equal(first.custom, second.custom, check_exact=True)
    assert second.custom["value"].tolist() == [10.5, 1.0, 20.25, 1.0]
    assert second.canonical() == first.canonical()
    assert second.docs[root / "p.yaml"].data == first.docs[root / "p.yaml"].data
    # the round-trip tree (positions, comments) is still there when something asks for it
    assert yamlmodel.locate(second.docs[root / "p.yaml"].root, ("indicators", 1, "weight")) == (21, 5)
    assert "# a test framework" in yamlio.dump(second.docs[root / "index.yaml"].root)


def test_an_edit_is_never_served_stale(tmp_path, store):
    root = _framework(tmp_path)
    load_framework(root)
    csv, pillar = root / "custom" / "a.csv", root / "p.yaml"
    stats = {p: p.stat() for p in (csv, pillar)}
    csv.write_text(csv.read_text().replace("10.5", "90.5"))  # same size
    pillar.write_text(pillar.read_text().replace("name: a", "name: z"))
    for p, st in stats.items():  # same size and modification time: only the bytes differ
        os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))
    parsecache.clear()
    fw = load_framework(root)
    assert fw.custom["value"].tolist()[0] == 90.5 and fw.indicator("a").name == "z"


def test_a_corrupt_or_foreign_entry_is_a_miss(tmp_path, store, monkeypatch):
    root = _framework(tmp_path)
    first = load_framework(root)
    for entry in store.iterdir():
        raw = entry.read_bytes()
        entry.write_bytes(raw[:-7] + b"garbage")  # the checksum no longer matches
    parsecache.clear()
    again = load_framework(root)
    pd.testing.assert_frame_equal(first.custom, again.custom)
    for entry in store.iterdir():  # a valid checksum over a body that is not an Arrow file or JSON
        body = b"not json, not arrow"
        entry.write_bytes(b"MARC-PARSED 1 " + parsestore.digest(body).encode() + b"\n" + body)
    parsecache.clear()
    assert load_framework(root).indicator("b").name == "b"


def test_problems_are_never_stored(tmp_path, store):
    root = _framework(tmp_path)
    (root / "custom" / "b.csv").write_text("unit,year,value\nKEN,2005,x\n")
    (root / "q.yaml").write_text("pillar: {id: q, name: q\n")  # a syntax error
    for _ in range(2):
        parsecache.clear()
        with pytest.raises(MarcError) as err:
            load_framework(root)
        assert {(os.path.basename(p.file), p.code) for p in err.value.problems} == {("b.csv", "non-numeric"),
                                                                                    ("q.yaml", "yaml-syntax")}
    assert sorted(p.name.split("-")[0] for p in store.iterdir()) == ["yaml", "yaml"]  # index.yaml, p.yaml


def test_errors_found_after_a_stored_parse_keep_their_location(tmp_path, store):
    root = _framework(tmp_path)
    (root / "q.yaml").write_text((root / "p.yaml").read_text().replace("id: p", "id: q"))  # duplicate indicator ids
    messages = []
    for _ in range(2):
        parsecache.clear()
        with pytest.raises(MarcError) as err:
            load_framework(root)
        messages.append(sorted(str(p) for p in err.value.problems))
    assert messages[0] == messages[1]
    assert [m.split("q.yaml:")[1].split(" id ")[0] for m in messages[0]] == ["15:5: [duplicate-id]", "8:5: [duplicate-id]"]


def test_yaml_that_json_cannot_hold_is_parsed_every_time(tmp_path, store):
    path = tmp_path / "x.yaml"
    path.write_text("when: 2024-01-31\nplain: {a: [1, 2.5, true, null]}\n")
    assert yamlio.read(path).data["when"].isoformat() == "2024-01-31"
    assert not store.exists() or not any(store.iterdir())
    path.write_text("plain: {a: [1, 2.5, true, null, -0.0, 'no']}\n")
    first = yamlio.read(path).data
    stored = yamlio.read(path)
    assert stored.data == first == {"plain": {"a": [1, 2.5, True, None, -0.0, "no"]}}
    assert type(stored.data["plain"]["a"][0]) is int and str(stored.data["plain"]["a"][4]) == "-0.0"
    path.write_text('name: "\\ud800 half a surrogate pair"\n')  # JSON-plain, yet not UTF-8 encodable
    assert yamlio.read(path).data == yamlio.read(path).data == {"name": "\ud800 half a surrogate pair"}


def test_the_store_can_be_off_or_unwritable(tmp_path, monkeypatch):
    root = _framework(tmp_path)
    monkeypatch.setenv("MARC_PARSE_CACHE", "off")
    parsecache.clear()
    assert load_framework(root).custom["value"].tolist()[0] == 10.5
    blocker = tmp_path / "file"
    blocker.write_text("a file where the store's folder should be")
    monkeypatch.setenv("MARC_PARSE_CACHE", str(blocker / "store"))
    parsecache.clear()
    assert load_framework(root).custom["value"].tolist()[0] == 10.5
    parsecache.clear()


def test_the_store_is_pruned(tmp_path, store, monkeypatch):
    monkeypatch.setattr(parsestore, "MAX_ENTRIES", 3)
    for k in range(6):
        parsestore.put(f"yaml-{k}", b"{}")
    assert len(list(store.iterdir())) == 3 and parsestore.get("yaml-5") == b"{}"


def test_integer_keys_are_stored_and_come_back_as_integers(tmp_path, store, monkeypatch):
    """An expert slot's scale (``0: none``, ``1: partial``) has integer keys: JSON objects cannot hold
    them, so they are stored as pairs and come back as the same integers (and the default framework's
    indicator files, which all have such scales, are not parsed again in a new process)."""
    path = tmp_path / "x.yaml"
    path.write_text("scale: {0: none, 1: partial, 2.5: half, -3: minus}\nname: '\\0pairs'\nlist: [{3: c}]\n")
    first = yamlio.read(path).data
    assert len(list(store.iterdir())) == 1
    parsecache.clear()
    _no_parsing(monkeypatch)
    stored = yamlio.read(path).data
    assert stored == first == {"scale": {0: "none", 1: "partial", 2.5: "half", -3: "minus"}, "name": "\\0pairs",
                               "list": [{3: "c"}]}
    assert [type(k) for k in stored["scale"]] == [int, int, float, int]


@given(hs.recursive(hs.none() | hs.booleans() | hs.integers() | hs.floats(allow_nan=False, allow_infinity=False) | hs.text(),
                    lambda inner: hs.lists(inner, max_size=4)
                    | hs.dictionaries(hs.text() | hs.integers() | hs.booleans(), inner, max_size=4), max_leaves=20))
def test_plain_data_survives_the_store_unchanged(value):
    body = parsestore.dumps_plain(value)
    if body is None:  # only text JSON cannot encode (a lone surrogate)
        return
    back = parsestore.loads_plain(body)
    assert back == value and repr(back) == repr(value)


def _expert_framework(tmp_path):
    from builders import add_expert_slot

    root = write_framework(tmp_path / "fw", {"p": [{"id": "a"}]})
    add_expert_slot(root / "p.yaml", "e")
    (root / "expert").mkdir()
    (root / "expert" / "e.csv").write_text(
        "unit,year,value,evidence_url,coder,date,confidence,status,reviewer,review_date,note,review_note\n"
        "KEN,2004,2,https://example.org/a,ana,2024-01-02,high,baseline,,,,\n"
        "KEN,2004,1,https://example.org/b,ben,2024-01-03,medium,baseline,,,,\n"
        "KEN,2004,0,https://example.org/c,cy,2024-01-04,low,baseline,,,,\n"
        "FRA,2005,1,https://example.org/d,ana,2024-02-01,high,approved,ben,2024-02-03,,\n")
    return root


def test_expert_csvs_are_read_from_the_store_in_a_new_process(tmp_path, store, monkeypatch):
    root = _expert_framework(tmp_path)
    first = load_framework(root)
    assert sorted(p.name.split("-")[0] for p in store.iterdir()).count("expert") == 2  # values and rows
    parsecache.clear()  # as a new process
    with monkeypatch.context() as m:
        _no_parsing(m)
        rows_of = evidence.read_expert_rows

        def no_rereading(root, indicators, *args, **kwargs):
            assert not indicators, "re-read although the store holds these files"
            return rows_of(root, indicators, *args, **kwargs)  # (the loader's empty frame, read with no indicator)

        m.setattr(evidence, "read_expert_rows", no_rereading)
        second = load_framework(root)
    pd.testing.assert_frame_equal(first.expert, second.expert, check_exact=True)
    pd.testing.assert_frame_equal(first.expert_rows, second.expert_rows, check_exact=True)
    assert second.expert.set_index("unit")["value"].to_dict() == {"FRA": 1.0, "KEN": 1.0}  # median_low of 0, 1, 2
    assert second.expert.set_index("unit")["coders"].to_dict() == {"FRA": 1, "KEN": 3}
    # an edit (same size, same second) is a miss: the new level is read
    path = root / "expert" / "e.csv"
    path.write_text(path.read_text().replace("FRA,2005,1,", "FRA,2005,2,"))
    parsecache.clear()
    assert load_framework(root).expert.set_index("unit")["value"].to_dict() == {"FRA": 2.0, "KEN": 1.0}


def test_a_broken_expert_csv_is_never_stored(tmp_path, store):
    root = _expert_framework(tmp_path)
    path = root / "expert" / "e.csv"
    path.write_text(path.read_text().replace("KEN,2004,0,", "KEN,2004,7,"))
    for _ in range(2):
        parsecache.clear()
        with pytest.raises(MarcError) as err:
            load_framework(root)
        assert any("[bad-value]" in str(p) and "e.csv:4:3" in str(p) for p in err.value.problems)
    assert not any(p.name.startswith("expert") for p in store.iterdir())
