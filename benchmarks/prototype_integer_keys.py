"""Prototype, not product code: what a dataset JSONL import would cost with an ideal schema
(integer keys, the GUID in one unique index, no per-annotation owner tables, counts made in
Python while reading, only the fast path's checks). docs/performance.md ("What the rows that
still miss need") quotes its figures for the 1 M-annotation benchmark file:

    .venv/bin/python benchmarks/prototype_integer_keys.py DATA.jsonl OUT.sqlite

DATA.jsonl: e.g. the runner's cached dataset-10000x100.jsonl (benchmarks/exchange_data.py).
Prints the seconds of each step and the file's size. OUT.sqlite is overwritten.
"""
import collections
import gc
import hashlib
import os
import sqlite3
import sys
import time
import unicodedata

import orjson

gc.disable()
src, out = sys.argv[1], sys.argv[2]
for s in ("", "-wal", "-shm"):
    try: os.unlink(out + s)
    except FileNotFoundError: pass
T = {}
t0 = time.perf_counter()
c = sqlite3.connect(out, isolation_level=None)
c.execute("PRAGMA journal_mode=WAL")
c.executescript("""
CREATE TABLE documents (id INTEGER PRIMARY KEY, guid TEXT UNIQUE, title TEXT, text TEXT, sha256 TEXT UNIQUE, length INT);
CREATE TABLE coders (id INTEGER PRIMARY KEY, name TEXT UNIQUE);
CREATE TABLE labels (id INTEGER PRIMARY KEY, scheme TEXT, name TEXT, UNIQUE(scheme, name));
CREATE TABLE annotations (id INTEGER PRIMARY KEY, guid TEXT NOT NULL, document INT NOT NULL, coder INT NOT NULL,
  start INT NOT NULL, [end] INT NOT NULL, quote TEXT NOT NULL, stance INT, note TEXT, created TEXT, updated TEXT);
CREATE TABLE annotation_themes (annotation INT NOT NULL, label INT NOT NULL, PRIMARY KEY (annotation, label)) WITHOUT ROWID;
CREATE TABLE label_counts (kind TEXT, document INT, coder INT, label INT, passages INT, characters INT, PRIMARY KEY (kind, coder, label, document)) WITHOUT ROWID;
""")
coders, labels = {}, {}
def cid(n):
    v = coders.get(n)
    if v is None:
        v = coders[n] = len(coders) + 1
    return v
def lid(k, n):
    v = labels.get((k, n))
    if v is None:
        v = labels[(k, n)] = len(labels) + 1
    return v
docs, anns, themes = [], [], []
counts = collections.defaultdict(lambda: [0, 0])
ann_id = 0
t = time.perf_counter()
with open(src, "rb") as f:
    for doc_no, line in enumerate(f, 1):
        d = orjson.loads(line)
        text = d["text"]
        assert unicodedata.is_normalized("NFC", text)
        sha = hashlib.sha256(text.encode()).hexdigest()
        docs.append((doc_no, d["id"], d.get("title"), text, sha, len(text)))
        n = len(text)
        for a in d["annotations"]:
            s, e, q = a["start"], a["end"], a["quote"]
            if not (type(s) is int and type(e) is int and 0 <= s < e <= n and text[s:e] == q):
                raise SystemExit("bad span")
            ann_id += 1
            co = cid(a["coder"])
            st = a.get("stance")
            st = lid("s", st) if st is not None else None
            ln = e - s
            if st is not None:
                k = counts[("s", co, st, doc_no)]; k[0] += 1; k[1] += ln
            for th in a.get("themes") or ():
                tl = lid("t", th)
                themes.append((ann_id, tl))
                k = counts[("t", co, tl, doc_no)]; k[0] += 1; k[1] += ln
            anns.append((ann_id, a["id"], doc_no, co, s, e, q, st, a.get("note"), a.get("created"), a.get("updated")))
T["read"] = time.perf_counter() - t
t = time.perf_counter()
c.execute("BEGIN IMMEDIATE")
c.execute("PRAGMA cache_size=-131072")
c.executemany("INSERT INTO coders VALUES (?,?)", [(v, k) for k, v in coders.items()])
c.executemany("INSERT INTO labels VALUES (?,?,?)", [(v, k[0], k[1]) for k, v in labels.items()])
c.executemany("INSERT INTO documents VALUES (?,?,?,?,?,?)", docs)
T["docs"] = time.perf_counter() - t; t = time.perf_counter()
c.executemany("INSERT INTO annotations VALUES (?,?,?,?,?,?,?,?,?,?,?)", anns)
T["anns"] = time.perf_counter() - t; t = time.perf_counter()
themes.sort()
c.executemany("INSERT INTO annotation_themes VALUES (?,?)", themes)
T["themes"] = time.perf_counter() - t; t = time.perf_counter()
c.executemany("INSERT INTO label_counts VALUES (?,?,?,?,?,?)", sorted((k[0], k[3], k[1], k[2], v[0], v[1]) for k, v in counts.items()))
T["counts"] = time.perf_counter() - t; t = time.perf_counter()
c.execute("CREATE UNIQUE INDEX idx_ann_guid ON annotations(guid)")
c.execute("CREATE INDEX idx_ann_spans ON annotations(document, start, [end], id, coder)")
c.execute("CREATE INDEX idx_ann_doc ON annotations(document, coder)")
c.execute("CREATE INDEX idx_ann_stance ON annotations(coder, stance)")
c.execute("CREATE INDEX idx_themes_label ON annotation_themes(label)")
T["indexes"] = time.perf_counter() - t; t = time.perf_counter()
c.execute("COMMIT")
T["commit"] = time.perf_counter() - t; t = time.perf_counter()
c.close()
T["close"] = time.perf_counter() - t
T["total"] = time.perf_counter() - t0
print({k: round(v, 2) for k, v in T.items()}, os.path.getsize(out) >> 20, "MB")
