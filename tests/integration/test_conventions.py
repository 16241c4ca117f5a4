"""The conventions of STYLE.md and lib/err.h that a machine can check, over the whole tree."""
import os
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


SOURCES = ("lib", "agents", "encoder", "bridge-http", "tests/unit", "tests/fuzz", "bench")


def tracked(*patterns):
    """The project's sources matching the patterns (walked, not asked of git: a tarball or a
    machine without git runs these tests too)."""
    found = set()
    for folder in SOURCES:
        for pattern in patterns:
            found.update(p for p in (ROOT / folder).rglob(pattern) if p.is_file())
    return sorted(p for p in found
                  if not p.relative_to(ROOT).as_posix().startswith("tests/unit/data/"))


def test_every_header_guard_is_its_path():
    """lib/err.h is guarded by SKYLAPSE_LIB_ERR_H: one style, and no two headers share one."""
    for h in tracked("*.h"):
        rel = h.relative_to(ROOT).as_posix()
        want = "SKYLAPSE_" + re.sub(r"[^A-Za-z0-9]", "_", rel).upper()
        m = re.search(r"^#ifndef (\w+)\n#define (\w+)\n", h.read_text(), re.M)
        assert m and m.group(1) == m.group(2) == want, f"{rel}: guard should be {want}"


def test_why_sentences_go_through_err_why():
    """`why` buffers are ERRMSG_MAX long and filled by err_why(), not by hand."""
    for f in tracked("*.c", "*.cpp", "*.h"):
        if f.name == "err.c":
            continue
        text = f.read_text()
        rel = f.relative_to(ROOT).as_posix()
        assert not re.search(r"\bsnprintf\(why,", text), f"{rel}: snprintf(why, ...): use err_why()"
        assert not re.search(r"\bchar \*?why\[\d+\]", text), f"{rel}: char why[N]: use ERRMSG_MAX"


def test_reading_the_code_names_what_exists():
    """The README's "Reading the code" names functions and files: each one is in the tree."""
    readme = (ROOT / "README.md").read_text()
    chapter = readme.split("## Reading the code", 1)[1].split("\n## ", 1)[0]
    sources = "\n".join(p.read_text() for p in tracked("*.c", "*.cpp", "*.h"))
    names = set(re.findall(r"`(\w+)\(\)`", chapter))
    assert len(names) >= 15
    for name in names:
        assert re.search(rf"\b{name}\(", sources), f"README names {name}(), which no file has"
    for path in set(re.findall(r"`((?:lib|agents|encoder|bridge-http|schema|tests)/[\w./-]+)`", chapter)):
        assert (ROOT / path).exists(), f"README names {path}, which does not exist"


PROGRAMS = ("skylapse-capture", "skylapse-scheduler", "skylapse-transfer", "skylapse-encoder",
            "skylapse-bridge")


def test_every_program_answers_the_common_flags_alike():
    """--version, --help and a stray argument read the same in every program (lib/cli)."""
    bindir = Path(os.environ.get("SKYLAPSE_BIN", ROOT / "build" / "bin"))
    for prog in PROGRAMS:
        run = [str(bindir / prog)]
        v = subprocess.run(run + ["--version"], capture_output=True, text=True, timeout=10)
        assert v.returncode == 0 and re.fullmatch(rf"{prog} \d+\.\d+\.\d+\n", v.stdout), v
        h = subprocess.run(run + ["--help"], capture_output=True, text=True, timeout=10)
        assert h.returncode == 0 and h.stdout.startswith(f"usage: {prog}") and "--check" in h.stdout
        x = subprocess.run(run + ["stray"], capture_output=True, text=True, timeout=10)
        assert x.returncode == 1 and x.stderr == f"{prog}: unexpected argument 'stray'\n", x
