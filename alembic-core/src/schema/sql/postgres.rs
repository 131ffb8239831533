//! PostgreSQL SQL text: statement splitting (dollar quotes, `E''` strings, nested comments),
//! transaction-control detection, and the declared-type spellings PostgreSQL needs.
//!
//! The schema model keeps types as declared; [`type_sql`] turns the spellings that only
//! SQLite knows (`BLOB`, `DATETIME`) into PostgreSQL's, so one `Column::new("at",
//! Type::DateTime)` creates a `DATETIME` column on SQLite and a `TIMESTAMP` on PostgreSQL.

use super::lexer::{self, Kind, Token};

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

/// A declared type in one canonical PostgreSQL spelling, so that what a model declares and
/// what `format_type` reads back compare equal: `int4`, `INT` and `integer` are `INTEGER`,
/// `character varying(20)` is `VARCHAR(20)`, `timestamp with time zone` is `TIMESTAMPTZ`,
/// a serial is its integer type (identity and serial are both "a generated key"), and
/// SQLite's `DATETIME` and `BLOB` are what [`type_sql`] makes of them.
///
/// ```
/// use alembic_core::schema::sql::postgres::canonical_type;
/// assert_eq!(canonical_type("int4"), canonical_type("INTEGER"));
/// assert_eq!(canonical_type("character varying (20)"), "VARCHAR(20)");
/// assert_eq!(canonical_type("timestamp with time zone"), "TIMESTAMPTZ");
/// assert_eq!(canonical_type("bigserial"), "BIGINT");
/// assert_ne!(canonical_type("VARCHAR(20)"), canonical_type("VARCHAR(32)"));
/// ```
pub fn canonical_type(declared: &str) -> String {
    let upper = crate::schema::diff::normalize_type(declared);
    if let Some(element) = upper.strip_suffix("[]") {
        return format!("{}[]", canonical_type(element));
    }
    let (base, args) = match upper.find('(') {
        Some(p) => (upper[..p].trim_end(), &upper[p..]),
        None => (upper.as_str(), ""),
    };
    // `TIMESTAMP(3) WITH TIME ZONE`: the precision sits inside the name.
    let (base, args, tail) = match args.find(')') {
        Some(end) if end + 1 < args.len() => (base, &args[..=end], args[end + 1..].trim()),
        _ => (base, args, ""),
    };
    let name = if tail.is_empty() {
        base.to_owned()
    } else {
        format!("{base} {tail}")
    };
    let canonical = match name.as_str() {
        "INT" | "INT4" | "INTEGER" | "SERIAL" | "SERIAL4" => "INTEGER",
        "INT8" | "BIGINT" | "BIGSERIAL" | "SERIAL8" => "BIGINT",
        "INT2" | "SMALLINT" | "SMALLSERIAL" | "SERIAL2" => "SMALLINT",
        "FLOAT8" | "DOUBLE PRECISION" => "DOUBLE PRECISION",
        "FLOAT" if args.is_empty() => "DOUBLE PRECISION",
        "FLOAT4" | "REAL" => "REAL",
        "BOOL" | "BOOLEAN" => "BOOLEAN",
        "CHARACTER VARYING" | "VARCHAR" => "VARCHAR",
        "CHARACTER" | "CHAR" | "BPCHAR" => {
            return format!("CHAR{}", if args.is_empty() { "(1)" } else { args });
        }
        "DECIMAL" | "NUMERIC" => "NUMERIC",
        "TIMESTAMP" | "TIMESTAMP WITHOUT TIME ZONE" | "DATETIME" => "TIMESTAMP",
        "TIMESTAMPTZ" | "TIMESTAMP WITH TIME ZONE" => "TIMESTAMPTZ",
        "TIME" | "TIME WITHOUT TIME ZONE" => "TIME",
        "TIMETZ" | "TIME WITH TIME ZONE" => "TIMETZ",
        "BLOB" | "BYTEA" => "BYTEA",
        other => other,
    };
    format!("{canonical}{args}")
}

/// Whether a default is a serial's `nextval('t_id_seq'::regclass)`: a sequence that goes
/// with its table, the old spelling of an identity column.
pub fn is_serial_default(default: &str) -> bool {
    default
        .trim_start_matches(|c: char| c == '(' || c.is_whitespace())
        .get(..8)
        .is_some_and(|start| start.eq_ignore_ascii_case("nextval("))
}

/// A column default as a model would write it: PostgreSQL prints `'http'` on a VARCHAR
/// column as `'http'::character varying` and `-1` as `'-1'::integer`, so casts of a literal
/// go; `now()`, `CURRENT_TIMESTAMP` and `transaction_timestamp()` are one function; a
/// serial's `nextval(…)` is no default at all (the column is a generated key, as an
/// identity column is). `None` is no default.
///
/// ```
/// use alembic_core::schema::sql::postgres::plain_default;
/// assert_eq!(plain_default("'http'::character varying").as_deref(), Some("'http'"));
/// assert_eq!(plain_default("('-1'::integer)").as_deref(), Some("'-1'"));
/// assert_eq!(plain_default("now()"), plain_default("CURRENT_TIMESTAMP"));
/// assert_eq!(plain_default("nextval('t_id_seq'::regclass)"), None);
/// ```
pub fn plain_default(default: &str) -> Option<String> {
    let mut d = default.trim();
    while let Some(inner) = d.strip_prefix('(').and_then(|x| x.strip_suffix(')')) {
        d = inner.trim();
    }
    if is_serial_default(d) {
        return None;
    }
    let lower = d.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "now()" | "current_timestamp" | "transaction_timestamp()" | "current_timestamp()"
    ) {
        return Some("CURRENT_TIMESTAMP".to_owned());
    }
    // A literal (a string, or a number with its sign) followed by nothing but casts.
    let toks = lexer::tokens(d);
    let literal = match toks.as_slice() {
        [t, ..] if matches!(t.kind, Kind::String | Kind::Number) => 1,
        [sign, n, ..] if sign.is(d, '-') && n.kind == Kind::Number => 2,
        _ => 0,
    };
    if literal > 0 {
        let mut i = literal;
        while let Some(end) = cast_end(d, &toks, i) {
            i = end;
        }
        if i == toks.len() {
            return Some(d[..toks[literal - 1].end].to_owned());
        }
    }
    Some(d.to_owned())
}

/// An expression (a CHECK, an index term or predicate) folded so that what a model wrote
/// and what PostgreSQL prints back compare equal: no casts, parentheses, quotes, case or
/// spaces; `x = ANY (ARRAY[a, b])` read as `x IN (a, b)` and `<> ALL` as `NOT IN`,
/// `x BETWEEN a AND b` as `x >= a AND x <= b`, `~~` as `LIKE`, `!=` as `<>`, and a quoted
/// number with a cast (`'-1'::integer`) as the number.
///
/// ```
/// use alembic_core::schema::sql::postgres::squash_expr;
/// assert_eq!(
///     squash_expr("(status = ANY (ARRAY['up'::text, 'down'::text]))"),
///     squash_expr("status IN ('up', 'down')")
/// );
/// assert_eq!(squash_expr("lower((url)::text)"), squash_expr("lower(url)"));
/// assert_eq!(squash_expr("b < '-3'::integer OR b > 3"), squash_expr("b NOT BETWEEN -3 AND 3"));
/// assert_ne!(squash_expr("a > 0"), squash_expr("a >= 0"));
/// ```
pub fn squash_expr(expr: &str) -> String {
    let out = between_as_comparisons(terms(expr))
        .concat()
        .replace("!~~*", "notilike")
        .replace("~~*", "ilike")
        .replace("!~~", "notlike")
        .replace("~~", "like")
        .replace("!=", "<>");
    let out = list_as_in(&out, "=any(array[", "in(");
    let out = list_as_in(&out, "<>all(array[", "notin(");
    out.chars().filter(|&c| c != '(' && c != ')').collect()
}

/// The tokens of an expression as it is compared: casts left out (a quoted number with a
/// cast, `'-1'::integer`, is the number), identifiers unquoted, case folded outside string
/// literals.
pub(crate) fn terms(expr: &str) -> Vec<String> {
    let toks = lexer::tokens(expr);
    let mut out: Vec<String> = Vec::new();
    let mut last = None;
    let mut i = 0;
    while i < toks.len() {
        if let Some(end) = cast_end(expr, &toks, i) {
            if last == Some(Kind::String) {
                let quoted = out.last_mut().expect("a literal was written");
                let inner = quoted[1..quoted.len() - 1].to_owned();
                if inner.parse::<f64>().is_ok() {
                    *quoted = inner;
                }
            }
            last = None;
            i = end;
            continue;
        }
        let t = &toks[i];
        let text = t.text(expr);
        match t.kind {
            // SQLite's `[name]` is PostgreSQL's array subscript or constructor: its inside
            // is an expression.
            Kind::QuotedIdent if text.starts_with('[') => {
                out.push("[".to_owned());
                out.extend(terms(text[1..].strip_suffix(']').unwrap_or(&text[1..])));
                out.push("]".to_owned());
            }
            Kind::String => out.push(text.to_owned()),
            Kind::QuotedIdent => out.push(lexer::ident_value(t, expr).to_ascii_lowercase()),
            _ => out.push(text.to_ascii_lowercase()),
        }
        last = Some(t.kind);
        i += 1;
    }
    out
}

/// Words that continue a type's name: `character varying`, `double precision`,
/// `timestamp with time zone`.
const TYPE_WORDS: [&str; 6] = ["varying", "precision", "with", "without", "time", "zone"];

/// Where the cast that starts at token `i` (`::type`, with the words, schema, modifiers and
/// array brackets of its type) ends; `None` when no cast starts there.
fn cast_end(sql: &str, toks: &[Token], i: usize) -> Option<usize> {
    let (colon, again) = (toks.get(i)?, toks.get(i + 1)?);
    if !(colon.is(sql, ':') && again.is(sql, ':') && colon.end == again.start) {
        return None;
    }
    let is = |j: usize, c: char| toks.get(j).is_some_and(|t| t.is(sql, c));
    let name = |j: usize| {
        toks.get(j)
            .is_some_and(|t| matches!(t.kind, Kind::Word | Kind::QuotedIdent))
    };
    let type_word = |j: usize| {
        toks.get(j).is_some_and(|t| {
            TYPE_WORDS
                .iter()
                .any(|w| t.kind == Kind::Word && t.text(sql).eq_ignore_ascii_case(w))
        })
    };
    let mut j = i + 2;
    if !name(j) {
        return None;
    }
    j += 1;
    while is(j, '.') && name(j + 1) {
        j += 2;
    }
    loop {
        while type_word(j) {
            j += 1;
        }
        if !is(j, '(') {
            break;
        }
        let close = (j..toks.len()).find(|&k| is(k, ')'))?;
        j = close + 1;
    }
    // `[]` (which SQLite's lexer reads as a bracket-quoted name).
    while toks.get(j).is_some_and(|t| t.text(sql) == "[]") {
        j += 1;
    }
    Some(j)
}

/// `x = ANY (ARRAY[a, b])` (squashed) written `x IN (a, b)`, and the like.
fn list_as_in(squashed: &str, printed: &str, written: &str) -> String {
    let mut folded = String::with_capacity(squashed.len());
    let mut rest = squashed;
    while let Some(at) = rest.find(printed) {
        folded.push_str(&rest[..at]);
        folded.push_str(written);
        rest = &rest[at + printed.len()..];
        if let Some(end) = rest.find("])") {
            folded.push_str(&rest[..end]);
            folded.push(')');
            rest = &rest[end + 2..];
        }
    }
    folded.push_str(rest);
    folded
}

/// `x [NOT] BETWEEN a AND b` in the terms PostgreSQL prints it back in: `x >= a AND x <= b`
/// (`x < a OR x > b`). Operands are single terms (a name, a number, a literal, a call or a
/// parenthesised group, with a sign); anything else is left as written.
fn between_as_comparisons(mut terms: Vec<String>) -> Vec<String> {
    while let Some(at) = terms.iter().position(|t| t == "between") {
        let not = at > 0 && terms[at - 1] == "not";
        let left_end = if not { at - 1 } else { at };
        let Some(left_start) = term_before(&terms, left_end) else {
            break;
        };
        let Some(low_end) = term_after(&terms, at + 1) else {
            break;
        };
        if terms.get(low_end).map(String::as_str) != Some("and") {
            break;
        }
        let Some(high_end) = term_after(&terms, low_end + 1) else {
            break;
        };
        let x = &terms[left_start..left_end];
        let (low, high) = (&terms[at + 1..low_end], &terms[low_end + 1..high_end]);
        let (above, join, below) = if not {
            ("<", "or", ">")
        } else {
            (">=", "and", "<=")
        };
        let mut rewritten: Vec<String> = terms[..left_start].to_vec();
        rewritten.push("(".to_owned());
        rewritten.extend_from_slice(x);
        rewritten.push(above.to_owned());
        rewritten.extend_from_slice(low);
        rewritten.push(join.to_owned());
        rewritten.extend_from_slice(x);
        rewritten.push(below.to_owned());
        rewritten.extend_from_slice(high);
        rewritten.push(")".to_owned());
        rewritten.extend_from_slice(&terms[high_end..]);
        terms = rewritten;
    }
    terms
}

/// Where the term that ends before `end` starts.
fn term_before(tokens: &[String], end: usize) -> Option<usize> {
    let mut i = end.checked_sub(1)?;
    if tokens[i] == ")" {
        let mut depth = 0;
        loop {
            match tokens[i].as_str() {
                ")" => depth += 1,
                "(" => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                _ => {}
            }
            i = i.checked_sub(1)?;
        }
        // A call: its name.
        if i > 0 && is_name(&tokens[i - 1]) {
            i -= 1;
        }
    } else if !is_name(&tokens[i]) && !tokens[i].starts_with('\'') {
        return None;
    }
    Some(i)
}

/// Where the term that starts at `start` ends (one past it).
fn term_after(tokens: &[String], start: usize) -> Option<usize> {
    let mut i = start;
    if matches!(tokens.get(i)?.as_str(), "-" | "+") {
        i += 1;
    }
    let first = tokens.get(i)?;
    if first.starts_with('\'')
        || (is_name(first) && tokens.get(i + 1).map(String::as_str) != Some("("))
    {
        return Some(i + 1);
    }
    if !(first == "(" || is_name(first)) {
        return None;
    }
    if first != "(" {
        i += 1;
    }
    let mut depth = 0;
    loop {
        match tokens.get(i)?.as_str() {
            "(" => depth += 1,
            ")" => {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
        i += 1;
    }
}

/// Whether a term is a name or a number (a word of the lexer's).
fn is_name(token: &str) -> bool {
    token
        .chars()
        .next()
        .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expressions_with_non_ascii_names_and_schema_qualified_casts_compare() {
        // Bytes of several-byte characters are not character boundaries: nothing may slice
        // there (a CHECK on a column named in another script than Latin).
        assert_eq!(
            squash_expr("\"prix_€\" BETWEEN 0 AND 9"),
            squash_expr("prix_€ >= 0 AND prix_€ <= 9")
        );
        assert_eq!(
            squash_expr("rating = 'G'::public.mpaa_rating"),
            squash_expr("rating = 'G'")
        );
        assert_eq!(
            plain_default("'2020-01-01 00:00:00'::timestamp(3) with time zone").as_deref(),
            Some("'2020-01-01 00:00:00'")
        );
        assert_eq!(
            plain_default("'a'::text || 'b'::text").as_deref(),
            Some("'a'::text || 'b'::text")
        );
    }

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
