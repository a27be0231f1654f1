//! Rewriter errors, with workerd's messages where it has them.

use verge_js::{JsClass, ToJsClass};

/// Everything the rewriter can fail with. `Display` is the JS `message`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RewriteError {
    /// `.on(selector)` with a selector lol_html cannot parse or does not support.
    #[error("Unsupported selector \"{selector}\": {reason}")]
    InvalidSelector {
        /// The selector as given.
        selector: String,
        /// lol_html's reason.
        reason: String,
    },
    /// The response's `charset` is not one lol_html can rewrite (ASCII-compatible encodings).
    #[error(
        "Parser error: Unsupported encoding \"{0}\" (HTMLRewriter handles ASCII-compatible encodings only)."
    )]
    UnsupportedEncoding(String),
    /// lol_html stopped (memory limit, ambiguous parsing context).
    #[error("Parser error: {0}")]
    Parser(String),
    /// A token method called after its handler returned (workerd's message).
    #[error(
        "This content token is no longer valid. Content tokens are only valid during the execution of the relevant content handler."
    )]
    TokenExpired,
    /// A name or text lol_html refuses (`setAttribute("a b")`, `tagName = ""`, a comment
    /// containing `-->`).
    #[error("Parser error: {0}")]
    InvalidValue(String),
    /// `onEndTag` on an element that has no end tag (a void or self-closing element).
    #[error("Parser error: No end tag.")]
    NoEndTag,
    /// A handler threw (the JS layer keeps the exception itself).
    #[error("content handler failed: {0}")]
    Handler(String),
    /// The rewriter's stack could not be allocated.
    #[error("HTMLRewriter: could not allocate the rewriter's stack: {0}")]
    Stack(String),
    /// The host drove the rewriter out of order (a bug in verge).
    #[error("HTMLRewriter: internal error: {0}")]
    Protocol(&'static str),
}

impl ToJsClass for RewriteError {
    fn js_class(&self) -> JsClass {
        match self {
            RewriteError::InvalidSelector { .. }
            | RewriteError::UnsupportedEncoding(_)
            | RewriteError::Parser(_)
            | RewriteError::TokenExpired
            | RewriteError::InvalidValue(_)
            | RewriteError::NoEndTag => JsClass::TypeError,
            RewriteError::Handler(_) | RewriteError::Stack(_) | RewriteError::Protocol(_) => {
                JsClass::Error
            }
        }
    }
}

impl From<lol_html::errors::RewritingError> for RewriteError {
    fn from(e: lol_html::errors::RewritingError) -> Self {
        use lol_html::errors::RewritingError as E;
        match e {
            E::ContentHandlerError(inner) => RewriteError::Handler(inner.to_string()),
            other => RewriteError::Parser(other.to_string()),
        }
    }
}
