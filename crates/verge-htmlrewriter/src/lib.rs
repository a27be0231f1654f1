//! `HTMLRewriter`, Cloudflare's streaming HTML rewriter API, over the `lol_html` crate (the
//! engine workerd's HTMLRewriter uses): `new HTMLRewriter().on(selector, handlers)
//! .onDocument(handlers).transform(response)`.
//!
//! - [`core`]: lol_html on a coroutine, so a handler can pause it mid-chunk (async handlers),
//!   driven by plain calls and testable without JS;
//! - [`js`]: the stream a transform reads and the content tokens handlers get;
//! - `js/htmlrewriter.js`: the `HTMLRewriter` class (loaded on first use).
//!
//! The crate owns no state: a transform lives as long as the `Response` it made. It must not
//! buffer a document whole: output leaves as soon as lol_html produced it from a chunk.
//!
//! ```
//! use verge_htmlrewriter::core::{Rewriter, Spec, Step};
//!
//! let mut rw = Rewriter::new(Spec::default())?;
//! assert_eq!(rw.write(b"<p>hello".to_vec()), Step::NeedInput);
//! assert_eq!(rw.take_output(), b"<p>hello");
//! # Ok::<(), verge_htmlrewriter::error::RewriteError>(())
//! ```
#![deny(missing_docs)]

use rquickjs::{Ctx, Function, Object, Result};
use verge_js::Extension;

pub mod core;
pub mod error;
mod js;
pub mod limits;

pub use crate::error::RewriteError;

/// The platform file of `HTMLRewriter`.
const HTMLREWRITER_JS: (&str, &str) = (
    "verge:htmlrewriter/htmlrewriter.js",
    include_str!("../js/htmlrewriter.js"),
);

/// The lazy stand-in `js/lazy.js` puts in place: `file|globals|internal keys`.
const LAZY_SPEC: &str = "verge:htmlrewriter/htmlrewriter.js|HTMLRewriter|";

/// The `HTMLRewriter` global.
#[derive(Debug, Clone, Copy, Default)]
pub struct HtmlRewriterExtension;

impl Extension for HtmlRewriterExtension {
    fn name(&self) -> &'static str {
        "htmlrewriter"
    }

    fn requires(&self) -> &'static [&'static str] {
        // internal.defineGlobal, installLazy, loadPlatformFile, fetchClasses, responseHead,
        // hostBody, headersToFlat, headersFromFlat, streams.fromPull.
        &["web"]
    }

    fn init<'js>(&self, ctx: &Ctx<'js>, internal: &Object<'js>) -> Result<()> {
        js::install(ctx, internal)?;
        // Our file loads through verge-web's lazy loader: wrap its loader to know our name.
        let load: Function = internal.get("loadPlatformFile")?;
        internal.set(
            "loadPlatformFile",
            rquickjs::prelude::Func::from(
                move |ctx: Ctx<'js>, internal: Object<'js>, name: String| {
                    if name == HTMLREWRITER_JS.0 {
                        verge_web::eval_platform_js(
                            &ctx,
                            &internal,
                            HTMLREWRITER_JS.0,
                            HTMLREWRITER_JS.1,
                        )
                    } else {
                        load.call::<_, ()>((internal, name))
                    }
                },
            ),
        )?;
        let install: Function = internal.get("installLazy")?;
        install.call((LAZY_SPEC,))
    }
}

#[cfg(test)]
mod tests;
