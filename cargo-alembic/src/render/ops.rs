//! Autogenerate's bodies: schema changes as calls of the `Op` API. Several changes to one
//! table that need a rebuild go into one `batch_alter_table`, and destructive calls carry a
//! comment. Schema values are written with alembic-model's [`Builders`], the form the derive
//! uses too.

use alembic_core::schema::diff::Change;
use alembic_core::schema::sql::postgres::{canonical_type, is_integer_type, type_sql};
use alembic_core::schema::sql::{index_sql, quote_ident, Dialect};
use alembic_core::schema::Trigger;
use alembic_model::Builders;
use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use super::Body;

/// The calls that carry out `changes` on `dialect`, in order. `triggers` are those of the
/// schema the changes lead to: a table created again (a downgrade undoing a drop) gets its
/// triggers back.
pub fn body(dialect: Dialect, changes: &[Change], triggers: &[Trigger]) -> Body {
    let mut body = Body::default();
    let mut i = 0;
    while i < changes.len() {
        let Some(table) = altered_table(&changes[i]) else {
            whole_table(dialect, &mut body, &changes[i], triggers);
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
                call(dialect, &mut batch, change, None);
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
                call(dialect, &mut body, change, Some(table));
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

fn whole_table(dialect: Dialect, body: &mut Body, change: &Change, triggers: &[Trigger]) {
    match change {
        Change::AddTable(table) => {
            match Builders::prelude().table(table) {
                Some(expr) => body.statements.push(quote!(op.create_table(#expr)?;)),
                // Options the builders cannot express: the exact statements instead, in the
                // project's dialect.
                None => {
                    let create = table.create_sql_for(dialect);
                    body.statements.push(quote!(op.execute(#create)?;));
                    for index in &table.indexes {
                        let sql = index_sql(&table.name, index, dialect, false);
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
fn call(dialect: Dialect, body: &mut Body, change: &Change, table: Option<&str>) {
    let b = Builders::prelude();
    // `Op` takes a constraint name as `impl Into<Option<&str>>`: `"uq_x"` or `None`.
    let name_or_none = |name: &Option<String>| match name {
        Some(n) => quote!(#n),
        None => quote!(None),
    };
    // (method, arguments without the table, where Op's signature puts the table)
    let (method, args, table_at): (&str, Vec<TokenStream>, Option<usize>) = match change {
        Change::AddColumn { column, .. } => ("add_column", vec![b.column(column)], Some(0)),
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
            let retyped = from.sql_type != to.sql_type;
            if retyped {
                let ty = b.sql_type(&to.sql_type);
                alter = quote!(#alter.sql_type(#ty));
                if dialect == Dialect::Postgres {
                    if let Some(using) = postgres_using(&from.name, &from.sql_type, &to.sql_type) {
                        alter = quote!(#alter.using(#using));
                    }
                }
            }
            if from.not_null != to.not_null {
                let nullable = !to.not_null;
                alter = quote!(#alter.nullable(#nullable));
            }
            // PostgreSQL casts a column's default along with its type, and refuses when it
            // cannot: the default is set again around the type change (an integer's default
            // is always another integer's).
            let widened = is_integer_type(&from.sql_type) && is_integer_type(&to.sql_type);
            let recast_default =
                dialect == Dialect::Postgres && retyped && !widened && from.default.is_some();
            if from.default != to.default || recast_default {
                let default = b.option(&to.default);
                alter = quote!(#alter.default_sql(#default));
            }
            let name = &from.name;
            ("alter_column", vec![quote!(#name), alter], Some(0))
        }
        Change::AddIndex { index, .. } => ("create_index", vec![b.index(index)], Some(0)),
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
        Change::AddForeignKey { fk, .. } => {
            ("create_foreign_key", vec![b.foreign_key(fk)], Some(0))
        }
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

/// The `USING` expression a PostgreSQL type change needs: none where PostgreSQL converts by
/// itself (between numbers, between strings, a longer `VARCHAR`), else an explicit cast,
/// which is what it would take for every other pair it knows how to convert.
fn postgres_using(column: &str, from: &str, to: &str) -> Option<String> {
    let family = |ty: &str| {
        let canonical = canonical_type(ty);
        let base = canonical.split('(').next().unwrap_or_default().to_owned();
        match base.as_str() {
            "SMALLINT" | "INTEGER" | "BIGINT" | "NUMERIC" | "REAL" | "DOUBLE PRECISION" => {
                "number".to_owned()
            }
            "TEXT" | "VARCHAR" | "CHAR" => "string".to_owned(),
            _ => base,
        }
    };
    (family(from) != family(to)).then(|| format!("{}::{}", quote_ident(column), type_sql(to)))
}
