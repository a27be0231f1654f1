//! Module resolution and loading for a worker project.
//!
//! Module names are paths relative to the project root, with `/` separators (`dist/worker.js`),
//! which is also what stack traces show. Relative imports resolve against the importing module;
//! nothing outside the root can be imported. Built-in modules (`cloudflare:workers`) come from
//! extensions. File contents are read once per worker version and shared by all its isolates.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

use rquickjs::loader::{ImportAttributes, Loader, Resolver};
use rquickjs::{Ctx, Error, Module, module::Declared};

/// How a file is turned into a module (wrangler's `rules` types).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModuleKind {
    /// An ES module.
    EsModule,
    /// Text: `export default "<file contents>"`.
    Text,
    /// Binary data: `export default <ArrayBuffer>`.
    Data,
}

impl ModuleKind {
    /// The default kind for a module name, following wrangler's default rules.
    pub fn for_name(name: &str) -> Option<ModuleKind> {
        let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase())?;
        match ext.as_str() {
            "js" | "mjs" => Some(ModuleKind::EsModule),
            "txt" | "html" | "sql" => Some(ModuleKind::Text),
            "bin" => Some(ModuleKind::Data),
            _ => None,
        }
    }
}

/// Source of one worker version's modules: the project root plus a cache of what was read.
#[derive(Debug)]
pub struct ModuleSource {
    root: PathBuf,
    builtins: HashMap<String, &'static str>,
    cache: Mutex<HashMap<String, Arc<Vec<u8>>>>,
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
            .map(|name| self.root.join(name))
            .collect();
        files.sort();
        files
    }

    /// Reads (once) the module file `name`, relative to the root.
    pub fn read(&self, name: &str) -> std::io::Result<Arc<Vec<u8>>> {
        if let Some(hit) = self
            .cache
            .lock()
            .expect("module cache lock poisoned")
            .get(name)
        {
            return Ok(hit.clone());
        }
        let bytes = Arc::new(std::fs::read(self.root.join(name))?);
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
        if !(specifier.starts_with("./")
            || specifier.starts_with("../")
            || specifier.starts_with('/'))
        {
            return Err(format!(
                "Cannot resolve module \"{specifier}\" imported from \"{base}\": only relative imports and \
                 built-in modules ({}) are supported; bundle npm dependencies with wrangler or esbuild first",
                self.builtin_names()
            ));
        }
        let joined = if let Some(abs) = specifier.strip_prefix('/') {
            PathBuf::from(abs)
        } else {
            Path::new(base)
                .parent()
                .unwrap_or(Path::new(""))
                .join(specifier)
        };
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
        let bytes = self.read(name).map_err(|e| {
            Error::new_loading_message(
                name,
                format!("cannot read {}: {e}", self.root.join(name).display()),
            )
        })?;
        match ModuleKind::for_name(name) {
            Some(ModuleKind::EsModule) => Module::declare(ctx.clone(), name, bytes.as_slice()),
            Some(ModuleKind::Text) => {
                let text = String::from_utf8_lossy(&bytes);
                let literal = json_string_literal(&text);
                Module::declare(ctx.clone(), name, format!("export default {literal};"))
            }
            Some(ModuleKind::Data) => {
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
            None => Err(Error::new_loading_message(
                name,
                "unsupported module type (expected .js, .mjs, .txt, .html, .sql or .bin)",
            )),
        }
    }
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

    #[test]
    fn text_modules_escape_their_contents() {
        assert_eq!(
            json_string_literal("a\"b\\c\nd\u{1}"),
            "\"a\\\"b\\\\c\\nd\\u0001\""
        );
    }

    #[test]
    fn module_kinds_follow_wrangler_default_rules() {
        assert_eq!(ModuleKind::for_name("a.mjs"), Some(ModuleKind::EsModule));
        assert_eq!(ModuleKind::for_name("x/page.HTML"), Some(ModuleKind::Text));
        assert_eq!(ModuleKind::for_name("blob.bin"), Some(ModuleKind::Data));
        assert_eq!(ModuleKind::for_name("mod.wasm"), None);
    }
}
