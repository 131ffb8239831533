//! PostgreSQL SQL text: statement splitting (dollar quotes, `E''` strings, nested comments),
//! transaction-control detection, and the declared-type spellings PostgreSQL needs.
//!
//! The schema model keeps types as declared; [`type_sql`] turns the spellings that only
//! SQLite knows (`BLOB`, `DATETIME`) into PostgreSQL's, so one `Column::new("at",
//! Type::DateTime)` creates a `DATETIME` column on SQLite and a `TIMESTAMP` on PostgreSQL.

/// Splits a script into its statements, without terminating `;`, leading comments or
/// surrounding space, skipping empty ones. Semicolons inside quotes (`'…'`, `E'…\'…'`,
/// `"…"`, `$tag$…$tag$`) and comments (`--`, nested `/* */`) do not split.
///
/// ```
/// use alembic_core::schema::sql::postgres::statements;
/// let sql = "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\n-- done;\nSELECT ';'";
/// assert_eq!(statements(sql), ["CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql", "SELECT ';'"]);
/// ```
pub fn statements(sql: &str) -> Vec<&str> {
    let bytes = sql.as_bytes();
    let mut out = Vec::new();
    // The first byte of the statement being read that is not space or comment.
    let mut start: Option<usize> = None;
    let mut last_end = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let token_end = match b {
            b';' => {
                if let Some(s) = start.take() {
                    out.push(&sql[s..last_end]);
                }
                i += 1;
                continue;
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                i = bytes[i..]
                    .iter()
                    .position(|&c| c == b'\n')
                    .map_or(bytes.len(), |p| i + p + 1);
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = block_comment_end(bytes, i);
                continue;
            }
            _ if b.is_ascii_whitespace() => {
                i += 1;
                continue;
            }
            b'\'' => {
                let escapes =
                    i > 0 && matches!(bytes[i - 1], b'E' | b'e') && !word_before(bytes, i - 1);
                quoted_end(bytes, i, b'\'', escapes)
            }
            b'"' => quoted_end(bytes, i, b'"', false),
            b'$' => dollar_quoted_end(bytes, i).unwrap_or(i + 1),
            _ => i + 1,
        };
        start.get_or_insert(i);
        i = token_end;
        last_end = token_end;
    }
    if let Some(s) = start {
        out.push(&sql[s..last_end]);
    }
    out
}

/// Whether the byte before `at` continues a word (so `at` does not start one).
fn word_before(bytes: &[u8], at: usize) -> bool {
    at > 0 && (bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_')
}

fn block_comment_end(bytes: &[u8], start: usize) -> usize {
    let mut depth = 0;
    let mut i = start;
    while i + 1 < bytes.len() {
        match (bytes[i], bytes[i + 1]) {
            (b'/', b'*') => {
                depth += 1;
                i += 2;
            }
            (b'*', b'/') => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return i;
                }
            }
            _ => i += 1,
        }
    }
    bytes.len()
}

/// The end of a quoted token starting at `start`; a doubled quote stays inside, and with
/// `escapes` so does a backslash-escaped one.
fn quoted_end(bytes: &[u8], start: usize, quote: u8, escapes: bool) -> usize {
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if escapes => i += 2,
            c if c == quote => {
                if bytes.get(i + 1) == Some(&quote) {
                    i += 2;
                } else {
                    return i + 1;
                }
            }
            _ => i += 1,
        }
    }
    bytes.len()
}

/// The end of a `$tag$ … $tag$` string starting at `start`, or `None` when the `$` starts
/// no such string (a `$1` parameter).
fn dollar_quoted_end(bytes: &[u8], start: usize) -> Option<usize> {
    if word_before(bytes, start) {
        return None;
    }
    let tag_len = bytes[start + 1..]
        .iter()
        .position(|&c| !(c.is_ascii_alphanumeric() || c == b'_'))?;
    let tag_end = start + 1 + tag_len;
    if bytes.get(tag_end) != Some(&b'$') || bytes.get(start + 1).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let tag = &bytes[start..=tag_end];
    let body = tag_end + 1;
    Some(
        bytes[body..]
            .windows(tag.len())
            .position(|w| w == tag)
            .map_or(bytes.len(), |p| body + p + tag.len()),
    )
}

/// The transaction-control statement `stmt` is (`BEGIN`, `START TRANSACTION`, `COMMIT`,
/// `END`, `ROLLBACK`, `ABORT`, `PREPARE TRANSACTION`…), or `None`. Savepoint statements
/// (`SAVEPOINT`, `RELEASE`, `ROLLBACK TO`) nest inside a transaction and are not.
///
/// ```
/// use alembic_core::schema::sql::postgres::transaction_control;
/// assert_eq!(transaction_control("commit"), Some("COMMIT"));
/// assert_eq!(transaction_control("ROLLBACK TO SAVEPOINT s"), None);
/// assert_eq!(transaction_control("begin; -- x"), Some("BEGIN"));
/// ```
pub fn transaction_control(stmt: &str) -> Option<&'static str> {
    let mut words = stmt
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_uppercase);
    let first = words.next()?;
    let second = words.next();
    match (first.as_str(), second.as_deref()) {
        ("ROLLBACK" | "ABORT", Some("TO")) => None,
        ("BEGIN", _) => Some("BEGIN"),
        ("START", Some("TRANSACTION")) => Some("START TRANSACTION"),
        ("COMMIT", _) => Some("COMMIT"),
        ("END", _) => Some("END"),
        ("ROLLBACK", _) => Some("ROLLBACK"),
        ("ABORT", _) => Some("ABORT"),
        ("PREPARE", Some("TRANSACTION")) => Some("PREPARE TRANSACTION"),
        _ => None,
    }
}

/// A declared type as PostgreSQL spells it: SQLite's `BLOB` is `BYTEA`, `DATETIME` is
/// `TIMESTAMP`; any other type is written as declared.
///
/// ```
/// use alembic_core::schema::sql::postgres::type_sql;
/// assert_eq!(type_sql("DATETIME"), "TIMESTAMP");
/// assert_eq!(type_sql("VARCHAR(20)"), "VARCHAR(20)");
/// ```
pub fn type_sql(declared: &str) -> &str {
    const SQLITE_ONLY: [(&str, &str); 2] = [("BLOB", "BYTEA"), ("DATETIME", "TIMESTAMP")];
    SQLITE_ONLY
        .iter()
        .find(|(sqlite, _)| sqlite.eq_ignore_ascii_case(declared.trim()))
        .map_or(declared, |(_, pg)| pg)
}

/// Whether a declared type is one of PostgreSQL's integer types, which an identity column
/// needs.
pub fn is_integer_type(declared: &str) -> bool {
    [
        "INTEGER", "INT", "INT4", "BIGINT", "INT8", "SMALLINT", "INT2",
    ]
    .iter()
    .any(|t| t.eq_ignore_ascii_case(declared.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_around_every_kind_of_quote_and_comment() {
        let sql = "SELECT 'a;b', E'it\\'s;', \"x;y\" FROM t; /* a /* nested; */ still; */ \
                   SELECT $fn$ ; $$ ; $fn$, $1; ;;SELECT 1 -- trailing;\n";
        assert_eq!(
            statements(sql),
            [
                "SELECT 'a;b', E'it\\'s;', \"x;y\" FROM t",
                "SELECT $fn$ ; $$ ; $fn$, $1",
                "SELECT 1",
            ]
        );
    }

    #[test]
    fn a_backslash_escapes_only_in_e_strings() {
        assert_eq!(
            statements(r"SELECT 'a\'; SELECT 2"),
            [r"SELECT 'a\'", "SELECT 2"]
        );
        assert_eq!(
            statements(r"SELECT nE'a\'; SELECT 2"),
            [r"SELECT nE'a\'", "SELECT 2"]
        );
    }

    #[test]
    fn unterminated_text_is_one_statement() {
        assert_eq!(statements("SELECT $$ ; "), ["SELECT $$ ; "]);
        assert_eq!(statements("SELECT 1 /* ; "), ["SELECT 1"]);
    }

    #[test]
    fn transaction_control_is_recognised_in_every_spelling() {
        for (stmt, expected) in [
            ("BEGIN", Some("BEGIN")),
            ("begin isolation level serializable", Some("BEGIN")),
            ("START TRANSACTION", Some("START TRANSACTION")),
            ("END WORK", Some("END")),
            ("ABORT", Some("ABORT")),
            ("rollback and chain", Some("ROLLBACK")),
            ("PREPARE TRANSACTION 'x'", Some("PREPARE TRANSACTION")),
            ("ROLLBACK TO s", None),
            ("SAVEPOINT s", None),
            ("RELEASE s", None),
            ("PREPARE q AS SELECT 1", None),
            ("CREATE TABLE begin (a int)", None),
        ] {
            assert_eq!(transaction_control(stmt), expected, "{stmt}");
        }
    }
}
