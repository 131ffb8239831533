//! Parses SQLite's `CREATE TABLE` and `CREATE INDEX` statements (as stored in
//! `sqlite_schema`) into the [`crate::schema`] model. Scoped to those two statements, and to
//! what SQLite accepts in them: names in any quoting, type names with arguments, every
//! column and table constraint, conflict clauses, generated columns, `WITHOUT ROWID`, `STRICT`.
//! Expressions are not parsed, only delimited, and kept as written.

use std::fmt;

use super::lexer::{ident_value, tokens, Kind, Token};
use crate::schema::{
    Check, Column, ForeignKey, Generated, Index, KeyColumn, PrimaryKey, Table, Unique,
};

/// A statement the parser does not understand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// What was expected.
    pub message: String,
    /// Byte offset in the statement.
    pub offset: usize,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.message, self.offset)
    }
}

impl std::error::Error for ParseError {}

/// Words that end a column's type name.
const COLUMN_CONSTRAINT_START: [&str; 11] = [
    "CONSTRAINT",
    "PRIMARY",
    "NOT",
    "NULL",
    "UNIQUE",
    "CHECK",
    "DEFAULT",
    "COLLATE",
    "REFERENCES",
    "GENERATED",
    "AS",
];

struct Parser<'s> {
    sql: &'s str,
    toks: Vec<Token>,
    pos: usize,
}

impl<'s> Parser<'s> {
    fn new(sql: &'s str) -> Self {
        Parser {
            sql,
            toks: tokens(sql),
            pos: 0,
        }
    }

    fn peek(&self) -> Option<&Token> {
        self.toks.get(self.pos)
    }

    fn peek_kw(&self, kw: &str) -> bool {
        self.peek().is_some_and(|t| t.is_kw(self.sql, kw))
    }

    fn peek_punct(&self, c: char) -> bool {
        self.peek().is_some_and(|t| t.is(self.sql, c))
    }

    fn error(&self, message: impl Into<String>) -> ParseError {
        ParseError {
            message: message.into(),
            offset: self.peek().map_or(self.sql.len(), |t| t.start),
        }
    }

    fn eat_kw(&mut self, kw: &str) -> bool {
        let yes = self.peek_kw(kw);
        if yes {
            self.pos += 1;
        }
        yes
    }

    fn eat_punct(&mut self, c: char) -> bool {
        let yes = self.peek_punct(c);
        if yes {
            self.pos += 1;
        }
        yes
    }

    fn expect_kw(&mut self, kw: &str) -> Result<(), ParseError> {
        if self.eat_kw(kw) {
            Ok(())
        } else {
            Err(self.error(format!("expected {kw}")))
        }
    }

    fn expect_punct(&mut self, c: char) -> Result<(), ParseError> {
        if self.eat_punct(c) {
            Ok(())
        } else {
            Err(self.error(format!("expected '{c}'")))
        }
    }

    /// A name: a word, a quoted identifier, or (as SQLite allows) a string.
    fn name(&mut self) -> Result<String, ParseError> {
        match self.peek() {
            Some(t) if matches!(t.kind, Kind::Word | Kind::QuotedIdent | Kind::String) => {
                let t = *t;
                self.pos += 1;
                Ok(ident_value(&t, self.sql))
            }
            _ => Err(self.error("expected a name")),
        }
    }

    /// `[schema.]name`, keeping the name.
    fn qualified_name(&mut self) -> Result<String, ParseError> {
        let first = self.name()?;
        if self.eat_punct('.') {
            return self.name();
        }
        Ok(first)
    }

    /// The text of a balanced parenthesised group, without the outer parentheses.
    fn parenthesized(&mut self) -> Result<String, ParseError> {
        let open = *self.peek().ok_or_else(|| self.error("expected '('"))?;
        self.expect_punct('(')?;
        let mut depth = 1;
        while let Some(t) = self.peek() {
            let t = *t;
            self.pos += 1;
            if t.is(self.sql, '(') {
                depth += 1;
            } else if t.is(self.sql, ')') {
                depth -= 1;
                if depth == 0 {
                    return Ok(self.sql[open.end..t.start].trim().to_owned());
                }
            }
        }
        Err(self.error("unbalanced parentheses"))
    }

    /// Text from the current token up to (not including) a `,` or `)` at depth 0, or one
    /// of the `stop` words at depth 0.
    fn expr_until(&mut self, stop: &[&str]) -> Result<String, ParseError> {
        let start = self
            .peek()
            .ok_or_else(|| self.error("expected an expression"))?
            .start;
        let mut end = start;
        let mut depth = 0;
        while let Some(t) = self.peek() {
            let t = *t;
            if depth == 0
                && (t.is(self.sql, ',')
                    || t.is(self.sql, ')')
                    || stop.iter().any(|s| t.is_kw(self.sql, s)))
            {
                break;
            }
            if t.is(self.sql, '(') {
                depth += 1;
            } else if t.is(self.sql, ')') {
                depth -= 1;
            }
            end = t.end;
            self.pos += 1;
        }
        if end == start {
            return Err(self.error("expected an expression"));
        }
        Ok(self.sql[start..end].to_owned())
    }

    fn if_not_exists(&mut self) -> Result<(), ParseError> {
        if self.eat_kw("IF") {
            self.expect_kw("NOT")?;
            self.expect_kw("EXISTS")?;
        }
        Ok(())
    }

    fn conflict_clause(&mut self) -> Result<Option<String>, ParseError> {
        if self.eat_kw("ON") {
            self.expect_kw("CONFLICT")?;
            return Ok(Some(self.name()?.to_ascii_uppercase()));
        }
        Ok(None)
    }

    /// `( col [COLLATE c] [ASC|DESC], … )`
    fn key_columns(&mut self) -> Result<Vec<KeyColumn>, ParseError> {
        Ok(self.key_columns_autoincrement()?.0)
    }

    /// Key columns and whether one was marked `AUTOINCREMENT`, which SQLite accepts inside a
    /// table-level `PRIMARY KEY (id AUTOINCREMENT)`.
    fn key_columns_autoincrement(&mut self) -> Result<(Vec<KeyColumn>, bool), ParseError> {
        self.expect_punct('(')?;
        let mut cols = Vec::new();
        let mut autoincrement = false;
        loop {
            let name = self.name()?;
            let collation = if self.eat_kw("COLLATE") {
                Some(self.name()?)
            } else {
                None
            };
            let descending = if self.eat_kw("DESC") {
                true
            } else {
                self.eat_kw("ASC");
                false
            };
            autoincrement |= self.eat_kw("AUTOINCREMENT");
            cols.push(KeyColumn {
                name,
                collation,
                descending,
            });
            if !self.eat_punct(',') {
                break;
            }
        }
        self.expect_punct(')')?;
        Ok((cols, autoincrement))
    }

    /// Whether the next tokens are `GENERATED ALWAYS AS` or `AS`, a generated column. SQLite
    /// reads `GENERATED ALWAYS` without `AS` as part of the type name.
    fn peek_generated(&self) -> bool {
        let kw = |i: usize, kw: &str| {
            self.toks
                .get(self.pos + i)
                .is_some_and(|t| t.is_kw(self.sql, kw))
        };
        kw(0, "AS") || (kw(0, "GENERATED") && kw(1, "ALWAYS") && kw(2, "AS"))
    }

    /// Whether the current token ends a column or constraint definition.
    fn at_item_end(&self) -> bool {
        self.peek()
            .is_none_or(|t| t.is(self.sql, ',') || t.is(self.sql, ')'))
    }

    fn name_list(&mut self) -> Result<Vec<String>, ParseError> {
        self.expect_punct('(')?;
        let mut names = vec![self.name()?];
        while self.eat_punct(',') {
            names.push(self.name()?);
        }
        self.expect_punct(')')?;
        Ok(names)
    }

    /// `REFERENCES t [(cols)] [ON DELETE|UPDATE action | MATCH name]… [[NOT] DEFERRABLE …]`,
    /// after REFERENCES.
    fn references(
        &mut self,
        name: Option<String>,
        columns: Vec<String>,
    ) -> Result<ForeignKey, ParseError> {
        let ref_table = self.name()?;
        let ref_columns = if self.peek_punct('(') {
            self.name_list()?
        } else {
            Vec::new()
        };
        let mut fk = ForeignKey {
            name,
            columns,
            ref_table,
            ref_schema: None,
            ref_columns,
            on_delete: None,
            on_update: None,
            match_name: None,
            deferrable: None,
        };
        loop {
            if self.eat_kw("ON") {
                let delete = if self.eat_kw("DELETE") {
                    true
                } else {
                    self.expect_kw("UPDATE")?;
                    false
                };
                let action = if self.eat_kw("SET") {
                    format!("SET {}", self.name()?.to_ascii_uppercase())
                } else if self.eat_kw("NO") {
                    self.expect_kw("ACTION")?;
                    "NO ACTION".to_owned()
                } else {
                    self.name()?.to_ascii_uppercase()
                };
                if delete {
                    fk.on_delete = Some(action);
                } else {
                    fk.on_update = Some(action);
                }
            } else if self.eat_kw("MATCH") {
                fk.match_name = Some(self.name()?);
            } else if self.peek_kw("NOT") || self.peek_kw("DEFERRABLE") {
                let start = self.peek().map_or(0, |t| t.start);
                self.eat_kw("NOT");
                self.expect_kw("DEFERRABLE")?;
                if self.eat_kw("INITIALLY") {
                    self.name()?;
                }
                let end = self.toks[self.pos - 1].end;
                fk.deferrable = Some(self.sql[start..end].to_owned());
            } else {
                return Ok(fk);
            }
        }
    }
}

/// Parses a `CREATE TABLE` statement.
///
/// ```
/// use alembic_core::schema::sql::parse_create_table;
/// let t = parse_create_table("CREATE TABLE \"order\" (id INTEGER PRIMARY KEY AUTOINCREMENT, qty INT CHECK (qty > 0))").unwrap();
/// assert_eq!(t.name, "order");
/// assert!(t.primary_key.unwrap().autoincrement);
/// assert_eq!(t.checks[0].expr, "qty > 0");
/// ```
///
/// # Errors
/// [`ParseError`] when it is not a CREATE TABLE this parser understands (`AS SELECT` is not).
pub fn parse_create_table(sql: &str) -> Result<Table, ParseError> {
    let mut p = Parser::new(sql);
    p.expect_kw("CREATE")?;
    if !p.eat_kw("TEMP") {
        p.eat_kw("TEMPORARY");
    }
    p.expect_kw("TABLE")?;
    p.if_not_exists()?;
    let mut table = Table::new(p.qualified_name()?);
    p.expect_punct('(')?;
    loop {
        if is_table_constraint_start(&p) {
            table_constraint(&mut p, &mut table)?;
        } else {
            column_def(&mut p, &mut table)?;
        }
        if !p.eat_punct(',') {
            break;
        }
    }
    p.expect_punct(')')?;
    loop {
        if p.eat_kw("WITHOUT") {
            let rowid = p.name()?;
            if !rowid.eq_ignore_ascii_case("ROWID") {
                return Err(p.error("expected ROWID"));
            }
            table.without_rowid = true;
        } else if p.eat_kw("STRICT") {
            table.strict = true;
        }
        if !p.eat_punct(',') {
            break;
        }
    }
    p.eat_punct(';');
    if p.peek().is_some() {
        return Err(p.error("unexpected text after the table definition"));
    }
    Ok(table)
}

fn is_table_constraint_start(p: &Parser<'_>) -> bool {
    ["CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"]
        .iter()
        .any(|kw| p.peek_kw(kw))
        // A column may be called `check` only when quoted; a bare word here is a keyword.
        && p.peek().is_some_and(|t| t.kind == Kind::Word)
}

fn column_def(p: &mut Parser<'_>, table: &mut Table) -> Result<(), ParseError> {
    let name = p.name()?;
    let mut column = Column {
        name: name.clone(),
        ..Column::default()
    };
    column.sql_type = type_name(p)?;
    loop {
        let constraint_name = if p.eat_kw("CONSTRAINT") {
            Some(p.name()?)
        } else {
            None
        };
        if p.eat_kw("PRIMARY") {
            p.expect_kw("KEY")?;
            let descending = if p.eat_kw("DESC") {
                true
            } else {
                p.eat_kw("ASC");
                false
            };
            let on_conflict = p.conflict_clause()?;
            let autoincrement = p.eat_kw("AUTOINCREMENT");
            table.primary_key = Some(PrimaryKey {
                name: constraint_name,
                columns: vec![KeyColumn {
                    name: name.clone(),
                    collation: None,
                    descending,
                }],
                autoincrement,
                on_conflict,
            });
        } else if p.eat_kw("NOT") {
            p.expect_kw("NULL")?;
            column.not_null_on_conflict = p.conflict_clause()?;
            column.not_null = true;
        } else if p.eat_kw("NULL") {
            p.conflict_clause()?;
        } else if p.eat_kw("UNIQUE") {
            let on_conflict = p.conflict_clause()?;
            table.unique.push(Unique {
                name: constraint_name,
                columns: vec![KeyColumn::new(name.clone())],
                on_conflict,
            });
        } else if p.eat_kw("CHECK") {
            let expr = p.parenthesized()?;
            table.checks.push(Check {
                name: constraint_name,
                expr,
            });
        } else if p.eat_kw("DEFAULT") {
            column.default = Some(default_value(p)?);
        } else if p.eat_kw("COLLATE") {
            column.collation = Some(p.name()?);
        } else if p.eat_kw("REFERENCES") {
            let fk = p.references(constraint_name, vec![name.clone()])?;
            table.foreign_keys.push(fk);
        } else if p.peek_generated() {
            if p.eat_kw("GENERATED") {
                p.expect_kw("ALWAYS")?;
            }
            p.expect_kw("AS")?;
            let expr = p.parenthesized()?;
            let stored = p.eat_kw("STORED");
            if !stored {
                p.eat_kw("VIRTUAL");
            }
            column.generated = Some(Generated { expr, stored });
        } else if constraint_name.is_some() && p.at_item_end() {
            // A trailing `CONSTRAINT name` with no constraint: SQLite accepts it.
            break;
        } else if constraint_name.is_some() {
            return Err(p.error("expected a constraint after CONSTRAINT <name>"));
        } else {
            break;
        }
    }
    table.columns.push(column);
    Ok(())
}

/// Type name words and an optional `(n[, m])`, normalised to single spaces.
fn type_name(p: &mut Parser<'_>) -> Result<String, ParseError> {
    let mut words: Vec<String> = Vec::new();
    let mut span = None;
    while let Some(t) = p.peek() {
        let t = *t;
        let is_word = matches!(t.kind, Kind::Word | Kind::QuotedIdent);
        let generated_word = t.is_kw(p.sql, "GENERATED") && !p.peek_generated();
        if !is_word
            || (!generated_word && COLUMN_CONSTRAINT_START.iter().any(|kw| t.is_kw(p.sql, kw)))
        {
            break;
        }
        span = Some((span.map_or(t.start, |(s, _)| s), t.end));
        // SQLite dequotes the type name it stores (`x "b"` has type `b`).
        words.push(ident_value(&t, p.sql));
        p.pos += 1;
    }
    if let Some((start, end)) = span {
        strip_generated_always(&mut words, &p.sql[start..end]);
    }
    let mut ty = words.join(" ");
    if !ty.is_empty() && p.peek_punct('(') {
        let args = p.parenthesized()?;
        let args: Vec<&str> = args.split(',').map(str::trim).collect();
        ty = format!("{ty}({})", args.join(", "));
    }
    Ok(ty)
}

/// SQLite's parser can read the words `GENERATED ALWAYS` (not followed by `AS`) into the
/// type name, and then drops a trailing `ALWAYS`, and a `GENERATED` before it, from a type
/// whose text is at least 16 characters long (sqlite3AddColumn); the same rule here keeps
/// the type SQLite reports.
fn strip_generated_always(words: &mut Vec<String>, raw: &str) {
    let ends_with =
        |words: &[String], w: &str| words.last().is_some_and(|l| l.eq_ignore_ascii_case(w));
    if raw.len() >= 16 && ends_with(words, "ALWAYS") {
        words.pop();
        if ends_with(words, "GENERATED") {
            words.pop();
        }
    }
}

/// `DEFAULT` value: a literal, a signed number, `(expr)`, or a bare word.
fn default_value(p: &mut Parser<'_>) -> Result<String, ParseError> {
    if p.peek_punct('(') {
        let start = p.peek().map_or(0, |t| t.start);
        p.parenthesized()?;
        return Ok(p.sql[start..p.toks[p.pos - 1].end].to_owned());
    }
    let start = p
        .peek()
        .ok_or_else(|| p.error("expected a default value"))?
        .start;
    // A sign belongs to the number after it.
    if !p.eat_punct('-') {
        p.eat_punct('+');
    }
    if p.peek().is_none() {
        return Err(p.error("expected a default value"));
    }
    p.pos += 1;
    Ok(p.sql[start..p.toks[p.pos - 1].end].to_owned())
}

fn table_constraint(p: &mut Parser<'_>, table: &mut Table) -> Result<(), ParseError> {
    let name = if p.eat_kw("CONSTRAINT") {
        Some(p.name()?)
    } else {
        None
    };
    if p.eat_kw("PRIMARY") {
        p.expect_kw("KEY")?;
        let (mut columns, autoincrement) = p.key_columns_autoincrement()?;
        // A column named twice in a key with the same collation constrains nothing more;
        // SQLite keeps the first.
        let mut seen: Vec<(String, Option<String>)> = Vec::new();
        columns.retain(|k| {
            let key = (
                k.name.to_ascii_lowercase(),
                k.collation.as_ref().map(|c| c.to_ascii_lowercase()),
            );
            let first = !seen.contains(&key);
            seen.push(key);
            first
        });
        let on_conflict = p.conflict_clause()?;
        table.primary_key = Some(PrimaryKey {
            name,
            columns,
            autoincrement,
            on_conflict,
        });
    } else if p.eat_kw("UNIQUE") {
        let columns = p.key_columns()?;
        let on_conflict = p.conflict_clause()?;
        table.unique.push(Unique {
            name,
            columns,
            on_conflict,
        });
    } else if p.eat_kw("CHECK") {
        let expr = p.parenthesized()?;
        // SQLite's grammar accepts a conflict clause after a table CHECK and ignores it
        // (a CHECK always aborts), so it carries no meaning to keep.
        p.conflict_clause()?;
        table.checks.push(Check { name, expr });
    } else if p.eat_kw("FOREIGN") {
        p.expect_kw("KEY")?;
        let columns = p.name_list()?;
        p.expect_kw("REFERENCES")?;
        let fk = p.references(name, columns)?;
        table.foreign_keys.push(fk);
    } else if name.is_some() && p.at_item_end() {
        // `CONSTRAINT name` alone: SQLite accepts it and it constrains nothing.
    } else {
        return Err(p.error("expected PRIMARY KEY, UNIQUE, CHECK or FOREIGN KEY"));
    }
    Ok(())
}

/// Parses a `CREATE INDEX` statement into the table it indexes and the index.
///
/// ```
/// use alembic_core::schema::sql::parse_create_index;
/// let (table, ix) = parse_create_index("CREATE UNIQUE INDEX ix_a ON t (lower(a), b DESC) WHERE b > 0").unwrap();
/// assert_eq!((table.as_str(), ix.unique), ("t", true));
/// assert_eq!(ix.terms, ["lower(a)", "b DESC"]);
/// assert_eq!(ix.where_clause.as_deref(), Some("b > 0"));
/// ```
///
/// # Errors
/// [`ParseError`] when it is not a CREATE INDEX.
pub fn parse_create_index(sql: &str) -> Result<(String, Index), ParseError> {
    let mut p = Parser::new(sql);
    p.expect_kw("CREATE")?;
    let unique = p.eat_kw("UNIQUE");
    p.expect_kw("INDEX")?;
    p.if_not_exists()?;
    let name = p.qualified_name()?;
    p.expect_kw("ON")?;
    let table = p.name()?;
    p.expect_punct('(')?;
    let mut terms = vec![p.expr_until(&[])?];
    while p.eat_punct(',') {
        terms.push(p.expr_until(&[])?);
    }
    p.expect_punct(')')?;
    let where_clause = if p.eat_kw("WHERE") {
        let start = p
            .peek()
            .ok_or_else(|| p.error("expected an expression"))?
            .start;
        let end = p.toks.last().map_or(start, |t| t.end);
        let end = if p.toks.last().is_some_and(|t| t.is(sql, ';')) {
            p.toks[p.toks.len() - 2].end
        } else {
            end
        };
        p.pos = p.toks.len();
        Some(sql[start..end].to_owned())
    } else {
        None
    };
    p.eat_punct(';');
    if p.peek().is_some() {
        return Err(p.error("unexpected text after the index definition"));
    }
    Ok((
        table,
        Index {
            name,
            unique,
            terms,
            where_clause,
            method: None,
            concurrently: false,
        },
    ))
}
