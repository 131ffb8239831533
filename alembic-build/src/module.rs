//! Reads one migration module (`migrations/versions/<rev>_<slug>.rs`) with syn, without
//! compiling it: its revision constants, its message, and whether `upgrade` and `downgrade`
//! are there with the right shape. The CLI's graph commands use the same reader.

use std::path::{Path, PathBuf};

use alembic_core::revision::graph::{RevisionHeader, RevisionSource};
use syn::spanned::Spanned;
use syn::{Expr, FnArg, Item, Lit, Type, Visibility};

use crate::error::{BuildError, Location};

/// What a migration module declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationModule {
    /// The file, as reported in messages.
    pub path: PathBuf,
    /// The file on disk (what the generated code includes).
    pub file: PathBuf,
    /// `REVISION`, `DOWN_REVISION`, `BRANCH_LABELS` and `DEPENDS_ON` (empty lists when
    /// absent).
    pub header: RevisionHeader,
    /// The first line of the module's doc header.
    pub message: String,
    /// The whole doc header, as Alembic's `show` prints a script's docstring.
    pub doc: String,
    /// FNV-1a of the file's text: identifies the exact source (for caches).
    pub text_checksum: u64,
    /// What the migration does: [`code_checksum`] of the file. Recorded in the database
    /// when the migration is applied, so that a later edit is noticed.
    pub checksum: u64,
    /// Lines of the constants, for messages about the graph.
    pub lines: ConstLines,
}

/// Where each constant is, 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ConstLines {
    /// `REVISION`.
    pub revision: usize,
    /// `DOWN_REVISION`.
    pub down_revision: usize,
    /// `BRANCH_LABELS`, when declared.
    pub branch_labels: Option<usize>,
    /// `DEPENDS_ON`, when declared.
    pub depends_on: Option<usize>,
    /// `TRANSACTION`, when declared (`false` runs the migration outside a transaction on
    /// PostgreSQL).
    pub transaction: Option<usize>,
}

impl MigrationModule {
    /// The location of a line of this file.
    pub(crate) fn at(&self, line: usize) -> Location {
        Location {
            path: self.path.clone(),
            line: Some(line),
        }
    }
}

impl RevisionSource for MigrationModule {
    fn revision(&self) -> &str {
        self.header.revision()
    }
    fn down_revisions(&self) -> impl Iterator<Item = &str> {
        self.header.down_revisions()
    }
    fn branch_labels(&self) -> impl Iterator<Item = &str> {
        self.header.branch_labels()
    }
    fn depends_on(&self) -> impl Iterator<Item = &str> {
        self.header.depends_on()
    }
}

/// The file as syn reads it, or the line and the user's words for why it cannot be read.
fn parse(text: &str) -> Result<syn::File, (usize, String)> {
    // The lexer first: syn would say only "cannot parse string into token stream".
    if let Err(e) = text.parse::<proc_macro2::TokenStream>() {
        return Err((
            e.span().start().line.max(1),
            "the brackets do not balance: a `(`, `[` or `{` is not closed, or a `)`, `]` or `}` \
             closes nothing (or a string or comment is not closed)"
                .to_owned(),
        ));
    }
    syn::parse_file(text).map_err(|e| {
        let line = e.span().start().line.max(1);
        let source_line = text.lines().nth(line - 1).unwrap_or_default().trim_start();
        let message = if source_line.starts_with("//!") || source_line.starts_with("/*!") {
            // An inner doc comment after the first item: syn expects `#![…]` there.
            "a `//!` comment must come before the first item of the file; use `//` for a comment here"
                .to_owned()
        } else {
            e.to_string()
        };
        (line, message)
    })
}

const REVISION_SHAPE: &str = "a string literal: `pub const REVISION: &str = \"3f2a9c1b7d4e\";`";
const LIST_SHAPE: &str = "a list of string literals: `&[\"156027c76783\"]`, or `&[]`";
const FN_SHAPE: &str =
    "`pub fn upgrade(op: &mut Op) -> Result<()>` and `pub fn downgrade(op: &mut Op) -> Result<()>`";

/// Reads a migration module from its text. `path` is how messages name the file.
///
/// ```
/// use alembic_build::module::read_module;
/// let text = r#"//! add description to monitor
/// use alembic_runtime::prelude::*;
/// pub const REVISION: &str = "3f2a9c1b7d4e";
/// pub const DOWN_REVISION: &[&str] = &["156027c76783"];
/// pub fn upgrade(op: &mut Op) -> Result<()> { Ok(()) }
/// pub fn downgrade(op: &mut Op) -> Result<()> { Ok(()) }
/// "#;
/// let m = read_module("3f2a9c1b7d4e_add.rs".as_ref(), text).unwrap();
/// assert_eq!((m.header.revision.as_str(), m.message.as_str()), ("3f2a9c1b7d4e", "add description to monitor"));
/// ```
///
/// # Errors
/// Every problem found in the file, each with its line.
pub fn read_module(path: &Path, text: &str) -> Result<MigrationModule, Vec<BuildError>> {
    let at = |line: usize| Location {
        path: path.to_owned(),
        line: Some(line),
    };
    let file = parse(text).map_err(|(line, message)| {
        vec![BuildError::Syntax {
            at: at(line),
            message,
        }]
    })?;
    let mut errors = Vec::new();
    let mut revision = None;
    let mut down_revision = None;
    let mut branch_labels = None;
    let mut depends_on = None;
    let mut transaction = None;
    let mut functions = (false, false);
    for item in &file.items {
        match item {
            Item::Const(c) => {
                let line = c.span().start().line;
                let name = c.ident.to_string();
                let target = match name.as_str() {
                    "REVISION" => {
                        match string_literal(&c.expr) {
                            Some(value) => revision = Some((value, line)),
                            None => errors.push(shape(at(line), "REVISION", REVISION_SHAPE)),
                        }
                        continue;
                    }
                    // A `bool`; the compiler checks it where the list uses it.
                    "TRANSACTION" => {
                        transaction = Some(line);
                        continue;
                    }
                    "DOWN_REVISION" => (&mut down_revision, "DOWN_REVISION"),
                    "BRANCH_LABELS" => (&mut branch_labels, "BRANCH_LABELS"),
                    "DEPENDS_ON" => (&mut depends_on, "DEPENDS_ON"),
                    _ => continue,
                };
                match string_list(&c.expr) {
                    Some(values) => *target.0 = Some((values, line)),
                    None => errors.push(shape(at(line), target.1, LIST_SHAPE)),
                }
            }
            Item::Fn(f) => {
                let name = f.sig.ident.to_string();
                let slot = match name.as_str() {
                    "upgrade" => &mut functions.0,
                    "downgrade" => &mut functions.1,
                    _ => continue,
                };
                *slot = true;
                let takes_op = f.sig.inputs.len() == 1 && f.sig.inputs.iter().all(is_op_argument);
                let visible = !matches!(f.vis, Visibility::Inherited);
                let returns = !matches!(f.sig.output, syn::ReturnType::Default);
                if !(takes_op && visible && returns)
                    || f.sig.asyncness.is_some()
                    || !f.sig.generics.params.is_empty()
                {
                    let item = if name == "upgrade" {
                        "upgrade"
                    } else {
                        "downgrade"
                    };
                    errors.push(shape(at(f.sig.span().start().line), item, FN_SHAPE));
                }
            }
            _ => {}
        }
    }
    let missing = |item, expected| BuildError::Missing {
        at: Location {
            path: path.to_owned(),
            line: None,
        },
        item,
        expected,
    };
    if revision.is_none()
        && !errors.iter().any(|e| {
            matches!(
                e,
                BuildError::Shape {
                    item: "REVISION",
                    ..
                }
            )
        })
    {
        errors.push(missing("REVISION", REVISION_SHAPE));
    }
    if down_revision.is_none()
        && !errors.iter().any(|e| {
            matches!(
                e,
                BuildError::Shape {
                    item: "DOWN_REVISION",
                    ..
                }
            )
        })
    {
        errors.push(missing(
            "DOWN_REVISION",
            "`pub const DOWN_REVISION: &[&str] = &[…];` (`&[]` for the first)",
        ));
    }
    if !functions.0 {
        errors.push(missing("upgrade", FN_SHAPE));
    }
    if !functions.1 {
        errors.push(missing("downgrade", FN_SHAPE));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let ((revision, revision_line), (down_revisions, down_line)) = (
        revision.expect("checked above"),
        down_revision.expect("checked above"),
    );
    let (branch_labels, labels_line) = split(branch_labels);
    let (depends_on, depends_line) = split(depends_on);
    Ok(MigrationModule {
        path: path.to_owned(),
        file: path.to_owned(),
        header: RevisionHeader {
            revision,
            down_revisions,
            branch_labels,
            depends_on,
        },
        message: doc_message(&file.attrs),
        doc: doc_text(&file.attrs),
        text_checksum: fnv1a(text.as_bytes()),
        checksum: code_checksum(file),
        lines: ConstLines {
            revision: revision_line,
            down_revision: down_line,
            branch_labels: labels_line,
            depends_on: depends_line,
            transaction,
        },
    })
}

fn shape(at: Location, item: &'static str, expected: &'static str) -> BuildError {
    BuildError::Shape { at, item, expected }
}

fn split(found: Option<(Vec<String>, usize)>) -> (Vec<String>, Option<usize>) {
    match found {
        Some((values, line)) => (values, Some(line)),
        None => (Vec::new(), None),
    }
}

fn string_literal(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Lit(lit) => match &lit.lit {
            Lit::Str(s) => Some(s.value()),
            _ => None,
        },
        Expr::Group(g) => string_literal(&g.expr),
        Expr::Paren(p) => string_literal(&p.expr),
        _ => None,
    }
}

fn string_list(expr: &Expr) -> Option<Vec<String>> {
    match expr {
        Expr::Reference(r) if r.mutability.is_none() => match &*r.expr {
            Expr::Array(a) => a.elems.iter().map(string_literal).collect(),
            _ => None,
        },
        Expr::Group(g) => string_list(&g.expr),
        _ => None,
    }
}

/// `op: &mut Op` (any path ending in `Op`, any lifetime).
fn is_op_argument(arg: &FnArg) -> bool {
    let FnArg::Typed(typed) = arg else {
        return false;
    };
    match &*typed.ty {
        Type::Reference(r) if r.mutability.is_some() => match &*r.elem {
            Type::Path(p) => p.path.segments.last().is_some_and(|s| s.ident == "Op"),
            _ => false,
        },
        _ => false,
    }
}

/// The first non-empty line of the module's `//!` header.
fn doc_message(attrs: &[syn::Attribute]) -> String {
    doc_lines(attrs)
        .into_iter()
        .map(|l| l.trim().to_owned())
        .find(|line| !line.is_empty())
        .unwrap_or_default()
}

/// The module's `//!` header, one line per doc line (the space after `//!` dropped), with
/// the blank lines around it trimmed, as Alembic strips a docstring.
fn doc_text(attrs: &[syn::Attribute]) -> String {
    let lines: Vec<String> = doc_lines(attrs)
        .into_iter()
        .map(|l| l.strip_prefix(' ').unwrap_or(&l).trim_end().to_owned())
        .collect();
    lines.join("\n").trim_matches('\n').to_owned()
}

fn doc_lines(attrs: &[syn::Attribute]) -> Vec<String> {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) => string_literal(&nv.value),
            _ => None,
        })
        // `split`, not `lines`: a bare `//!` is an empty line that separates paragraphs.
        .flat_map(|doc| {
            doc.split('\n')
                .map(|l| l.trim_end_matches('\r').to_owned())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The checksum [`read_module`] gives a file's text ([`MigrationModule::text_checksum`]).
pub fn checksum(text: &str) -> u64 {
    fnv1a(text.as_bytes())
}

/// The checksum of what a migration file does: its items as tokens, written the way
/// rustfmt could have written them any other way made equal — no doc comments (`//!`,
/// `///`, `#[doc]`), no trailing commas, `use` paths in sorted order, a match arm's
/// `{ expr }` as `expr` — and line breaks in literals read as `\n`. So comments,
/// whitespace, rustfmt and CRLF line endings leave it as it was; any other changed token —
/// a statement, an operation, an argument, a constant — changes it. Never 0, which a
/// hand-written migration list uses for "no checksum".
pub fn code_checksum(file: syn::File) -> u64 {
    use syn::visit_mut::VisitMut;
    let mut hash = Fnv(FNV_OFFSET);
    let mut uses = Vec::new();
    for mut item in file.items {
        if let syn::Item::Use(u) = &item {
            let vis = quote::ToTokens::to_token_stream(&u.vis).to_string();
            use_paths(&u.tree, format!("{vis} "), &mut uses);
            continue;
        }
        Canonical.visit_item_mut(&mut item);
        hash_tokens(&mut hash, quote::ToTokens::to_token_stream(&item));
    }
    uses.sort();
    for path in uses {
        hash.write(path.as_bytes());
        hash.write(b";");
    }
    hash.0.max(1)
}

/// Rewrites what rustfmt may change in the syntax tree to one form.
struct Canonical;

impl syn::visit_mut::VisitMut for Canonical {
    fn visit_arm_mut(&mut self, arm: &mut syn::Arm) {
        syn::visit_mut::visit_arm_mut(self, arm);
        if let syn::Expr::Block(block) = &mut *arm.body {
            if let ([], None, [syn::Stmt::Expr(expr, None)]) =
                (&block.attrs[..], &block.label, &mut block.block.stmts[..])
            {
                let expr = std::mem::replace(expr, syn::Expr::Verbatim(Default::default()));
                *arm.body = expr;
            }
        }
        // Printing puts back the commas an arm needs.
        arm.comma = None;
    }
}

/// Each path a `use` tree imports, as text.
fn use_paths(tree: &syn::UseTree, prefix: String, out: &mut Vec<String>) {
    match tree {
        syn::UseTree::Path(p) => use_paths(&p.tree, format!("{prefix}{}::", p.ident), out),
        syn::UseTree::Name(n) => out.push(format!("{prefix}{}", n.ident)),
        syn::UseTree::Rename(r) => out.push(format!("{prefix}{} as {}", r.ident, r.rename)),
        syn::UseTree::Glob(_) => out.push(format!("{prefix}*")),
        syn::UseTree::Group(g) => {
            for tree in &g.items {
                use_paths(tree, prefix.clone(), out);
            }
        }
    }
}

fn hash_tokens(hash: &mut Fnv, tokens: proc_macro2::TokenStream) {
    use proc_macro2::{Delimiter, TokenTree};
    let mut tokens = tokens.into_iter().peekable();
    while let Some(token) = tokens.next() {
        match token {
            TokenTree::Punct(p) if p.as_char() == '#' => {
                let mut rest = tokens.clone();
                let inner = matches!(rest.peek(), Some(TokenTree::Punct(b)) if b.as_char() == '!');
                if inner {
                    rest.next();
                }
                if let Some(TokenTree::Group(g)) = rest.peek() {
                    let is_doc = g.delimiter() == Delimiter::Bracket
                        && matches!(g.stream().into_iter().next(), Some(TokenTree::Ident(i)) if i == "doc");
                    if is_doc {
                        rest.next();
                        tokens = rest;
                        continue;
                    }
                }
                hash.write(b"#");
            }
            // A trailing comma: rustfmt adds it to vertical lists and removes it from
            // horizontal ones.
            TokenTree::Punct(p) if p.as_char() == ',' && tokens.peek().is_none() => continue,
            TokenTree::Punct(p) => {
                let mut buf = [0; 4];
                hash.write(p.as_char().encode_utf8(&mut buf).as_bytes());
                hash.write(match p.spacing() {
                    proc_macro2::Spacing::Joint => b"j",
                    proc_macro2::Spacing::Alone => b"a",
                });
            }
            TokenTree::Ident(i) => {
                hash.write(b"i");
                hash.write(i.to_string().as_bytes());
            }
            TokenTree::Literal(l) => {
                hash.write(b"l");
                hash.write(l.to_string().replace("\r\n", "\n").as_bytes());
            }
            TokenTree::Group(g) => {
                hash.write(match g.delimiter() {
                    Delimiter::Parenthesis => b"(",
                    Delimiter::Brace => b"{",
                    Delimiter::Bracket => b"[",
                    Delimiter::None => b"_",
                });
                hash_tokens(hash, g.stream());
                hash.write(b"}");
            }
        }
        // Separates tokens, so that `ab` and `a b` differ.
        hash.write(b" ");
    }
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// 64-bit FNV-1a: a stable checksum with no dependency and no randomness.
struct Fnv(u64);

impl Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash = Fnv(FNV_OFFSET);
    hash.write(bytes);
    hash.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(text: &str) -> Vec<String> {
        read_module("v/x.rs".as_ref(), text)
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    const FNS: &str = "pub fn upgrade(op: &mut Op) -> Result<()> { Ok(()) }\npub fn downgrade(op: &mut Op) -> Result<()> { Ok(()) }\n";

    #[test]
    fn reads_every_constant_and_the_message() {
        let text = format!(
            "//! merge heads\n//!\n//! Revision ID: m3\n\npub const REVISION: &str = \"m3\";\npub const DOWN_REVISION: &[&str] = &[\"a2\", \"b2\"];\npub const BRANCH_LABELS: &[&str] = &[\"net\"];\npub const DEPENDS_ON: &[&str] = &[];\n{FNS}"
        );
        let m = read_module("v/m3.rs".as_ref(), &text).unwrap();
        assert_eq!(m.header.revision, "m3");
        assert_eq!(m.header.down_revisions, ["a2", "b2"]);
        assert_eq!(m.header.branch_labels, ["net"]);
        assert!(m.header.depends_on.is_empty());
        assert_eq!(m.message, "merge heads");
        assert_eq!(
            m.lines,
            ConstLines {
                revision: 5,
                down_revision: 6,
                branch_labels: Some(7),
                depends_on: Some(8),
                transaction: None,
            }
        );
    }

    #[test]
    fn a_migration_outside_a_transaction_is_listed_with_its_constant() {
        let text = format!(
            "pub const REVISION: &str = \"c2\";\npub const DOWN_REVISION: &[&str] = &[];\n\
             pub const TRANSACTION: bool = false;\n{FNS}"
        );
        let m = read_module("v/c2.rs".as_ref(), &text).unwrap();
        assert_eq!(m.lines.transaction, Some(3));
        let tree = crate::VersionsTree {
            dir: "v".into(),
            heads: vec!["c2".into()],
            migrations: vec![m],
        };
        let list = crate::generate::render(&tree);
        assert!(
            list.contains("transaction: __alembic_versions::m0001::TRANSACTION,"),
            "{list}"
        );
        let placed = crate::generate::render_for(&tree, Some("ops"));
        assert!(
            placed
                .ends_with(".with_known_heads(&[\"c2\"]).with_version_table_schema(\"ops\")\n}\n"),
            "{placed}"
        );
    }

    #[test]
    fn reports_each_problem_with_its_line() {
        let text = "pub const REVISION: &str = concat!(\"a\", \"b\");\npub const DOWN_REVISION: &[&str] = &[PARENT];\nfn upgrade(op: &mut Op) -> Result<()> { Ok(()) }\n";
        assert_eq!(
            errors(text),
            [
                "v/x.rs:1: `REVISION` must be a string literal: `pub const REVISION: &str = \"3f2a9c1b7d4e\";`",
                "v/x.rs:2: `DOWN_REVISION` must be a list of string literals: `&[\"156027c76783\"]`, or `&[]`",
                "v/x.rs:3: `upgrade` must be `pub fn upgrade(op: &mut Op) -> Result<()>` and `pub fn downgrade(op: &mut Op) -> Result<()>`",
                "v/x.rs: missing `downgrade`; every migration module defines `pub fn upgrade(op: &mut Op) -> Result<()>` and `pub fn downgrade(op: &mut Op) -> Result<()>`",
            ]
        );
    }

    #[test]
    fn reports_a_syntax_error_with_its_line() {
        assert_eq!(
            errors("pub const REVISION: &str = \"a\";\n\npub fn upgrade(op: &mut Op) -> Result<()> {\n    op.execute(\"x\")?\n    Ok(())\n}\n"),
            ["v/x.rs:5: cannot parse the migration module: unexpected token, expected `;`"]
        );
    }

    #[test]
    fn syntax_errors_are_said_in_the_users_words() {
        assert_eq!(
            errors("pub const REVISION: &str = \"a\";\n\npub fn upgrade(op: &mut Op) -> Result<()> {\n    op.execute((\"x\")?;\n    Ok(())\n}\n"),
            ["v/x.rs:6: cannot parse the migration module: the brackets do not balance: a `(`, `[` or `{` is not closed, or a `)`, `]` or `}` closes nothing (or a string or comment is not closed)"]
        );
        assert_eq!(
            errors(&format!("pub const REVISION: &str = \"a\";\n{FNS}//! a note\n")),
            ["v/x.rs:4: cannot parse the migration module: a `//!` comment must come before the first item of the file; use `//` for a comment here"]
        );
    }

    #[test]
    fn checksums_differ_with_the_text() {
        assert_ne!(fnv1a(b"a"), fnv1a(b"b"));
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
    }

    const MIGRATION: &str = r#"//! add a column
//!
//! Revision ID: aaaa00000001

use alembic_runtime::prelude::*;

pub const REVISION: &str = "aaaa00000001";
pub const DOWN_REVISION: &[&str] = &[];

/// Adds `note`.
pub fn upgrade(op: &mut Op) -> Result<()> {
    // A comment.
    op.add_column("t", Column::new("note", Type::Text).nullable())?;
    op.execute("UPDATE t
        SET note = 'x'")
}

pub fn downgrade(op: &mut Op) -> Result<()> {
    op.drop_column("t", "note")
}
"#;

    fn code(text: &str) -> u64 {
        read_module("v/x.rs".as_ref(), text).unwrap().checksum
    }

    #[test]
    fn the_code_checksum_ignores_how_a_migration_is_written() {
        let base = code(MIGRATION);
        let same = [
            MIGRATION.replace(
                "// A comment.",
                "// Another comment.\n    /* and a block */",
            ),
            MIGRATION.replace("//! add a column", "//! add the note column"),
            MIGRATION.replace("/// Adds `note`.\n", ""),
            MIGRATION.replace("/// Adds `note`.", "#[doc = \"Adds it.\"]"),
            MIGRATION.replace("\n", "\r\n"),
            MIGRATION.replace(
                "    op.drop_column(\"t\", \"note\")",
                "op.drop_column(\n\"t\",\n \"note\"\n)",
            ),
            MIGRATION.replace("&[]", "& [ ]"),
            // rustfmt's vertical form adds a trailing comma.
            MIGRATION.replace(
                "op.drop_column(\"t\", \"note\")",
                "op.drop_column(\n        \"t\",\n        \"note\",\n    )",
            ),
        ];
        for (i, text) in same.iter().enumerate() {
            assert_ne!(text, MIGRATION, "variant {i} changed nothing");
            assert_eq!(code(text), base, "variant {i}:\n{text}");
        }
        let changed = [
            MIGRATION.replace("\"note\", Type::Text", "\"notes\", Type::Text"),
            MIGRATION.replace("SET note = 'x'", "SET note = 'y'"),
            MIGRATION.replace(".nullable()", ""),
            MIGRATION.replace("\"t\", \"note\"", "\"t\", \"other\""),
            MIGRATION.replace("&[]", "&[\"bbbb00000002\"]"),
            MIGRATION.replace(
                "use alembic_runtime::prelude::*;",
                "use alembic_runtime::prelude::*;\nconst X: i32 = 1;",
            ),
        ];
        for (i, text) in changed.iter().enumerate() {
            assert_ne!(code(text), base, "variant {i}:\n{text}");
        }
        assert_ne!(base, 0);

        // What else rustfmt rewrites: the order of imports, a match arm's block.
        let with = |imports: &str, arm: &str| {
            code(&MIGRATION.replace("use alembic_runtime::prelude::*;", imports).replace(
                "op.drop_column(\"t\", \"note\")",
                &format!("match 1 {{\n        1 => {arm}\n        _ => op.drop_column(\"t\", \"note\"),\n    }}"),
            ))
        };
        let tidy = with(
            "use alembic_runtime::prelude::*;\nuse std::{fmt, io};",
            "op.drop_column(\"t\", \"a\"),",
        );
        assert_eq!(
            tidy,
            with(
                "use std::{io, fmt};\nuse alembic_runtime::prelude::*;",
                "{\n            op.drop_column(\"t\", \"a\")\n        }",
            )
        );
        assert_ne!(
            tidy,
            with(
                "use alembic_runtime::prelude::*;\nuse std::{fmt, io as i};",
                "op.drop_column(\"t\", \"a\"),",
            )
        );
        // The text checksum sees every byte.
        assert_ne!(checksum(&same[0]), checksum(MIGRATION));
    }
}
