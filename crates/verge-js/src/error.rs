//! The error bridge: every library error that can reach JS names the class it becomes.

use rquickjs::{Ctx, Exception};

/// The JS class an error becomes when thrown into a guest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsClass {
    /// `Error`
    Error,
    /// `TypeError`
    TypeError,
    /// `RangeError`
    RangeError,
    /// `SyntaxError`
    SyntaxError,
    /// A `DOMException` with this `name` (e.g. `"DataError"`, `"InvalidStateError"`).
    DomException(&'static str),
}

/// Implemented by every library error that can be thrown into JS. The implementation is an
/// exhaustive `match` over the error's variants, so each new variant is a decision.
pub trait ToJsClass: std::fmt::Display {
    /// The class this error becomes in JS.
    fn js_class(&self) -> JsClass;
}

/// Throws `err` into the guest as its JS class and returns the marker error to propagate.
pub fn throw<E: ToJsClass + ?Sized>(ctx: &Ctx<'_>, err: &E) -> rquickjs::Error {
    throw_as(ctx, err.js_class(), &err.to_string())
}

/// Throws a new exception of `class` with `message`.
pub fn throw_as(ctx: &Ctx<'_>, class: JsClass, message: &str) -> rquickjs::Error {
    match class {
        JsClass::Error => Exception::throw_message(ctx, message),
        JsClass::TypeError => Exception::throw_type(ctx, message),
        JsClass::RangeError => Exception::throw_range(ctx, message),
        JsClass::SyntaxError => Exception::throw_syntax(ctx, message),
        JsClass::DomException(name) => Exception::throw_dom(ctx, name, message),
    }
}

/// Shorthand for throwing a `TypeError`.
pub fn type_error(ctx: &Ctx<'_>, message: &str) -> rquickjs::Error {
    Exception::throw_type(ctx, message)
}

/// A JS exception turned into Rust data: what a log line or an error page needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsException {
    /// `e.name` (e.g. `TypeError`), or `"Uncaught"` for a thrown non-Error value.
    pub name: String,
    /// `e.message`, or the thrown value as a string.
    pub message: String,
    /// `e.stack` when present.
    pub stack: Option<String>,
}

impl std::fmt::Display for JsException {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let stack = self.stack.as_deref().map(str::trim_end).unwrap_or("");
        // A stack that starts with `Name: message` (as V8 writes it, and verge-web's
        // `Error.prepareStackTrace`) is the whole report; QuickJS's own has only the frames.
        if !stack.is_empty() && !stack.trim_start().starts_with("at ") {
            return write!(f, "{stack}");
        }
        write!(f, "{}: {}", self.name, self.message)?;
        if !stack.is_empty() {
            write!(f, "\n{stack}")?;
        }
        Ok(())
    }
}

impl JsException {
    /// Reads the pending exception of `ctx` (after a call returned `Err(Error::Exception)`), or
    /// describes a non-exception `rquickjs::Error`.
    pub fn from_error(ctx: &Ctx<'_>, err: rquickjs::Error) -> Self {
        if err.is_exception() {
            Self::from_value(&ctx.catch())
        } else {
            JsException {
                name: "Error".into(),
                message: err.to_string(),
                stack: None,
            }
        }
    }

    /// Describes a thrown JS value.
    pub fn from_value(value: &rquickjs::Value<'_>) -> Self {
        if let Some(obj) = value.as_object() {
            let name: Option<String> = obj.get("name").ok();
            let message: Option<String> = obj.get("message").ok();
            if name.is_some() || message.is_some() {
                return JsException {
                    name: name.unwrap_or_else(|| "Error".into()),
                    message: message.unwrap_or_default(),
                    stack: obj.get::<_, Option<String>>("stack").ok().flatten(),
                };
            }
        }
        let message = value
            .as_string()
            .and_then(|s| s.to_string().ok())
            .or_else(|| value.get::<rquickjs::Coerced<String>>().ok().map(|c| c.0))
            .unwrap_or_else(|| format!("{value:?}"));
        JsException {
            name: "Uncaught".into(),
            message,
            stack: None,
        }
    }

    /// True when this is QuickJS's uncatchable interrupt (CPU budget exhausted).
    pub fn is_interrupt(&self) -> bool {
        self.name == "InternalError" && self.message == "interrupted"
    }

    /// True when QuickJS ran out of memory under the isolate's cap.
    pub fn is_out_of_memory(&self) -> bool {
        self.message == "out of memory"
    }
}
