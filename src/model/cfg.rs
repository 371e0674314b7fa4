//! Which `cfg` predicates guard code that only test builds compile.
//!
//! `#[cfg(test)]` is the plain case. A helper shared with other crates' tests is often written
//! `#[cfg(any(test, feature = "test-utils"))]`: it is test code only when that feature is
//! itself a test switch, that is, when no production build turns it on. [`TestFeatures`] holds,
//! per package, the features that qualify (see [`TestFeatures::of_package`]), and
//! [`only_in_tests`] evaluates a predicate against them:
//! `test` and a test-only feature are test switches, `any(..)` is one when every alternative
//! is, `all(..)` when some part is, and `not(..)` never is.

use std::collections::HashSet;

use crate::manifest::{DepKind, Manifest};

/// Deepest `any(all(not(..)))` nesting evaluated; deeper predicates count as production.
const MAX_DEPTH: usize = 32;
/// Longest predicate text evaluated (a bound against generated attributes).
const MAX_LEN: usize = 4096;

/// The features of one package that only test builds enable.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TestFeatures(HashSet<String>);

impl TestFeatures {
    pub fn contains(&self, feature: &str) -> bool {
        self.0.contains(feature)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The features of `pkg` that no production build enables: not reachable from `default`,
    /// not requested by a normal or build dependency on `pkg` anywhere in `workspace`, and
    /// either requested by a dev-dependency or named as a test switch (`test-utils`,
    /// `testing`, `mocks`).
    pub fn of_package(pkg: &Manifest, workspace: &[Manifest]) -> TestFeatures {
        let Some(name) = pkg.package.as_ref().map(|p| p.name.as_str()) else {
            return TestFeatures::default();
        };
        let mut prod: Vec<String> = vec!["default".into()];
        let mut dev: Vec<String> = Vec::new();
        for m in workspace {
            for d in m.dependencies.iter().filter(|d| d.package == name) {
                let into = if d.kind == DepKind::Dev {
                    &mut dev
                } else {
                    &mut prod
                };
                into.extend(d.features.iter().cloned());
            }
            // A feature of another package that forwards to this one (`name/x`) may be on in
            // production: counted so.
            for entry in m.features.values().flatten() {
                if let Some((dep, feat)) = entry.split_once('/')
                    && m.dependencies
                        .iter()
                        .any(|d| d.key == dep.trim_end_matches('?') && d.package == name)
                {
                    prod.push(feat.to_string());
                }
            }
        }
        let prod = pkg.features_on(prod);
        let dev = pkg.features_on(dev);
        let set = pkg
            .features
            .keys()
            .filter(|f| !prod.contains(*f) && (dev.contains(*f) || test_switch_name(f)))
            .cloned()
            .collect();
        TestFeatures(set)
    }
}

/// `test`, `test-utils`, `testing`, `mock`, `test_helpers`: a feature whose name says it is a
/// test switch.
fn test_switch_name(f: &str) -> bool {
    f.split(['-', '_']).any(|w| {
        matches!(
            w,
            "test" | "tests" | "testing" | "testutils" | "testutil" | "mock" | "mocks"
        )
    })
}

/// Whether `attr`, the inner text of an outer attribute (`cfg(any(test, feature = "x"))`),
/// guards code that only test builds compile.
pub fn cfg_only_in_tests(attr: &str, features: &TestFeatures) -> bool {
    let Some(rest) = attr.trim_start().strip_prefix("cfg") else {
        return false;
    };
    let rest = rest.trim();
    let Some(inner) = rest.strip_prefix('(').and_then(|r| r.strip_suffix(')')) else {
        return false;
    };
    only_in_tests(inner, features)
}

/// Whether the predicate (`test`, `any(test, feature = "x")`) holds only in test builds.
pub fn only_in_tests(pred: &str, features: &TestFeatures) -> bool {
    if pred.len() > MAX_LEN {
        return false;
    }
    let toks = lex(pred);
    let mut p = Parser { toks: &toks, i: 0 };
    let Some(e) = p.pred(0) else { return false };
    p.i == toks.len() && e.test_only(features)
}

#[derive(Debug, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Punct(char),
}

fn lex(s: &str) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut it = s.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        if c.is_whitespace() {
            continue;
        }
        if c.is_alphanumeric() || c == '_' {
            let mut end = i + c.len_utf8();
            while let Some(&(j, d)) = it.peek() {
                if !(d.is_alphanumeric() || d == '_') {
                    break;
                }
                end = j + d.len_utf8();
                it.next();
            }
            out.push(Tok::Ident(s[i..end].to_string()));
        } else if c == '"' {
            let mut v = String::new();
            let mut escaped = false;
            for (_, d) in it.by_ref() {
                match (escaped, d) {
                    (false, '\\') => escaped = true,
                    (false, '"') => break,
                    _ => {
                        escaped = false;
                        v.push(d)
                    }
                }
            }
            out.push(Tok::Str(v));
        } else {
            out.push(Tok::Punct(c));
        }
    }
    out
}

enum Pred {
    Test,
    Feature(String),
    Any(Vec<Pred>),
    All(Vec<Pred>),
    Other,
}

impl Pred {
    fn test_only(&self, f: &TestFeatures) -> bool {
        match self {
            Pred::Test => true,
            Pred::Feature(x) => f.contains(x),
            Pred::Any(v) => !v.is_empty() && v.iter().all(|p| p.test_only(f)),
            Pred::All(v) => v.iter().any(|p| p.test_only(f)),
            Pred::Other => false,
        }
    }
}

struct Parser<'t> {
    toks: &'t [Tok],
    i: usize,
}

impl Parser<'_> {
    fn eat(&mut self, c: char) -> bool {
        let hit = self.toks.get(self.i) == Some(&Tok::Punct(c));
        self.i += usize::from(hit);
        hit
    }

    fn pred(&mut self, depth: usize) -> Option<Pred> {
        if depth > MAX_DEPTH {
            return None;
        }
        let Some(Tok::Ident(name)) = self.toks.get(self.i) else {
            return None;
        };
        self.i += 1;
        if self.eat('=') {
            let Some(Tok::Str(v)) = self.toks.get(self.i) else {
                return None;
            };
            self.i += 1;
            return Some(if name == "feature" {
                Pred::Feature(v.clone())
            } else {
                Pred::Other
            });
        }
        if !self.eat('(') {
            return Some(if name == "test" {
                Pred::Test
            } else {
                Pred::Other
            });
        }
        let mut args = Vec::new();
        while !self.eat(')') {
            args.push(self.pred(depth + 1)?);
            if !self.eat(',') && self.toks.get(self.i) != Some(&Tok::Punct(')')) {
                return None;
            }
        }
        Some(match name.as_str() {
            "any" => Pred::Any(args),
            "all" => Pred::All(args),
            _ => Pred::Other,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feats(v: &[&str]) -> TestFeatures {
        TestFeatures(v.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn predicates() {
        let f = feats(&["test-utils"]);
        let yes = [
            "cfg(test)",
            "cfg(any(test, feature = \"test-utils\"))",
            "cfg(all(test, unix))",
            "cfg(all(feature = \"x\", test))",
            "cfg(feature = \"test-utils\")",
            "cfg ( any ( test , feature = \"test-utils\" ) )",
        ];
        for a in yes {
            assert!(cfg_only_in_tests(a, &f), "{a}");
        }
        let no = [
            "cfg(any(test, feature = \"fixtures\"))",
            "cfg(not(test))",
            "cfg(any(test, unix))",
            "cfg(feature = \"x\")",
            "cfg(any())",
            "cfg(test_but_not)",
            "cfg(testing)",
            "cfg_attr(test, allow(x))",
            "cfg(all(not(test), unix))",
            "cfg(any(test, feature = \"test-utils\")",
            "allow(dead_code)",
        ];
        for a in no {
            assert!(!cfg_only_in_tests(a, &f), "{a}");
        }
    }

    #[test]
    fn deep_predicates_are_bounded() {
        let deep = format!("cfg({}test{})", "all(".repeat(100), ")".repeat(100));
        assert!(!cfg_only_in_tests(&deep, &feats(&[])));
        let ok = format!("cfg({}test{})", "all(".repeat(10), ")".repeat(10));
        assert!(cfg_only_in_tests(&ok, &feats(&[])));
    }

    fn manifest(path: &str, text: &str) -> Manifest {
        let dir = std::path::PathBuf::from(path);
        let src = std::sync::Arc::new(crate::source::SourceText::new(text.to_string()));
        Manifest::parse(&format!("{path}/Cargo.toml"), dir, src).unwrap()
    }

    #[test]
    fn features_only_dev_dependencies_enable() {
        let auth = manifest(
            "auth",
            "[package]\nname = \"auth\"\n[features]\ndefault = [\"jwks\"]\njwks = []\n\
             fake-keys = []\nfixtures = []\ntest-utils = []\nserver = [\"fake-keys\"]\n",
        );
        let api = manifest(
            "api",
            "[package]\nname = \"api\"\n[dependencies]\nauth = { path = \"../auth\" }\n\
             [dev-dependencies]\nauth = { path = \"../auth\", features = [\"fixtures\"] }\n",
        );
        let f = TestFeatures::of_package(&auth, &[auth.clone(), api.clone()]);
        assert!(f.contains("fixtures"), "enabled from dev-dependencies only");
        assert!(
            f.contains("test-utils"),
            "named as a test switch, enabled by nobody"
        );
        assert!(!f.contains("jwks"), "on by default");
        assert!(
            !f.contains("fake-keys"),
            "never enabled and not a test name"
        );
        let cli = manifest(
            "cli",
            "[package]\nname = \"cli\"\n[dependencies]\nauth = { path = \"../auth\", \
             features = [\"test-utils\", \"server\"] }\n",
        );
        let f = TestFeatures::of_package(&auth, &[auth.clone(), api, cli]);
        assert!(!f.contains("test-utils"), "a normal dependency enables it");
        assert!(f.contains("fixtures"));
    }
}
