//! Configuration you can trust (issue 9, item 4), through the built binary: `--isolated`, where
//! the configuration is found, `-v`/`--show-settings`, spanned errors with "did you mean", the
//! settings that used to pass silently, gitignore-style patterns and `--force-exclude`.

use std::path::Path;
use std::process::{Command, Output};

fn run_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cargo-jwtlint"))
        .env_remove("CARGO_TERM_COLOR")
        .env("NO_COLOR", "1")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run cargo-jwtlint")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn write(root: &Path, files: &[(&str, &str)]) {
    for (p, text) in files {
        let path = root.join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    write(t.path(), files);
    t
}

const MANIFEST: &str = "[package]\nname = \"t\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\njsonwebtoken = { version = \"10.3\", features = [\"rust_crypto\"] }\n";

const INSECURE: &str =
    "pub fn f(t: &str) {\n    let _ = jsonwebtoken::dangerous::insecure_decode::<u8>(t);\n}\n";

/// (code, path, level) of every finding of a JSON run (which must not be a usage error).
fn findings(dir: &Path, args: &[&str]) -> Vec<(String, String, String)> {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let o = run_in(dir, &all);
    assert_ne!(o.status.code(), Some(2), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(&o)));
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap().to_string();
            (s("code"), s("path"), s("level"))
        })
        .collect()
}

fn paths_of(found: &[(String, String, String)], code: &str) -> Vec<String> {
    let mut p: Vec<String> = found
        .iter()
        .filter(|(c, _, _)| c == code)
        .map(|(_, p, _)| p.clone())
        .collect();
    p.sort();
    p
}

/// A usage error (exit 2) whose message contains every one of `want`.
fn config_error(dir: &Path, args: &[&str], want: &[&str]) -> String {
    let o = run_in(dir, args);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    for w in want {
        assert!(err.contains(w), "missing {w:?} in:\n{err}");
    }
    err
}

/// Every place the repository can hold a configuration, each ignoring JWT101.
fn repository_configs() -> Vec<(&'static str, Vec<(&'static str, String)>)> {
    let ignore = "ignore = [\"JWT101\"]\n";
    vec![
        ("jwtlint.toml", vec![("jwtlint.toml", ignore.to_string())]),
        (".jwtlint.toml", vec![(".jwtlint.toml", ignore.to_string())]),
        (
            "[package.metadata.jwtlint]",
            vec![(
                "Cargo.toml",
                format!("{MANIFEST}\n[package.metadata.jwtlint]\n{ignore}"),
            )],
        ),
        (
            "[workspace.metadata.jwtlint]",
            vec![(
                "Cargo.toml",
                format!("{MANIFEST}\n[workspace]\n\n[workspace.metadata.jwtlint]\n{ignore}"),
            )],
        ),
    ]
}

#[test]
fn isolated_ignores_every_config_file_and_metadata_table_of_the_repository() {
    for (what, files) in repository_configs() {
        let t = project(&[("Cargo.toml", MANIFEST), ("src/lib.rs", INSECURE)]);
        for (p, text) in &files {
            write(t.path(), &[(p, text.as_str())]);
        }
        let plain = findings(t.path(), &[]);
        assert!(
            paths_of(&plain, "JWT101").is_empty(),
            "{what} is read: {plain:?}"
        );
        let isolated = findings(t.path(), &["--isolated"]);
        assert_eq!(paths_of(&isolated, "JWT101"), ["src/lib.rs"], "{what}");
    }
    // A broken configuration of the repository is not even read.
    let t = project(&[
        ("Cargo.toml", MANIFEST),
        ("src/lib.rs", INSECURE),
        ("jwtlint.toml", "select = [\n"),
    ]);
    assert_eq!(
        paths_of(&findings(t.path(), &["--isolated"]), "JWT101"),
        ["src/lib.rs"]
    );
}

#[test]
fn isolated_with_config_uses_only_that_file() {
    let t = project(&[
        ("Cargo.toml", MANIFEST),
        ("src/lib.rs", INSECURE),
        ("jwtlint.toml", "ignore = [\"JWT101\"]\n"),
    ]);
    let base = tempfile::tempdir().unwrap();
    let cfg = base.path().join("base.toml");
    std::fs::write(&cfg, "[rules.JWT101]\nlevel = \"note\"\n").unwrap();
    let cfg = cfg.to_str().unwrap();
    let found = findings(t.path(), &["--isolated", "--config", cfg]);
    let jwt101: Vec<_> = found.iter().filter(|(c, _, _)| c == "JWT101").collect();
    assert_eq!(
        jwt101.len(),
        1,
        "the repository's `ignore` is not read: {found:?}"
    );
    assert_eq!(jwt101[0].2, "note", "the --config file is read");
    let o = run_in(
        t.path(),
        &["--isolated", "--config", cfg, "--show-settings"],
    );
    assert!(
        stdout(&o).contains("base.toml (--config)"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn the_configuration_comes_from_the_project_root_not_the_cwd_or_a_parent_folder() {
    let top = tempfile::tempdir().unwrap();
    write(
        top.path(),
        &[
            // An unrelated parent folder's and another folder's configurations.
            ("jwtlint.toml", "ignore = [\"JWT101\"]\n"),
            ("elsewhere/jwtlint.toml", "ignore = [\"JWT101\"]\n"),
            ("proj/Cargo.toml", MANIFEST),
            ("proj/src/lib.rs", INSECURE),
            ("proj/src/inner/jwtlint.toml", "ignore = [\"JWT101\"]\n"),
        ],
    );
    let proj = top.path().join("proj");
    assert_eq!(paths_of(&findings(&proj, &[]), "JWT101"), ["src/lib.rs"]);
    assert_eq!(
        paths_of(&findings(&proj.join("src/inner"), &[]), "JWT101"),
        ["src/lib.rs"],
        "a subfolder's file is not the project's configuration"
    );
    let elsewhere = top.path().join("elsewhere");
    let target = proj.to_str().unwrap();
    assert_eq!(
        paths_of(&findings(&elsewhere, &[target]), "JWT101"),
        ["src/lib.rs"]
    );
    // The project's own file is used wherever the run starts.
    write(
        &proj,
        &[("jwtlint.toml", "[rules.JWT101]\nlevel = \"note\"\n")],
    );
    for (dir, args) in [
        (&elsewhere, vec![target]),
        (&top.path().to_path_buf(), vec!["proj/src/lib.rs"]),
    ] {
        let found = findings(dir, &args);
        assert!(
            found.iter().any(|(c, _, l)| c == "JWT101" && l == "note"),
            "{found:?}"
        );
    }
}

#[test]
fn show_settings_and_verbose_print_the_file_used_and_the_effective_settings() {
    let t = project(&[
        ("Cargo.toml", MANIFEST),
        ("src/lib.rs", INSECURE),
        (
            "jwtlint.toml",
            "exclude = [\"gen\"]\n[rules.JWT201]\naccess-token-max = \"3h\"\n",
        ),
    ]);
    let o = run_in(t.path(), &["--show-settings", "--ignore", "JWT801"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "no linting, exit 0: {}",
        stderr(&o)
    );
    let out = stdout(&o);
    let file = t.path().join("jwtlint.toml");
    assert!(
        out.contains(&format!("# settings from {}", file.display())),
        "{out}"
    );
    for want in [
        "access-token-max = \"3h\"",
        "exclude = [\"gen\"]",
        "\"JWT101\"",
    ] {
        assert!(out.contains(want), "missing {want}: {out}");
    }
    assert!(
        !out.contains("\"JWT801\""),
        "the command line is applied: {out}"
    );
    assert!(!out.contains("insecure_decode"), "nothing is linted: {out}");
    // The metadata table, the defaults, --isolated.
    let m = format!("{MANIFEST}\n[package.metadata.jwtlint]\nrequire-reason = false\n");
    let t2 = project(&[("Cargo.toml", &m), ("src/lib.rs", "")]);
    let out = stdout(&run_in(t2.path(), &["--show-settings"]));
    assert!(
        out.contains("# settings from [package.metadata.jwtlint] in "),
        "{out}"
    );
    assert!(out.contains("require-reason = false"), "{out}");
    let out = stdout(&run_in(t2.path(), &["--show-settings", "--isolated"]));
    assert!(
        out.contains("--isolated") && out.contains("require-reason = true"),
        "{out}"
    );
    let t3 = project(&[("Cargo.toml", MANIFEST), ("src/lib.rs", "")]);
    assert!(stdout(&run_in(t3.path(), &["--show-settings"])).contains("# settings: the defaults"));
    // -v lints and names the file on stderr (stdout stays the report).
    let o = run_in(t.path(), &["-v", "--format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains(&format!("# settings from {}", file.display())),
        "{}",
        stderr(&o)
    );
    assert!(serde_json::from_slice::<serde_json::Value>(&o.stdout).is_ok());
}

#[test]
fn config_errors_point_into_the_file_with_a_caret_and_did_you_mean() {
    let t = project(&[
        ("Cargo.toml", MANIFEST),
        ("src/lib.rs", ""),
        (
            "jwtlint.toml",
            "select = [\"JWT101\"]\nexculde = [\"gen\"]\n",
        ),
    ]);
    let err = config_error(
        t.path(),
        &[],
        &[
            "unknown key `exculde`",
            "jwtlint.toml:2:1",
            "^^^^^^^",
            "did you mean `exclude`?",
        ],
    );
    assert!(err.contains("2 | exculde = [\"gen\"]"), "{err}");
    write(
        t.path(),
        &[("jwtlint.toml", "[rules.JWT201]\naccess-token-mx = \"1h\"\n")],
    );
    config_error(
        t.path(),
        &[],
        &["jwtlint.toml:2:1", "did you mean `access-token-max`?"],
    );
    write(
        t.path(),
        &[(
            "jwtlint.toml",
            "[rules.unverifed-decode]\nlevel = \"note\"\n",
        )],
    );
    config_error(
        t.path(),
        &[],
        &["jwtlint.toml:1:8", "did you mean `unverified-decode`?"],
    );
    // In a metadata table the error points into Cargo.toml, at the line of the table.
    let m = format!(
        "{MANIFEST}\n[package.metadata.jwtlint]\nselect = [\"JWT101\"]\ntest-code = \"hid\"\n"
    );
    let t = project(&[("Cargo.toml", &m), ("src/lib.rs", "")]);
    config_error(
        t.path(),
        &[],
        &["Cargo.toml:11:13", "did you mean \"hide\"?"],
    );
}

#[test]
fn an_option_under_the_wrong_rule_is_an_error() {
    // A caret requirement: JWT016 would fire if `strict-exact` switched it on.
    let t = project(&[
        ("Cargo.toml", MANIFEST),
        ("src/lib.rs", ""),
        ("jwtlint.toml", "[rules.JWT101]\nstrict-exact = true\n"),
    ]);
    config_error(
        t.path(),
        &[],
        &[
            "jwtlint.toml:2:16",
            "`strict-exact` is not an option of rule JWT101",
            "[rules.JWT016]",
        ],
    );
    write(
        t.path(),
        &[(
            "jwtlint.toml",
            "[rules.JWT016]\naccess-token-max = \"1h\"\n",
        )],
    );
    config_error(
        t.path(),
        &[],
        &["jwtlint.toml:2:20", "option of rule JWT201"],
    );
    // Under their own rule (or `[dependencies]`), the options still work.
    for cfg in [
        "[rules.JWT016]\nenabled = true\n",
        "[rules.non-exact-jwt-requirement]\nstrict-exact = true\n",
        "[dependencies]\nstrict-exact = true\n",
    ] {
        write(t.path(), &[("jwtlint.toml", cfg)]);
        assert_eq!(
            paths_of(&findings(t.path(), &[]), "JWT016"),
            ["Cargo.toml"],
            "{cfg}"
        );
    }
}

#[test]
fn durations_must_be_greater_than_zero() {
    let t = project(&[("Cargo.toml", MANIFEST), ("src/lib.rs", "")]);
    for value in ["0", "-5", "\"0m\"", "\"-5m\"", "\"0\""] {
        for key in ["access-token-max", "refresh-token-max"] {
            let cfg = format!("[rules.JWT201]\n{key} = {value}\n");
            write(t.path(), &[("jwtlint.toml", &cfg)]);
            let col = key.len() + 4;
            config_error(t.path(), &[], &[&format!("jwtlint.toml:2:{col}")]);
        }
    }
    write(
        t.path(),
        &[("jwtlint.toml", "[rules.JWT201]\naccess-token-max = 1.5\n")],
    );
    config_error(t.path(), &[], &["jwtlint.toml:2:20", "expected a duration"]);
    write(
        t.path(),
        &[("jwtlint.toml", "[rules.JWT201]\naccess-token-max = 7200\n")],
    );
    findings(t.path(), &[]);
}

#[test]
fn non_string_list_entries_are_errors() {
    let t = project(&[("Cargo.toml", MANIFEST), ("src/lib.rs", "")]);
    for (cfg, at) in [
        ("select = [\"JWT101\", 1]\n", "1:21"),
        ("extend-select = [true]\n", "1:18"),
        ("ignore = [\"JWT101\", [\"JWT102\"]]\n", "1:21"),
        ("exclude = [\"gen\", 2]\n", "1:19"),
        ("[per-path-ignores]\n\"src/**\" = [\"JWT101\", 3]\n", "2:23"),
        ("[per-path-ignores]\n\"src/**\" = 3\n", "2:12"),
    ] {
        write(t.path(), &[("jwtlint.toml", cfg)]);
        config_error(t.path(), &[], &[&format!("jwtlint.toml:{at}")]);
    }
}

#[test]
fn two_spellings_of_one_rule_table_are_an_error() {
    let t = project(&[
        ("Cargo.toml", MANIFEST),
        ("src/lib.rs", ""),
        (
            "jwtlint.toml",
            "[rules.JWT101]\nlevel = \"note\"\n\n[rules.unverified-decode]\nlevel = \"error\"\n",
        ),
    ]);
    config_error(
        t.path(),
        &[],
        &[
            "jwtlint.toml:4:8",
            "second table for rule JWT101",
            "configured here first",
        ],
    );
    write(
        t.path(),
        &[(
            "jwtlint.toml",
            "[rules.jwt201]\nlevel = \"note\"\n[rules.JWT201]\nlevel = \"error\"\n",
        )],
    );
    config_error(t.path(), &[], &["jwtlint.toml:3:8"]);
}

#[test]
fn a_config_file_shadowing_another_configuration_is_an_error_naming_both() {
    let ws =
        format!("{MANIFEST}\n[workspace]\n\n[workspace.metadata.jwtlint]\nignore = [\"JWT801\"]\n");
    let t = project(&[
        ("Cargo.toml", &ws),
        ("src/lib.rs", ""),
        ("jwtlint.toml", "ignore = [\"JWT101\"]\n"),
    ]);
    config_error(
        t.path(),
        &[],
        &[
            "jwtlint.toml:1:1",
            "Cargo.toml:11:1",
            "[workspace.metadata.jwtlint]",
            "only one would be read",
        ],
    );
    // The explicit choice is not an error.
    let cfg = t.path().join("jwtlint.toml");
    findings(t.path(), &["--config", cfg.to_str().unwrap()]);
    let t = project(&[
        ("Cargo.toml", MANIFEST),
        ("src/lib.rs", ""),
        ("jwtlint.toml", "ignore = [\"JWT101\"]\n"),
        (".jwtlint.toml", "ignore = [\"JWT801\"]\n"),
    ]);
    config_error(
        t.path(),
        &[],
        &["jwtlint.toml", ".jwtlint.toml", "only one would be read"],
    );
    let both = format!(
        "{MANIFEST}\n[package.metadata.jwtlint]\nignore = [\"JWT101\"]\n\n[workspace]\n\n[workspace.metadata.jwtlint]\nignore = [\"JWT801\"]\n"
    );
    let t = project(&[("Cargo.toml", &both), ("src/lib.rs", "")]);
    config_error(
        t.path(),
        &[],
        &[
            "Cargo.toml:9:1",
            "14 | [workspace.metadata.jwtlint]",
            "would be ignored",
        ],
    );
}

#[test]
fn exclude_and_per_path_patterns_follow_gitignore_semantics() {
    let cfg =
        "exclude = [\"*/src\", \"main.rs\"]\n\n[per-path-ignores]\n\"src/*.rs\" = [\"JWT101\"]\n";
    let t = project(&[
        ("Cargo.toml", MANIFEST),
        ("jwtlint.toml", cfg),
        ("src/lib.rs", INSECURE),
        ("src/main.rs", INSECURE),
        ("src/a/main.rs", INSECURE),
        ("src/sub/two.rs", INSECURE),
        ("gen/src/x.rs", INSECURE),
        ("gen/deep/src/y.rs", INSECURE),
    ]);
    // `main.rs` matches at any depth; `*/src` only one folder down (`*` does not cross `/`);
    // `src/*.rs` covers `src/lib.rs` but not `src/sub/two.rs`.
    assert_eq!(
        paths_of(&findings(t.path(), &[]), "JWT101"),
        ["gen/deep/src/y.rs", "src/sub/two.rs"]
    );
}

#[test]
fn force_exclude_applies_exclude_to_named_paths() {
    let t = project(&[
        ("Cargo.toml", MANIFEST),
        ("jwtlint.toml", "exclude = [\"src/gen\", \"legacy.rs\"]\n"),
        ("src/lib.rs", INSECURE),
        ("src/gen/x.rs", INSECURE),
        ("src/gen/legacy.rs", INSECURE),
    ]);
    assert_eq!(paths_of(&findings(t.path(), &[]), "JWT101"), ["src/lib.rs"]);
    // Named: linted although excluded (a pattern inside a named folder still applies).
    assert_eq!(
        paths_of(&findings(t.path(), &["src/gen/x.rs"]), "JWT101"),
        ["src/gen/x.rs"]
    );
    assert_eq!(
        paths_of(&findings(t.path(), &["src/gen"]), "JWT101"),
        ["src/gen/x.rs"]
    );
    for named in ["src/gen/x.rs", "src/gen"] {
        let found = findings(t.path(), &["--force-exclude", named]);
        assert!(paths_of(&found, "JWT101").is_empty(), "{named}: {found:?}");
    }
    // Outside a Cargo project, paths are linted as given, with the same rule.
    let loose = project(&[
        ("jwtlint.toml", "exclude = [\"x.rs\"]\n"),
        ("x.rs", INSECURE),
    ]);
    assert_eq!(
        paths_of(&findings(loose.path(), &["x.rs"]), "JWT101"),
        ["x.rs"]
    );
    assert!(
        paths_of(
            &findings(loose.path(), &["--force-exclude", "x.rs"]),
            "JWT101"
        )
        .is_empty()
    );
}

/// The README's example configuration is valid, and `--show-settings` prints a configuration
/// that reads back to the same settings.
#[test]
fn the_readme_example_loads_and_show_settings_round_trips() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let section = &readme[readme.find("## Configuration").unwrap()..];
    let start = section.find("```toml\n").unwrap() + "```toml\n".len();
    let example = &section[start..start + section[start..].find("```").unwrap()];
    let t = project(&[
        ("Cargo.toml", MANIFEST),
        ("src/lib.rs", ""),
        ("jwtlint.toml", example),
    ]);
    let first = run_in(t.path(), &["--show-settings"]);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let shown = stdout(&first);
    assert!(shown.contains("level = \"error\""), "{shown}");
    write(t.path(), &[("jwtlint.toml", &shown)]);
    let again = run_in(t.path(), &["--show-settings"]);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    let body = |s: &str| s.lines().skip(2).collect::<Vec<_>>().join("\n");
    assert_eq!(body(&shown), body(&stdout(&again)));
}

/// Cargo accepts any value as `package.metadata`: only a `jwtlint` table in it is read.
#[test]
fn a_metadata_value_cargo_accepts_is_not_a_config_error() {
    for m in [
        "metadata = 3",
        "metadata = [1]",
        "metadata.other = { a = 1 }",
    ] {
        let manifest = MANIFEST.replace("[dependencies]", &format!("{m}\n\n[dependencies]"));
        let t = project(&[("Cargo.toml", &manifest), ("src/lib.rs", INSECURE)]);
        assert_eq!(
            paths_of(&findings(t.path(), &[]), "JWT101"),
            ["src/lib.rs"],
            "{m}"
        );
    }
}
