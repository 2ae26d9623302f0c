"""Refuse any source query that could change a clinic's database.

A source query must be one ``SELECT`` (or ``WITH … SELECT``) statement. The check runs
before anything reaches the server: comments, string literals and quoted identifiers are
set aside first, so a keyword inside ``'…'`` or ``"…"`` is never mistaken for a command,
and a command hidden after ``;`` or inside a CTE is found. The server-side
guard (a read-only transaction that is always rolled back, SQLite opened ``mode=ro``)
lives in :mod:`clinicvalue.load.sources`; this is the first of the two locks.
"""

from __future__ import annotations

import re

from clinicvalue.errors import InputError

__all__ = ["check_read_only_query", "WRITE_WORDS"]

#: Words that let a statement which starts with SELECT or WITH change data, schema or
#: files (data-modifying CTEs, ``SELECT … INTO``, ``FOR UPDATE``, ``INTO OUTFILE``), and
#: the commands the issue list names, refused wherever they stand. Every other command
#: (``SET``, ``PRAGMA``, ``CALL`` …) is refused because it is not a SELECT.
WRITE_WORDS = frozenset(
    {
        "ALTER",
        "ATTACH",
        "COPY",
        "CREATE",
        "DELETE",
        "DETACH",
        "DROP",
        "DUMPFILE",
        "GRANT",
        "INSERT",
        "INTO",
        "LOCK",
        "MERGE",
        "OUTFILE",
        "RETURNING",
        "REVOKE",
        "TRUNCATE",
        "UPDATE",
        "UPSERT",
        "VACUUM",
    }
)

#: Functions with side effects a read-only transaction does not always stop.
WRITE_FUNCTIONS = frozenset(
    {
        "DBLINK",
        "DBLINK_EXEC",
        "LOAD_EXTENSION",
        "LO_EXPORT",
        "LO_IMPORT",
        "LO_UNLINK",
        "PG_CANCEL_BACKEND",
        "PG_RELOAD_CONF",
        "PG_ROTATE_LOGFILE",
        "PG_TERMINATE_BACKEND",
        "SET_CONFIG",
        "WRITEFILE",
    }
)

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")
_HELP = (
    "a source query must be one SELECT (or WITH … SELECT) statement that only reads; "
    "the kit never changes the clinic's database"
)


def _strip(query: str, source: str) -> str:
    """Return the query with comments, literals and quoted names blanked out."""
    out: list[str] = []
    i, n = 0, len(query)
    while i < n:
        c = query[i]
        nxt = query[i + 1] if i + 1 < n else ""
        if c == "-" and nxt == "-":
            j = query.find("\n", i)
            i = n if j < 0 else j
            out.append(" ")
        elif c == "/" and nxt == "*":
            depth, i = 1, i + 2
            while i < n and depth:
                if query.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif query.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    i += 1
            if depth:
                raise InputError(f"the query has an unclosed /* comment; {_HELP}", file=source)
            out.append(" ")
        elif c in "'\"`":
            backslash = c == "'" and i > 0 and query[i - 1] in "eE"
            j = i + 1
            while True:
                if j >= n:
                    raise InputError(f"the query has an unclosed {c} quote; {_HELP}", file=source)
                if backslash and query[j] == "\\":
                    j += 2
                    continue
                if query[j] == c:
                    if j + 1 < n and query[j + 1] == c:
                        j += 2
                        continue
                    break
                j += 1
            out.append(" x ")
            i = j + 1
        elif c == "$" and (tag := re.match(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$", query[i:])):
            end = query.find(tag.group(0), i + len(tag.group(0)))
            if end < 0:
                raise InputError(f"the query has an unclosed $-quoted string; {_HELP}", file=source)
            out.append(" x ")
            i = end + len(tag.group(0))
        else:
            out.append(c)
            i += 1
    return "".join(out)


def check_read_only_query(query: str, *, source: str = "SQL query") -> str:
    """Return ``query`` unchanged if it is one read-only statement; refuse it otherwise.

    Parameters
    ----------
    query
        The SQL text as the user gave it.
    source
        How messages name the query (``SQL query (visits)``).

    Raises
    ------
    InputError
        For an empty query, several statements, an unclosed quote or comment, a
        statement that is not ``SELECT`` / ``WITH … SELECT``, or any word that writes
        (``UPDATE``, ``DROP``, ``ATTACH``, ``VACUUM INTO``, ``COPY``, ``… RETURNING``,
        ``SELECT … INTO`` …).
    """
    bare = _strip(query, source)
    if len([part for part in bare.split(";") if part.strip()]) > 1:
        raise InputError(
            f"the query holds more than one statement (a ';' between two); {_HELP}", file=source
        )
    words = [w.upper() for w in _WORD.findall(bare)]
    if not words:
        raise InputError(f"the query is empty; {_HELP}", file=source)
    if words[0] not in ("SELECT", "WITH", "VALUES", "TABLE"):
        raise InputError(f"the query starts with {words[0]}; {_HELP}", file=source)
    bad = sorted(set(words) & WRITE_WORDS)
    if bad:
        raise InputError(f"the query contains {', '.join(bad)}; {_HELP}", file=source)
    calls = {m.group(1).upper() for m in re.finditer(r"([A-Za-z_][A-Za-z0-9_]*)\s*\(", bare)}
    bad = sorted(calls & WRITE_FUNCTIONS)
    if bad:
        raise InputError(
            f"the query calls {', '.join(f.lower() for f in bad)}, which can change the "
            f"server; {_HELP}",
            file=source,
        )
    return query
