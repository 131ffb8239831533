//! Rendering migration modules (DESIGN §3): the header, the constants and the `upgrade` and
//! `downgrade` functions, formatted by prettyplease. Autogenerate's bodies are the schema
//! changes as calls of the `Op` API; several changes to one table that need a rebuild go into
//! one `batch_alter_table`, and destructive calls carry a comment.

use alembic_core::schema::diff::Change;
use alembic_core::schema::{Column, ForeignKey, Index, Table, Trigger};
use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

/// What the module's header and constants say.
#[derive(Debug, Clone)]
pub struct Header<'a> {
    /// The revision id.
    pub revision: &'a str,
    /// Its parents.
    pub down_revisions: &'a [String],
    /// Its branch labels.
    pub branch_labels: &'a [String],
    /// Revisions it depends on.
    pub depends_on: &'a [String],
    /// The message (`-m`).
    pub message: &'a str,
    /// The `Create Date` line's value.
    pub date: &'a str,
}

/// A function body: statements, and the comments that go before some of them.
#[derive(Debug, Default, Clone)]
pub struct Body {
    statements: Vec<TokenStream>,
    comments: Vec<String>,
}

impl Body {
    /// Whether there is nothing to do.
    pub fn is_empty(&self) -> bool {
        self.statements.is_empty()
    }

    /// A comment before the next statement. prettyplease drops comments, so it stands in the
    /// code as a marker macro call that [`module`] replaces with the comment text.
    fn comment(&mut self, text: String) {
        self.statements.push(marker(self.comments.len()));
        self.comments.push(text);
    }
}

fn marker(n: usize) -> TokenStream {
    let marker = format_ident!("{MARKER}");
    let n = proc_macro2::Literal::usize_unsuffixed(n);
    quote!(#marker!(#n);)
}

const MARKER: &str = "__alembic_comment";

/// The migration module's source text, formatted.
///
/// ```
/// use cargo_alembic::render::{module, Body, Header};
/// let source = module(
///     &Header {
///         revision: "3f2a9c1b7d4e",
///         down_revisions: &["156027c76783".to_owned()],
///         branch_labels: &[],
///         depends_on: &[],
///         message: "add description to monitor",
///         date: "2026-11-24 12:00:00.000000",
///     },
///     &Body::default(),
///     &Body::default(),
/// );
/// assert!(source.starts_with("//! add description to monitor\n//!\n//! Revision ID: 3f2a9c1b7d4e\n"));
/// assert!(source.contains("pub fn upgrade(_op: &mut Op) -> Result<()> {\n    Ok(())\n}"));
/// ```
pub fn module(header: &Header<'_>, upgrade: &Body, downgrade: &Body) -> String {
    let Header {
        revision,
        down_revisions,
        branch_labels,
        depends_on,
        message,
        date,
    } = header;
    let function = |name: &str, body: &Body| {
        let name = Ident::new(name, Span::call_site());
        // An empty body leaves `op` unused; the underscore keeps the file warning-free.
        let op = if body.is_empty() {
            quote!(_op)
        } else {
            quote!(op)
        };
        let statements = &body.statements;
        quote! {
            pub fn #name(#op: &mut Op) -> Result<()> {
                #(#statements)*
                Ok(())
            }
        }
    };
    let (up, down) = (
        function("upgrade", upgrade),
        function("downgrade", downgrade),
    );
    let tokens = quote! {
        use alembic_runtime::prelude::*;
        pub const REVISION: &str = #revision;
        pub const DOWN_REVISION: &[&str] = &[#(#down_revisions),*];
        pub const BRANCH_LABELS: &[&str] = &[#(#branch_labels),*];
        pub const DEPENDS_ON: &[&str] = &[#(#depends_on),*];
        #up
        #down
    };
    let file: syn::File = syn::parse2(tokens).expect("rendered migration tokens are a Rust file");
    let code = prettyplease::unparse(&file);
    let code = rustfmt(&code).unwrap_or(code);
    let mut seen_downgrade = false;
    let mut out: String = message
        .lines()
        .map(|l| format!("//! {l}").trim_end().to_owned() + "\n")
        .collect();
    out.push_str(&format!(
        "//!\n//! Revision ID: {revision}\n//! Revises: {}\n//! Create Date: {date}\n\n",
        down_revisions.join(", ")
    ));
    for line in code.lines() {
        if line.starts_with("pub fn downgrade") {
            seen_downgrade = true;
        }
        let trimmed = line.trim_start();
        let marker = trimmed
            .strip_prefix(MARKER)
            .and_then(|rest| rest.strip_prefix("!("))
            .and_then(|rest| rest.strip_suffix(");"))
            .and_then(|n| n.parse::<usize>().ok());
        match marker {
            Some(n) => {
                // Markers number the comments of their own function.
                let body = if seen_downgrade { downgrade } else { upgrade };
                let indent = &line[..line.len() - trimmed.len()];
                for text in body.comments[n].lines() {
                    out.push_str(&format!("{indent}// {text}\n"));
                }
            }
            None => {
                out.push_str(line);
                out.push('\n');
            }
        }
        // A blank line between the constants and each function, as a person writes it.
        if line.starts_with("use ")
            || line.starts_with("pub const DEPENDS_ON")
            || line == "}" && !seen_downgrade
        {
            out.push('\n');
        }
    }
    out
}

/// prettyplease lays a call whose last argument is a closure out one argument per line;
/// rustfmt, when installed (rustup installs it by default), gives the layout `cargo fmt`
/// keeps, so that a project's `cargo fmt --check` stays clean. The marker calls survive it.
fn rustfmt(code: &str) -> Option<String> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let program = std::env::var_os("RUSTFMT").unwrap_or_else(|| "rustfmt".into());
    let mut child = Command::new(program)
        .args(["--edition", "2021"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(code.as_bytes()).ok()?;
    let out = child.wait_with_output().ok()?;
    if out.status.success() {
        String::from_utf8(out.stdout).ok()
    } else {
        None
    }
}

/// The calls that carry out `changes`, in order. `triggers` are those of the schema the
/// changes lead to: a table created again (a downgrade undoing a drop) gets its triggers back.
pub fn body(changes: &[Change], triggers: &[Trigger]) -> Body {
    let mut body = Body::default();
    let mut i = 0;
    while i < changes.len() {
        let Some(table) = altered_table(&changes[i]) else {
            whole_table(&mut body, &changes[i], triggers);
            i += 1;
            continue;
        };
        let len = changes[i..]
            .iter()
            .take_while(|c| altered_table(c) == Some(table))
            .count();
        let group = &changes[i..i + len];
        if needs_batch(group) {
            // The batch's statements, numbered with the body's comments.
            let mut batch = Body {
                statements: Vec::new(),
                comments: std::mem::take(&mut body.comments),
            };
            for change in group {
                call(&mut batch, change, None);
            }
            body.comments = batch.comments;
            let statements = batch.statements;
            body.statements.push(quote! {
                op.batch_alter_table(#table, |batch| {
                    #(#statements)*
                })?;
            });
        } else {
            for change in group {
                call(&mut body, change, Some(table));
            }
        }
        i += len;
    }
    body
}

/// The table a change alters in place; `None` for creating, dropping or renaming a table.
fn altered_table(change: &Change) -> Option<&str> {
    match change {
        Change::AddTable(_) | Change::DropTable(_) | Change::RenameTable { .. } => None,
        Change::AddColumn { table, .. }
        | Change::DropColumn { table, .. }
        | Change::RenameColumn { table, .. }
        | Change::AlterColumn { table, .. }
        | Change::AddIndex { table, .. }
        | Change::DropIndex { table, .. }
        | Change::AddUnique { table, .. }
        | Change::DropUnique { table, .. }
        | Change::AddForeignKey { table, .. }
        | Change::DropForeignKey { table, .. }
        | Change::AddCheck { table, .. }
        | Change::DropCheck { table, .. } => Some(table),
    }
}

/// One batch when two or more changes of the table may each rebuild it (one rebuild instead
/// of several), or when an unnamed constraint is dropped (only a batch can say which).
fn needs_batch(group: &[Change]) -> bool {
    let rebuilds = group
        .iter()
        .filter(|c| {
            matches!(
                c,
                Change::AlterColumn { .. }
                    | Change::DropColumn { .. }
                    | Change::AddUnique { .. }
                    | Change::DropUnique { .. }
                    | Change::AddForeignKey { .. }
                    | Change::DropForeignKey { .. }
                    | Change::AddCheck { .. }
                    | Change::DropCheck { .. }
            )
        })
        .count();
    let unnamed_drop = group.iter().any(|c| match c {
        Change::DropUnique { unique, .. } => unique.name.is_none(),
        Change::DropForeignKey { fk, .. } => fk.name.is_none(),
        Change::DropCheck { check, .. } => check.name.is_none(),
        _ => false,
    });
    rebuilds >= 2 || unnamed_drop
}

fn whole_table(body: &mut Body, change: &Change, triggers: &[Trigger]) {
    match change {
        Change::AddTable(table) => {
            match table_expr(table) {
                Some(expr) => body.statements.push(quote!(op.create_table(#expr)?;)),
                // Options the builders cannot express: the exact statements instead.
                None => {
                    let create = table.create_sql();
                    body.statements.push(quote!(op.execute(#create)?;));
                    for index in &table.indexes {
                        let sql = table.index_sql(index);
                        body.statements.push(quote!(op.execute(#sql)?;));
                    }
                }
            }
            for trigger in triggers
                .iter()
                .filter(|t| t.table.eq_ignore_ascii_case(&table.name))
            {
                let sql = &trigger.sql;
                body.statements.push(quote!(op.execute(#sql)?;));
            }
        }
        Change::DropTable(table) => {
            body.comment(format!(
                "Destructive: drops table '{}' and every row in it.",
                table.name
            ));
            let name = &table.name;
            body.statements.push(quote!(op.drop_table(#name)?;));
        }
        Change::RenameTable { from, to } => {
            body.statements.push(quote!(op.rename_table(#from, #to)?;));
        }
        _ => unreachable!("only whole-table changes come here"),
    }
}

/// One change to a table, as `op.method(table, …)?;` or, in a batch, `batch.method(…);`.
fn call(body: &mut Body, change: &Change, table: Option<&str>) {
    // `Op` takes a constraint name as `impl Into<Option<&str>>`: `"uq_x"` or `None`.
    let name_or_none = |name: &Option<String>| match name {
        Some(n) => quote!(#n),
        None => quote!(None),
    };
    // (method, arguments without the table, where Op's signature puts the table)
    let (method, args, table_at): (&str, Vec<TokenStream>, Option<usize>) = match change {
        Change::AddColumn { column, .. } => ("add_column", vec![column_expr(column)], Some(0)),
        Change::DropColumn { table: t, column } => {
            body.comment(format!(
                "Destructive: drops column '{t}.{}' and its data.",
                column.name
            ));
            let name = &column.name;
            ("drop_column", vec![quote!(#name)], Some(0))
        }
        Change::RenameColumn { from, to, .. } => (
            "alter_column",
            vec![quote!(#from), quote!(AlterColumn::new().rename(#to))],
            Some(0),
        ),
        Change::AlterColumn { from, to, .. } => {
            let mut alter = quote!(AlterColumn::new());
            if from.sql_type != to.sql_type {
                let ty = type_expr(&to.sql_type);
                alter = quote!(#alter.sql_type(#ty));
            }
            if from.not_null != to.not_null {
                let nullable = !to.not_null;
                alter = quote!(#alter.nullable(#nullable));
            }
            if from.default != to.default {
                let default = option(&to.default);
                alter = quote!(#alter.default_sql(#default));
            }
            let name = &from.name;
            ("alter_column", vec![quote!(#name), alter], Some(0))
        }
        Change::AddIndex { index, .. } => ("create_index", vec![index_expr(index)], Some(0)),
        Change::DropIndex { index, .. } => {
            let name = &index.name;
            ("drop_index", vec![quote!(#name)], None)
        }
        Change::AddUnique { unique, .. } => {
            let cols = unique.columns.iter().map(|k| &k.name);
            (
                "create_unique_constraint",
                vec![name_or_none(&unique.name), quote!(&[#(#cols),*])],
                Some(1),
            )
        }
        Change::AddForeignKey { fk, .. } => ("create_foreign_key", vec![fk_expr(fk)], Some(0)),
        Change::AddCheck { check, .. } => {
            let expr = &check.expr;
            (
                "create_check_constraint",
                vec![name_or_none(&check.name), quote!(#expr)],
                Some(1),
            )
        }
        Change::DropUnique { unique, .. } => match &unique.name {
            Some(n) => ("drop_constraint", vec![quote!(#n)], Some(1)),
            None => {
                let cols = unique.columns.iter().map(|k| &k.name);
                ("drop_unique", vec![quote!(&[#(#cols),*])], None)
            }
        },
        Change::DropForeignKey { fk, .. } => match &fk.name {
            Some(n) => ("drop_constraint", vec![quote!(#n)], Some(1)),
            None => {
                let cols = &fk.columns;
                ("drop_foreign_key", vec![quote!(&[#(#cols),*])], None)
            }
        },
        Change::DropCheck { check, .. } => match &check.name {
            Some(n) => ("drop_constraint", vec![quote!(#n)], Some(1)),
            None => {
                let expr = &check.expr;
                ("drop_check", vec![quote!(#expr)], None)
            }
        },
        Change::AddTable(_) | Change::DropTable(_) | Change::RenameTable { .. } => {
            unreachable!("whole-table changes are not table alterations")
        }
    };
    let method = Ident::new(method, Span::call_site());
    let statement = match table {
        Some(table) => {
            let mut args = args;
            if let Some(at) = table_at {
                args.insert(at, quote!(#table));
            }
            quote!(op.#method(#(#args),*)?;)
        }
        None => quote!(batch.#method(#(#args),*);),
    };
    body.statements.push(statement);
}

/// `Some("…")` or `None`.
fn option(value: &Option<String>) -> TokenStream {
    match value {
        Some(v) => quote!(Some(#v)),
        None => quote!(None),
    }
}

/// `Type::Integer` for the builder's own spellings, `Type::sql("VARCHAR(20)")` otherwise,
/// so that the declared type is kept exactly as written.
fn type_expr(sql_type: &str) -> TokenStream {
    match sql_type {
        "INTEGER" => quote!(Type::Integer),
        "TEXT" => quote!(Type::Text),
        "REAL" => quote!(Type::Real),
        "BLOB" => quote!(Type::Blob),
        "NUMERIC" => quote!(Type::Numeric),
        "BOOLEAN" => quote!(Type::Boolean),
        "DATETIME" => quote!(Type::DateTime),
        "DATE" => quote!(Type::Date),
        "TIME" => quote!(Type::Time),
        "JSON" => quote!(Type::Json),
        other => quote!(Type::sql(#other)),
    }
}

fn column_expr(c: &Column) -> TokenStream {
    let (name, ty) = (&c.name, type_expr(&c.sql_type));
    let mut e = quote!(Column::new(#name, #ty));
    if !c.not_null {
        e = quote!(#e.nullable());
    }
    if let Some(d) = &c.default {
        e = quote!(#e.default_sql(#d));
    }
    if let Some(coll) = &c.collation {
        e = quote!(#e.collate(#coll));
    }
    if let Some(g) = &c.generated {
        let (expr, stored) = (&g.expr, g.stored);
        e = quote!(#e.generated(#expr, #stored));
    }
    e
}

fn fk_expr(fk: &ForeignKey) -> TokenStream {
    let (cols, rt, rc) = (&fk.columns, &fk.ref_table, &fk.ref_columns);
    let mut e = quote!(ForeignKey::new(&[#(#cols),*], #rt, &[#(#rc),*]));
    if let Some(n) = &fk.name {
        e = quote!(#e.named(#n));
    }
    if let Some(a) = &fk.on_delete {
        e = quote!(#e.on_delete(#a));
    }
    if let Some(a) = &fk.on_update {
        e = quote!(#e.on_update(#a));
    }
    e
}

/// A column name from an index term that is only a column (`url`, `"url"`).
fn plain_column(term: &str) -> Option<String> {
    let bare = |s: &str| {
        !s.is_empty()
            && !s.starts_with(|c: char| c.is_ascii_digit())
            && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    if bare(term) {
        return Some(term.to_owned());
    }
    let inner = term.strip_prefix('"')?.strip_suffix('"')?;
    (!inner.replace("\"\"", "").contains('"')).then(|| inner.replace("\"\"", "\""))
}

fn index_expr(index: &Index) -> TokenStream {
    let name = &index.name;
    let columns: Option<Vec<String>> = index.terms.iter().map(|t| plain_column(t)).collect();
    let mut e = match columns {
        Some(cols) => quote!(Index::new(#name, &[#(#cols),*])),
        None => {
            let terms = &index.terms;
            quote!(Index::on_terms(#name, &[#(#terms),*]))
        }
    };
    if index.unique {
        e = quote!(#e.unique());
    }
    if let Some(w) = &index.where_clause {
        e = quote!(#e.filter(#w));
    }
    e
}

/// The table as a builder chain, or `None` when it has options the builders cannot express
/// (constraint names on the primary key, conflict clauses, `WITHOUT ROWID`, `STRICT`…).
fn table_expr(t: &Table) -> Option<TokenStream> {
    let plain_keys = |cols: &[alembic_core::schema::KeyColumn]| {
        cols.iter().all(|k| k.collation.is_none() && !k.descending)
    };
    let expressible = !t.without_rowid
        && !t.strict
        && t.columns.iter().all(|c| c.not_null_on_conflict.is_none())
        && t.primary_key.as_ref().is_none_or(|pk| {
            pk.name.is_none() && pk.on_conflict.is_none() && plain_keys(&pk.columns)
        })
        && t.unique
            .iter()
            .all(|u| u.on_conflict.is_none() && plain_keys(&u.columns))
        && t.foreign_keys
            .iter()
            .all(|f| f.match_name.is_none() && f.deferrable.is_none());
    if !expressible {
        return None;
    }
    let name = &t.name;
    let mut e = quote!(Table::new(#name));
    for c in &t.columns {
        let c = column_expr(c);
        e = quote!(#e.column(#c));
    }
    if let Some(pk) = &t.primary_key {
        let cols = pk.columns.iter().map(|k| &k.name);
        e = quote!(#e.primary_key(&[#(#cols),*]));
        if pk.autoincrement {
            e = quote!(#e.autoincrement());
        }
    }
    for u in &t.unique {
        let n = option(&u.name);
        let cols = u.columns.iter().map(|k| &k.name);
        e = quote!(#e.unique(#n, &[#(#cols),*]));
    }
    for f in &t.foreign_keys {
        let f = fk_expr(f);
        e = quote!(#e.foreign_key(#f));
    }
    for c in &t.checks {
        let n = option(&c.name);
        let expr = &c.expr;
        e = quote!(#e.check(#n, #expr));
    }
    for i in &t.indexes {
        let i = index_expr(i);
        e = quote!(#e.index(#i));
    }
    Some(e)
}
