//! Model discovery: the `#[derive(Model)]` structs under the configured `models` paths, read
//! statically with syn and parsed by alembic-model (the same parser as the derive), giving the
//! schema autogenerate aims for. A model the CLI cannot read for certain (behind `#[cfg]`,
//! or made by a macro) is reported, never skipped in silence.

use std::fmt;
use std::path::{Path, PathBuf};

use alembic_core::schema::diff::Renames;
use alembic_core::schema::{Schema, Table};
use alembic_model::Dialect;
use proc_macro2::{TokenStream, TokenTree};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Attribute, Item, Token};

use crate::error::{CliError, ModelError};

/// The models found.
#[derive(Debug, Default)]
pub struct Models {
    /// Their tables, in file and declaration order.
    pub tables: Vec<Table>,
    /// Their `renamed_from` hints.
    pub renames: Renames,
    /// Models the CLI could not take into account, to report.
    pub unread: Vec<Unread>,
}

impl Models {
    /// The tables as a schema.
    pub fn schema(&self) -> Schema {
        Schema {
            tables: self.tables.clone(),
            ..Schema::default()
        }
    }

    /// Tables to leave out of the comparison: those of models behind `#[cfg]`, which may or
    /// may not be compiled.
    pub fn uncertain_tables(&self) -> impl Iterator<Item = &str> {
        self.unread.iter().filter_map(|u| u.table.as_deref())
    }

    /// Every table comparisons leave out: the configured `exclude` and the uncertain ones.
    pub fn excluded<'a>(&'a self, exclude: &'a [String]) -> Vec<&'a str> {
        let mut excluded: Vec<&str> = exclude.iter().map(String::as_str).collect();
        excluded.extend(self.uncertain_tables());
        excluded
    }
}

/// A model that cannot be read statically.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unread {
    /// The file.
    pub file: PathBuf,
    /// The line of the struct or macro call.
    pub line: usize,
    /// What it is: `struct Legacy`, `macro call make_models!`.
    pub what: String,
    /// The table, when the struct could be parsed.
    pub table: Option<String>,
}

impl fmt::Display for Unread {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = format!("{}:{}", self.file.display(), self.line);
        match &self.table {
            Some(table) => write!(
                f,
                "{at}: {} derives Model under #[cfg(...)], which autogenerate cannot evaluate; \
                 table '{table}' is left out of the comparison",
                self.what
            ),
            None => write!(
                f,
                "{at}: {} may define models, which autogenerate cannot see through a macro; \
                 their tables are compared as absent unless listed in exclude_tables",
                self.what
            ),
        }
    }
}

/// Finds the models under `paths` (files or folders; `.rs` files, in path order), their
/// types mapped for `dialect`; messages name files relative to `root`, the package's
/// directory.
///
/// # Errors
/// A file that cannot be read or parsed, a model attribute error (file:line), or two models
/// declaring the same table.
pub fn discover(root: &Path, paths: &[PathBuf], dialect: Dialect) -> Result<Models, CliError> {
    let mut files = Vec::new();
    for path in paths {
        if !path.exists() {
            return Err(CliError::MissingModels(path.clone()));
        }
        for entry in walkdir::WalkDir::new(path).sort_by_file_name() {
            let entry = entry.map_err(|e| CliError::Io {
                path: e.path().unwrap_or(path).to_owned(),
                source: e.into(),
            })?;
            if entry.file_type().is_file() && entry.path().extension().is_some_and(|e| e == "rs") {
                let path = entry.into_path();
                files.push(path.strip_prefix(root).map_or(path.clone(), Path::to_owned));
            }
        }
    }
    let mut models = Models::default();
    let mut errors = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(root.join(&file)).map_err(CliError::io(&file))?;
        // Cheap pre-filter: most files of an application declare no model.
        if !text.contains("Model") {
            continue;
        }
        let parsed = match syn::parse_file(&text) {
            Ok(parsed) => parsed,
            Err(e) => {
                errors.push(at(&file, e.span(), &e.to_string()));
                continue;
            }
        };
        let mut scan = Scan {
            dialect,
            file: &file,
            models: &mut models,
            errors: &mut errors,
        };
        scan.items(&parsed.items, false);
    }
    let mut seen: Vec<&Table> = Vec::new();
    for table in &models.tables {
        if seen
            .iter()
            .any(|t| t.name.eq_ignore_ascii_case(&table.name))
        {
            errors.push(ModelError {
                at: None,
                message: format!(
                    "two models declare table '{}'; give one of them #[alembic(table = \"…\")]",
                    table.name
                ),
            });
        }
        seen.push(table);
    }
    if errors.is_empty() {
        Ok(models)
    } else {
        Err(CliError::Models(errors))
    }
}

struct Scan<'a> {
    dialect: Dialect,
    file: &'a Path,
    models: &'a mut Models,
    errors: &'a mut Vec<ModelError>,
}

impl Scan<'_> {
    fn items(&mut self, items: &[Item], under_cfg: bool) {
        for item in items {
            match item {
                Item::Struct(s) if derives_model(&s.attrs) => {
                    let line = s.ident.span().start().line;
                    match alembic_model::parse_model_for(
                        &syn::DeriveInput::from((*s).clone()),
                        self.dialect,
                    ) {
                        Ok(model) if under_cfg || conditional(&s.attrs) => {
                            self.models.unread.push(Unread {
                                file: self.file.to_owned(),
                                line,
                                what: format!("struct {}", s.ident),
                                table: Some(model.table.name),
                            });
                        }
                        Ok(model) => {
                            let table = model.table.name.clone();
                            if let Some(old) = model.renamed_from {
                                self.models.renames.tables.push((table.clone(), old));
                            }
                            for (column, old) in model.column_renames {
                                self.models
                                    .renames
                                    .columns
                                    .push((table.clone(), column, old));
                            }
                            self.models.tables.push(model.table);
                        }
                        Err(e) => self.errors.push(at(self.file, e.span(), &e.to_string())),
                    }
                }
                Item::Mod(m) => {
                    if let Some((_, content)) = &m.content {
                        self.items(content, under_cfg || has_cfg(&m.attrs));
                    }
                }
                Item::Macro(m) if mentions_model(&m.mac.tokens) => {
                    self.models.unread.push(Unread {
                        file: self.file.to_owned(),
                        line: m.span().start().line,
                        what: format!(
                            "macro call {}!",
                            m.mac
                                .path
                                .segments
                                .last()
                                .map(|s| s.ident.to_string())
                                .unwrap_or_default()
                        ),
                        table: None,
                    });
                }
                _ => {}
            }
        }
    }
}

fn at(file: &Path, span: proc_macro2::Span, message: &str) -> ModelError {
    ModelError {
        at: Some((file.to_owned(), span.start().line)),
        message: message.to_owned(),
    }
}

/// `#[derive(…, Model)]` with any path ending in `Model`, plainly or inside `cfg_attr`.
fn derives_model(attrs: &[Attribute]) -> bool {
    attrs.iter().any(|a| plain_derive(a) || cfg_attr_derive(a))
}

/// A model only under `#[cfg(...)]`, or whose derive only applies under `#[cfg_attr(...)]`.
fn conditional(attrs: &[Attribute]) -> bool {
    has_cfg(attrs) || !attrs.iter().any(plain_derive)
}

/// `#[derive(…)]` naming a path that ends in `Model`.
fn plain_derive(attr: &Attribute) -> bool {
    attr.path().is_ident("derive") && names_model(attr.meta.require_list().ok())
}

/// `#[cfg_attr(condition, derive(…, Model))]`.
fn cfg_attr_derive(attr: &Attribute) -> bool {
    attr.path().is_ident("cfg_attr")
        && attr
            .parse_args_with(Punctuated::<syn::Meta, Token![,]>::parse_terminated)
            .is_ok_and(|metas| {
                metas.iter().any(|m| match m {
                    syn::Meta::List(list) if list.path.is_ident("derive") => {
                        names_model(Some(list))
                    }
                    _ => false,
                })
            })
}

/// Whether a `derive(…)` list names a path ending in `Model`.
fn names_model(list: Option<&syn::MetaList>) -> bool {
    list.and_then(|l| {
        l.parse_args_with(Punctuated::<syn::Path, Token![,]>::parse_terminated)
            .ok()
    })
    .is_some_and(|paths| {
        paths
            .iter()
            .any(|p| p.segments.last().is_some_and(|s| s.ident == "Model"))
    })
}

fn has_cfg(attrs: &[Attribute]) -> bool {
    attrs.iter().any(|a| a.path().is_ident("cfg"))
}

/// Whether a macro call's tokens name `Model` anywhere.
fn mentions_model(tokens: &TokenStream) -> bool {
    tokens.clone().into_iter().any(|t| match t {
        TokenTree::Ident(i) => i == "Model",
        TokenTree::Group(g) => mentions_model(&g.stream()),
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(source: &str) -> Result<Models, CliError> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("models.rs"), source).unwrap();
        std::fs::write(dir.path().join("other.rs"), "fn main() {}").unwrap();
        discover(dir.path(), &[dir.path().to_owned()], Dialect::Sqlite)
    }

    #[test]
    fn finds_models_by_any_path_ending_in_model_including_inline_modules() {
        let models = scan(
            r#"
            use alembic_runtime::Model;
            #[derive(Debug, Model)]
            struct User { #[alembic(primary_key)] id: i64 }
            mod inner {
                #[derive(alembic_runtime::Model)]
                #[alembic(renamed_from = "monitors")]
                struct Monitor { id: i64, #[alembic(renamed_from = "link")] url: String }
            }
            #[derive(Debug)]
            struct NotAModel { x: Vec<u8> }
            "#,
        )
        .unwrap();
        let names: Vec<&str> = models.tables.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["user", "monitor"]);
        assert_eq!(
            models.renames.tables,
            [("monitor".to_owned(), "monitors".to_owned())]
        );
        assert_eq!(
            models.renames.columns,
            [("monitor".to_owned(), "url".to_owned(), "link".to_owned())]
        );
        assert!(models.unread.is_empty());
    }

    #[test]
    fn cfg_and_macro_models_are_reported_not_skipped() {
        let models = scan(
            r#"
            #[cfg(feature = "legacy")]
            #[derive(Model)]
            struct Legacy { id: i64 }

            #[cfg_attr(feature = "db", derive(Model))]
            struct Maybe { id: i64 }

            #[cfg(test)]
            mod fixtures {
                #[derive(Model)]
                struct Fixture { id: i64 }
            }

            make_models! { #[derive(Model)] struct Generated { id: i64 } }
            "#,
        )
        .unwrap();
        assert!(models.tables.is_empty());
        let lines: Vec<String> = models.unread.iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            [
                "models.rs:4: struct Legacy derives Model under #[cfg(...)], which autogenerate cannot evaluate; table 'legacy' is left out of the comparison",
                "models.rs:7: struct Maybe derives Model under #[cfg(...)], which autogenerate cannot evaluate; table 'maybe' is left out of the comparison",
                "models.rs:12: struct Fixture derives Model under #[cfg(...)], which autogenerate cannot evaluate; table 'fixture' is left out of the comparison",
                "models.rs:15: macro call make_models! may define models, which autogenerate cannot see through a macro; their tables are compared as absent unless listed in exclude_tables",
            ]
        );
        assert_eq!(
            models.uncertain_tables().collect::<Vec<_>>(),
            ["legacy", "maybe", "fixture"]
        );
    }

    #[test]
    fn attribute_errors_and_syntax_errors_name_file_and_line() {
        let err = scan(
            "#[derive(Model)]\nstruct A {\n    #[alembic(primary)]\n    id: i64,\n    when: std::time::Instant,\n}\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("models.rs:3: unknown #[alembic] field key `primary`; expected one of: primary_key,"), "{err}");
        let err = scan("#[derive(Model)]\nstruct A {\n    id: i64\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("models.rs:"), "{err}");
        let err = scan("#[derive(Model)] struct A { id: i64 }\n#[derive(Model)] #[alembic(table = \"a\")] struct B { id: i64 }")
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "two models declare table 'a'; give one of them #[alembic(table = \"…\")]"
        );
    }
}
