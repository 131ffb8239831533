//! Where the runtime's own tables are on PostgreSQL: the connection's current schema, or
//! the schema `Migrations::with_version_table_schema` names (Alembic's
//! `version_table_schema`). The checksum table sits beside the version table, and the
//! advisory lock is keyed by their schema.

/// The schema of `alembic_version` and `alembic_checksum`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Place {
    schema: Option<&'static str>,
}

impl Place {
    pub(crate) fn new(schema: Option<&'static str>) -> Self {
        Place { schema }
    }

    /// The schema as SQL: a literal, or `current_schema()`.
    pub(crate) fn schema_sql(&self) -> String {
        self.schema.map_or_else(
            || "current_schema()".to_owned(),
            alembic_core::schema::sql::quote_literal,
        )
    }

    /// The schemas to look for the tables in, as an SQL array: the search path, or the
    /// one named.
    pub(crate) fn schemas_sql(&self) -> String {
        self.schema.map_or_else(
            || "current_schemas(false)".to_owned(),
            |s| format!("ARRAY[{}]", alembic_core::schema::sql::quote_literal(s)),
        )
    }

    /// The advisory lock's two keys: "ALEM", and a hash of the version table's
    /// schema-qualified name, so an application that sets `search_path` and one that names
    /// the schema share one lock.
    pub(crate) fn lock_key(&self) -> String {
        format!(
            "1095517517, hashtext(quote_ident({}) || '.alembic_version')",
            self.schema_sql()
        )
    }

    /// One of the runtime's statements with its tables in their schema: `alembic_version`
    /// and `alembic_checksum` wherever they stand as names (not inside a longer one, as in
    /// `alembic_version_pkc`). The schema is written as Alembic writes it, quoted only when
    /// it must be.
    pub(crate) fn sql(&self, sql: &str) -> String {
        let Some(schema) = self.schema else {
            return sql.to_owned();
        };
        let plain = schema
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
            && schema
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        let prefix = if plain {
            format!("{schema}.")
        } else {
            format!("{}.", alembic_core::schema::sql::quote_ident(schema))
        };
        let word = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '"';
        let mut out = String::with_capacity(sql.len() + 16);
        let mut rest = sql;
        while let Some(at) = ["alembic_version", "alembic_checksum"]
            .iter()
            .filter_map(|t| rest.find(t).map(|i| (i, t.len())))
            .min()
        {
            let (i, len) = at;
            let before = rest[..i].chars().next_back();
            let after = rest[i + len..].chars().next();
            let standalone = !before.is_some_and(word)
                && !after.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
            out.push_str(&rest[..i]);
            if standalone && !rest[..i].ends_with('\'') {
                out.push_str(&prefix);
            }
            out.push_str(&rest[i..i + len]);
            rest = &rest[i + len..];
        }
        out.push_str(rest);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_runtimes_tables_are_qualified_and_nothing_else() {
        let ops = Place::new(Some("ops"));
        assert_eq!(
            ops.sql("UPDATE alembic_version SET version_num = $2 WHERE alembic_version.version_num = $1"),
            "UPDATE ops.alembic_version SET version_num = $2 WHERE ops.alembic_version.version_num = $1"
        );
        assert_eq!(
            ops.sql("CREATE TABLE alembic_version (CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))"),
            "CREATE TABLE ops.alembic_version (CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))"
        );
        assert_eq!(
            Place::new(Some("My Ops")).sql("SELECT 1 FROM alembic_checksum"),
            "SELECT 1 FROM \"My Ops\".alembic_checksum"
        );
        assert_eq!(
            Place::new(None).sql("DELETE FROM alembic_version"),
            "DELETE FROM alembic_version"
        );
        assert_eq!(
            ops.lock_key(),
            "1095517517, hashtext(quote_ident('ops') || '.alembic_version')"
        );
    }
}
