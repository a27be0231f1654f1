//! Module rules: which kind of module a project file is, as wrangler's `rules` decide it.
//!
//! The rules in force are the project's own (`rules` in the config), in order, then wrangler's
//! default rules (`Text`: `**/*.txt`, `**/*.html`, `**/*.sql`; `Data`: `**/*.bin`;
//! `CompiledWasm`: `**/*.wasm`, `**/*.wasm?module`), pruned as wrangler's `parseRules` does: once
//! a rule of some type without `fallthrough = true` has been seen, later rules of that type are
//! removed, with a warning unless that rule says `fallthrough = false`; a file matching a
//! removed rule is an error. Then come verge's fallbacks for what wrangler would have bundled:
//! `**/*.js`, `**/*.mjs` ES modules and `**/*.cjs` CommonJS (never removed, so a project rule
//! `{ type = "CommonJS", globs = ["**/*.js"] }` leaves `.mjs` and `.cjs` files working), and
//! `**/*.json` JSON modules. The first rule with a matching glob decides.
//!
//! Globs match a path relative to the base directory (`base_dir`), with `/` separators: `*` and
//! `?` do not cross a `/`, `**/` matches any number of directories (none included), as
//! wrangler's `glob-to-regexp` with `globstar` does.

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};

/// How a file is turned into a module.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ModuleKind {
    /// An ES module (`ESModule`).
    EsModule,
    /// A CommonJS module (`CommonJS`): `require`, `module.exports`, `exports`.
    CommonJs,
    /// Text (`Text`): `export default "<file contents>"`.
    Text,
    /// Binary data (`Data`): `export default <ArrayBuffer>`.
    Data,
    /// A WebAssembly module (`CompiledWasm`); verge has no WebAssembly yet.
    CompiledWasm,
    /// JSON: `export default <parsed value>` (verge's fallback for `**/*.json`).
    Json,
}

impl ModuleKind {
    /// The wrangler spelling of the rule type.
    pub fn wrangler_name(self) -> &'static str {
        match self {
            ModuleKind::EsModule => "ESModule",
            ModuleKind::CommonJs => "CommonJS",
            ModuleKind::Text => "Text",
            ModuleKind::Data => "Data",
            ModuleKind::CompiledWasm => "CompiledWasm",
            ModuleKind::Json => "JSON",
        }
    }
}

/// One rule as configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleSpec {
    /// The type of module matching files become.
    pub kind: ModuleKind,
    /// Glob patterns.
    pub globs: Vec<String>,
    /// `fallthrough`: `Some(true)` lets later rules of the same type apply; `Some(false)`
    /// silences the warning about the rules it hides.
    pub fallthrough: Option<bool>,
}

impl RuleSpec {
    fn new(kind: ModuleKind, globs: &[&str]) -> RuleSpec {
        RuleSpec {
            kind,
            globs: globs.iter().map(|g| g.to_string()).collect(),
            fallthrough: None,
        }
    }

    /// The rule as wrangler prints it in messages (JSON).
    fn describe(&self) -> String {
        let globs: Vec<String> = self.globs.iter().map(|g| format!("{g:?}")).collect();
        let fallthrough = match self.fallthrough {
            Some(f) => format!(",\"fallthrough\":{f}"),
            None => String::new(),
        };
        format!(
            "{{\"type\":\"{}\",\"globs\":[{}]{fallthrough}}}",
            self.kind.wrangler_name(),
            globs.join(",")
        )
    }
}

/// A glob in `rules` that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid glob \"{glob}\": {reason}")]
pub struct RuleError {
    /// Index of the rule in the configured list.
    pub rule: usize,
    /// Index of the glob in the rule's `globs`.
    pub glob_index: usize,
    /// The glob.
    pub glob: String,
    /// What is wrong with it.
    pub reason: String,
}

#[derive(Debug)]
struct Compiled {
    spec: RuleSpec,
    set: GlobSet,
}

/// The rules in force for one worker version.
#[derive(Debug)]
pub struct ModuleRules {
    rules: Vec<Compiled>,
    removed: Vec<Compiled>,
    warnings: Vec<String>,
}

/// What the rules say about one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Classified {
    /// The first matching rule's kind.
    Kind(ModuleKind),
    /// No rule matches.
    NoRule,
    /// The file matches a rule that was removed (an earlier rule of its type has no
    /// `fallthrough = true`); the message says which.
    Removed(String),
}

fn compile(glob: &str) -> Result<Glob, globset::Error> {
    GlobBuilder::new(glob).literal_separator(true).build()
}

fn compile_rule(spec: RuleSpec, index: usize) -> Result<Compiled, RuleError> {
    let mut builder = GlobSetBuilder::new();
    for (i, glob) in spec.globs.iter().enumerate() {
        // wrangler's `glob-to-regexp` treats `?` as a literal character (it is only a wildcard in
        // its "extended" mode), so `**/*.wasm?module` names files ending in `.wasm?module`.
        let escaped = glob.replace('?', "[?]");
        builder.add(compile(&escaped).map_err(|e| RuleError {
            rule: index,
            glob_index: i,
            glob: glob.clone(),
            reason: e.kind().to_string(),
        })?);
    }
    let set = builder.build().map_err(|e| RuleError {
        rule: index,
        glob_index: 0,
        glob: spec.globs.join(", "),
        reason: e.to_string(),
    })?;
    Ok(Compiled { spec, set })
}

/// wrangler's default rules (`DEFAULT_MODULE_RULES`), subject to pruning.
fn wrangler_defaults() -> Vec<RuleSpec> {
    vec![
        RuleSpec::new(ModuleKind::Text, &["**/*.txt", "**/*.html", "**/*.sql"]),
        RuleSpec::new(ModuleKind::Data, &["**/*.bin"]),
        RuleSpec::new(ModuleKind::CompiledWasm, &["**/*.wasm", "**/*.wasm?module"]),
    ]
}

/// verge's fallbacks for files wrangler would bundle; never pruned.
fn verge_fallbacks() -> Vec<RuleSpec> {
    vec![
        RuleSpec::new(ModuleKind::EsModule, &["**/*.js", "**/*.mjs"]),
        RuleSpec::new(ModuleKind::CommonJs, &["**/*.cjs"]),
        RuleSpec::new(ModuleKind::Json, &["**/*.json"]),
    ]
}

impl Default for ModuleRules {
    fn default() -> Self {
        ModuleRules::new(&[]).expect("the default rules compile")
    }
}

impl ModuleRules {
    /// The project's `rules` followed by the defaults, pruned as wrangler prunes them.
    pub fn new(user: &[RuleSpec]) -> Result<ModuleRules, RuleError> {
        let user_len = user.len();
        let all: Vec<RuleSpec> = user.iter().cloned().chain(wrangler_defaults()).collect();
        // wrangler's `parseRules`: the first rule of a type without `fallthrough = true`
        // completes that type; later rules of the type are removed.
        let mut completed: Vec<(ModuleKind, usize)> = Vec::new();
        let mut redundant: Vec<(ModuleKind, usize)> = Vec::new();
        let mut keep = Vec::new();
        let mut removed = Vec::new();
        for (index, rule) in all.iter().enumerate() {
            if let Some(&(_, at)) = completed.iter().find(|(k, _)| *k == rule.kind) {
                if all[at].fallthrough != Some(false) {
                    redundant.push((rule.kind, index));
                }
                removed.push(index);
                continue;
            }
            if rule.fallthrough != Some(true) {
                completed.push((rule.kind, index));
            }
            keep.push(index);
        }
        let mut warnings = Vec::new();
        for &(kind, at) in &completed {
            let hidden: Vec<usize> = redundant
                .iter()
                .filter(|(k, _)| *k == kind)
                .map(|&(_, i)| i)
                .collect();
            if hidden.is_empty() {
                continue;
            }
            let mut warning = format!(
                "The {}module rule {} does not have a fallback, the following rules will be ignored:",
                if at >= user_len { "default " } else { "" },
                all[at].describe()
            );
            for i in hidden {
                warning.push_str(&format!(
                    "\n {}{}",
                    all[i].describe(),
                    if i >= user_len { " (DEFAULT)" } else { "" }
                ));
            }
            warning.push_str(
                "\n\nAdd `fallthrough = true` to rule to allow next rule to be used or `fallthrough = false` to silence this warning",
            );
            warnings.push(warning);
        }
        let compiled = |indices: Vec<usize>| -> Result<Vec<Compiled>, RuleError> {
            indices
                .into_iter()
                .map(|i| compile_rule(all[i].clone(), i))
                .collect()
        };
        let mut rules = compiled(keep)?;
        for (i, spec) in verge_fallbacks().into_iter().enumerate() {
            rules.push(compile_rule(spec, all.len() + i)?);
        }
        Ok(ModuleRules {
            rules,
            removed: compiled(removed)?,
            warnings,
        })
    }

    /// wrangler's warnings about rules hidden by an earlier rule of their type.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The kind of the file at `path` (relative to the base directory, `/` separators).
    pub fn classify(&self, path: &str) -> Classified {
        if let Some(rule) = self.removed.iter().find(|r| r.set.is_match(path)) {
            return Classified::Removed(format!(
                "The file {path} matched a module rule in your configuration ({}), but was ignored because a previous rule with the same type was not marked as `fallthrough = true`.",
                rule.spec.describe()
            ));
        }
        match self.rules.iter().find(|r| r.set.is_match(path)) {
            Some(rule) => Classified::Kind(rule.spec.kind),
            None => Classified::NoRule,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(kind: ModuleKind, globs: &[&str], fallthrough: Option<bool>) -> RuleSpec {
        RuleSpec {
            fallthrough,
            ..RuleSpec::new(kind, globs)
        }
    }

    #[test]
    fn default_rules_type_files_by_extension() {
        let r = ModuleRules::default();
        assert!(r.warnings().is_empty());
        for (path, kind) in [
            ("index.js", ModuleKind::EsModule),
            ("a/b/c.mjs", ModuleKind::EsModule),
            ("dist/common.cjs", ModuleKind::CommonJs),
            ("page.html", ModuleKind::Text),
            ("q/schema.sql", ModuleKind::Text),
            ("x.txt", ModuleKind::Text),
            ("blob.bin", ModuleKind::Data),
            ("m.wasm", ModuleKind::CompiledWasm),
            ("m.wasm?module", ModuleKind::CompiledWasm),
            ("data/config.json", ModuleKind::Json),
        ] {
            assert_eq!(r.classify(path), Classified::Kind(kind), "{path}");
        }
        assert_eq!(r.classify("notes.md"), Classified::NoRule);
        assert_eq!(r.classify("m.wasmXmodule"), Classified::NoRule);
    }

    #[test]
    fn project_rules_come_first_and_stars_stay_in_one_directory() {
        let r = ModuleRules::new(&[
            rule(ModuleKind::CommonJs, &["lib/*.js"], None),
            rule(ModuleKind::Text, &["**/*.md"], Some(true)),
        ])
        .unwrap();
        assert_eq!(
            r.classify("lib/a.js"),
            Classified::Kind(ModuleKind::CommonJs)
        );
        // `*` does not cross `/`: the fallback ES module rule applies.
        assert_eq!(
            r.classify("lib/sub/a.js"),
            Classified::Kind(ModuleKind::EsModule)
        );
        assert_eq!(r.classify("README.md"), Classified::Kind(ModuleKind::Text));
        // `fallthrough = true` keeps the default Text rule.
        assert_eq!(r.classify("a.txt"), Classified::Kind(ModuleKind::Text));
        // The JS fallbacks survive a project CommonJS rule.
        assert_eq!(r.classify("x.cjs"), Classified::Kind(ModuleKind::CommonJs));
        assert!(r.warnings().is_empty());
    }

    #[test]
    fn a_rule_without_fallthrough_hides_later_rules_of_its_type_with_a_warning() {
        let r = ModuleRules::new(&[rule(ModuleKind::Text, &["**/*.md"], None)]).unwrap();
        assert_eq!(r.warnings().len(), 1);
        let w = &r.warnings()[0];
        assert!(w.starts_with("The module rule {\"type\":\"Text\",\"globs\":[\"**/*.md\"]} does not have a fallback"), "{w}");
        assert!(w.contains("(DEFAULT)"), "{w}");
        match r.classify("a.txt") {
            Classified::Removed(msg) => {
                assert!(
                    msg.starts_with("The file a.txt matched a module rule"),
                    "{msg}"
                );
                assert!(msg.contains("fallthrough = true"), "{msg}");
            }
            other => panic!("{other:?}"),
        }
        // `fallthrough = false` silences the warning; the rule is still removed.
        let r = ModuleRules::new(&[rule(ModuleKind::Text, &["**/*.md"], Some(false))]).unwrap();
        assert!(r.warnings().is_empty());
        assert!(matches!(r.classify("a.txt"), Classified::Removed(_)));
    }

    #[test]
    fn a_glob_that_matches_nothing_is_accepted() {
        let r =
            ModuleRules::new(&[rule(ModuleKind::Data, &["nothing/**/*.dat"], Some(true))]).unwrap();
        assert!(r.warnings().is_empty());
        assert_eq!(r.classify("a.bin"), Classified::Kind(ModuleKind::Data));
    }

    #[test]
    fn a_bad_glob_is_an_error_naming_rule_and_glob() {
        let err = ModuleRules::new(&[
            rule(ModuleKind::Text, &["**/*.md"], Some(true)),
            rule(ModuleKind::Data, &["ok/*.dat", "a/[b.dat"], None),
        ])
        .unwrap_err();
        assert_eq!((err.rule, err.glob_index), (1, 1));
        assert!(
            err.to_string().starts_with("invalid glob \"a/[b.dat\""),
            "{err}"
        );
    }
}
