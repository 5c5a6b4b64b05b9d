"""The on-disk parse store (marc.core.parsestore): a new process reads stored parses, never stale ones."""

from __future__ import annotations

import os

import pandas as pd
import pytest
from builders import write_framework

from marc.method import evidence

from marc.core import parsecache, parsestore, yamlio, yamlmodel
from marc.core.errors import MarcError
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
    path.write_text("when: 2024-01-31\n1: one\nplain: {a: [1, 2.5, true, null]}\n")
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
