//! Module resolution and loading for a worker project.
//!
//! Module names are paths relative to the project root, with `/` separators (`dist/worker.js`),
//! which is also what stack traces show. Relative imports resolve against the importing module;
//! nothing outside the root can be imported, not even through a symbolic link (every file is
//! read through [`resolve_within`]). Built-in modules (`cloudflare:workers`) come from
//! extensions. File contents are read once per worker version and shared by all its isolates.

use std::collections::{HashMap, VecDeque};
use std::ffi::OsString;
use std::io::ErrorKind;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

use rquickjs::loader::{ImportAttributes, Loader, Resolver};
use rquickjs::{Ctx, Error, Module, module::Declared};

pub use crate::rules::ModuleKind;
use crate::rules::{Classified, ModuleRules};

/// Source of one worker version's modules: the project root plus a cache of what was read.
#[derive(Debug)]
pub struct ModuleSource {
    root: PathBuf,
    builtins: HashMap<String, &'static str>,
    cache: Mutex<HashMap<String, Arc<Vec<u8>>>>,
    rules: ModuleRules,
    /// `base_dir` relative to the root (`""` for the root itself), no trailing `/`.
    base: String,
    /// The entry module's name (`import.meta.main`).
    main: String,
    /// Modules found by `find_additional_modules`, watched with those read.
    additional: Vec<String>,
}

impl ModuleSource {
    /// Modules under `root`, plus built-in modules `(specifier, source)`.
    pub fn new(
        root: PathBuf,
        builtins: impl IntoIterator<Item = (&'static str, &'static str)>,
    ) -> Self {
        ModuleSource {
            root,
            builtins: builtins
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
            cache: Mutex::new(HashMap::new()),
            rules: ModuleRules::default(),
            base: String::new(),
            main: String::new(),
            additional: Vec::new(),
        }
    }

    /// Types files with `rules`, whose globs match paths relative to `base` (a directory
    /// relative to the root, `/` separators; `""` for the root). A module outside `base` is
    /// matched by its path relative to the root.
    pub fn with_rules(mut self, rules: ModuleRules, base: impl Into<String>) -> Self {
        self.rules = rules;
        self.base = base.into().trim_end_matches('/').to_string();
        self
    }

    /// Names the entry module (`import.meta.main` is true there).
    pub fn with_main(mut self, main: impl Into<String>) -> Self {
        self.main = main.into();
        self
    }

    /// Adds the modules found by `find_additional_modules` to what [`ModuleSource::files`]
    /// lists.
    pub fn with_additional(mut self, names: Vec<String>) -> Self {
        self.additional = names;
        self
    }

    /// The kind of module `name` is (the file must exist inside the root), or why it is no
    /// module of this worker.
    pub fn kind(&self, name: &str) -> Result<ModuleKind, String> {
        self.read(name).map_err(|e| e.to_string())?;
        let path = match name.strip_prefix(self.base.as_str()) {
            Some(rest) if self.base.is_empty() => rest,
            Some(rest) => rest.strip_prefix('/').unwrap_or(name),
            None => name,
        };
        match self.rules.classify(path) {
            Classified::Kind(kind) => Ok(kind),
            Classified::Removed(message) => Err(message),
            Classified::NoRule => Err(format!(
                "\"{name}\" is not a module of this worker: no module rule matches it; give its type \
                 (ESModule, CommonJS, Text, Data or CompiledWasm) with a rule in `rules`"
            )),
        }
    }

    /// The project root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Every module file read so far, as paths under the root.
    pub fn files(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = self
            .cache
            .lock()
            .expect("module cache lock poisoned")
            .keys()
            .chain(&self.additional)
            .map(|name| self.root.join(name))
            .collect();
        files.sort();
        files.dedup();
        files
    }

    /// Reads (once) the module file `name`, relative to the root; its real path must be inside
    /// the root ([`resolve_within`]).
    pub fn read(&self, name: &str) -> Result<Arc<Vec<u8>>, PathError> {
        if let Some(hit) = self
            .cache
            .lock()
            .expect("module cache lock poisoned")
            .get(name)
        {
            return Ok(hit.clone());
        }
        let path = resolve_within(&self.root, name)?;
        let bytes = std::fs::read(&path).map_err(|e| PathError::Io {
            path: name.to_string(),
            kind: e.kind(),
        })?;
        let bytes = Arc::new(bytes);
        self.cache
            .lock()
            .expect("module cache lock poisoned")
            .insert(name.to_string(), bytes.clone());
        Ok(bytes)
    }

    /// Resolves `specifier` imported from module `base` to a module name.
    pub fn resolve(&self, base: &str, specifier: &str) -> Result<String, String> {
        if self.builtins.contains_key(specifier) {
            return Ok(specifier.to_string());
        }
        if specifier.starts_with('/') {
            return Err(format!(
                "Cannot resolve module \"{specifier}\" imported from \"{base}\": absolute specifiers are \
                 not supported; import files of the project with a path relative to the importing module"
            ));
        }
        if !(specifier.starts_with("./") || specifier.starts_with("../")) {
            return Err(format!(
                "Cannot resolve module \"{specifier}\" imported from \"{base}\": only relative imports and \
                 built-in modules ({}) are supported; bundle npm dependencies with wrangler or esbuild first",
                self.builtin_names()
            ));
        }
        let joined = Path::new(base)
            .parent()
            .unwrap_or(Path::new(""))
            .join(specifier);
        let mut parts: Vec<String> = Vec::new();
        for comp in joined.components() {
            match comp {
                Component::Normal(p) => parts.push(p.to_string_lossy().into_owned()),
                Component::ParentDir => {
                    if parts.pop().is_none() {
                        return Err(format!(
                            "Cannot resolve module \"{specifier}\" imported from \"{base}\": it is outside the project directory"
                        ));
                    }
                }
                Component::CurDir | Component::RootDir | Component::Prefix(_) => {}
            }
        }
        Ok(parts.join("/"))
    }

    fn builtin_names(&self) -> String {
        let mut names: Vec<&str> = self.builtins.keys().map(String::as_str).collect();
        names.sort_unstable();
        names.join(", ")
    }

    /// Declares module `name` in `ctx`.
    pub fn declare<'js>(
        &self,
        ctx: &Ctx<'js>,
        name: &str,
    ) -> rquickjs::Result<Module<'js, Declared>> {
        if let Some(src) = self.builtins.get(name) {
            return Module::declare(ctx.clone(), name, *src);
        }
        let kind = self
            .kind(name)
            .map_err(|message| Error::new_loading_message(name, message))?;
        let bytes = self
            .read(name)
            .map_err(|e| Error::new_loading_message(name, e.to_string()))?;
        match kind {
            ModuleKind::EsModule => {
                let module = Module::declare(ctx.clone(), name, bytes.as_slice())?;
                let meta = module.meta()?;
                meta.set("url", format!("file:///bundle/{name}"))?;
                meta.set("main", name == self.main)?;
                Ok(module)
            }
            ModuleKind::Text => {
                let text = String::from_utf8_lossy(&bytes);
                let literal = json_string_literal(&text);
                Module::declare(ctx.clone(), name, format!("export default {literal};"))
            }
            ModuleKind::Data => {
                let list: Vec<String> = bytes.iter().map(u8::to_string).collect();
                Module::declare(
                    ctx.clone(),
                    name,
                    format!(
                        "export default new Uint8Array([{}]).buffer;",
                        list.join(",")
                    ),
                )
            }
            ModuleKind::CommonJs | ModuleKind::Json => {
                Module::declare_def::<crate::commonjs::CommonJsModule, _>(ctx.clone(), name)
            }
            ModuleKind::CompiledWasm => Err(Error::new_loading_message(
                name,
                crate::commonjs::wasm_unsupported(name),
            )),
        }
    }
}

/// `find_additional_modules`: every file below `base` (a directory relative to `root`) that a
/// rule types, as module names relative to `root`, sorted; as wrangler, the directory `.wrangler`
/// (and verge's `.verge`) and the files named in `skip` (the config file) are left out. A file
/// matching a rule that was removed (see [`ModuleRules`]) is an error, as in wrangler, and so is
/// a file leading outside the project directory through a symbolic link.
pub fn find_additional_modules(
    root: &Path,
    base: &str,
    rules: &ModuleRules,
    skip: &[&str],
) -> Result<Vec<String>, String> {
    let base = base.trim_end_matches('/');
    let start = if base.is_empty() {
        std::fs::canonicalize(root).map_err(|e| format!("the project directory: {e}"))?
    } else {
        resolve_within(root, base).map_err(|e| format!("base_dir: {e}"))?
    };
    let prefix = if base.is_empty() {
        String::new()
    } else {
        format!("{base}/")
    };
    let mut found = Vec::new();
    let mut pending = vec![(start, String::new())];
    while let Some((dir, rel)) = pending.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| format!("{prefix}{rel}: {e}"))?;
        for entry in entries {
            let entry = entry.map_err(|e| format!("{prefix}{rel}: {e}"))?;
            let file_name = entry.file_name().to_string_lossy().into_owned();
            let path = format!("{rel}{file_name}");
            let name = format!("{prefix}{path}");
            let file_type = entry.file_type().map_err(|e| format!("{name}: {e}"))?;
            if file_type.is_dir() {
                if !(rel.is_empty() && (file_name == ".wrangler" || file_name == ".verge")) {
                    pending.push((entry.path(), format!("{path}/")));
                }
                continue;
            }
            if skip.contains(&name.as_str()) {
                continue;
            }
            match rules.classify(&path) {
                Classified::NoRule => continue,
                Classified::Removed(message) => return Err(message),
                Classified::Kind(_) => {}
            }
            // Links must stay inside the project; a link to a directory is not followed.
            let real = resolve_within(root, &name).map_err(|e| e.to_string())?;
            if real.is_file() {
                found.push(name);
            }
        }
    }
    found.sort();
    Ok(found)
}

/// Why [`resolve_within`] refused a path.
///
/// Messages name the path only as it was given (relative to the project directory): never the
/// host path of the project or of a link target. A link to an existing file outside the project
/// and a link to a missing one get the same error, so errors cannot be used to probe the host.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    /// The path starts at the file system root (`/etc/passwd`).
    #[error(
        "\"{path}\" is an absolute path; only paths relative to the project directory are allowed"
    )]
    Absolute {
        /// The path as given.
        path: String,
    },
    /// The path has a `..` segment (callers normalize paths before asking).
    #[error(
        "\"{path}\" contains a \"..\" segment; only paths inside the project directory are allowed"
    )]
    ParentSegment {
        /// The path as given.
        path: String,
    },
    /// A symbolic link on the way leads outside the project directory (whether or not its
    /// target exists).
    #[error(
        "\"{path}\" leads outside the project directory through a symbolic link; only files inside it can be used"
    )]
    OutsideRoot {
        /// The path as given.
        path: String,
    },
    /// Nothing inside the project directory has this path.
    #[error("\"{path}\" does not exist in the project directory")]
    NotFound {
        /// The path as given.
        path: String,
    },
    /// More than [`MAX_SYMLINKS`] links were followed (a loop).
    #[error("\"{path}\": too many levels of symbolic links")]
    TooManyLinks {
        /// The path as given.
        path: String,
    },
    /// Reading an entry inside the project directory failed (e.g. permission denied).
    #[error("\"{path}\": {kind}")]
    Io {
        /// The path as given.
        path: String,
        /// What went wrong.
        kind: ErrorKind,
    },
    /// The project directory itself cannot be opened.
    #[error("the project directory cannot be opened: {kind}")]
    Root {
        /// What went wrong.
        kind: ErrorKind,
    },
}

/// Symbolic links [`resolve_within`] follows for one path before giving up (Linux's limit).
pub const MAX_SYMLINKS: usize = 40;

/// One step of a path walk.
enum Step {
    Parent,
    Name(OsString),
}

/// The real path of `relative` (a path with `/` separators, relative to `root`), provided it
/// lies inside `root`: the containment rule for every file verge reads on behalf of a project
/// (modules, the entry module, static assets).
///
/// `relative` must not be absolute nor contain `..`; callers normalize first (a module
/// specifier against its importer, a URL path after percent-decoding: this function decodes
/// nothing, so `%2e%2e` is a file name). Symbolic links are followed one component at a time,
/// and only while they stay inside `root`: a link whose target leaves `root` (an absolute
/// target elsewhere, or too many `..`) is refused *before* anything outside `root` is looked
/// at, so the error is the same whether the target exists or not. Links inside `root` to
/// files or directories inside `root` are fine. `root` itself may be reached through links;
/// absolute link targets may name it by its real path or as given.
///
/// The result is the canonical path (no links, no `.`/`..`); it may be a directory. Checking
/// and opening are two steps, so a project whose files are swapped for links between the two
/// is not defended against; the rule is about what the project's own files point to.
///
/// ```
/// use verge_js::loader::{PathError, resolve_within};
///
/// let dir = std::env::temp_dir().join(format!("verge-doc-{}", std::process::id()));
/// std::fs::create_dir_all(dir.join("src"))?;
/// std::fs::write(dir.join("src/index.js"), "export default {}")?;
/// let real = resolve_within(&dir, "src/index.js").unwrap();
/// assert!(real.ends_with("src/index.js"));
/// assert!(matches!(resolve_within(&dir, "../etc/passwd"), Err(PathError::ParentSegment { .. })));
/// assert!(matches!(resolve_within(&dir, "/etc/passwd"), Err(PathError::Absolute { .. })));
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn resolve_within(root: &Path, relative: &str) -> Result<PathBuf, PathError> {
    let given = || relative.to_string();
    let mut pending = VecDeque::new();
    for c in Path::new(relative).components() {
        match c {
            Component::Normal(n) => pending.push_back(Step::Name(n.to_owned())),
            Component::CurDir => {}
            Component::ParentDir => return Err(PathError::ParentSegment { path: given() }),
            Component::RootDir | Component::Prefix(_) => {
                return Err(PathError::Absolute { path: given() });
            }
        }
    }
    let real_root = std::fs::canonicalize(root).map_err(|e| PathError::Root { kind: e.kind() })?;
    let given_root = std::path::absolute(root).unwrap_or_else(|_| real_root.clone());
    // Names below `real_root`, each checked to be a real entry and not a link.
    let mut inside: Vec<OsString> = Vec::new();
    let mut links = 0;
    while let Some(step) = pending.pop_front() {
        let name = match step {
            Step::Parent => {
                if inside.pop().is_none() {
                    return Err(PathError::OutsideRoot { path: given() });
                }
                continue;
            }
            Step::Name(name) => name,
        };
        let mut here = real_root.clone();
        here.extend(&inside);
        here.push(&name);
        let meta = std::fs::symlink_metadata(&here).map_err(|e| match e.kind() {
            ErrorKind::NotFound | ErrorKind::NotADirectory => PathError::NotFound { path: given() },
            kind => PathError::Io {
                path: given(),
                kind,
            },
        })?;
        if !meta.file_type().is_symlink() {
            inside.push(name);
            continue;
        }
        links += 1;
        if links > MAX_SYMLINKS {
            return Err(PathError::TooManyLinks { path: given() });
        }
        let target = std::fs::read_link(&here).map_err(|e| PathError::Io {
            path: given(),
            kind: e.kind(),
        })?;
        let rest = if target.has_root() {
            // Absolute: only a path below the root (by either of its names) stays inside.
            inside.clear();
            target
                .strip_prefix(&real_root)
                .or_else(|_| target.strip_prefix(&given_root))
                .map_err(|_| PathError::OutsideRoot { path: given() })?
                .to_path_buf()
        } else {
            // Relative to the directory holding the link, which is `inside`.
            target
        };
        let mut steps = Vec::new();
        for c in rest.components() {
            match c {
                Component::Normal(n) => steps.push(Step::Name(n.to_owned())),
                Component::ParentDir => steps.push(Step::Parent),
                Component::CurDir => {}
                Component::RootDir | Component::Prefix(_) => {
                    return Err(PathError::OutsideRoot { path: given() });
                }
            }
        }
        for s in steps.into_iter().rev() {
            pending.push_front(s);
        }
    }
    let mut real = real_root;
    real.extend(&inside);
    Ok(real)
}

fn json_string_literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The rquickjs resolver and loader over a [`ModuleSource`].
pub(crate) struct ProjectLoader(pub Arc<ModuleSource>);

impl Resolver for ProjectLoader {
    fn resolve<'js>(
        &mut self,
        ctx: &Ctx<'js>,
        base: &str,
        name: &str,
        _attributes: Option<ImportAttributes<'js>>,
    ) -> rquickjs::Result<String> {
        self.0.resolve(base, name).map_err(|msg| {
            let _ = ctx;
            Error::new_resolving_message(base, name, msg)
        })
    }
}

impl Loader for ProjectLoader {
    fn load<'js>(
        &mut self,
        ctx: &Ctx<'js>,
        name: &str,
        _attributes: Option<ImportAttributes<'js>>,
    ) -> rquickjs::Result<Module<'js, Declared>> {
        self.0.declare(ctx, name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source() -> ModuleSource {
        ModuleSource::new(PathBuf::from("/p"), [("cloudflare:workers", "export {}")])
    }

    #[test]
    fn relative_imports_resolve_against_the_importing_module() {
        let s = source();
        assert_eq!(
            s.resolve("dist/worker.js", "./lib/a.js").unwrap(),
            "dist/lib/a.js"
        );
        assert_eq!(s.resolve("dist/lib/a.js", "../b.js").unwrap(), "dist/b.js");
        assert_eq!(s.resolve("worker.js", "./x.mjs").unwrap(), "x.mjs");
    }

    #[test]
    fn imports_cannot_escape_the_project_root() {
        let err = source()
            .resolve("worker.js", "../../etc/passwd")
            .unwrap_err();
        assert!(err.contains("outside the project directory"), "{err}");
    }

    #[test]
    fn absolute_specifiers_are_refused() {
        let err = source().resolve("worker.js", "/etc/passwd").unwrap_err();
        assert!(
            err.contains("absolute specifiers are not supported"),
            "{err}"
        );
    }

    #[test]
    fn bare_specifiers_ask_for_a_bundler() {
        let err = source().resolve("worker.js", "hono").unwrap_err();
        assert!(err.contains("bundle npm dependencies"), "{err}");
        assert!(err.contains("cloudflare:workers"), "{err}");
    }

    #[test]
    fn builtins_resolve_to_themselves() {
        assert_eq!(
            source().resolve("a/b.js", "cloudflare:workers").unwrap(),
            "cloudflare:workers"
        );
    }

    // ---- resolve_within ----

    use std::os::unix::fs::symlink;

    /// A project dir `root/` with `src/index.js`, next to a sibling `outside/` holding
    /// `secret.txt`, both in one temporary dir.
    struct Fixture {
        tmp: tempfile::TempDir,
    }

    impl Fixture {
        fn new() -> Fixture {
            let tmp = tempfile::tempdir().expect("tempdir");
            for (path, text) in [
                ("root/src/index.js", "export default {}"),
                ("root/shared/a.js", "export const a = 1;"),
                ("outside/secret.txt", "secret"),
            ] {
                let p = tmp.path().join(path);
                std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
                std::fs::write(p, text).expect("write");
            }
            Fixture { tmp }
        }

        fn root(&self) -> PathBuf {
            self.tmp.path().join("root")
        }

        fn outside(&self) -> PathBuf {
            self.tmp.path().join("outside")
        }

        fn link(&self, target: impl AsRef<Path>, at: &str) {
            let at = self.root().join(at);
            std::fs::create_dir_all(at.parent().expect("parent")).expect("mkdir");
            symlink(target, at).expect("symlink");
        }

        /// The error for `relative`, checked to name no host path.
        fn refused(&self, relative: &str) -> PathError {
            let err = resolve_within(&self.root(), relative).expect_err(relative);
            let text = err.to_string();
            let host = self.tmp.path().to_string_lossy().into_owned();
            assert!(!text.contains(&host), "{text}");
            assert!(
                !text.contains("/etc") || relative.contains("/etc"),
                "{text}"
            );
            err
        }
    }

    fn outside_root(path: &str) -> PathError {
        PathError::OutsideRoot { path: path.into() }
    }

    #[test]
    fn files_inside_the_root_resolve_to_their_real_path() {
        let f = Fixture::new();
        let real = std::fs::canonicalize(f.root().join("src/index.js")).expect("real");
        assert_eq!(resolve_within(&f.root(), "src/index.js"), Ok(real.clone()));
        assert_eq!(resolve_within(&f.root(), "./src/./index.js"), Ok(real));
    }

    #[test]
    fn a_missing_file_inside_is_not_found_by_its_relative_path() {
        let f = Fixture::new();
        let err = f.refused("src/nope.js");
        assert_eq!(
            err,
            PathError::NotFound {
                path: "src/nope.js".into()
            }
        );
        assert_eq!(
            err.to_string(),
            "\"src/nope.js\" does not exist in the project directory"
        );
        // Descending into a file is the same as a missing entry.
        assert!(matches!(
            f.refused("src/index.js/x"),
            PathError::NotFound { .. }
        ));
    }

    #[test]
    fn a_symlink_to_a_file_outside_is_refused_whether_or_not_the_target_exists() {
        let f = Fixture::new();
        f.link(f.outside().join("secret.txt"), "src/exists.txt");
        f.link(f.outside().join("missing.txt"), "src/missing.txt");
        f.link("/etc/passwd", "src/passwd.txt");
        f.link("../../outside/secret.txt", "src/relative.txt");
        f.link("../../outside/missing.txt", "src/relative-missing.txt");
        assert_eq!(f.refused("src/exists.txt"), outside_root("src/exists.txt"));
        assert_eq!(f.refused("src/passwd.txt"), outside_root("src/passwd.txt"));
        assert_eq!(
            f.refused("src/relative.txt"),
            outside_root("src/relative.txt")
        );
        // A target that does not exist reads exactly like one that does.
        let exists = f.refused("src/exists.txt").to_string();
        let missing = f.refused("src/missing.txt").to_string();
        assert_eq!(
            exists.replace("exists", "X"),
            missing.replace("missing", "X")
        );
        let relative_missing = f.refused("src/relative-missing.txt").to_string();
        assert_eq!(
            f.refused("src/relative.txt")
                .to_string()
                .replace("relative.txt", "X"),
            relative_missing.replace("relative-missing.txt", "X")
        );
    }

    #[test]
    fn a_symlink_to_a_directory_outside_is_refused_for_every_file_below_it() {
        let f = Fixture::new();
        f.link(f.outside(), "lib");
        f.link("../outside", "rel");
        for path in ["lib", "lib/secret.txt", "lib/missing.txt", "rel/secret.txt"] {
            assert_eq!(f.refused(path), outside_root(path));
        }
    }

    #[test]
    fn symlinks_inside_pointing_inside_are_followed() {
        let f = Fixture::new();
        let real = std::fs::canonicalize(f.root().join("shared/a.js")).expect("real");
        f.link("../shared/a.js", "src/a.js");
        f.link("../shared", "src/shared");
        f.link(f.root().join("shared/a.js"), "src/absolute.js");
        f.link("src/a.js", "chain.js");
        for path in ["src/a.js", "src/shared/a.js", "src/absolute.js", "chain.js"] {
            assert_eq!(resolve_within(&f.root(), path), Ok(real.clone()), "{path}");
        }
        // A dangling link inside is simply not found.
        f.link("../shared/gone.js", "src/gone.js");
        assert!(matches!(
            f.refused("src/gone.js"),
            PathError::NotFound { .. }
        ));
    }

    #[test]
    fn dot_dot_segments_are_refused_and_links_may_not_climb_out() {
        let f = Fixture::new();
        assert_eq!(
            f.refused("../outside/secret.txt"),
            PathError::ParentSegment {
                path: "../outside/secret.txt".into()
            }
        );
        assert!(matches!(
            f.refused("src/../src/index.js"),
            PathError::ParentSegment { .. }
        ));
        // A link whose `..` climbs above the root, even to come back in, is outside.
        f.link("../../root/src/index.js", "src/back-in.js");
        assert_eq!(f.refused("src/back-in.js"), outside_root("src/back-in.js"));
    }

    #[test]
    fn absolute_paths_are_refused() {
        let f = Fixture::new();
        let abs = f.root().join("src/index.js");
        let err = resolve_within(&f.root(), &abs.to_string_lossy()).expect_err("absolute");
        assert!(matches!(err, PathError::Absolute { .. }), "{err}");
        assert!(matches!(
            f.refused("/etc/passwd"),
            PathError::Absolute { .. }
        ));
    }

    #[test]
    fn percent_escapes_are_file_names_not_dot_dot() {
        let f = Fixture::new();
        assert!(matches!(
            f.refused("%2e%2e/outside/secret.txt"),
            PathError::NotFound { .. }
        ));
        assert!(matches!(
            f.refused("src/%2E%2E%2Findex.js"),
            PathError::NotFound { .. }
        ));
        std::fs::create_dir_all(f.root().join("%2e%2e")).expect("mkdir");
        std::fs::write(f.root().join("%2e%2e/x.js"), "").expect("write");
        let real = std::fs::canonicalize(f.root().join("%2e%2e/x.js")).expect("real");
        assert_eq!(resolve_within(&f.root(), "%2e%2e/x.js"), Ok(real));
    }

    #[test]
    fn a_root_reached_through_a_symlink_works_and_still_contains() {
        let f = Fixture::new();
        let via = f.tmp.path().join("via");
        symlink(f.root(), &via).expect("symlink");
        let real = std::fs::canonicalize(f.root().join("src/index.js")).expect("real");
        assert_eq!(resolve_within(&via, "src/index.js"), Ok(real.clone()));
        // An absolute link naming the root by the linked name stays inside.
        f.link(via.join("src/index.js"), "by-link-name.js");
        assert_eq!(resolve_within(&via, "by-link-name.js"), Ok(real));
        f.link(f.outside().join("secret.txt"), "secret.txt");
        let err = resolve_within(&via, "secret.txt").expect_err("outside");
        assert_eq!(err, outside_root("secret.txt"));
    }

    #[test]
    fn symlink_loops_stop() {
        let f = Fixture::new();
        f.link("b", "a");
        f.link("a", "b");
        assert_eq!(f.refused("a"), PathError::TooManyLinks { path: "a".into() });
    }

    #[test]
    fn a_missing_root_is_an_error_without_its_path() {
        let f = Fixture::new();
        let err = resolve_within(&f.tmp.path().join("gone"), "a.js").expect_err("no root");
        assert_eq!(
            err,
            PathError::Root {
                kind: ErrorKind::NotFound
            }
        );
        assert!(!err.to_string().contains("gone"), "{err}");
    }

    #[test]
    fn module_source_reads_only_inside_the_root() {
        let f = Fixture::new();
        f.link(f.outside().join("secret.txt"), "src/secret.txt");
        let source = ModuleSource::new(f.root(), []);
        assert_eq!(
            source.read("src/index.js").expect("inside").as_slice(),
            b"export default {}"
        );
        assert_eq!(
            source.read("src/secret.txt").expect_err("outside"),
            outside_root("src/secret.txt")
        );
    }

    #[test]
    fn text_modules_escape_their_contents() {
        assert_eq!(
            json_string_literal("a\"b\\c\nd\u{1}"),
            "\"a\\\"b\\\\c\\nd\\u0001\""
        );
    }
}
