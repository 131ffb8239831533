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
    let lower = d.to_ascii_lowercase();
    if lower.starts_with("nextval(") {
        return None;
    }
    if matches!(
        lower.as_str(),
        "now()" | "current_timestamp" | "transaction_timestamp()" | "current_timestamp()"
    ) {
        return Some("CURRENT_TIMESTAMP".to_owned());
    }
    let literal_end = if d.starts_with('\'') {
        // The closing quote: a doubled quote is a quote inside the literal.
        let bytes = d.as_bytes();
        let mut i = 1;
        loop {
            match bytes.get(i) {
                Some(b'\'') if bytes.get(i + 1) == Some(&b'\'') => i += 2,
                Some(b'\'') => break Some(i + 1),
                Some(_) => i += 1,
                None => break None,
            }
        }
    } else {
        let digits = d
            .char_indices()
            .take_while(|&(i, c)| c.is_ascii_digit() || c == '.' || (i == 0 && c == '-'))
            .last()
            .map(|(i, c)| i + c.len_utf8());
        digits.filter(|&end| d[..end].parse::<f64>().is_ok())
    };
    if let Some(end) = literal_end {
        let casts = &d[end..];
        let only_casts = casts.is_empty()
            || (casts.starts_with("::")
                && casts.split("::").skip(1).all(|t| {
                    !t.is_empty()
                        && t.chars()
                            .all(|c| c.is_ascii_alphanumeric() || " _[](),".contains(c))
                }));
        if only_casts {
            return Some(d[..end].to_owned());
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
    let expr = between_as_comparisons(expr);
    let mut out = String::with_capacity(expr.len());
    let bytes = expr.as_bytes();
    // Where in `out` the last string literal starts, while nothing has followed it.
    let mut literal: Option<usize> = None;
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i] as char;
        if c == '\'' {
            // A literal keeps its case and spaces.
            let start = i;
            i += 1;
            while i < bytes.len() {
                if bytes[i] == b'\'' && bytes.get(i + 1) == Some(&b'\'') {
                    i += 2;
                } else if bytes[i] == b'\'' {
                    i += 1;
                    break;
                } else {
                    i += 1;
                }
            }
            literal = Some(out.len());
            out.push_str(&expr[start..i]);
            continue;
        }
        if expr[i..].starts_with("::") {
            // `'-1'::integer` is how PostgreSQL prints the number -1.
            if let Some(at) = literal.take() {
                let inner = out[at + 1..out.len() - 1].to_owned();
                if inner.parse::<f64>().is_ok() {
                    out.truncate(at);
                    out.push_str(&inner);
                }
            }
            // A cast: the type name, with its words, modifiers and array brackets.
            i += 2;
            let mut depth = 0;
            while i < bytes.len() {
                let t = bytes[i] as char;
                let in_name =
                    t.is_ascii_alphanumeric() || t == '_' || t == '"' || t == '[' || t == ']';
                let more_words = t == ' '
                    && expr[i + 1..]
                        .split(|ch: char| !ch.is_ascii_alphabetic())
                        .next()
                        .is_some_and(|w| {
                            matches!(
                                w.to_ascii_lowercase().as_str(),
                                "varying" | "precision" | "without" | "with" | "time" | "zone"
                            )
                        });
                if t == '(' {
                    depth += 1;
                } else if t == ')' && depth > 0 {
                    depth -= 1;
                } else if !(in_name || more_words || depth > 0) {
                    break;
                }
                i += 1;
            }
            continue;
        }
        if !(c.is_whitespace() || c == '"') {
            literal = None;
            out.push(c.to_ascii_lowercase());
        }
        i += 1;
    }
    let out = out
        .replace("!~~*", "notilike")
        .replace("~~*", "ilike")
        .replace("!~~", "notlike")
        .replace("~~", "like")
        .replace("!=", "<>");
    let out = list_as_in(&out, "=any(array[", "in(");
    let out = list_as_in(&out, "<>all(array[", "notin(");
    out.chars().filter(|&c| c != '(' && c != ')').collect()
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

/// `x [NOT] BETWEEN a AND b` written as PostgreSQL prints it back: `x >= a AND x <= b`
/// (`x < a OR x > b`). Operands are single terms (a name, a number, a literal, a call or a
/// parenthesised group, with a sign); anything else is left as written.
fn between_as_comparisons(expr: &str) -> String {
    let tokens = tokens(expr);
    let word = |t: &str, w: &str| t.eq_ignore_ascii_case(w);
    let Some(at) = tokens.iter().position(|t| word(t, "between")) else {
        return expr.to_owned();
    };
    let not = at > 0 && word(&tokens[at - 1], "not");
    let left_end = if not { at - 1 } else { at };
    let Some(left_start) = term_before(&tokens, left_end) else {
        return expr.to_owned();
    };
    let Some(low_end) = term_after(&tokens, at + 1) else {
        return expr.to_owned();
    };
    if !tokens.get(low_end).is_some_and(|t| word(t, "and")) {
        return expr.to_owned();
    }
    let Some(high_end) = term_after(&tokens, low_end + 1) else {
        return expr.to_owned();
    };
    let join = |range: std::ops::Range<usize>| tokens[range].join(" ");
    let (x, low, high) = (
        join(left_start..left_end),
        join(at + 1..low_end),
        join(low_end + 1..high_end),
    );
    let rewritten = if not {
        format!("({x} < {low} OR {x} > {high})")
    } else {
        format!("({x} >= {low} AND {x} <= {high})")
    };
    let rest = format!(
        "{} {rewritten} {}",
        join(0..left_start),
        join(high_end..tokens.len())
    )
    .replace(" :: ", "::");
    // Another BETWEEN further on.
    between_as_comparisons(&rest)
}

/// The SQL tokens of `expr`: names (quoted or not), numbers, literals, operators.
pub(crate) fn tokens(expr: &str) -> Vec<String> {
    let bytes = expr.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i] as char;
        let start = i;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c == '\'' || c == '"' {
            i += 1;
            while i < bytes.len() {
                if bytes[i] == c as u8 && bytes.get(i + 1) == Some(&(c as u8)) {
                    i += 2;
                } else if bytes[i] == c as u8 {
                    i += 1;
                    break;
                } else {
                    i += 1;
                }
            }
        } else if c.is_ascii_alphanumeric() || c == '_' || c == '.' {
            while i < bytes.len()
                && ((bytes[i] as char).is_ascii_alphanumeric()
                    || bytes[i] == b'_'
                    || bytes[i] == b'.')
            {
                i += 1;
            }
        } else if expr[i..].starts_with("::") {
            i += 2;
        } else {
            i += c.len_utf8();
        }
        out.push(expr[start..i].to_owned());
    }
    out
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
    if first.starts_with('\'') || first == "(" || is_name(first) {
        if is_name(first) && tokens.get(i + 1).map(String::as_str) != Some("(") {
            return Some(i + 1);
        }
        if first.starts_with('\'') {
            return Some(i + 1);
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
    None
}

fn is_name(token: &str) -> bool {
    token
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '"' || c == '.')
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
