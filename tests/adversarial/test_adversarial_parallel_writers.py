"""Class 6, concurrent writers: real parallel processes save the same framework file (and append
evidence) at the same moment, 24 rounds.  Exactly one save of a round wins; every loser is told
`changed-on-disk`, finds its edit kept, reloads and re-applies it, so no edit is ever lost."""

from __future__ import annotations

import csv
import multiprocessing as mp
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from builders import add_expert_slot, write_framework

ROUNDS = 24
WORKERS = 4
REPO = Path(__file__).resolve().parents[2]


def _editor(path: str, worker: int, rounds: int, barrier, results) -> None:
    """One app session or process: each round, load, wait for the others, add a token, save."""
    from marc.core import yamlio
    from marc.core.errors import MarcError

    conflicts, kept_ok = 0, 0
    for rnd in range(rounds):
        token = f"w{worker}r{rnd}"
        doc = yamlio.read(path)
        loaded = doc.text
        barrier.wait()  # everyone loaded the same text; now all save at once
        while True:
            doc.root["index"]["description"] = (doc.root["index"].get("description") or "") + f" {token}"
            try:
                yamlio.save(doc, expected_text=loaded)
                break
            except MarcError as exc:
                assert [p.code for p in exc.problems] == ["changed-on-disk"], exc.render()
                conflicts += 1
                kept = Path(exc.kept)
                kept_ok += token in kept.read_text(encoding="utf-8") and "reload" in exc.render()
                doc = yamlio.read(path)  # reload and apply the edit again
                loaded = doc.text
        barrier.wait()  # the round is over for everyone
    results.put((worker, conflicts, kept_ok))


def test_parallel_framework_saves_never_lose_an_edit(tmp_path):
    fw = write_framework(tmp_path / "fw", {"p": [{"id": "a"}]})
    index = fw / "index.yaml"
    ctx = mp.get_context("fork")
    barrier, results = ctx.Barrier(WORKERS), ctx.Queue()
    procs = [ctx.Process(target=_editor, args=(str(index), w, ROUNDS, barrier, results)) for w in range(WORKERS)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=300)
        assert p.exitcode == 0, "a writer process failed (see its output)"
    stats = [results.get(timeout=5) for _ in procs]
    text = index.read_text(encoding="utf-8")
    tokens = [f"w{w}r{r}" for w in range(WORKERS) for r in range(ROUNDS)]
    assert [t for t in tokens if f" {t}" not in text] == []  # every edit of every round is in the file
    conflicts = sum(s[1] for s in stats)
    assert conflicts >= ROUNDS, f"expected at least one loser per round, saw {conflicts} conflicts"
    assert sum(s[2] for s in stats) == conflicts  # each loser found its own edit kept on disk
    from marc.method.loader import load_framework

    load_framework(fw)  # and the file is still a valid framework
    print(f"parallel framework saves: {ROUNDS} rounds × {WORKERS} processes, {conflicts} conflicts, no edit lost")


def test_replace_if_unchanged_has_one_winner_per_round(tmp_path):
    """The primitive itself, with 6 processes racing on one file for 24 rounds."""
    from marc.core.atomic import file_hash

    target = tmp_path / "shared.txt"
    target.write_text("start\n")
    script = tmp_path / "race.py"
    script.write_text(
        "import sys, time\n"
        "from marc.core.atomic import replace_if_unchanged\n"
        "from marc.core.errors import MarcError\n"
        "path, expected, who, go = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])\n"
        "time.sleep(max(0.0, go - time.time()))\n"
        "try:\n"
        "    replace_if_unchanged(path, expected, f'{who}\\n'.encode(), keep_backup=False)\n"
        "    print('won')\n"
        "except MarcError as exc:\n"
        "    print(exc.problems[0].code)\n")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for rnd in range(ROUNDS):
        expected = file_hash(target)
        go = time.time() + 1.0
        procs = [subprocess.Popen([sys.executable, str(script), str(target), expected, f"r{rnd}p{k}", str(go)], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for k in range(6)]
        outs = [p.communicate(timeout=60) for p in procs]
        answers = [o.strip() for o, _e in outs]
        assert answers.count("won") == 1, (rnd, answers, [e[-500:] for _o, e in outs])
        assert answers.count("changed-on-disk") == 5, answers
        winner = target.read_text().strip()
        assert winner.startswith(f"r{rnd}p")


# ------------------------------------------------------------------------------------------------
# Evidence submissions from parallel processes: marc.method.review.submit reads and writes under marc.core.atomic.locked.
def test_parallel_evidence_appends_never_lose_a_row(tmp_path):
    fw = write_framework(tmp_path / "fw", {"p": [{"id": "a"}]})
    add_expert_slot(fw / "p.yaml", "slot")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    units = ["KEN", "NOR", "CIV", "HTI"]
    for rnd in range(ROUNDS):
        procs = [subprocess.Popen([sys.executable, "-m", "marc", "evidence", "add", "slot", unit, "--value", "1",
                                   "--url", f"https://example.org/r{rnd}/{unit}", "--coder", f"coder{k}",
                                   "--year", str(2000 + rnd), "--framework", str(fw)],
                                  env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for k, unit in enumerate(units)]
        for p in procs:
            _out, err = p.communicate(timeout=120)
            assert p.returncode == 0, err[-1000:]
    with open(fw / "expert" / "slot.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    got = {(r["unit"], r["year"]) for r in rows}
    want = {(u, str(2000 + r)) for r in range(ROUNDS) for u in units}
    assert want - got == set(), f"{len(want - got)} evidence rows lost"
    assert len(rows) == len(want) and {r["status"] for r in rows} == {"submitted"}
    logged = sum(len(list(csv.DictReader(open(fw / "expert" / "log" / f"{u}.csv", encoding="utf-8")))) for u in units)
    assert logged == len(want)  # every submission is in its country's evidence log too


# ------------------------------------------------------------------------------------------------
# More class-6 cases: the loser keeps its edit; a held lock is a located error, also through the CLI.
def test_stale_save_is_refused_and_the_edit_kept(tmp_path):
    from marc.core import yamlio
    from marc.core.atomic import file_hash
    from marc.core.errors import MarcError

    fw = write_framework(tmp_path / "fw", {"p": [{"id": "a"}]})
    path = fw / "index.yaml"
    mine = yamlio.read(path)
    loaded = mine.text
    path.write_text(loaded.replace("name: Readiness", "name: Theirs"))  # another session saved first
    before = file_hash(path)
    mine.root["index"]["name"] = "Mine"
    with pytest.raises(MarcError) as err:
        yamlio.save(mine, expected_text=loaded)
    p = err.value.problems[0]
    assert (p.file, p.code) == (str(path), "changed-on-disk") and "reload" in p.message
    assert file_hash(path) == before
    assert "name: Mine" in Path(err.value.kept).read_text() and "name: Mine" in err.value.pending.decode()


def test_new_file_race_has_one_creator(tmp_path):
    from marc.core.atomic import replace_if_unchanged
    from marc.core.errors import MarcError

    target = tmp_path / "new.yaml"
    replace_if_unchanged(target, None, b"first: 1\n")
    with pytest.raises(MarcError) as err:
        replace_if_unchanged(target, None, b"second: 2\n")
    assert err.value.problems[0].code == "changed-on-disk" and target.read_text() == "first: 1\n"


def _hold(path: str, ready, release) -> None:
    from marc.core.atomic import locked

    with locked(path):
        ready.set()
        release.wait(60)


def test_a_held_lock_is_a_located_error_in_the_library_and_the_cli(tmp_path):
    from marc.core.atomic import file_hash, locked
    from marc.core.errors import MarcError

    ctx = mp.get_context("fork")
    ready, release = ctx.Event(), ctx.Event()
    target = tmp_path / "framework.yaml"
    target.write_text("a: 1\n")
    holder = ctx.Process(target=_hold, args=(str(target), ready, release))
    holder.start()
    try:
        assert ready.wait(30)
        with pytest.raises(MarcError) as err:
            with locked(target, timeout=0.5):
                target.write_text("lost\n")
        assert (err.value.problems[0].file, err.value.problems[0].code) == (str(target), "locked")
        assert target.read_text() == "a: 1\n"
    finally:
        release.set()
        holder.join(30)
    # the CLI: a second `marc pull` while the first holds the pull lock
    cache = tmp_path / "cache"
    cache.mkdir()
    ready, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold, args=(str(cache / "pull"), ready, release))
    holder.start()
    try:
        assert ready.wait(30)
        before = {p.name: file_hash(p) for p in cache.iterdir() if p.is_file()}
        run = subprocess.run([sys.executable, "-m", "marc", "pull", "paris_agreement_status", "--mirror", str(tmp_path),
                              "--no-progress"], capture_output=True, text=True,
                             env={**os.environ, "PYTHONPATH": str(REPO), "MARC_DATA_DIR": str(cache), "MARC_LOCK_TIMEOUT": "1"})
        assert run.returncode == 2 and f"{cache / 'pull'}: [locked]" in run.stderr and "Traceback" not in run.stderr, run.stderr
        assert {p.name: file_hash(p) for p in cache.iterdir() if p.is_file()} == before
    finally:
        release.set()
        holder.join(30)
