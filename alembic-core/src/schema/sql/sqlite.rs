//! SQLite's own type rules, where two declared types differ in name only.

/// Whether a declared type is one of SQLite's integer names (`INTEGER`, `INT`, `BIGINT`,
/// `SMALLINT`, `INT8`, `UNSIGNED BIG INT`, …, with or without a length such as `INT(11)`).
/// SQLite stores the same 64-bit integers in all of them, so a change from one to another
/// changes nothing but the name; and only `INTEGER` makes a single-column primary key the
/// rowid, so renaming it would lose the rowid alias.
///
/// ```
/// use alembic_core::schema::sql::sqlite::is_integer_type;
/// assert!(is_integer_type("bigint") && is_integer_type("INT(11)") && is_integer_type("unsigned big int"));
/// assert!(!is_integer_type("NUMERIC") && !is_integer_type("POINT"));
/// ```
pub fn is_integer_type(declared: &str) -> bool {
    let name = declared.split('(').next().unwrap_or_default();
    let words: Vec<String> = name
        .split_whitespace()
        .map(str::to_ascii_uppercase)
        .collect();
    matches!(
        words.join(" ").as_str(),
        "INT"
            | "INTEGER"
            | "TINYINT"
            | "SMALLINT"
            | "MEDIUMINT"
            | "BIGINT"
            | "UNSIGNED BIG INT"
            | "INT2"
            | "INT4"
            | "INT8"
    )
}
