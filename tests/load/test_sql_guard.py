import pytest

from clinicvalue.errors import InputError
from clinicvalue.load.sql_guard import check_read_only_query

READS = [
    "SELECT * FROM visits",
    "select * from visits;",
    "SELECT * FROM visits; -- the export",
    "WITH last AS (SELECT patient_id, max(d) AS d FROM v GROUP BY 1) SELECT * FROM last",
    'SELECT comment, update_time, "delete", created_by FROM visits',
    "SELECT * FROM visits WHERE note = 'DROP TABLE visits; --' AND t > '10:30'",
    "/* DELETE FROM visits */ SELECT 1",
    "SELECT $$ UPDATE x $$ AS s",
    "(SELECT 1) UNION ALL (SELECT 2)",
    "SELECT E'it\\'s; DELETE' AS s",
]

WRITES = [
    ("UPDATE visits SET amount = 0", "starts with UPDATE"),
    ("DELETE FROM visits", "starts with DELETE"),
    ("DROP TABLE visits", "starts with DROP"),
    ("INSERT INTO visits VALUES (1)", "starts with INSERT"),
    ("ATTACH DATABASE '/tmp/x.db' AS x", "starts with ATTACH"),
    ("VACUUM INTO '/tmp/copy.db'", "starts with VACUUM"),
    ("COPY visits TO '/tmp/visits.csv'", "starts with COPY"),
    ("PRAGMA journal_mode = delete", "starts with PRAGMA"),
    ("SET search_path = evil", "starts with SET"),
    ("CREATE TABLE t AS SELECT 1", "starts with CREATE"),
    ("SELECT 1; DROP TABLE visits", "more than one statement"),
    ("SELECT 1;DELETE FROM visits;", "more than one statement"),
    ("WITH d AS (DELETE FROM visits RETURNING *) SELECT * FROM d", "DELETE, RETURNING"),
    ("WITH u AS (UPDATE visits SET a = 1 RETURNING a) SELECT * FROM u", "RETURNING, UPDATE"),
    ("SELECT * INTO backup FROM visits", "contains INTO"),
    ("SELECT * FROM visits FOR UPDATE", "contains UPDATE"),
    ("SELECT * FROM visits INTO OUTFILE '/tmp/x'", "INTO, OUTFILE"),
    ("SELECT lo_export(1, '/tmp/x')", "calls lo_export"),
    ("SELECT pg_terminate_backend(42)", "calls pg_terminate_backend"),
    ("SELECT E'\\\\'; DROP TABLE visits", "more than one statement"),
    ("SELECT 'unclosed", "unclosed ' quote"),
    ("SELECT 1 /* open", "unclosed /* comment"),
    ("", "empty"),
    ("-- only a comment", "empty"),
]


@pytest.mark.parametrize("query", READS)
def test_read_only_queries_pass_unchanged(query):
    assert check_read_only_query(query) == query


@pytest.mark.parametrize(("query", "why"), WRITES)
def test_writing_or_stacked_statements_are_refused(query, why):
    with pytest.raises(InputError, match="must be one SELECT") as exc:
        check_read_only_query(query, source="SQL query (visits)")
    assert why in str(exc.value)
    assert str(exc.value).startswith("SQL query (visits): ")
