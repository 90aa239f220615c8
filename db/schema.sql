-- hvtrace run file schema: one SQLite database per recorded boot.
--
-- The only schema; db/module.mk embeds this file into the library at build time
-- (rundb_schema_sql) and takes the version below from the user_version line.
-- Change anything here that a reader depends on (tables, columns, the step codec
-- in db/stepcodec.c, the field order of common/cpu_state.h) and bump user_version:
-- rundb_open reads versions 1 to this one and refuses others.  Version 1 has
-- no table mem (read as a run without recorded memory accesses); versions 1-2
-- have no meta hvtrace_version (hvtrace info says "not recorded").
--
-- Steps are stored in compressed chunks (table chunk), so there is no plain
-- per-step view here: load the extension (.load build/hvtrace-sqlite) and query
-- hvt_steps or steps_hex.

-- One row: the run's status.  'recording' until rundb_finish; a file still saying
-- 'recording' when read means the recorder was killed.
CREATE TABLE run (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    status      TEXT NOT NULL CHECK (status IN ('recording', 'complete', 'incomplete')),
    reason      TEXT NOT NULL DEFAULT '',
    started_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    finished_at TEXT
);

-- Free-form metadata: qemu_cmdline, qemu_version, firmware_sha256, engine, ...
-- Since schema 3 every file has hvtrace_version, "hvtrace 0.1.0 (git DESCRIBE)"
-- of the hvtrace that wrote it (set with the run row, before any step).
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- Steps [first_step, first_step + nsteps) as one blob (format: db/stepcodec.c).
-- One chunk is written per transaction; chunks are contiguous and never overlap.
CREATE TABLE chunk (
    first_step INTEGER PRIMARY KEY,
    nsteps     INTEGER NOT NULL CHECK (nsteps > 0),
    data       BLOB NOT NULL
);

-- Instruction bytes, stored once per (linear pc, content): a step's instruction is
-- the row for its pc with the greatest first_step <= the step.  A new row appears
-- when the bytes or the mode at a pc change (self-modifying or reloaded code).
CREATE TABLE insn (
    pc         INTEGER NOT NULL,
    first_step INTEGER NOT NULL,
    len        INTEGER NOT NULL,        -- 0: bytes were unreadable
    mode       INTEGER NOT NULL,        -- 16, 32, 64
    bytes      BLOB NOT NULL,
    disasm     TEXT NOT NULL,
    PRIMARY KEY (pc, first_step)
) WITHOUT ROWID;

CREATE TABLE serial (
    id   INTEGER PRIMARY KEY,
    step INTEGER NOT NULL,
    line TEXT NOT NULL
);

CREATE TABLE event (
    id   INTEGER PRIMARY KEY,
    step INTEGER NOT NULL,
    kind TEXT NOT NULL,
    text TEXT NOT NULL
);

-- 4 KiB pages stored once by content.  hash is a 64-bit content hash used only to
-- find candidates (equal hash, then equal bytes).  data is the page deflated, or
-- the raw 4096 bytes when deflate does not make it smaller.
CREATE TABLE page (
    id   INTEGER PRIMARY KEY,
    hash INTEGER NOT NULL,
    data BLOB NOT NULL
);
CREATE INDEX page_hash ON page(hash);

CREATE TABLE snapshot (
    id    INTEGER PRIMARY KEY,
    step  INTEGER NOT NULL,
    label TEXT NOT NULL,
    len   INTEGER NOT NULL
);

-- A snapshot's memory: page idx covers bytes [idx*4096, idx*4096 + 4096).
CREATE TABLE snapshot_page (
    snapshot_id INTEGER NOT NULL REFERENCES snapshot(id),
    idx         INTEGER NOT NULL,
    page_id     INTEGER NOT NULL REFERENCES page(id),
    PRIMARY KEY (snapshot_id, idx)
) WITHOUT ROWID;

-- Memory accesses, from engines that see them (Bochs' trace-mem; since schema 2):
-- every access an instruction made, in order.  rw is Bochs' access type: 0 read,
-- 1 write, 2 execute, 3 read-modify-write, 4 system read, 5 system write (page
-- walks, descriptor loads, VMCS), 7 system read-modify-write.  lin is NULL for
-- a physical-only access; value (the bytes as a little-endian number) is NULL
-- when not printed (len > 8).  Instruction fetches are not listed.  The last
-- store to a byte before a step: db/rundb.h, rundb_last_store.
CREATE TABLE mem (
    step  INTEGER NOT NULL,
    seq   INTEGER NOT NULL,
    rw    INTEGER NOT NULL,
    len   INTEGER NOT NULL,
    phys  INTEGER NOT NULL,
    lin   INTEGER,
    value INTEGER,
    PRIMARY KEY (step, seq)
) WITHOUT ROWID;
CREATE INDEX mem_store ON mem(phys, step) WHERE rw IN (1, 3, 5, 7);

-- ---- views for people using plain `sqlite3 run.db` ----

CREATE VIEW run_info AS
SELECT r.status,
       CASE WHEN r.status = 'recording'
            THEN 'incomplete: recorder was killed (status still recording)'
            ELSE r.reason END AS reason,
       coalesce((SELECT first_step + nsteps FROM chunk
                 ORDER BY first_step DESC LIMIT 1), 0) AS steps,
       (SELECT count(*) FROM snapshot) AS snapshots,
       (SELECT count(*) FROM serial) AS serial_lines,
       (SELECT count(*) FROM event) AS events,
       (SELECT count(*) FROM insn) AS distinct_insns,
       r.started_at, r.finished_at,
       (SELECT value FROM meta WHERE key = 'hvtrace_version') AS hvtrace_version
FROM run r;

CREATE VIEW serial_lines AS
SELECT step, line FROM serial ORDER BY step, id;

CREATE VIEW events AS
SELECT step, kind, text FROM event ORDER BY step, id;

CREATE VIEW snapshots AS
SELECT s.id, s.step, s.label, s.len,
       count(sp.idx) AS pages,
       count(DISTINCT sp.page_id) AS distinct_pages
FROM snapshot s LEFT JOIN snapshot_page sp ON sp.snapshot_id = s.id
GROUP BY s.id ORDER BY s.step, s.id;

CREATE VIEW insns AS
SELECT printf('%08x', pc) AS pc, first_step, mode, len,
       lower(hex(substr(bytes, 1, len))) AS bytes, disasm
FROM insn ORDER BY pc, first_step;

CREATE VIEW mem_accesses AS
SELECT step, seq,
       CASE rw WHEN 0 THEN 'read' WHEN 1 THEN 'write' WHEN 2 THEN 'exec'
               WHEN 3 THEN 'rmw' WHEN 4 THEN 'sys-read' WHEN 5 THEN 'sys-write'
               WHEN 7 THEN 'sys-rmw' ELSE 'other' END AS kind,
       len,
       CASE WHEN lin IS NULL THEN NULL ELSE printf('%08x', lin) END AS lin,
       printf('%08x', phys) AS phys,
       CASE WHEN value IS NULL THEN NULL ELSE printf('%0*x', len * 2, value) END AS value
FROM mem ORDER BY step, seq;

-- Needs the extension: sqlite3 run.db '.load build/hvtrace-sqlite' \
--                                     'SELECT * FROM steps_hex LIMIT 20'
CREATE VIEW steps_hex AS
SELECT s.step,
       printf('%04x:%08x', s.cs, s.rip) AS cs_eip,
       printf('%08x', s.pc) AS pc,
       lower(hex(substr(i.bytes, 1, i.len))) AS bytes,
       i.disasm,
       printf('%08x', s.rax) AS eax, printf('%08x', s.rbx) AS ebx,
       printf('%08x', s.rcx) AS ecx, printf('%08x', s.rdx) AS edx,
       printf('%08x', s.rsi) AS esi, printf('%08x', s.rdi) AS edi,
       printf('%08x', s.rbp) AS ebp, printf('%08x', s.rsp) AS esp,
       printf('%08x', s.eflags) AS eflags,
       printf('%04x', s.ds) AS ds, printf('%04x', s.es) AS es,
       printf('%04x', s.ss) AS ss,
       printf('%08x', s.cr0) AS cr0
FROM hvt_steps s
LEFT JOIN insn i ON i.pc = s.pc AND i.first_step = (
    SELECT max(first_step) FROM insn WHERE pc = s.pc AND first_step <= s.step);

PRAGMA application_id = 1213617234;    -- 0x48565452, "HVTR"
PRAGMA user_version = 3;
