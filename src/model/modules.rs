//! The module tree, as far as test code needs it: every `mod NAME;` declaration of a file (with
//! `#[path]` and whether a `#[cfg(test)]`-style attribute guards it, directly or through an
//! enclosing inline module), and from those the files that are test code because a parent
//! declares them so (`#[cfg(test)] mod tests;` makes the whole child file, and its own
//! children, test code).
//!
//! Declarations are read by a small lexer (comments, strings, raw strings, char literals and
//! lifetimes are skipped), not by syn: it runs on every source file, including the ones the
//! prefilter never parses, and costs one linear pass over files that contain `mod`.

use std::collections::{HashMap, HashSet};

use super::cfg::{TestFeatures, cfg_only_in_tests};

/// One `mod NAME;` declaration (a module in another file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModDecl {
    /// Inline modules enclosing the declaration, outermost first (`mod a { mod b; }`: `["a"]`).
    pub inline: Vec<String>,
    pub name: String,
    /// The `#[path = ".."]` attribute, if any.
    pub path: Option<String>,
    /// Guarded by a test attribute (on the declaration or an enclosing inline module).
    pub test: bool,
}

/// Longest declaration list kept per file (a bound against generated files).
const MAX_DECLS: usize = 10_000;
/// Deepest inline-module nesting followed.
const MAX_INLINE_DEPTH: usize = 64;

/// What the module lexer finds in one file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModScan {
    /// The `mod NAME;` declarations.
    pub decls: Vec<ModDecl>,
    /// Byte ranges of inline modules under a test attribute (`#[cfg(test)] mod tests { .. }`,
    /// from the opening brace to the closing one): test code inside a production file.
    pub test_ranges: Vec<std::ops::Range<usize>>,
}

/// The `mod NAME;` declarations of a Rust source text.
pub fn scan(text: &str) -> Vec<ModDecl> {
    scan_file(text, &TestFeatures::default()).decls
}

/// The declarations and inline test modules of a Rust source text. Only a file that can hold
/// either is lexed.
pub fn scan_file(text: &str, features: &TestFeatures) -> ModScan {
    let b = text.as_bytes();
    // A test-only feature's name need not say `test`.
    let may_test = memchr::memmem::find(b, b"#[cfg").is_some()
        && (!features.is_empty() || memchr::memmem::find(b, b"test").is_some());
    if !may_test && !may_declare_file_module(b) {
        return ModScan::default();
    }
    Scanner::new(text, features).run()
}

/// Whether the text has `mod NAME;` somewhere (comments and strings not told apart): only such a
/// file can declare a module in another file, so any other file skips the lexer. Inline modules
/// (`mod tests { .. }`) alone declare no file.
fn may_declare_file_module(b: &[u8]) -> bool {
    let ident = |c: u8| c == b'_' || c.is_ascii_alphanumeric() || c >= 0x80;
    let space = |c: u8| c.is_ascii_whitespace();
    memchr::memmem::find_iter(b, b"mod").any(|at| {
        if at > 0 && ident(b[at - 1]) {
            return false;
        }
        let mut i = at + 3;
        let ws = i;
        while i < b.len() && space(b[i]) {
            i += 1;
        }
        if i == ws {
            return false;
        }
        let name = i;
        while i < b.len() && (ident(b[i]) || b[i] == b'#') {
            i += 1;
        }
        if i == name {
            return false;
        }
        while i < b.len() && space(b[i]) {
            i += 1;
        }
        b.get(i) == Some(&b';')
    })
}

#[derive(Debug, Clone, PartialEq)]
enum Tok<'t> {
    Ident(&'t str),
    /// An outer attribute's inner text (`cfg(test)` of `#[cfg(test)]`).
    Attr(&'t str),
    Punct(u8),
    Other,
}

struct Scanner<'t> {
    text: &'t str,
    features: &'t TestFeatures,
    b: &'t [u8],
    i: usize,
}

impl<'t> Scanner<'t> {
    fn new(text: &'t str, features: &'t TestFeatures) -> Self {
        Scanner {
            text,
            features,
            b: text.as_bytes(),
            i: 0,
        }
    }

    fn run(mut self) -> ModScan {
        let mut out = Vec::new();
        let mut test_ranges = Vec::new();
        // Inline modules: (name, test, brace depth inside it, offset of its `{`).
        let mut stack: Vec<(String, bool, usize, usize)> = Vec::new();
        let mut depth = 0usize;
        let mut attrs: Vec<&str> = Vec::new();
        let mut pending: Option<(&str, Vec<&str>)> = None;
        while let Some(t) = self.next() {
            match (t, pending.take()) {
                (Tok::Punct(b';'), Some((name, a))) if out.len() < MAX_DECLS => {
                    let enclosing_test = stack.iter().any(|s| s.1);
                    out.push(ModDecl {
                        inline: stack.iter().map(|s| s.0.clone()).collect(),
                        name: name.trim_start_matches("r#").to_string(),
                        path: a.iter().find_map(|x| path_attr(x)),
                        test: enclosing_test
                            || a.iter().any(|x| cfg_only_in_tests(x, self.features)),
                    });
                }
                (Tok::Punct(b'{'), Some((name, a))) => {
                    depth += 1;
                    if stack.len() < MAX_INLINE_DEPTH {
                        let test = a.iter().any(|x| cfg_only_in_tests(x, self.features));
                        stack.push((name.to_string(), test, depth, self.i - 1));
                    }
                }
                (Tok::Punct(b'{'), None) => depth += 1,
                (Tok::Punct(b'}'), _) => {
                    if stack.last().is_some_and(|s| s.2 == depth)
                        && let Some((_, test, _, open)) = stack.pop()
                        && test
                        && !stack.iter().any(|s| s.1)
                        && test_ranges.len() < MAX_DECLS
                    {
                        test_ranges.push(open..self.i);
                    }
                    depth = depth.saturating_sub(1);
                    attrs.clear();
                }
                (Tok::Attr(a), _) => attrs.push(a),
                (Tok::Ident("pub" | "crate" | "super" | "self" | "in"), _) => {}
                (Tok::Punct(b'(' | b')' | b':'), _) => {}
                (Tok::Ident("mod"), _) => {
                    if let Some(Tok::Ident(name)) = self.next() {
                        pending = Some((name, std::mem::take(&mut attrs)));
                    }
                }
                _ => attrs.clear(),
            }
        }
        ModScan {
            decls: out,
            test_ranges,
        }
    }

    fn peek(&self, k: usize) -> u8 {
        self.b.get(self.i + k).copied().unwrap_or(0)
    }

    fn next(&mut self) -> Option<Tok<'t>> {
        loop {
            let c = *self.b.get(self.i)?;
            match c {
                b' ' | b'\t' | b'\n' | b'\r' => self.i += 1,
                b'/' if self.peek(1) == b'/' => self.skip_line(),
                b'/' if self.peek(1) == b'*' => self.skip_block_comment(),
                b'"' => {
                    self.skip_string(self.i + 1);
                    return Some(Tok::Other);
                }
                b'\'' => {
                    self.skip_char_or_lifetime();
                    return Some(Tok::Other);
                }
                b'#' if self.peek(1) == b'[' => return Some(self.attribute()),
                b'#' if self.peek(1) == b'!' && self.peek(2) == b'[' => {
                    self.i += 1;
                    let _ = self.attribute();
                    return Some(Tok::Other);
                }
                c if c == b'_' || c.is_ascii_alphabetic() || c >= 0x80 => {
                    return Some(self.ident_or_prefixed_literal());
                }
                c if c.is_ascii_digit() => {
                    while self.peek(0).is_ascii_alphanumeric() || self.peek(0) == b'_' {
                        self.i += 1;
                    }
                    return Some(Tok::Other);
                }
                c => {
                    self.i += 1;
                    return Some(Tok::Punct(c));
                }
            }
        }
    }

    fn skip_line(&mut self) {
        self.i = memchr::memchr(b'\n', &self.b[self.i..]).map_or(self.b.len(), |n| self.i + n);
    }

    fn skip_block_comment(&mut self) {
        let mut depth = 0usize;
        while self.i < self.b.len() {
            if self.peek(0) == b'/' && self.peek(1) == b'*' {
                depth += 1;
                self.i += 2;
            } else if self.peek(0) == b'*' && self.peek(1) == b'/' {
                depth -= 1;
                self.i += 2;
                if depth == 0 {
                    return;
                }
            } else {
                self.i += 1;
            }
        }
    }

    /// Skips a string whose body starts at `from` (after the opening quote).
    fn skip_string(&mut self, from: usize) {
        let mut j = from;
        while j < self.b.len() {
            match self.b[j] {
                b'\\' => j += 2,
                b'"' => {
                    self.i = j + 1;
                    return;
                }
                _ => j += 1,
            }
        }
        self.i = self.b.len();
    }

    /// Skips `r#".."#` whose `r` (or `br`/`cr`) prefix ends at `self.i`.
    fn skip_raw_string(&mut self) {
        let mut hashes = 0;
        while self.peek(0) == b'#' {
            hashes += 1;
            self.i += 1;
        }
        if self.peek(0) != b'"' {
            return;
        }
        self.i += 1;
        let close: Vec<u8> = std::iter::once(b'"')
            .chain(std::iter::repeat_n(b'#', hashes))
            .collect();
        self.i = memchr::memmem::find(&self.b[self.i..], &close)
            .map_or(self.b.len(), |n| self.i + n + close.len());
    }

    fn skip_char_or_lifetime(&mut self) {
        // 'a' or '\n' or '\u{..}' is a char; 'a (no closing quote soon) is a lifetime.
        if self.peek(1) == b'\\' {
            let end = memchr::memchr(b'\'', &self.b[(self.i + 2).min(self.b.len())..]);
            self.i = end.map_or(self.b.len(), |n| self.i + 2 + n + 1);
            return;
        }
        let rest = &self.text[self.i + 1..];
        let mut chars = rest.char_indices();
        if let Some((_, _)) = chars.next()
            && let Some((n, '\'')) = chars.next()
        {
            self.i += 1 + n + 1;
            return;
        }
        self.i += 1;
    }

    fn ident_or_prefixed_literal(&mut self) -> Tok<'t> {
        let start = self.i;
        while self.i < self.b.len() {
            let c = self.b[self.i];
            if c == b'_' || c.is_ascii_alphanumeric() || c >= 0x80 {
                self.i += 1;
            } else if c == b'#' && self.i == start + 1 && self.b[start] == b'r' {
                // raw identifier `r#name` or raw string `r#".."#`
                if self.peek(1) == b'"' || self.peek(1) == b'#' {
                    break;
                }
                self.i += 1;
            } else {
                break;
            }
        }
        let word = &self.text[start..self.i];
        match (word, self.peek(0)) {
            ("r" | "br" | "cr", b'"' | b'#') => {
                self.skip_raw_string();
                Tok::Other
            }
            ("b" | "c", b'"') => {
                self.skip_string(self.i + 1);
                Tok::Other
            }
            ("b", b'\'') => {
                self.skip_char_or_lifetime();
                Tok::Other
            }
            _ => Tok::Ident(word),
        }
    }

    /// `#[..]` at `self.i`: its inner text, brackets balanced (strings inside skipped).
    fn attribute(&mut self) -> Tok<'t> {
        self.i += 2;
        let start = self.i;
        let mut depth = 1usize;
        while self.i < self.b.len() {
            match self.b[self.i] {
                b'[' => depth += 1,
                b']' => {
                    depth -= 1;
                    if depth == 0 {
                        let inner = &self.text[start..self.i];
                        self.i += 1;
                        return Tok::Attr(inner);
                    }
                }
                b'"' => {
                    self.skip_string(self.i + 1);
                    continue;
                }
                _ => {}
            }
            self.i += 1;
        }
        Tok::Other
    }
}

fn path_attr(attr: &str) -> Option<String> {
    let rest = attr.trim_start().strip_prefix("path")?.trim_start();
    let rest = rest.strip_prefix('=')?.trim();
    let inner = rest.strip_prefix('"')?.strip_suffix('"')?;
    Some(inner.to_string())
}

/// Directory whose children a file's `mod x;` declarations name, relative to the root with
/// forward slashes: the file's own folder for `mod.rs`, `lib.rs`, `main.rs` and other crate
/// roots, else the folder named after the file.
fn child_dir(rel: &str) -> String {
    let (dir, file) = rel.rsplit_once('/').unwrap_or(("", rel));
    let stem = file.strip_suffix(".rs").unwrap_or(file);
    let crate_root = matches!(file, "mod.rs" | "lib.rs" | "main.rs" | "build.rs")
        || dir
            .rsplit('/')
            .next()
            .is_some_and(|d| matches!(d, "bin" | "tests" | "examples" | "benches"));
    match (crate_root, dir.is_empty()) {
        (true, _) => dir.to_string(),
        (false, true) => stem.to_string(),
        (false, false) => format!("{dir}/{stem}"),
    }
}

fn join(dir: &str, rest: &str) -> String {
    match (dir.is_empty(), rest.is_empty()) {
        (true, _) => rest.to_string(),
        (_, true) => dir.to_string(),
        _ => format!("{dir}/{rest}"),
    }
}

/// Normalises `a/./b/../c` (the `..` of a `#[path]`).
fn normalise(p: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for c in p.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    parts.join("/")
}

/// The files a declaration may name (`name.rs`, `name/mod.rs`, or its `#[path]`).
fn child_files(parent: &str, d: &ModDecl) -> Vec<String> {
    let base = child_dir(parent);
    let inline = d.inline.join("/");
    let dir = join(&base, &inline);
    if let Some(p) = &d.path {
        // `#[path]` outside inline modules is relative to the parent file's folder.
        let from = if d.inline.is_empty() {
            parent.rsplit_once('/').map_or("", |x| x.0).to_string()
        } else {
            dir
        };
        return vec![normalise(&join(&from, p))];
    }
    vec![
        join(&dir, &format!("{}.rs", d.name)),
        join(&dir, &format!("{}/mod.rs", d.name)),
    ]
}

/// Files that are test code because of the module tree: a file declared by a test-guarded
/// `mod`, and every file declared (at any depth) from such a file. `decls` maps each source
/// file (relative path) to its declarations; `already_test` holds files known to be test code
/// by their path, whose children are test code too.
pub fn test_files(
    decls: &HashMap<String, Vec<ModDecl>>,
    already_test: impl Fn(&str) -> bool,
) -> HashSet<String> {
    let mut test: HashSet<String> = HashSet::new();
    let mut queue: Vec<String> = Vec::new();
    for (parent, ds) in decls {
        let parent_test = already_test(parent);
        for d in ds.iter().filter(|d| d.test || parent_test) {
            for c in child_files(parent, d) {
                if decls.contains_key(&c) && test.insert(c.clone()) {
                    queue.push(c);
                }
            }
        }
    }
    while let Some(f) = queue.pop() {
        for d in decls.get(&f).map(Vec::as_slice).unwrap_or_default() {
            for c in child_files(&f, d) {
                if decls.contains_key(&c) && test.insert(c.clone()) {
                    queue.push(c);
                }
            }
        }
    }
    test
}

/// Which files of the run are test code: by their path (`tests/`, `examples/`, ...) or because
/// the module tree declares them under `#[cfg(test)]`.
#[derive(Debug, Default)]
pub struct TestFiles {
    by_module: HashSet<String>,
    /// Every file is test code (the workspace lies in a test folder of the linted project).
    pub all: bool,
}

impl TestFiles {
    /// From every source file's declarations (relative path -> `mod NAME;`s).
    pub fn new(decls: &HashMap<String, Vec<ModDecl>>) -> Self {
        TestFiles {
            by_module: test_files(decls, crate::detect::is_test_path),
            all: false,
        }
    }

    pub fn contains(&self, rel: &str) -> bool {
        self.all || crate::detect::is_test_path(rel) || self.by_module.contains(rel)
    }

    /// Whether a parent module declares the file under a test attribute.
    pub fn declared_test(&self, rel: &str) -> bool {
        self.by_module.contains(rel)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<(String, bool)> {
        scan(text).into_iter().map(|d| (d.name, d.test)).collect()
    }

    #[test]
    fn finds_test_guarded_declarations() {
        let t = "#[cfg(test)]\nmod tests;\npub mod api;\n#[cfg(all(test, feature = \"x\"))] pub(crate) mod more;";
        assert_eq!(
            names(t),
            vec![
                ("tests".into(), true),
                ("api".into(), false),
                ("more".into(), true)
            ]
        );
    }

    #[test]
    fn not_test_is_not_test_and_attributes_do_not_leak() {
        let t = "#[cfg(not(test))] mod real;\n#[cfg(test)] fn f() {}\nmod after;";
        assert_eq!(
            names(t),
            vec![("real".into(), false), ("after".into(), false)]
        );
    }

    #[test]
    fn inline_test_module_guards_its_children() {
        let t = "#[cfg(test)]\nmod tests {\n    mod helpers;\n    fn x() { let s = \"}\"; }\n}\nmod prod;";
        let d = scan(t);
        assert_eq!(d[0].inline, vec!["tests".to_string()]);
        assert!(d[0].test);
        assert!(!d[1].test, "{d:?}");
    }

    #[test]
    fn strings_comments_and_chars_are_skipped() {
        let t = "// mod a;\n/* mod b; /* nested */ mod c; */\nconst S: &str = \"mod d;\";\nconst R: &str = r#\"mod e;\"#;\nfn f<'a>(x: &'a u8) -> char { '{' }\nmod real;";
        assert_eq!(names(t), vec![("real".into(), false)]);
    }

    #[test]
    fn inline_test_modules_are_ranges() {
        let t = "fn a() {}\n#[cfg(test)]\nmod tests {\n    mod inner { fn x() {} }\n    fn t() { let s = \"}\"; }\n}\nmod prod { fn p() {} }\n";
        let r = scan_file(t, &TestFeatures::default()).test_ranges;
        assert_eq!(r.len(), 1, "{r:?}");
        let inside = &t[r[0].clone()];
        assert!(inside.starts_with('{') && inside.ends_with('}'), "{inside}");
        assert!(
            inside.contains("fn t()") && !inside.contains("fn p()"),
            "{inside}"
        );
        assert!(
            scan_file("mod tests { fn t() {} }", &TestFeatures::default())
                .test_ranges
                .is_empty()
        );
    }

    #[test]
    fn only_files_with_a_file_module_are_lexed() {
        assert!(may_declare_file_module(b"pub mod api ;"));
        assert!(may_declare_file_module(b"#[cfg(test)]\nmod\r\n  r#tests;"));
        assert!(!may_declare_file_module(b"mod tests { fn f() {} }"));
        assert!(!may_declare_file_module(b"let model; fn modx(); mod;"));
        assert!(!may_declare_file_module(b"mod"));
        // A pre-check that rejects a file would lose its declarations: these are kept.
        assert_eq!(names("mod a {}\nmod b;"), vec![("b".into(), false)]);
    }

    #[test]
    fn path_attribute_is_read() {
        let d = scan("#[cfg(test)]\n#[path = \"../shared/t.rs\"]\nmod t;");
        assert_eq!(d[0].path.as_deref(), Some("../shared/t.rs"));
        assert!(d[0].test);
    }

    #[test]
    fn child_files_follow_rust_layouts() {
        let d = |name: &str| ModDecl {
            inline: vec![],
            name: name.into(),
            path: None,
            test: true,
        };
        assert_eq!(
            child_files("src/lib.rs", &d("tests")),
            vec!["src/tests.rs", "src/tests/mod.rs"]
        );
        assert_eq!(
            child_files("src/auth.rs", &d("tests")),
            vec!["src/auth/tests.rs", "src/auth/tests/mod.rs"]
        );
        assert_eq!(
            child_files("src/auth/mod.rs", &d("tests")),
            vec!["src/auth/tests.rs", "src/auth/tests/mod.rs"]
        );
    }

    #[test]
    fn test_files_are_transitive() {
        let mut decls = HashMap::new();
        decls.insert(
            "src/lib.rs".to_string(),
            scan("#[cfg(test)] mod tests; mod auth;"),
        );
        decls.insert("src/tests.rs".to_string(), scan("mod helpers;"));
        decls.insert("src/tests/helpers.rs".to_string(), vec![]);
        decls.insert("src/auth.rs".to_string(), vec![]);
        let t = test_files(&decls, |_| false);
        assert!(t.contains("src/tests.rs"));
        assert!(t.contains("src/tests/helpers.rs"));
        assert!(!t.contains("src/auth.rs"));
    }
}
