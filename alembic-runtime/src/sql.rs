//! SQL text helpers: splitting a script into statements, so that a failure names the
//! exact statement.

/// Splits a script into its statements, each without its terminating `;` and leading
/// comments, skipping empty ones. Semicolons inside quotes, comments and `CREATE TRIGGER … BEGIN … END` bodies do not
/// split (the rules of SQLite's `sqlite3_complete`).
///
/// ```
/// # use alembic_runtime::sql::statements;
/// let sql = "CREATE TABLE t (a TEXT DEFAULT ';'); -- c;\nINSERT INTO t VALUES ('x;y');";
/// assert_eq!(statements(sql).count(), 2);
/// ```
pub fn statements(sql: &str) -> impl Iterator<Item = &str> {
    let mut rest = sql;
    std::iter::from_fn(move || loop {
        if rest.trim().is_empty() {
            return None;
        }
        let end = statement_end(rest);
        let (stmt, tail) = rest.split_at(end);
        rest = tail.strip_prefix(';').unwrap_or(tail);
        let stmt = strip_leading_comments(stmt).trim_end();
        if !stmt.is_empty() {
            return Some(stmt);
        }
    })
}

/// Byte offset of the `;` ending the first statement, or the length of `sql`.
fn statement_end(sql: &str) -> usize {
    let bytes = sql.as_bytes();
    let mut words: Vec<String> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\'' | b'"' | b'`' => i = skip_quoted(bytes, i, bytes[i]),
            b'[' => i = skip_quoted(bytes, i, b']'),
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                i = sql[i..].find('\n').map_or(bytes.len(), |n| i + n + 1);
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = sql[i + 2..]
                    .find("*/")
                    .map_or(bytes.len(), |n| i + 2 + n + 2);
            }
            b';' => {
                if !in_trigger_body(&words) {
                    return i;
                }
                words.push(";".into());
                i += 1;
            }
            c if c.is_ascii_alphanumeric() || c == b'_' => {
                let start = i;
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                words.push(sql[start..i].to_ascii_uppercase());
            }
            _ => i += 1,
        }
    }
    bytes.len()
}

/// Inside `CREATE [TEMP] TRIGGER`, only `; END ;` ends the statement.
fn in_trigger_body(words: &[String]) -> bool {
    let is_trigger = match words {
        [c, t, ..] if c == "CREATE" && t == "TRIGGER" => true,
        [c, temp, t, ..] => {
            c == "CREATE" && (temp == "TEMP" || temp == "TEMPORARY") && t == "TRIGGER"
        }
        _ => false,
    };
    let ended =
        words.len() >= 2 && words[words.len() - 1] == "END" && words[words.len() - 2] == ";";
    is_trigger && !ended
}

fn skip_quoted(bytes: &[u8], start: usize, close: u8) -> usize {
    let mut i = start + 1;
    while i < bytes.len() {
        if bytes[i] == close {
            // A doubled quote is an escaped quote, not the end.
            if close != b']' && bytes.get(i + 1) == Some(&close) {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    bytes.len()
}

fn strip_leading_comments(stmt: &str) -> &str {
    let mut rest = stmt.trim_start();
    loop {
        if let Some(after) = rest.strip_prefix("--") {
            rest = after
                .find('\n')
                .map_or("", |n| &after[n + 1..])
                .trim_start();
        } else if let Some(after) = rest.strip_prefix("/*") {
            rest = after
                .find("*/")
                .map_or("", |n| &after[n + 2..])
                .trim_start();
        } else {
            return rest;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_on_semicolons_outside_quotes_comments_and_triggers() {
        let sql = r#"
            CREATE TABLE "a;b" (x TEXT DEFAULT 'it''s; fine', [y;z] INT); -- trailing; comment
            /* block; comment */
            CREATE TRIGGER trg AFTER INSERT ON "a;b" BEGIN
                UPDATE "a;b" SET x = CASE WHEN 1 THEN 'a' END;
                DELETE FROM "a;b" WHERE 0;
            END;
            create temp trigger t2 after delete on "a;b" begin select 1; end
            ;;
            -- only a comment
        "#;
        let got: Vec<&str> = statements(sql).collect();
        assert_eq!(got.len(), 3, "{got:#?}");
        assert!(got[0].starts_with("CREATE TABLE \"a;b\"") && got[0].ends_with("INT)"));
        assert!(
            got[1].starts_with("CREATE TRIGGER") && got[1].ends_with("END"),
            "{got:#?}"
        );
        assert!(got[2].starts_with("create temp trigger") && got[2].ends_with("end"));
    }
}
