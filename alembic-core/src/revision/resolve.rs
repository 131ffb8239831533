//! Alembic's revision identifier grammar, resolved against a [`RevisionGraph`].
//!
//! Owns: symbols (`head`, `heads`, `base`), full ids, unique prefixes of at least four
//! characters, branch labels, `label@head` / `label@base` / `label@<rev>`, relative moves
//! (`+N`, `-N`, `<rev>+N`, `<rev>-N`, `label@+N`) and `history` ranges (`a:b`, `a:`, `:b`).
//! It does not decide which migrations run ([`crate::revision::plan`]).

use crate::revision::graph::{Rev, RevisionGraph};
use crate::RevisionError;

/// Shortest prefix accepted as a partial revision id.
pub const MIN_PREFIX: usize = 4;

/// The symbol for the revisions the database is at (`show current`, `history -r current:`).
pub const CURRENT: &str = "current";

/// Splits a range `start:end` at its colon; either side may be empty. `None` for a single
/// target.
///
/// ```
/// use alembic_core::revision::resolve::split_range;
/// assert_eq!(split_range("ab12:head"), Some(("ab12", "head")));
/// assert_eq!(split_range(":head"), Some(("", "head")));
/// assert_eq!(split_range("head"), None);
/// ```
pub fn split_range(arg: &str) -> Option<(&str, &str)> {
    arg.split_once(':')
}

/// Whether a target or a range names [`CURRENT`], so that answering it needs the database.
///
/// ```
/// use alembic_core::revision::resolve::names_current;
/// assert!(names_current("current") && names_current("base:current"));
/// assert!(!names_current("ab12:head"));
/// ```
pub fn names_current(arg: &str) -> bool {
    match split_range(arg) {
        Some((start, end)) => start == CURRENT || end == CURRENT,
        None => arg == CURRENT,
    }
}

/// The heads a bare `head` or `heads` target names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Heads {
    /// `head`: the one head (an error when there are several).
    One,
    /// `heads`: every head.
    All,
}

impl Heads {
    /// Parses `head` or `heads`; anything else (`label@head` included) is `None`.
    pub fn parse(target: &str) -> Option<Self> {
        match target {
            "head" => Some(Heads::One),
            "heads" => Some(Heads::All),
            _ => None,
        }
    }
}

/// A position in the graph: before every revision, or at a revision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    /// Below every base revision.
    Base,
    /// At this revision.
    At(Rev),
}

/// A parsed relative argument: `[label@][symbol](+|-)N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Relative<'s> {
    /// The part before `@`, if any.
    pub label: Option<&'s str>,
    /// The revision or symbol the move starts from; `None` means "the current heads".
    pub symbol: Option<&'s str>,
    /// Signed number of steps.
    pub steps: i64,
    /// The signed number as written (`+2`), for messages.
    pub written: &'s str,
}

impl<'s> Relative<'s> {
    /// Parses `arg` if it is a relative move.
    ///
    /// ```
    /// use alembic_core::revision::resolve::Relative;
    /// let r = Relative::parse("net@ab12-2").unwrap();
    /// assert_eq!((r.label, r.symbol, r.steps), (Some("net"), Some("ab12"), -2));
    /// assert!(Relative::parse("ab12").is_none());
    /// ```
    pub fn parse(arg: &'s str) -> Option<Self> {
        let (label, rest) = match arg.split_once('@') {
            Some((label, rest)) if !label.is_empty() => (Some(label), rest),
            _ => (None, arg),
        };
        let sign = rest.rfind(['+', '-'])?;
        let (symbol, written) = rest.split_at(sign);
        let digits = &written[1..];
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        if !symbol.chars().all(|c| c.is_alphanumeric() || c == '_') {
            return None;
        }
        let steps: i64 = written.parse().ok()?;
        Some(Relative {
            label,
            symbol: (!symbol.is_empty()).then_some(symbol),
            steps,
            written,
        })
    }
}

impl<'a> RevisionGraph<'a> {
    /// Resolves an absolute identifier to the revisions it names (`base` names none).
    ///
    /// # Errors
    /// [`RevisionError::NotFound`], [`RevisionError::Ambiguous`] for a prefix matching several
    /// ids, [`RevisionError::MultipleHeads`] for `head` with several heads.
    pub fn resolve(&self, arg: &str) -> Result<Vec<Rev>, RevisionError> {
        let (label, symbol) = match arg.split_once('@') {
            Some((label, symbol)) => (Some(label), symbol),
            None => (None, arg),
        };
        let branch = label.map(|l| self.resolve_branch(l)).transpose()?;
        match (Heads::parse(symbol), symbol) {
            (Some(Heads::All), _) => Ok(match branch {
                Some(b) => self.on_lineage(self.heads(), b),
                None => self.real_heads(),
            }),
            (Some(Heads::One), _) => {
                let heads = match branch {
                    Some(b) => self.on_lineage(self.heads(), b),
                    None => self.heads().to_vec(),
                };
                if heads.len() > 1 {
                    return Err(RevisionError::MultipleHeads(arg.to_owned()));
                }
                Ok(heads)
            }
            (None, "base" | "") => Ok(Vec::new()),
            (None, _) => {
                let rev = self.resolve_ident(symbol, arg)?;
                if let (Some(b), Some(label)) = (branch, label) {
                    if !self.shares_lineage(rev, b) {
                        return Err(RevisionError::NotOnBranch {
                            revision: self.id(rev).to_owned(),
                            label: label.to_owned(),
                        });
                    }
                }
                Ok(vec![rev])
            }
        }
    }

    /// Resolves an identifier that must name at most one revision (`base` gives `None`).
    ///
    /// # Errors
    /// As [`RevisionGraph::resolve`], and [`RevisionError::MultipleHeads`] when it names several.
    pub fn resolve_one(&self, arg: &str) -> Result<Option<Rev>, RevisionError> {
        let revs = self.resolve(arg)?;
        if revs.len() > 1 {
            return Err(RevisionError::MultipleHeads(arg.to_owned()));
        }
        Ok(revs.first().copied())
    }

    /// Heads that no other revision depends on either.
    pub fn real_heads(&self) -> Vec<Rev> {
        let depended: Vec<bool> = {
            let mut d = vec![false; self.len()];
            for r in 0..self.len() {
                for &dep in self.dependencies(r) {
                    d[dep] = true;
                }
            }
            d
        };
        self.heads()
            .iter()
            .copied()
            .filter(|&h| !depended[h])
            .collect()
    }

    /// A full id, a branch label, or a unique prefix of at least [`MIN_PREFIX`] characters.
    fn resolve_ident(&self, ident: &str, arg: &str) -> Result<Rev, RevisionError> {
        if let Some(r) = self.get(ident).or_else(|| self.label_owner(ident)) {
            return Ok(r);
        }
        if ident.len() < MIN_PREFIX {
            // Alembic accepts three characters; with twelve hex digits per id, a short word
            // (`add`, `bad`, `fab`) too easily names a revision nobody meant. The message
            // says so whether or not an id starts with it: the user meant a prefix.
            let word = !ident.is_empty() && ident.chars().all(|c| c.is_alphanumeric() || c == '_');
            if word {
                return Err(RevisionError::PrefixTooShort(arg.to_owned()));
            }
            return Err(RevisionError::NotFound(arg.to_owned()));
        }
        let mut candidates: Vec<&str> = self.ids().filter(|id| id.starts_with(ident)).collect();
        match candidates.len() {
            0 => Err(RevisionError::NotFound(arg.to_owned())),
            1 => Ok(self
                .get(candidates[0])
                .expect("candidate comes from the graph")),
            _ => {
                candidates.sort_unstable();
                Err(RevisionError::Ambiguous {
                    prefix: ident.to_owned(),
                    candidates: candidates.into_iter().map(str::to_owned).collect(),
                })
            }
        }
    }

    /// The revision a branch qualifier names: a label, or any revision identifier.
    pub(crate) fn resolve_branch(&self, label: &str) -> Result<Rev, RevisionError> {
        self.resolve_ident(label, label)
    }

    /// Whether `rev` is an ancestor or a descendant of `branch` (or `branch` itself).
    pub(crate) fn shares_lineage(&self, rev: Rev, branch: Rev) -> bool {
        self.is_ancestor(rev, branch, false) || self.is_ancestor(branch, rev, false)
    }

    /// The members of `revs` on the lineage of `branch`.
    pub(crate) fn on_lineage(&self, revs: &[Rev], branch: Rev) -> Vec<Rev> {
        revs.iter()
            .copied()
            .filter(|&r| self.shares_lineage(r, branch))
            .collect()
    }

    /// Takes `steps` steps from `start` (`None`: from nothing, i.e. up from the bases or
    /// down from the heads), staying on `branch` when walking up. `Ok(None)` means the
    /// walk ran off the end of the graph.
    pub(crate) fn walk(
        &self,
        start: Option<Position>,
        steps: i64,
        branch: Option<Rev>,
    ) -> Result<Option<Position>, RevisionError> {
        let mut at = start;
        for _ in 0..steps.unsigned_abs() {
            let next: Vec<Position> = if steps > 0 {
                let up = match at {
                    None | Some(Position::Base) => self.bases(),
                    Some(Position::At(r)) => self.children(r),
                };
                let up = match branch {
                    Some(b) => self.on_lineage(up, b),
                    None => up.to_vec(),
                };
                up.into_iter().map(Position::At).collect()
            } else {
                match at {
                    Some(Position::Base) => Vec::new(),
                    None => self.heads().iter().map(|&r| Position::At(r)).collect(),
                    Some(Position::At(r)) if self.down_revisions(r).is_empty() => {
                        vec![Position::Base]
                    }
                    Some(Position::At(r)) => self
                        .down_revisions(r)
                        .iter()
                        .map(|&p| Position::At(p))
                        .collect(),
                }
            };
            match next.as_slice() {
                [] => return Ok(None),
                [one] => at = Some(*one),
                _ => {
                    let from = match at {
                        Some(Position::At(r)) => self.id(r),
                        _ => "base",
                    };
                    return Err(RevisionError::AmbiguousWalk(from.to_owned()));
                }
            }
        }
        Ok(at)
    }

    /// Every revision, newest first, in Alembic's `history` order (see
    /// [`RevisionGraph::walk_order`]).
    pub fn history(&self) -> Vec<Rev> {
        self.walk_order(vec![true; self.len()], &self.real_heads())
    }

    /// Resolves a `history -r` range to the revisions it covers, newest first, as Alembic's
    /// `history` walks it: the end's ancestors (dependencies included) that are the start or
    /// descend from it through parents (not through dependencies); with `label@…` as the
    /// start, only the ends on that branch. An empty start is `base`, an empty end `heads`.
    ///
    /// `current` stands for the given current heads in either end.
    ///
    /// # Errors
    /// [`RevisionError::BadRange`] without a `:`, resolution errors for either end, and
    /// [`RevisionError::RangeNotAncestor`] when the start is not below the end.
    pub fn history_range(&self, range: &str, current: &[Rev]) -> Result<Vec<Rev>, RevisionError> {
        let (start, end) = split_range(range).ok_or(RevisionError::BadRange)?;
        let mut ends = match end {
            "" => self.real_heads(),
            e => self.resolve_range_end(e, current)?,
        };
        let label = start.split_once('@').map(|(label, _)| label);
        if let Some(label) = label.filter(|l| self.label_owner(l).is_some()) {
            ends.retain(|&e| self.branch_labels(e).contains(&label));
        }
        let starts = match start {
            "" => Vec::new(),
            s if Relative::parse(s).is_some_and(|r| r.symbol.is_none()) => {
                self.relative_range_start(s, &ends)?
            }
            s => self.resolve_range_end(s, current)?,
        };
        let required = self.ancestors(&ends, true);
        if starts.iter().any(|&s| !required[s]) {
            return Err(RevisionError::RangeNotAncestor(range.to_owned()));
        }
        let mut todo = required;
        if !starts.is_empty() {
            let above_start = self.descendants(&starts, false);
            for (t, a) in todo.iter_mut().zip(above_start) {
                *t &= a;
            }
        }
        Ok(self.walk_order(todo, &ends))
    }

    /// A start such as `-1` or `lib@-1`: counted down from the range's end on that branch.
    fn relative_range_start(&self, arg: &str, ends: &[Rev]) -> Result<Vec<Rev>, RevisionError> {
        let rel = Relative::parse(arg).expect("checked by the caller");
        let from: Vec<Rev> = match rel.label {
            Some(l) => {
                let branch = self.resolve_branch(l)?;
                self.on_lineage(ends, branch)
            }
            None => ends.to_vec(),
        };
        let one = match from.as_slice() {
            // Nothing of the branch is an end: nothing to list.
            [] => return Ok(Vec::new()),
            [one] => *one,
            _ => return Err(RevisionError::AmbiguousWalk("heads".to_owned())),
        };
        match self.walk(Some(Position::At(one)), rel.steps, None)? {
            Some(Position::At(r)) => Ok(vec![r]),
            Some(Position::Base) => Ok(Vec::new()),
            None => Err(RevisionError::RelativeTooFar {
                relative: rel.written.to_owned(),
                count: rel.steps.unsigned_abs(),
            }),
        }
    }

    fn resolve_range_end(&self, arg: &str, current: &[Rev]) -> Result<Vec<Rev>, RevisionError> {
        if arg == CURRENT {
            return Ok(current.to_vec());
        }
        if let Some(rel) = Relative::parse(arg) {
            let start = match rel.symbol {
                Some(s) => self
                    .resolve_one(s)?
                    .map(Position::At)
                    .or(Some(Position::Base)),
                None => match current {
                    [] => None,
                    [one] => Some(Position::At(*one)),
                    _ => return Err(RevisionError::AmbiguousUpgrade),
                },
            };
            let branch = rel.label.map(|l| self.resolve_branch(l)).transpose()?;
            return match self.walk(start, rel.steps, branch)? {
                Some(Position::At(r)) => Ok(vec![r]),
                Some(Position::Base) => Ok(Vec::new()),
                None => Err(RevisionError::RelativeTooFar {
                    relative: rel.written.to_owned(),
                    count: rel.steps.unsigned_abs(),
                }),
            };
        }
        self.resolve(arg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::revision::graph::RevisionSpec;

    /// r1 -> r2 -> {a3 -> a4 (label "alpha"), b3 (label "beta")}
    const BRANCHED: [RevisionSpec<'static>; 5] = [
        RevisionSpec::new("1111aaaa", &[]),
        RevisionSpec::new("2222bbbb", &["1111aaaa"]),
        RevisionSpec::new("3333aaaa", &["2222bbbb"]).labels(&["alpha"]),
        RevisionSpec::new("4444aaaa", &["3333aaaa"]),
        RevisionSpec::new("3333bbbb", &["2222bbbb"]).labels(&["beta"]),
    ];

    fn ids(
        g: &RevisionGraph<'_>,
        revs: Result<Vec<Rev>, RevisionError>,
    ) -> Result<Vec<String>, String> {
        revs.map(|v| v.iter().map(|&r| g.id(r).to_owned()).collect())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn resolves_every_absolute_form() {
        let g = RevisionGraph::build(&BRANCHED).unwrap();
        let cases: &[(&str, Result<&[&str], &str>)] = &[
            ("heads", Ok(&["4444aaaa", "3333bbbb"])),
            ("head", Err("Multiple head revisions are present for given argument 'head'; please specify a specific target revision, '<branchname>@head' to narrow to a specific head, or 'heads' for all heads")),
            ("base", Ok(&[])),
            ("1111aaaa", Ok(&["1111aaaa"])),
            ("1111", Ok(&["1111aaaa"])),
            ("111", Err("Can't locate revision identified by '111': prefixes need at least 4 characters, so that a short word cannot pick a revision by accident")),
            ("999", Err("Can't locate revision identified by '999': prefixes need at least 4 characters, so that a short word cannot pick a revision by accident")),
            ("99999", Err("Can't locate revision identified by '99999'")),
            ("3333", Err("Multiple revisions start with '3333': '3333aaaa', '3333bbbb'")),
            ("alpha", Ok(&["3333aaaa"])),
            ("alpha@head", Ok(&["4444aaaa"])),
            ("beta@head", Ok(&["3333bbbb"])),
            ("beta@heads", Ok(&["3333bbbb"])),
            ("beta@base", Ok(&[])),
            ("alpha@2222", Ok(&["2222bbbb"])),
            ("beta@4444", Err("Revision 4444aaaa is not a member of branch 'beta'")),
            ("gamma@head", Err("Can't locate revision identified by 'gamma'")),
            ("zzzzzzzz", Err("Can't locate revision identified by 'zzzzzzzz'")),
        ];
        for (arg, want) in cases {
            let got = ids(&g, g.resolve(arg));
            let want = want
                .map(|v| v.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                .map_err(str::to_owned);
            assert_eq!(got, want, "resolving {arg}");
        }
    }

    #[test]
    fn parses_relative_forms() {
        let cases = [
            ("+1", Some((None, None, 1))),
            ("-2", Some((None, None, -2))),
            ("ab12+3", Some((None, Some("ab12"), 3))),
            ("head-1", Some((None, Some("head"), -1))),
            ("net@+1", Some((Some("net"), None, 1))),
            ("net@head-1", Some((Some("net"), Some("head"), -1))),
            ("ab12", None),
            ("+", None),
            ("a:b", None),
        ];
        for (arg, want) in cases {
            let got = Relative::parse(arg).map(|r| (r.label, r.symbol, r.steps));
            assert_eq!(got, want, "parsing {arg}");
        }
    }

    #[test]
    fn history_ranges_cover_ancestor_descendant_spans_newest_first() {
        let g = RevisionGraph::build(&BRANCHED).unwrap();
        let at = |id: &str| g.get(id).unwrap();
        assert_eq!(
            ids(&g, g.history_range("2222:alpha@head", &[])).unwrap(),
            ["4444aaaa", "3333aaaa", "2222bbbb"]
        );
        assert_eq!(
            ids(&g, g.history_range(":2222", &[])).unwrap(),
            ["2222bbbb", "1111aaaa"]
        );
        assert_eq!(
            ids(&g, g.history_range("current:", &[at("3333bbbb")])).unwrap(),
            ["3333bbbb"]
        );
        assert_eq!(
            ids(&g, g.history_range("-1:current", &[at("4444aaaa")])).unwrap(),
            ["4444aaaa", "3333aaaa"]
        );
        assert_eq!(
            ids(&g, g.history_range("3333bbbb:4444", &[])).unwrap_err(),
            "Requested range 3333bbbb:4444 does not refer to ancestor/descendant revisions along the same branch"
        );
        assert_eq!(
            ids(&g, g.history_range("2222", &[])).unwrap_err(),
            "History range requires [start]:[end], [start]:, or :[end]"
        );
    }
}
