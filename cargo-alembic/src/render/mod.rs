//! Rendering migration modules (DESIGN §3): the template — header, constants, the `upgrade`
//! and `downgrade` functions — formatted by prettyplease and rustfmt. What goes in the
//! bodies is [`ops`]'s.

mod ops;

pub use ops::body;

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
    pub(crate) statements: Vec<TokenStream>,
    pub(crate) comments: Vec<String>,
}

impl Body {
    /// Whether there is nothing to do.
    pub fn is_empty(&self) -> bool {
        self.statements.is_empty()
    }

    /// A comment before the next statement. prettyplease drops comments, so it stands in the
    /// code as a marker macro call that [`module`] replaces with the comment text.
    pub(crate) fn comment(&mut self, text: String) {
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
    // Trimmed: a base revision revises nothing, and `cargo fmt --check` refuses a trailing
    // space.
    let revises = format!("//! Revises: {}", down_revisions.join(", "));
    out.push_str(&format!(
        "//!\n//! Revision ID: {revision}\n{}\n//! Create Date: {date}\n\n",
        revises.trim_end()
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
