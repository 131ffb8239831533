//! A lexer for the parts of SQLite's SQL that cargo-alembic reads: enough to split scripts
//! into statements and to parse `CREATE TABLE` / `CREATE INDEX`. Every token keeps its byte
//! span, so expressions (CHECK, DEFAULT, WHERE) are taken back verbatim from the source.

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A bare word: keyword or unquoted identifier.
    Word,
    /// `"x"`, `` `x` `` or `[x]`: always an identifier.
    QuotedIdent,
    /// `'text'`.
    String,
    /// `X'00ff'`.
    Blob,
    /// A numeric literal.
    Number,
    /// Any other single character (`(`, `,`, `;`, operators…).
    Punct,
}

/// One token and where it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    /// Its kind.
    pub kind: Kind,
    /// Byte offset of its first character.
    pub start: usize,
    /// Byte offset after its last character.
    pub end: usize,
}

impl Token {
    /// Its text in `sql`.
    pub fn text<'s>(&self, sql: &'s str) -> &'s str {
        &sql[self.start..self.end]
    }

    /// Whether it is the bare word `kw` (ASCII case-insensitive).
    pub fn is_kw(&self, sql: &str, kw: &str) -> bool {
        self.kind == Kind::Word && self.text(sql).eq_ignore_ascii_case(kw)
    }

    /// Whether it is the punctuation `c`.
    pub fn is(&self, sql: &str, c: char) -> bool {
        self.kind == Kind::Punct && self.text(sql).starts_with(c)
    }
}

/// Splits `sql` into tokens, skipping white space and comments. Unterminated quotes and
/// comments run to the end of the text (SQLite reports those when it parses).
pub fn tokens(sql: &str) -> Vec<Token> {
    let bytes = sql.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        let c = bytes[i];
        let kind = match c {
            b if b.is_ascii_whitespace() => {
                i += 1;
                continue;
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                i = sql[i..].find('\n').map_or(bytes.len(), |n| i + n + 1);
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = sql[i + 2..]
                    .find("*/")
                    .map_or(bytes.len(), |n| i + 2 + n + 2);
                continue;
            }
            b'\'' => {
                i = skip_quoted(bytes, i, b'\'');
                Kind::String
            }
            b'"' | b'`' => {
                i = skip_quoted(bytes, i, c);
                Kind::QuotedIdent
            }
            b'[' => {
                i = sql[i..].find(']').map_or(bytes.len(), |n| i + n + 1);
                Kind::QuotedIdent
            }
            b'x' | b'X' if bytes.get(i + 1) == Some(&b'\'') => {
                i = skip_quoted(bytes, i + 1, b'\'');
                Kind::Blob
            }
            b'0'..=b'9' => {
                i = number_end(bytes, i);
                Kind::Number
            }
            b'.' if bytes.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                i = number_end(bytes, i);
                Kind::Number
            }
            b if is_word_byte(b) => {
                while i < bytes.len() && is_word_byte(bytes[i]) {
                    i += 1;
                }
                Kind::Word
            }
            _ => {
                i += sql[i..].chars().next().map_or(1, char::len_utf8);
                Kind::Punct
            }
        };
        out.push(Token {
            kind,
            start,
            end: i,
        });
    }
    out
}

/// Letters, digits, `_`, `$` and any non-ASCII byte continue a word, as in SQLite.
fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

fn skip_quoted(bytes: &[u8], start: usize, close: u8) -> usize {
    let mut i = start + 1;
    while i < bytes.len() {
        if bytes[i] == close {
            if bytes.get(i + 1) == Some(&close) {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    bytes.len()
}

fn number_end(bytes: &[u8], mut i: usize) -> usize {
    if bytes[i] == b'0' && matches!(bytes.get(i + 1), Some(b'x' | b'X')) {
        i += 2;
        while i < bytes.len() && bytes[i].is_ascii_hexdigit() {
            i += 1;
        }
        return i;
    }
    while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.' || bytes[i] == b'_') {
        i += 1;
    }
    if i < bytes.len() && matches!(bytes[i], b'e' | b'E') {
        let mut j = i + 1;
        if j < bytes.len() && matches!(bytes[j], b'+' | b'-') {
            j += 1;
        }
        if j < bytes.len() && bytes[j].is_ascii_digit() {
            i = j;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
        }
    }
    i
}

/// The identifier a token names: quotes removed and doubled quotes undone.
pub fn ident_value(token: &Token, sql: &str) -> String {
    let text = token.text(sql);
    match token.kind {
        Kind::QuotedIdent if text.starts_with('[') => {
            text[1..text.len().saturating_sub(1).max(1)].to_owned()
        }
        Kind::QuotedIdent | Kind::String => {
            let q = &text[..1];
            let inner = text
                .strip_prefix(q)
                .map(|t| t.strip_suffix(q).unwrap_or(t))
                .unwrap_or(text);
            inner.replace(&format!("{q}{q}"), q)
        }
        _ => text.to_owned(),
    }
}

/// Splits a script into its statements, each without its terminating `;` and without
/// leading comments, skipping empty ones. Semicolons inside quotes, comments and
/// `CREATE TRIGGER … BEGIN … END` bodies do not split (the rules of `sqlite3_complete`).
///
/// ```
/// # use alembic_core::schema::sql::statements;
/// let sql = "CREATE TABLE t (a TEXT DEFAULT ';'); -- c;\nINSERT INTO t VALUES ('x;y');";
/// assert_eq!(statements(sql), ["CREATE TABLE t (a TEXT DEFAULT ';')", "INSERT INTO t VALUES ('x;y')"]);
/// ```
pub fn statements(sql: &str) -> Vec<&str> {
    let toks = tokens(sql);
    let mut out = Vec::new();
    let mut first: Option<usize> = None;
    for (i, t) in toks.iter().enumerate() {
        let begin = *first.get_or_insert(i);
        if !t.is(sql, ';') {
            continue;
        }
        let stmt = &toks[begin..i];
        if stmt.is_empty() {
            first = None;
            continue;
        }
        if is_trigger(sql, stmt) && !ends_trigger(sql, stmt) {
            continue;
        }
        out.push(&sql[stmt[0].start..stmt[stmt.len() - 1].end]);
        first = None;
    }
    if let Some(begin) = first {
        if begin < toks.len() {
            out.push(&sql[toks[begin].start..toks[toks.len() - 1].end]);
        }
    }
    out
}

fn is_trigger(sql: &str, stmt: &[Token]) -> bool {
    match stmt {
        [c, t, ..] if c.is_kw(sql, "CREATE") && t.is_kw(sql, "TRIGGER") => true,
        [c, temp, t, ..] => {
            c.is_kw(sql, "CREATE")
                && (temp.is_kw(sql, "TEMP") || temp.is_kw(sql, "TEMPORARY"))
                && t.is_kw(sql, "TRIGGER")
        }
        _ => false,
    }
}

/// A trigger statement is complete at `; END ;`.
fn ends_trigger(sql: &str, stmt: &[Token]) -> bool {
    matches!(stmt, [.., semi, end] if semi.is(sql, ';') && end.is_kw(sql, "END"))
}

/// Quotes an identifier: `my "table"` → `"my ""table"""`.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Quotes a string literal: `o'neil` → `'o''neil'`.
pub fn quote_literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// Replaces identifier tokens naming `old` by the quoted `new`, leaving strings alone.
///
/// ```
/// use alembic_core::schema::sql::rename_ident;
/// assert_eq!(rename_ident("length(note) < 'note'", "note", "body"), "length(\"body\") < 'note'");
/// ```
pub fn rename_ident(sql: &str, old: &str, new: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut last = 0;
    for t in tokens(sql) {
        if matches!(t.kind, Kind::Word | Kind::QuotedIdent)
            && ident_value(&t, sql).eq_ignore_ascii_case(old)
        {
            out.push_str(&sql[last..t.start]);
            out.push_str(&quote_ident(new));
            last = t.end;
        }
    }
    out.push_str(&sql[last..]);
    out
}

/// Removes `table.` (and `schema.table.`) qualifiers before column names in an expression
/// of `table`'s own (a CHECK, a generated column), where they add nothing: SQLite resolves
/// such an expression against the table alone, and a qualifier naming the table stops the
/// expression from working under any other name (a rebuild's temporary table).
///
/// ```
/// use alembic_core::schema::sql::unqualify;
/// assert_eq!(unqualify("t1.a != main.\"t1\".b AND t2.c = 't1.a'", "T1"), "a != b AND t2.c = 't1.a'");
/// ```
pub fn unqualify(sql: &str, table: &str) -> String {
    let toks = tokens(sql);
    let is_name = |i: usize| {
        toks.get(i)
            .is_some_and(|t| matches!(t.kind, Kind::Word | Kind::QuotedIdent))
    };
    let is_dot = |i: usize| toks.get(i).is_some_and(|t| t.is(sql, '.'));
    let mut out = String::with_capacity(sql.len());
    let mut last = 0;
    for i in 0..toks.len() {
        let names_table = is_name(i) && ident_value(&toks[i], sql).eq_ignore_ascii_case(table);
        if !(names_table && is_dot(i + 1) && is_name(i + 2)) {
            continue;
        }
        let start = match i {
            // `schema.table.column`
            2.. if is_dot(i - 1) && is_name(i - 2) && !is_dot(i.wrapping_sub(3)) => {
                toks[i - 2].start
            }
            1.. if is_dot(i - 1) => continue,
            _ => toks[i].start,
        };
        if start < last {
            continue;
        }
        out.push_str(&sql[last..start]);
        last = toks[i + 2].start;
    }
    out.push_str(&sql[last..]);
    out
}

/// Whether `sql` names `name` as an identifier (in any quoting). Over-approximates — a
/// column of another table with the same name counts — which only costs a needless drop
/// and re-create.
pub fn mentions(sql: &str, name: &str) -> bool {
    tokens(sql).iter().any(|t| {
        matches!(t.kind, Kind::Word | Kind::QuotedIdent | Kind::String)
            && ident_value(t, sql).eq_ignore_ascii_case(name)
    })
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
        let got = statements(sql);
        assert_eq!(got.len(), 3, "{got:#?}");
        assert_eq!(
            got[0],
            r#"CREATE TABLE "a;b" (x TEXT DEFAULT 'it''s; fine', [y;z] INT)"#
        );
        assert!(
            got[1].starts_with("CREATE TRIGGER") && got[1].ends_with("END"),
            "{got:#?}"
        );
        assert!(got[2].starts_with("create temp trigger") && got[2].ends_with("end"));
    }

    #[test]
    fn reads_identifiers_in_every_quoting() {
        let sql = r#"a "b ""c""" `d` [e f] 'g''h' X'00' 1.5e3 0x1F"#;
        let toks = tokens(sql);
        let values: Vec<String> = toks.iter().map(|t| ident_value(t, sql)).collect();
        assert_eq!(
            values,
            ["a", "b \"c\"", "d", "e f", "g'h", "X'00'", "1.5e3", "0x1F"]
        );
        assert_eq!(toks[5].kind, Kind::Blob);
    }

    #[test]
    fn quotes() {
        assert_eq!(quote_ident("my \"table\""), "\"my \"\"table\"\"\"");
        assert_eq!(quote_literal("o'neil"), "'o''neil'");
    }
}
