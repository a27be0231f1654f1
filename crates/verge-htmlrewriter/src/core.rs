//! The rewriter without JS: lol_html run on a stack of its own (a corosensei coroutine) so
//! that a content handler can pause it in the middle of a chunk.
//!
//! lol_html's handlers are synchronous callbacks. Workers handlers may be async (the rewriter
//! waits for the returned promise), so — as workerd runs lol-html on a fiber — the rewriter
//! runs on a coroutine: when lol_html calls a handler, the coroutine suspends with a
//! [`Step::Call`]; the host runs the JS handler on its own stack (no JS ever runs on the
//! coroutine's), applying the handler's token methods through [`Rewriter::op`] (each resumes
//! the coroutine, which applies the [`Op`] to the live lol_html token and suspends again), and
//! resumes it with [`Rewriter::finish_call`] when the handler — or its promise — is done.
//!
//! ```
//! use verge_htmlrewriter::core::{Op, Reply, Rewriter, Spec, Step, Target};
//!
//! let mut spec = Spec::default();
//! spec.on("a[href]", true, false, false).unwrap();
//! let mut rw = Rewriter::new(spec).unwrap();
//! let Step::Call(Target::Element(0)) = rw.write(b"<a href=x>hi</a>".to_vec()) else { panic!() };
//! assert_eq!(rw.op(Op::GetAttribute("href".into())).unwrap(), Reply::MaybeStr(Some("x".into())));
//! rw.op(Op::SetAttribute("href".into(), "y".into())).unwrap();
//! assert!(matches!(rw.finish_call(Ok(())), Step::NeedInput));
//! assert!(matches!(rw.end(), Step::Finished));
//! assert_eq!(rw.take_output(), b"<a href=\"y\">hi</a>");
//! ```

use std::borrow::Cow;
use std::cell::RefCell;
use std::rc::Rc;

use corosensei::stack::DefaultStack;
use corosensei::{Coroutine, CoroutineResult, Yielder};
use lol_html::html_content::{
    Comment, ContentType, Doctype, DocumentEnd, Element, EndTag, TextChunk,
};
use lol_html::{
    AsciiCompatibleEncoding, DocumentContentHandlers, ElementContentHandlers, HandlerResult,
    HtmlRewriter, MemorySettings, Selector, Settings,
};

use crate::error::RewriteError;
use crate::limits::{MAX_MEMORY, PREALLOCATED_BUFFER, STACK_SIZE};

/// The handlers one `.on(selector, …)` registered.
#[derive(Debug, Clone)]
pub struct ElementHandlers {
    selector: Selector,
    element: bool,
    comments: bool,
    text: bool,
}

/// The handlers one `.onDocument(…)` registered.
#[derive(Debug, Clone, Copy, Default)]
pub struct DocumentHandlers {
    /// `doctype`
    pub doctype: bool,
    /// `comments`
    pub comments: bool,
    /// `text`
    pub text: bool,
    /// `end`
    pub end: bool,
}

/// What a rewriter is built from, in registration order.
#[derive(Debug, Clone)]
pub struct Spec {
    elements: Vec<ElementHandlers>,
    documents: Vec<DocumentHandlers>,
    encoding: AsciiCompatibleEncoding,
}

impl Default for Spec {
    fn default() -> Self {
        Spec {
            elements: Vec::new(),
            documents: Vec::new(),
            encoding: AsciiCompatibleEncoding::utf_8(),
        }
    }
}

/// Parses a selector as `.on()` does.
pub fn parse_selector(selector: &str) -> Result<Selector, RewriteError> {
    selector
        .parse::<Selector>()
        .map_err(|e| RewriteError::InvalidSelector {
            selector: selector.to_string(),
            reason: e.to_string(),
        })
}

impl Spec {
    /// Adds `.on(selector, {element?, comments?, text?})`; the index of the element handlers
    /// ([`Target::Element`] and friends) is the number of `on` calls before it.
    pub fn on(
        &mut self,
        selector: &str,
        element: bool,
        comments: bool,
        text: bool,
    ) -> Result<usize, RewriteError> {
        let selector = parse_selector(selector)?;
        self.elements.push(ElementHandlers {
            selector,
            element,
            comments,
            text,
        });
        Ok(self.elements.len() - 1)
    }

    /// Adds `.onDocument({doctype?, comments?, text?, end?})`.
    pub fn on_document(&mut self, handlers: DocumentHandlers) -> usize {
        self.documents.push(handlers);
        self.documents.len() - 1
    }

    /// The document's encoding, from the `charset` of its `Content-Type` (workerd does the
    /// same); only ASCII-compatible encodings can be rewritten.
    pub fn set_charset(&mut self, label: &str) -> Result<(), RewriteError> {
        let encoding = encoding_rs::Encoding::for_label(label.trim().as_bytes())
            .and_then(AsciiCompatibleEncoding::new)
            .ok_or_else(|| RewriteError::UnsupportedEncoding(label.to_string()))?;
        self.encoding = encoding;
        Ok(())
    }
}

/// The `charset` parameter of a `Content-Type` value (RFC 9110 §8.3.1), unquoted.
pub fn charset(content_type: &str) -> Option<&str> {
    content_type.split(';').skip(1).find_map(|p| {
        let (name, value) = p.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches('"'))
    })
}

/// Which handler lol_html is calling; the index is that of its `.on()` / `.onDocument()` call
/// (for an end tag, that of its `onEndTag` registration).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// `on(…).element`, given an `Element`.
    Element(usize),
    /// `on(…).comments`, given a `Comment`.
    ElementComments(usize),
    /// `on(…).text`, given a `Text`.
    ElementText(usize),
    /// `onDocument(…).doctype`, given a `Doctype`.
    Doctype(usize),
    /// `onDocument(…).comments`, given a `Comment`.
    DocumentComments(usize),
    /// `onDocument(…).text`, given a `Text`.
    DocumentText(usize),
    /// `onDocument(…).end`, given a `DocumentEnd`.
    DocumentEnd(usize),
    /// An `element.onEndTag(handler)`, given an `EndTag`.
    EndTag(usize),
}

/// Where content goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// `before`
    Before,
    /// `after`
    After,
    /// `prepend` (elements)
    Prepend,
    /// `append` (elements, the document end)
    Append,
    /// `replace`
    Replace,
    /// `setInnerContent` (elements)
    SetInner,
}

/// A token method, applied to the token of the handler running now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// `element.tagName` / `endTag.name` / `doctype.name`.
    Name,
    /// `element.tagName = …` / `endTag.name = …`.
    SetName(String),
    /// `element.attributes` (a snapshot).
    Attributes,
    /// `getAttribute(name)`
    GetAttribute(String),
    /// `hasAttribute(name)`
    HasAttribute(String),
    /// `setAttribute(name, value)`
    SetAttribute(String, String),
    /// `removeAttribute(name)`
    RemoveAttribute(String),
    /// `element.namespaceURI`
    NamespaceUri,
    /// `removed`
    Removed,
    /// `element.selfClosing`
    SelfClosing,
    /// `element.canHaveContent`
    CanHaveContent,
    /// `before/after/prepend/append/replace/setInnerContent(content, {html})`
    Insert(Place, String, bool),
    /// `remove()`
    Remove,
    /// `element.removeAndKeepContent()`
    RemoveAndKeepContent,
    /// `element.onEndTag(handler)`: the handler's registration index ([`Target::EndTag`]).
    /// As in workerd, it replaces an earlier `onEndTag` of the same element.
    OnEndTag(usize),
    /// `text.text` / `comment.text`
    Text,
    /// `comment.text = …`
    SetText(String),
    /// `text.lastInTextNode`
    LastInTextNode,
    /// `doctype.publicId`
    PublicId,
    /// `doctype.systemId`
    SystemId,
}

/// What an [`Op`] returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// Nothing (a mutation).
    Unit,
    /// A flag.
    Bool(bool),
    /// A string.
    Str(String),
    /// A string or `null`.
    MaybeStr(Option<String>),
    /// `[name, value]` pairs.
    Attrs(Vec<(String, String)>),
}

/// Where the rewriter stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// It took all of the input so far: feed more ([`Rewriter::write`]) or end it.
    NeedInput,
    /// It is inside a handler: run it, then [`Rewriter::finish_call`].
    Call(Target),
    /// The document is done (all output is in [`Rewriter::take_output`]).
    Finished,
    /// It stopped with an error and is unusable.
    Failed(RewriteError),
}

enum Input {
    Chunk(Vec<u8>),
    End,
    Op(Op),
    Done(Result<(), String>),
}

enum Yielded {
    NeedInput,
    Call(Target),
    Reply(Result<Reply, RewriteError>),
}

type Co = Coroutine<Input, Yielded, Result<(), RewriteError>, DefaultStack>;
type Suspender = Yielder<Input, Yielded>;

/// A handler that failed (lol_html carries it out of `write`).
#[derive(Debug)]
struct HandlerFailed(String);

impl std::fmt::Display for HandlerFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for HandlerFailed {}

/// One document being rewritten.
pub struct Rewriter {
    co: Option<Co>,
    out: Rc<RefCell<Vec<u8>>>,
    in_call: bool,
}

impl std::fmt::Debug for Rewriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rewriter")
            .field("running", &self.co.is_some())
            .field("in_call", &self.in_call)
            .finish()
    }
}

impl Rewriter {
    /// A rewriter for `spec`, not started yet.
    pub fn new(spec: Spec) -> Result<Self, RewriteError> {
        let stack =
            DefaultStack::new(STACK_SIZE).map_err(|e| RewriteError::Stack(e.to_string()))?;
        let out = Rc::new(RefCell::new(Vec::new()));
        let sink = out.clone();
        let co = Coroutine::with_stack(stack, move |y: &Suspender, first: Input| {
            run(y, spec, sink, first)
        });
        Ok(Rewriter {
            co: Some(co),
            out,
            in_call: false,
        })
    }

    fn resume(&mut self, input: Input) -> Step {
        let Some(co) = self.co.as_mut() else {
            return Step::Failed(RewriteError::Protocol("the rewriter has ended"));
        };
        match co.resume(input) {
            CoroutineResult::Yield(Yielded::NeedInput) => Step::NeedInput,
            CoroutineResult::Yield(Yielded::Call(t)) => {
                self.in_call = true;
                Step::Call(t)
            }
            CoroutineResult::Yield(Yielded::Reply(_)) => {
                self.co = None;
                Step::Failed(RewriteError::Protocol("a reply outside an operation"))
            }
            CoroutineResult::Return(r) => {
                self.co = None;
                match r {
                    Ok(()) => Step::Finished,
                    Err(e) => Step::Failed(e),
                }
            }
        }
    }

    /// Feeds a chunk of the document.
    pub fn write(&mut self, chunk: Vec<u8>) -> Step {
        if self.in_call {
            return Step::Failed(RewriteError::Protocol("write inside a handler"));
        }
        self.resume(Input::Chunk(chunk))
    }

    /// Ends the document (runs `end` handlers).
    pub fn end(&mut self) -> Step {
        if self.in_call {
            return Step::Failed(RewriteError::Protocol("end inside a handler"));
        }
        self.resume(Input::End)
    }

    /// Ends the handler of the last [`Step::Call`]; an `Err` (the handler threw) stops the
    /// rewriter with [`RewriteError::Handler`].
    pub fn finish_call(&mut self, result: Result<(), String>) -> Step {
        if !self.in_call {
            return Step::Failed(RewriteError::Protocol("no handler is running"));
        }
        self.in_call = false;
        self.resume(Input::Done(result))
    }

    /// Whether a handler is running (its token usable).
    pub fn in_call(&self) -> bool {
        self.in_call
    }

    /// Applies `op` to the running handler's token.
    pub fn op(&mut self, op: Op) -> Result<Reply, RewriteError> {
        if !self.in_call {
            return Err(RewriteError::TokenExpired);
        }
        let Some(co) = self.co.as_mut() else {
            return Err(RewriteError::TokenExpired);
        };
        match co.resume(Input::Op(op)) {
            CoroutineResult::Yield(Yielded::Reply(r)) => r,
            CoroutineResult::Yield(_) | CoroutineResult::Return(_) => {
                self.co = None;
                self.in_call = false;
                Err(RewriteError::Protocol("an operation did not reply"))
            }
        }
    }

    /// The output produced so far and not yet taken.
    pub fn take_output(&mut self) -> Vec<u8> {
        std::mem::take(&mut *self.out.borrow_mut())
    }
}

/// The coroutine's body: builds the lol_html rewriter and feeds it what the host resumes with.
fn run(
    y: &Suspender,
    spec: Spec,
    sink: Rc<RefCell<Vec<u8>>>,
    first: Input,
) -> Result<(), RewriteError> {
    let y = for_end_tags(y);
    let mut settings = Settings::new()
        .with_encoding(spec.encoding)
        .with_memory_settings(
            MemorySettings::new()
                .with_preallocated_parsing_buffer_size(PREALLOCATED_BUFFER)
                .with_max_allowed_memory_usage(MAX_MEMORY),
        )
        .with_strict(true);
    for (i, h) in spec.elements.into_iter().enumerate() {
        let mut handlers = ElementContentHandlers::default();
        if h.element {
            handlers = handlers.element(move |el: &mut Element<'_, '_>| {
                serve(y, Target::Element(i), &mut ElementToken(el))
            });
        }
        if h.comments {
            handlers = handlers.comments(move |c: &mut Comment<'_>| {
                serve(y, Target::ElementComments(i), &mut CommentToken(c))
            });
        }
        if h.text {
            handlers = handlers.text(move |t: &mut TextChunk<'_>| {
                serve(y, Target::ElementText(i), &mut TextToken(t))
            });
        }
        settings = settings.append_element_content_handler((Cow::Owned(h.selector), handlers));
    }
    for (i, h) in spec.documents.into_iter().enumerate() {
        let mut handlers = DocumentContentHandlers::default();
        if h.doctype {
            handlers = handlers.doctype(move |d: &mut Doctype<'_>| {
                serve(y, Target::Doctype(i), &mut DoctypeToken(d))
            });
        }
        if h.comments {
            handlers = handlers.comments(move |c: &mut Comment<'_>| {
                serve(y, Target::DocumentComments(i), &mut CommentToken(c))
            });
        }
        if h.text {
            handlers = handlers.text(move |t: &mut TextChunk<'_>| {
                serve(y, Target::DocumentText(i), &mut TextToken(t))
            });
        }
        if h.end {
            handlers = handlers.end(move |e: &mut DocumentEnd<'_>| {
                serve(y, Target::DocumentEnd(i), &mut EndToken(e))
            });
        }
        settings = settings.append_document_content_handler(handlers);
    }
    let mut rewriter = HtmlRewriter::new(settings, move |c: &[u8]| {
        sink.borrow_mut().extend_from_slice(c)
    });
    let mut input = first;
    loop {
        input = match input {
            Input::Chunk(bytes) => {
                rewriter.write(&bytes)?;
                y.suspend(Yielded::NeedInput)
            }
            Input::End => return Ok(rewriter.end()?),
            Input::Op(_) => y.suspend(Yielded::Reply(Err(RewriteError::TokenExpired))),
            Input::Done(_) => {
                return Err(RewriteError::Protocol("a handler ended outside a call"));
            }
        };
    }
}

/// The yielder, for end tag handlers, which lol_html requires to be `'static`.
#[expect(
    unsafe_code,
    reason = "lol_html wants 'static end tag handlers; they must suspend the coroutine"
)]
fn for_end_tags(y: &Suspender) -> &'static Suspender {
    // SAFETY: the reference is used only by the handlers of the lol_html rewriter built in
    // `run`, which owns them: they are called only from that rewriter's `write`/`end`, which
    // run on this coroutine's stack while `run` (and so `y`) is live, and they are dropped with
    // the rewriter before `run` returns (or while the coroutine unwinds). A handler never
    // outlives `run` and never runs on another stack.
    unsafe { std::mem::transmute::<&Suspender, &'static Suspender>(y) }
}

/// Suspends into the host for the handler `target`, applying the host's operations to
/// `token` until the host says the handler is done.
fn serve<T: Token>(y: &'static Suspender, target: Target, token: &mut T) -> HandlerResult {
    let mut input = y.suspend(Yielded::Call(target));
    loop {
        input = match input {
            Input::Op(op) => {
                let reply = token.apply(y, op);
                y.suspend(Yielded::Reply(reply))
            }
            Input::Done(Ok(())) => return Ok(()),
            Input::Done(Err(message)) => return Err(Box::new(HandlerFailed(message))),
            Input::Chunk(_) | Input::End => {
                return Err(Box::new(HandlerFailed(
                    "HTMLRewriter: input fed inside a handler".into(),
                )));
            }
        };
    }
}

fn content_type(html: bool) -> ContentType {
    if html {
        ContentType::Html
    } else {
        ContentType::Text
    }
}

fn unsupported(what: &'static str) -> Result<Reply, RewriteError> {
    Err(RewriteError::Protocol(what))
}

/// A lol_html token the host's operations apply to.
trait Token {
    fn apply(&mut self, y: &'static Suspender, op: Op) -> Result<Reply, RewriteError>;
}

struct ElementToken<'a, 'b, 'c>(&'a mut Element<'b, 'c>);
struct EndTagToken<'a, 'b>(&'a mut EndTag<'b>);
struct TextToken<'a, 'b>(&'a mut TextChunk<'b>);
struct CommentToken<'a, 'b>(&'a mut Comment<'b>);
struct DoctypeToken<'a, 'b>(&'a mut Doctype<'b>);
struct EndToken<'a, 'b>(&'a mut DocumentEnd<'b>);

impl Token for ElementToken<'_, '_, '_> {
    fn apply(&mut self, y: &'static Suspender, op: Op) -> Result<Reply, RewriteError> {
        let el = &mut *self.0;
        Ok(match op {
            Op::Name => Reply::Str(el.tag_name()),
            Op::SetName(name) => {
                el.set_tag_name(&name)
                    .map_err(|e| RewriteError::InvalidValue(e.to_string()))?;
                Reply::Unit
            }
            Op::Attributes => Reply::Attrs(
                el.attributes()
                    .iter()
                    .map(|a| (a.name(), a.value()))
                    .collect(),
            ),
            Op::GetAttribute(n) => Reply::MaybeStr(el.get_attribute(&n)),
            Op::HasAttribute(n) => Reply::Bool(el.has_attribute(&n)),
            Op::SetAttribute(n, v) => {
                el.set_attribute(&n, &v)
                    .map_err(|e| RewriteError::InvalidValue(e.to_string()))?;
                Reply::Unit
            }
            Op::RemoveAttribute(n) => {
                el.remove_attribute(&n);
                Reply::Unit
            }
            Op::NamespaceUri => Reply::Str(el.namespace_uri().to_string()),
            Op::Removed => Reply::Bool(el.removed()),
            Op::SelfClosing => Reply::Bool(el.is_self_closing()),
            Op::CanHaveContent => Reply::Bool(el.can_have_content()),
            Op::Insert(place, content, html) => {
                let ct = content_type(html);
                match place {
                    Place::Before => el.before(&content, ct),
                    Place::After => el.after(&content, ct),
                    Place::Prepend => el.prepend(&content, ct),
                    Place::Append => el.append(&content, ct),
                    Place::Replace => el.replace(&content, ct),
                    Place::SetInner => el.set_inner_content(&content, ct),
                }
                Reply::Unit
            }
            Op::Remove => {
                el.remove();
                Reply::Unit
            }
            Op::RemoveAndKeepContent => {
                el.remove_and_keep_content();
                Reply::Unit
            }
            Op::OnEndTag(i) => {
                let handlers = el.end_tag_handlers().ok_or(RewriteError::NoEndTag)?;
                handlers.clear();
                handlers.push(Box::new(move |end: &mut EndTag<'_>| {
                    serve(y, Target::EndTag(i), &mut EndTagToken(end))
                }));
                Reply::Unit
            }
            _ => return unsupported("not an Element operation"),
        })
    }
}

impl Token for EndTagToken<'_, '_> {
    fn apply(&mut self, _y: &'static Suspender, op: Op) -> Result<Reply, RewriteError> {
        let end = &mut *self.0;
        Ok(match op {
            Op::Name => Reply::Str(end.name()),
            Op::SetName(name) => {
                end.set_name_str(name);
                Reply::Unit
            }
            Op::Insert(Place::Before, c, html) => {
                end.before(&c, content_type(html));
                Reply::Unit
            }
            Op::Insert(Place::After, c, html) => {
                end.after(&c, content_type(html));
                Reply::Unit
            }
            Op::Insert(Place::Replace, c, html) => {
                end.replace(&c, content_type(html));
                Reply::Unit
            }
            Op::Remove => {
                end.remove();
                Reply::Unit
            }
            Op::Removed => Reply::Bool(end.removed()),
            _ => return unsupported("not an EndTag operation"),
        })
    }
}

impl Token for TextToken<'_, '_> {
    fn apply(&mut self, _y: &'static Suspender, op: Op) -> Result<Reply, RewriteError> {
        let t = &mut *self.0;
        Ok(match op {
            Op::Text => Reply::Str(t.as_str().to_string()),
            Op::LastInTextNode => Reply::Bool(t.last_in_text_node()),
            Op::Removed => Reply::Bool(t.removed()),
            Op::Insert(Place::Before, c, html) => {
                t.before(&c, content_type(html));
                Reply::Unit
            }
            Op::Insert(Place::After, c, html) => {
                t.after(&c, content_type(html));
                Reply::Unit
            }
            Op::Insert(Place::Replace, c, html) => {
                t.replace(&c, content_type(html));
                Reply::Unit
            }
            Op::Remove => {
                t.remove();
                Reply::Unit
            }
            _ => return unsupported("not a Text operation"),
        })
    }
}

impl Token for CommentToken<'_, '_> {
    fn apply(&mut self, _y: &'static Suspender, op: Op) -> Result<Reply, RewriteError> {
        let c = &mut *self.0;
        Ok(match op {
            Op::Text => Reply::Str(c.text()),
            Op::SetText(text) => {
                c.set_text(&text)
                    .map_err(|e| RewriteError::InvalidValue(e.to_string()))?;
                Reply::Unit
            }
            Op::Removed => Reply::Bool(c.removed()),
            Op::Insert(Place::Before, s, html) => {
                c.before(&s, content_type(html));
                Reply::Unit
            }
            Op::Insert(Place::After, s, html) => {
                c.after(&s, content_type(html));
                Reply::Unit
            }
            Op::Insert(Place::Replace, s, html) => {
                c.replace(&s, content_type(html));
                Reply::Unit
            }
            Op::Remove => {
                c.remove();
                Reply::Unit
            }
            _ => return unsupported("not a Comment operation"),
        })
    }
}

impl Token for DoctypeToken<'_, '_> {
    fn apply(&mut self, _y: &'static Suspender, op: Op) -> Result<Reply, RewriteError> {
        let d = &*self.0;
        Ok(match op {
            Op::Name => Reply::MaybeStr(d.name()),
            Op::PublicId => Reply::MaybeStr(d.public_id()),
            Op::SystemId => Reply::MaybeStr(d.system_id()),
            _ => return unsupported("not a Doctype operation"),
        })
    }
}

impl Token for EndToken<'_, '_> {
    fn apply(&mut self, _y: &'static Suspender, op: Op) -> Result<Reply, RewriteError> {
        match op {
            Op::Insert(Place::Append, c, html) => {
                self.0.append(&c, content_type(html));
                Ok(Reply::Unit)
            }
            _ => unsupported("not a DocumentEnd operation"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `html` (fed in `chunks` pieces split at the given offsets) through `spec`, answering
    /// each call with `on_call`.
    fn rewrite(
        spec: Spec,
        html: &str,
        mut on_call: impl FnMut(&mut Rewriter, Target) -> Result<(), String>,
    ) -> Result<String, RewriteError> {
        let mut rw = Rewriter::new(spec)?;
        let mut step = rw.write(html.as_bytes().to_vec());
        let mut ended = false;
        loop {
            step = match step {
                Step::NeedInput if !ended => {
                    ended = true;
                    rw.end()
                }
                Step::NeedInput => return Err(RewriteError::Protocol("input after end")),
                Step::Call(t) => {
                    let r = on_call(&mut rw, t);
                    rw.finish_call(r)
                }
                Step::Finished => break,
                Step::Failed(e) => return Err(e),
            };
        }
        Ok(String::from_utf8(rw.take_output()).expect("utf-8 output"))
    }

    #[test]
    fn element_mutations_reach_the_output() {
        let mut spec = Spec::default();
        spec.on("p.x", true, false, false).unwrap();
        let out = rewrite(spec, "<div><p class=x>a</p><p>b</p></div>", |rw, t| {
            assert_eq!(t, Target::Element(0));
            assert_eq!(rw.op(Op::Name).unwrap(), Reply::Str("p".into()));
            rw.op(Op::SetAttribute("id".into(), "1".into())).unwrap();
            rw.op(Op::Insert(Place::Before, "<b>".into(), false))
                .unwrap();
            rw.op(Op::Insert(Place::Append, "<i>!</i>".into(), true))
                .unwrap();
            Ok(())
        })
        .unwrap();
        assert_eq!(
            out,
            "<div>&lt;b&gt;<p class=x id=\"1\">a<i>!</i></p><p>b</p></div>"
        );
    }

    #[test]
    fn end_tag_handler_runs_at_the_end_tag() {
        let mut spec = Spec::default();
        spec.on("span", true, false, false).unwrap();
        let out = rewrite(spec, "<span>hi</span>", |rw, t| {
            match t {
                Target::Element(0) => {
                    rw.op(Op::OnEndTag(7)).unwrap();
                }
                Target::EndTag(7) => {
                    assert_eq!(rw.op(Op::Name).unwrap(), Reply::Str("span".into()));
                    rw.op(Op::Insert(Place::After, "!".into(), false)).unwrap();
                }
                other => panic!("unexpected {other:?}"),
            }
            Ok(())
        })
        .unwrap();
        assert_eq!(out, "<span>hi</span>!");
    }

    #[test]
    fn on_end_tag_of_a_void_element_is_an_error() {
        let mut spec = Spec::default();
        spec.on("br", true, false, false).unwrap();
        let mut seen = None;
        rewrite(spec, "<br>", |rw, _| {
            seen = Some(rw.op(Op::OnEndTag(0)));
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, Some(Err(RewriteError::NoEndTag)));
    }

    #[test]
    fn a_failing_handler_stops_the_rewriter() {
        let mut spec = Spec::default();
        spec.on("p", true, false, false).unwrap();
        let err = rewrite(spec, "<p>x</p>", |_, _| Err("boom".into())).unwrap_err();
        assert_eq!(err, RewriteError::Handler("boom".into()));
    }

    #[test]
    fn operations_outside_a_handler_are_refused() {
        let mut spec = Spec::default();
        spec.on("p", true, false, false).unwrap();
        let mut rw = Rewriter::new(spec).unwrap();
        assert_eq!(rw.op(Op::Name), Err(RewriteError::TokenExpired));
        assert_eq!(rw.write(b"<b>".to_vec()), Step::NeedInput);
        assert_eq!(rw.op(Op::Name), Err(RewriteError::TokenExpired));
    }

    #[test]
    fn document_handlers_see_doctype_comments_text_and_end() {
        let mut spec = Spec::default();
        spec.on_document(DocumentHandlers {
            doctype: true,
            comments: true,
            text: true,
            end: true,
        });
        let mut texts = String::new();
        let out = rewrite(
            spec,
            "<!DOCTYPE html PUBLIC \"-//W3C//DTD HTML 4.01//EN\" \"http://www.w3.org/TR/html4/strict.dtd\"><!--c-->t",
            |rw, t| {
                match t {
                    Target::Doctype(0) => {
                        assert_eq!(rw.op(Op::Name).unwrap(), Reply::MaybeStr(Some("html".into())));
                        assert_eq!(
                            rw.op(Op::PublicId).unwrap(),
                            Reply::MaybeStr(Some("-//W3C//DTD HTML 4.01//EN".into()))
                        );
                        assert_eq!(
                            rw.op(Op::SystemId).unwrap(),
                            Reply::MaybeStr(Some("http://www.w3.org/TR/html4/strict.dtd".into()))
                        );
                    }
                    Target::DocumentComments(0) => {
                        assert_eq!(rw.op(Op::Text).unwrap(), Reply::Str("c".into()));
                        rw.op(Op::SetText("d".into())).unwrap();
                    }
                    Target::DocumentText(0) => {
                        if let Reply::Str(s) = rw.op(Op::Text).unwrap() {
                            texts.push_str(&s);
                        }
                    }
                    Target::DocumentEnd(0) => {
                        rw.op(Op::Insert(Place::Append, "<end>".into(), true)).unwrap();
                    }
                    other => panic!("unexpected {other:?}"),
                }
                Ok(())
            },
        )
        .unwrap();
        assert!(out.ends_with("<!--d-->t<end>"), "{out}");
        assert_eq!(texts, "t");
    }

    #[test]
    fn unsupported_selectors_and_charsets_are_refused_by_name() {
        let e = Spec::default()
            .on("a:hover", true, false, false)
            .unwrap_err();
        assert!(e.to_string().contains("\"a:hover\""), "{e}");
        let e = Spec::default().set_charset("utf-16").unwrap_err();
        assert!(e.to_string().contains("utf-16"), "{e}");
        Spec::default().set_charset("windows-1252").unwrap();
    }

    #[test]
    fn charset_is_read_from_the_content_type() {
        assert_eq!(
            charset("text/html; charset=\"windows-1252\""),
            Some("windows-1252")
        );
        assert_eq!(charset("text/html;Charset=utf-8;x=y"), Some("utf-8"));
        assert_eq!(charset("text/html"), None);
    }

    #[test]
    fn a_rewriter_dropped_inside_a_handler_unwinds_cleanly() {
        let mut spec = Spec::default();
        spec.on("p", true, false, false).unwrap();
        let mut rw = Rewriter::new(spec).unwrap();
        assert_eq!(rw.write(b"<p>".to_vec()), Step::Call(Target::Element(0)));
        drop(rw);
    }
}
