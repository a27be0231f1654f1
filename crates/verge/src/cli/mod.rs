//! Command-line front: argument types shared by the subcommands.

pub mod cache;
pub mod d1;
pub mod dev;
pub mod kv;
pub mod queues;
pub mod watch;

use std::path::PathBuf;

use anyhow::Context as _;

/// Where the project is and which of its environments and state to use.
#[derive(clap::Args, Debug, Clone)]
pub struct ProjectArgs {
    /// Project directory (holds wrangler.toml / wrangler.jsonc).
    #[arg(long = "cwd", default_value = ".")]
    pub dir: PathBuf,
    /// Path to the wrangler config file (default: discovered in the project directory).
    #[arg(long, short = 'c')]
    pub config: Option<PathBuf>,
    /// Environment from `[env.<name>]` to use.
    #[arg(long, short = 'e')]
    pub env: Option<String>,
    /// Directory for local state (default: `<project>/.verge`).
    #[arg(long)]
    pub persist_to: Option<PathBuf>,
}

impl ProjectArgs {
    /// Loads and validates the config, printing warnings to stderr.
    pub fn load(&self) -> anyhow::Result<verge_config::Loaded> {
        let opts = verge_config::LoadOptions {
            dir: self.dir.clone(),
            config: self.config.clone(),
            env: self.env.clone(),
            today: None,
        };
        let loaded = verge_config::load(&opts)
            .with_context(|| format!("loading the config in {}", self.dir.display()))?;
        for w in &loaded.warnings {
            eprintln!("warning: {w}");
        }
        Ok(loaded)
    }

    /// The state directory.
    pub fn state_dir(&self) -> PathBuf {
        self.persist_to
            .clone()
            .unwrap_or_else(|| self.dir.join(".verge"))
    }
}
