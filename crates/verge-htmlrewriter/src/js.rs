//! The JS glue: `internal.htmlRewriterOps` (selector checks and `start`), the stream a
//! transform reads from ([`Session`]: `next()` resolves to the next rewritten chunk), and the
//! content tokens handlers receive (`Element`, `EndTag`, `Text`, `Comment`, `Doctype`,
//! `DocumentEnd`).
//!
//! `next()` drives the rewriter on the isolate thread: it reads the source body, feeds it to
//! lol_html ([`crate::core`]) and calls each handler as lol_html reaches it — in the request's
//! JS, so the CPU handlers spend is the request's — waiting for a handler's promise (through
//! the captured `then`, [`verge_js::promise::settled`]) before the rewriter goes on. A token is
//! usable only until its handler returns (or its promise settles); later calls throw workerd's
//! `TypeError`.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use futures::StreamExt;
use rquickjs::class::Trace;
use rquickjs::function::This;
use rquickjs::prelude::*;
use rquickjs::{
    Array, Class, Ctx, FromJs, Function, Iterable, JsLifetime, Object, Promise, Result, Value,
};
use verge_js::{JsClass, throw, throw_as};
use verge_web::body::ByteStream;

use crate::core::{DocumentHandlers, Op, Place, Reply, Rewriter, Spec, Step, Target};
use crate::error::RewriteError;

/// `internal.htmlRewriterOps`.
#[derive(Trace, JsLifetime, Default)]
#[rquickjs::class]
pub(crate) struct Ops {}

#[rquickjs::methods(rename_all = "camelCase")]
impl Ops {
    /// Throws the `TypeError` of `.on()` for a selector lol_html does not support.
    pub fn check_selector(&self, ctx: Ctx<'_>, selector: String) -> Result<()> {
        crate::core::parse_selector(&selector)
            .map(drop)
            .map_err(|e| throw(&ctx, &e))
    }

    /// Starts a transform. `elements`: `[selector, this, element, comments, text]` per `.on()`;
    /// `documents`: `[this, doctype, comments, text, end]` per `.onDocument()`; `content_type`: the
    /// response's `Content-Type` (its `charset` is the document's encoding), or `null`; `body`: `internal.hostBody`'s value; `then`: the captured
    /// `Promise.prototype.then`.
    pub fn start<'js>(
        &self,
        ctx: Ctx<'js>,
        elements: Array<'js>,
        documents: Array<'js>,
        content_type: Option<String>,
        body: Value<'js>,
        then: Function<'js>,
    ) -> Result<Class<'js, Session<'js>>> {
        let mut spec = Spec::default();
        for i in 0..elements.len() {
            let h: Array = elements.get(i)?;
            let selector: String = h.get(0)?;
            let has = |k: usize| -> Result<bool> { Ok(h.get::<Value>(k)?.is_function()) };
            spec.on(&selector, has(2)?, has(3)?, has(4)?)
                .map_err(|e| throw(&ctx, &e))?;
        }
        for i in 0..documents.len() {
            let h: Array = documents.get(i)?;
            let has = |k: usize| -> Result<bool> { Ok(h.get::<Value>(k)?.is_function()) };
            spec.on_document(DocumentHandlers {
                doctype: has(1)?,
                comments: has(2)?,
                text: has(3)?,
                end: has(4)?,
            });
        }
        if let Some(label) = content_type.as_deref().and_then(crate::core::charset) {
            spec.set_charset(label).map_err(|e| throw(&ctx, &e))?;
        }
        let rewriter = Rewriter::new(spec).map_err(|e| throw(&ctx, &e))?;
        let input = verge_web::body::outgoing_stream(&ctx, body, then.clone())?;
        Class::instance(
            ctx.clone(),
            Session {
                elements,
                documents,
                end_tags: Array::new(ctx.clone())?,
                then,
                shared: Rc::new(Shared {
                    rewriter: RefCell::new(Some(rewriter)),
                    input: RefCell::new(input),
                    token: Cell::new(0),
                    next_token: Cell::new(0),
                    busy: Cell::new(false),
                    done: Cell::new(false),
                }),
            },
        )
    }
}

/// What a session and its tokens share.
struct Shared {
    /// `None` once cancelled.
    rewriter: RefCell<Option<Rewriter>>,
    /// The source body; `None` once it ended.
    input: RefCell<Option<ByteStream>>,
    /// The token whose handler is running (0: none).
    token: Cell<u64>,
    next_token: Cell<u64>,
    /// A `next()` is in progress.
    busy: Cell<bool>,
    /// The document ended, failed or was cancelled.
    done: Cell<bool>,
}

impl Shared {
    fn step(&self, f: impl FnOnce(&mut Rewriter) -> Step) -> Step {
        match self.rewriter.try_borrow_mut() {
            Ok(mut g) => match g.as_mut() {
                Some(rw) => f(rw),
                None => Step::Finished,
            },
            Err(_) => Step::Failed(RewriteError::Protocol("the rewriter is busy")),
        }
    }

    fn output(&self) -> Vec<u8> {
        match self.rewriter.try_borrow_mut() {
            Ok(mut g) => g.as_mut().map(Rewriter::take_output).unwrap_or_default(),
            Err(_) => Vec::new(),
        }
    }

    fn stop(&self) {
        self.done.set(true);
        self.input.borrow_mut().take();
    }
}

/// The rewritten body, pulled chunk by chunk (hidden: `js/htmlrewriter.js` wraps it in a
/// `ReadableStream`).
#[derive(Trace, JsLifetime)]
#[rquickjs::class(rename = "HTMLRewriterStream")]
pub(crate) struct Session<'js> {
    elements: Array<'js>,
    documents: Array<'js>,
    end_tags: Array<'js>,
    then: Function<'js>,
    #[qjs(skip_trace)]
    shared: Rc<Shared>,
}

/// Resets [`Shared::busy`] when a `next()` ends, however it ends.
struct Busy(Rc<Shared>);

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.busy.set(false);
    }
}

#[rquickjs::methods(rename_all = "camelCase")]
impl<'js> Session<'js> {
    /// The next rewritten chunk (`Uint8Array`), or `undefined` at the end; rejects with the
    /// exception of a handler that threw.
    pub fn next(this: This<Class<'js, Self>>, ctx: Ctx<'js>) -> Result<Promise<'js>> {
        let session = this.0.clone();
        let ctx2 = ctx.clone();
        Promise::wrap_future(&ctx, async move { drive(ctx2, session).await })
    }

    /// The reader went away: the source is dropped and the rewriter unwound.
    pub fn cancel(&self) {
        self.shared.stop();
        if let Ok(mut g) = self.shared.rewriter.try_borrow_mut() {
            g.take();
        }
    }
}

async fn drive<'js>(ctx: Ctx<'js>, session: Class<'js, Session<'js>>) -> Result<Value<'js>> {
    let shared = session.borrow().shared.clone();
    if shared.busy.replace(true) {
        return Err(throw_as(
            &ctx,
            JsClass::TypeError,
            "HTMLRewriter: the rewritten body is already being read",
        ));
    }
    let _busy = Busy(shared.clone());
    loop {
        let out = shared.output();
        if !out.is_empty() {
            return verge_js::bytes::new_u8_array(&ctx, out);
        }
        if shared.done.get() {
            return Ok(Value::new_undefined(ctx.clone()));
        }
        let stream = shared.input.borrow_mut().take();
        let step = match stream {
            Some(mut s) => {
                let item = s.next().await;
                if shared.done.get() {
                    // Cancelled while waiting.
                    return Ok(Value::new_undefined(ctx.clone()));
                }
                match item {
                    Some(Ok(bytes)) => {
                        *shared.input.borrow_mut() = Some(s);
                        if bytes.is_empty() {
                            continue;
                        }
                        shared.step(|rw| rw.write(bytes.to_vec()))
                    }
                    Some(Err(e)) => {
                        shared.stop();
                        return Err(throw_as(
                            &ctx,
                            JsClass::TypeError,
                            &format!("HTMLRewriter: reading the source body failed: {e}"),
                        ));
                    }
                    None => shared.step(Rewriter::end),
                }
            }
            None => shared.step(Rewriter::end),
        };
        run_handlers(&ctx, &session, &shared, step).await?;
    }
}

/// Runs handlers until the rewriter wants input or stops.
async fn run_handlers<'js>(
    ctx: &Ctx<'js>,
    session: &Class<'js, Session<'js>>,
    shared: &Rc<Shared>,
    mut step: Step,
) -> Result<()> {
    loop {
        match step {
            Step::NeedInput => return Ok(()),
            Step::Finished => {
                shared.stop();
                return Ok(());
            }
            Step::Failed(e) => {
                shared.stop();
                return Err(throw(ctx, &e));
            }
            Step::Call(target) => {
                let id = shared.next_token.get() + 1;
                shared.next_token.set(id);
                shared.token.set(id);
                let r = call_handler(ctx, session, shared, target, id).await;
                shared.token.set(0);
                match r {
                    Ok(()) => step = shared.step(|rw| rw.finish_call(Ok(()))),
                    Err(e) => {
                        let exception = if e.is_exception() {
                            ctx.catch()
                        } else {
                            let _ = throw_as(ctx, JsClass::Error, &e.to_string());
                            ctx.catch()
                        };
                        let message = verge_js::JsException::from_value(&exception).to_string();
                        // Unwinds lol_html; the body ends with the handler's exception.
                        let _ = shared.step(|rw| rw.finish_call(Err(message)));
                        shared.stop();
                        return Err(ctx.throw(exception));
                    }
                }
            }
        }
    }
}

/// Calls the JS handler of `target` with a fresh token; waits for its promise if it returns
/// one.
async fn call_handler<'js>(
    ctx: &Ctx<'js>,
    session: &Class<'js, Session<'js>>,
    shared: &Rc<Shared>,
    target: Target,
    id: u64,
) -> Result<()> {
    let (this, func, token) = {
        let s = session.borrow();
        let handle = Handle {
            shared: shared.clone(),
            id,
        };
        let ((this, func), token) = match target {
            Target::Element(i) => (
                element_entry(&s.elements, i, 2)?,
                Class::instance(
                    ctx.clone(),
                    JsElement {
                        handle,
                        end_tags: s.end_tags.clone(),
                    },
                )?
                .into_value(),
            ),
            Target::ElementComments(i) => (
                element_entry(&s.elements, i, 3)?,
                Class::instance(ctx.clone(), JsComment { handle })?.into_value(),
            ),
            Target::ElementText(i) => (
                element_entry(&s.elements, i, 4)?,
                Class::instance(ctx.clone(), JsText { handle })?.into_value(),
            ),
            Target::Doctype(i) => (
                document_entry(&s.documents, i, 1)?,
                Class::instance(ctx.clone(), JsDoctype { handle })?.into_value(),
            ),
            Target::DocumentComments(i) => (
                document_entry(&s.documents, i, 2)?,
                Class::instance(ctx.clone(), JsComment { handle })?.into_value(),
            ),
            Target::DocumentText(i) => (
                document_entry(&s.documents, i, 3)?,
                Class::instance(ctx.clone(), JsText { handle })?.into_value(),
            ),
            Target::DocumentEnd(i) => (
                document_entry(&s.documents, i, 4)?,
                Class::instance(ctx.clone(), JsDocumentEnd { handle })?.into_value(),
            ),
            Target::EndTag(i) => (
                (
                    Value::new_undefined(ctx.clone()),
                    s.end_tags.get::<Value>(i)?,
                ),
                Class::instance(ctx.clone(), JsEndTag { handle })?.into_value(),
            ),
        };
        (this, func, token)
    };
    let Some(func) = func.into_function() else {
        return Err(throw_as(
            ctx,
            JsClass::Error,
            "HTMLRewriter: internal error: a handler is not a function",
        ));
    };
    let result: Value = func.call((This(this), token))?;
    if let Some(promise) = result.as_promise() {
        let then = session.borrow().then.clone();
        let _: Value = verge_js::promise::settled(promise.clone(), then).await?;
    }
    Ok(())
}

/// `(this, handler)` of `.on()` number `i`: its entry is `[selector, this, element, comments,
/// text]`.
fn element_entry<'js>(list: &Array<'js>, i: usize, k: usize) -> Result<(Value<'js>, Value<'js>)> {
    let h: Array = list.get(i)?;
    Ok((h.get(1)?, h.get(k)?))
}

/// `(this, handler)` of `.onDocument()` number `i`: `[this, doctype, comments, text, end]`.
fn document_entry<'js>(list: &Array<'js>, i: usize, k: usize) -> Result<(Value<'js>, Value<'js>)> {
    let h: Array = list.get(i)?;
    Ok((h.get(0)?, h.get(k)?))
}

/// A token's link to its rewriter.
#[derive(Clone)]
struct Handle {
    shared: Rc<Shared>,
    id: u64,
}

impl Handle {
    fn op(&self, ctx: &Ctx<'_>, op: Op) -> Result<Reply> {
        if self.shared.token.get() != self.id {
            return Err(throw(ctx, &RewriteError::TokenExpired));
        }
        let mut g = self
            .shared
            .rewriter
            .try_borrow_mut()
            .map_err(|_| throw(ctx, &RewriteError::Protocol("the rewriter is busy")))?;
        let rw = g
            .as_mut()
            .ok_or_else(|| throw(ctx, &RewriteError::TokenExpired))?;
        rw.op(op).map_err(|e| throw(ctx, &e))
    }

    fn string(&self, ctx: &Ctx<'_>, op: Op) -> Result<String> {
        match self.op(ctx, op)? {
            Reply::Str(s) => Ok(s),
            _ => Err(throw(ctx, &RewriteError::Protocol("expected a string"))),
        }
    }

    fn maybe_string(&self, ctx: &Ctx<'_>, op: Op) -> Result<Option<String>> {
        match self.op(ctx, op)? {
            Reply::MaybeStr(s) => Ok(s),
            _ => Err(throw(ctx, &RewriteError::Protocol("expected a string"))),
        }
    }

    fn flag(&self, ctx: &Ctx<'_>, op: Op) -> Result<bool> {
        match self.op(ctx, op)? {
            Reply::Bool(b) => Ok(b),
            _ => Err(throw(ctx, &RewriteError::Protocol("expected a flag"))),
        }
    }

    fn insert<'js>(
        &self,
        ctx: &Ctx<'js>,
        place: Place,
        content: Value<'js>,
        options: Opt<Value<'js>>,
    ) -> Result<()> {
        let content = content_string(ctx, content)?;
        let html = match options.0.as_ref().and_then(Value::as_object) {
            Some(o) => o.get::<_, Coerced<bool>>("html")?.0,
            None => false,
        };
        self.op(ctx, Op::Insert(place, content, html)).map(drop)
    }
}

/// The token classes below each reach their token through a [`Handle`].
trait Token {
    fn handle(&self) -> &Handle;
}

/// `before`/`after`/`prepend`/`append`/`replace`/`setInnerContent` of any token class: inserts
/// `content` and returns the token, for chaining.
fn insert_chained<'js, T: rquickjs::class::JsClass<'js> + Token>(
    this: This<Class<'js, T>>,
    ctx: &Ctx<'js>,
    place: Place,
    content: Value<'js>,
    options: Opt<Value<'js>>,
) -> Result<Class<'js, T>> {
    this.0
        .borrow()
        .handle()
        .insert(ctx, place, content, options)?;
    Ok(this.0)
}

/// `remove`/`removeAndKeepContent` of any token class: applies `op` and returns the token.
fn op_chained<'js, T: rquickjs::class::JsClass<'js> + Token>(
    this: This<Class<'js, T>>,
    ctx: &Ctx<'js>,
    op: Op,
) -> Result<Class<'js, T>> {
    this.0.borrow().handle().op(ctx, op)?;
    Ok(this.0)
}

/// Content for `before`/`after`/…: a string (anything else is converted to one), but not a
/// stream or a Response (workerd's message).
fn content_string<'js>(ctx: &Ctx<'js>, content: Value<'js>) -> Result<String> {
    if let Some(s) = content.as_string() {
        return s.to_string();
    }
    if let Some(o) = content.as_object()
        && (o.contains_key("getReader")? || o.contains_key("body")? && o.contains_key("headers")?)
    {
        return Err(throw_as(
            ctx,
            JsClass::TypeError,
            "Replacing HTML content using a ReadableStream or Response object is not implemented. You must provide a string.",
        ));
    }
    Ok(Coerced::<String>::from_js(ctx, content)?.0)
}

/// `Element`: the start tag of an element a selector matched.
#[derive(Trace, JsLifetime)]
#[rquickjs::class(rename = "Element")]
pub(crate) struct JsElement<'js> {
    #[qjs(skip_trace)]
    handle: Handle,
    end_tags: Array<'js>,
}

#[rquickjs::methods(rename_all = "camelCase")]
impl<'js> JsElement<'js> {
    #[qjs(get)]
    pub fn tag_name(&self, ctx: Ctx<'js>) -> Result<String> {
        self.handle.string(&ctx, Op::Name)
    }
    #[qjs(set, rename = "tagName")]
    pub fn set_tag_name(&self, ctx: Ctx<'js>, name: Coerced<String>) -> Result<()> {
        self.handle.op(&ctx, Op::SetName(name.0)).map(drop)
    }
    /// `[name, value]` pairs, as they are now.
    #[qjs(get)]
    pub fn attributes(
        &self,
        ctx: Ctx<'js>,
    ) -> Result<Iterable<impl rquickjs::IterableFn<Item = Vec<String>> + use<>>> {
        match self.handle.op(&ctx, Op::Attributes)? {
            Reply::Attrs(a) => Ok(Iterable::from(
                a.into_iter().map(|(n, v)| vec![n, v]).collect::<Vec<_>>(),
            )),
            _ => Err(throw(&ctx, &RewriteError::Protocol("expected attributes"))),
        }
    }
    #[qjs(get, rename = "namespaceURI")]
    pub fn namespace_uri(&self, ctx: Ctx<'js>) -> Result<String> {
        self.handle.string(&ctx, Op::NamespaceUri)
    }
    #[qjs(get)]
    pub fn removed(&self, ctx: Ctx<'js>) -> Result<bool> {
        self.handle.flag(&ctx, Op::Removed)
    }
    #[qjs(get)]
    pub fn self_closing(&self, ctx: Ctx<'js>) -> Result<bool> {
        self.handle.flag(&ctx, Op::SelfClosing)
    }
    #[qjs(get)]
    pub fn can_have_content(&self, ctx: Ctx<'js>) -> Result<bool> {
        self.handle.flag(&ctx, Op::CanHaveContent)
    }
    pub fn get_attribute(&self, ctx: Ctx<'js>, name: Coerced<String>) -> Result<Option<String>> {
        self.handle.maybe_string(&ctx, Op::GetAttribute(name.0))
    }
    pub fn has_attribute(&self, ctx: Ctx<'js>, name: Coerced<String>) -> Result<bool> {
        self.handle.flag(&ctx, Op::HasAttribute(name.0))
    }
    pub fn set_attribute(
        this: This<Class<'js, Self>>,
        ctx: Ctx<'js>,
        name: Coerced<String>,
        value: Coerced<String>,
    ) -> Result<Class<'js, Self>> {
        this.0
            .borrow()
            .handle
            .op(&ctx, Op::SetAttribute(name.0, value.0))?;
        Ok(this.0)
    }
    pub fn remove_attribute(
        this: This<Class<'js, Self>>,
        ctx: Ctx<'js>,
        name: Coerced<String>,
    ) -> Result<Class<'js, Self>> {
        this.0
            .borrow()
            .handle
            .op(&ctx, Op::RemoveAttribute(name.0))?;
        Ok(this.0)
    }
    pub fn before(
        this: This<Class<'js, Self>>,
        ctx: Ctx<'js>,
        content: Value<'js>,
        options: Opt<Value<'js>>,
    ) -> Result<Class<'js, Self>> {
        insert_chained(this, &ctx, Place::Before, content, options)
    }
    pub fn after(
        this: This<Class<'js, Self>>,
        ctx: Ctx<'js>,
        content: Value<'js>,
        options: Opt<Value<'js>>,
    ) -> Result<Class<'js, Self>> {
        insert_chained(this, &ctx, Place::After, content, options)
    }
    pub fn prepend(
        this: This<Class<'js, Self>>,
        ctx: Ctx<'js>,
        content: Value<'js>,
        options: Opt<Value<'js>>,
    ) -> Result<Class<'js, Self>> {
        insert_chained(this, &ctx, Place::Prepend, content, options)
    }
    pub fn append(
        this: This<Class<'js, Self>>,
        ctx: Ctx<'js>,
        content: Value<'js>,
        options: Opt<Value<'js>>,
    ) -> Result<Class<'js, Self>> {
        insert_chained(this, &ctx, Place::Append, content, options)
    }
    pub fn replace(
        this: This<Class<'js, Self>>,
        ctx: Ctx<'js>,
        content: Value<'js>,
        options: Opt<Value<'js>>,
    ) -> Result<Class<'js, Self>> {
        insert_chained(this, &ctx, Place::Replace, content, options)
    }
    pub fn set_inner_content(
        this: This<Class<'js, Self>>,
        ctx: Ctx<'js>,
        content: Value<'js>,
        options: Opt<Value<'js>>,
    ) -> Result<Class<'js, Self>> {
        insert_chained(this, &ctx, Place::SetInner, content, options)
    }
    pub fn remove(this: This<Class<'js, Self>>, ctx: Ctx<'js>) -> Result<Class<'js, Self>> {
        op_chained(this, &ctx, Op::Remove)
    }
    pub fn remove_and_keep_content(
        this: This<Class<'js, Self>>,
        ctx: Ctx<'js>,
    ) -> Result<Class<'js, Self>> {
        op_chained(this, &ctx, Op::RemoveAndKeepContent)
    }
    /// Runs `handler` with the element's `EndTag` (replacing an earlier one, as workerd).
    pub fn on_end_tag(&self, ctx: Ctx<'js>, handler: Value<'js>) -> Result<()> {
        if !handler.is_function() {
            return Err(throw_as(
                &ctx,
                JsClass::TypeError,
                "Failed to execute 'onEndTag' on 'Element': parameter 1 is not of type 'Function'.",
            ));
        }
        // Checked first: a stale token registers nothing.
        if self.handle.shared.token.get() != self.handle.id {
            return Err(throw(&ctx, &RewriteError::TokenExpired));
        }
        let index = self.end_tags.len();
        self.end_tags.set(index, handler)?;
        self.handle.op(&ctx, Op::OnEndTag(index)).map(drop)
    }
}

/// `EndTag`: the end tag of an element whose `onEndTag` handler runs.
#[derive(Trace, JsLifetime)]
#[rquickjs::class(rename = "EndTag")]
pub(crate) struct JsEndTag {
    #[qjs(skip_trace)]
    handle: Handle,
}

#[rquickjs::methods(rename_all = "camelCase")]
impl JsEndTag {
    #[qjs(get)]
    pub fn name(&self, ctx: Ctx<'_>) -> Result<String> {
        self.handle.string(&ctx, Op::Name)
    }
    #[qjs(set, rename = "name")]
    pub fn set_name(&self, ctx: Ctx<'_>, name: Coerced<String>) -> Result<()> {
        self.handle.op(&ctx, Op::SetName(name.0)).map(drop)
    }
    pub fn before<'js>(
        this: This<Class<'js, Self>>,
        ctx: Ctx<'js>,
        content: Value<'js>,
        options: Opt<Value<'js>>,
    ) -> Result<Class<'js, Self>> {
        insert_chained(this, &ctx, Place::Before, content, options)
    }
    pub fn after<'js>(
        this: This<Class<'js, Self>>,
        ctx: Ctx<'js>,
        content: Value<'js>,
        options: Opt<Value<'js>>,
    ) -> Result<Class<'js, Self>> {
        insert_chained(this, &ctx, Place::After, content, options)
    }
    pub fn remove<'js>(this: This<Class<'js, Self>>, ctx: Ctx<'js>) -> Result<Class<'js, Self>> {
        op_chained(this, &ctx, Op::Remove)
    }
}

/// `Text`: a chunk of text (a text node may come in several).
#[derive(Trace, JsLifetime)]
#[rquickjs::class(rename = "Text")]
pub(crate) struct JsText {
    #[qjs(skip_trace)]
    handle: Handle,
}

#[rquickjs::methods(rename_all = "camelCase")]
impl JsText {
    #[qjs(get)]
    pub fn text(&self, ctx: Ctx<'_>) -> Result<String> {
        self.handle.string(&ctx, Op::Text)
    }
    #[qjs(get)]
    pub fn last_in_text_node(&self, ctx: Ctx<'_>) -> Result<bool> {
        self.handle.flag(&ctx, Op::LastInTextNode)
    }
    #[qjs(get)]
    pub fn removed(&self, ctx: Ctx<'_>) -> Result<bool> {
        self.handle.flag(&ctx, Op::Removed)
    }
    pub fn before<'js>(
        this: This<Class<'js, Self>>,
        ctx: Ctx<'js>,
        content: Value<'js>,
        options: Opt<Value<'js>>,
    ) -> Result<Class<'js, Self>> {
        insert_chained(this, &ctx, Place::Before, content, options)
    }
    pub fn after<'js>(
        this: This<Class<'js, Self>>,
        ctx: Ctx<'js>,
        content: Value<'js>,
        options: Opt<Value<'js>>,
    ) -> Result<Class<'js, Self>> {
        insert_chained(this, &ctx, Place::After, content, options)
    }
    pub fn replace<'js>(
        this: This<Class<'js, Self>>,
        ctx: Ctx<'js>,
        content: Value<'js>,
        options: Opt<Value<'js>>,
    ) -> Result<Class<'js, Self>> {
        insert_chained(this, &ctx, Place::Replace, content, options)
    }
    pub fn remove<'js>(this: This<Class<'js, Self>>, ctx: Ctx<'js>) -> Result<Class<'js, Self>> {
        op_chained(this, &ctx, Op::Remove)
    }
}

/// `Comment`.
#[derive(Trace, JsLifetime)]
#[rquickjs::class(rename = "Comment")]
pub(crate) struct JsComment {
    #[qjs(skip_trace)]
    handle: Handle,
}

#[rquickjs::methods(rename_all = "camelCase")]
impl JsComment {
    #[qjs(get)]
    pub fn text(&self, ctx: Ctx<'_>) -> Result<String> {
        self.handle.string(&ctx, Op::Text)
    }
    #[qjs(set, rename = "text")]
    pub fn set_text(&self, ctx: Ctx<'_>, text: Coerced<String>) -> Result<()> {
        self.handle.op(&ctx, Op::SetText(text.0)).map(drop)
    }
    #[qjs(get)]
    pub fn removed(&self, ctx: Ctx<'_>) -> Result<bool> {
        self.handle.flag(&ctx, Op::Removed)
    }
    pub fn before<'js>(
        this: This<Class<'js, Self>>,
        ctx: Ctx<'js>,
        content: Value<'js>,
        options: Opt<Value<'js>>,
    ) -> Result<Class<'js, Self>> {
        insert_chained(this, &ctx, Place::Before, content, options)
    }
    pub fn after<'js>(
        this: This<Class<'js, Self>>,
        ctx: Ctx<'js>,
        content: Value<'js>,
        options: Opt<Value<'js>>,
    ) -> Result<Class<'js, Self>> {
        insert_chained(this, &ctx, Place::After, content, options)
    }
    pub fn replace<'js>(
        this: This<Class<'js, Self>>,
        ctx: Ctx<'js>,
        content: Value<'js>,
        options: Opt<Value<'js>>,
    ) -> Result<Class<'js, Self>> {
        insert_chained(this, &ctx, Place::Replace, content, options)
    }
    pub fn remove<'js>(this: This<Class<'js, Self>>, ctx: Ctx<'js>) -> Result<Class<'js, Self>> {
        op_chained(this, &ctx, Op::Remove)
    }
}

/// `Doctype`.
#[derive(Trace, JsLifetime)]
#[rquickjs::class(rename = "Doctype")]
pub(crate) struct JsDoctype {
    #[qjs(skip_trace)]
    handle: Handle,
}

#[rquickjs::methods(rename_all = "camelCase")]
impl JsDoctype {
    #[qjs(get)]
    pub fn name(&self, ctx: Ctx<'_>) -> Result<Option<String>> {
        self.handle.maybe_string(&ctx, Op::Name)
    }
    #[qjs(get)]
    pub fn public_id(&self, ctx: Ctx<'_>) -> Result<Option<String>> {
        self.handle.maybe_string(&ctx, Op::PublicId)
    }
    #[qjs(get)]
    pub fn system_id(&self, ctx: Ctx<'_>) -> Result<Option<String>> {
        self.handle.maybe_string(&ctx, Op::SystemId)
    }
}

/// `DocumentEnd`.
#[derive(Trace, JsLifetime)]
#[rquickjs::class(rename = "DocumentEnd")]
pub(crate) struct JsDocumentEnd {
    #[qjs(skip_trace)]
    handle: Handle,
}

#[rquickjs::methods(rename_all = "camelCase")]
impl JsDocumentEnd {
    pub fn append<'js>(
        this: This<Class<'js, Self>>,
        ctx: Ctx<'js>,
        content: Value<'js>,
        options: Opt<Value<'js>>,
    ) -> Result<Class<'js, Self>> {
        insert_chained(this, &ctx, Place::Append, content, options)
    }
}

impl Token for JsElement<'_> {
    fn handle(&self) -> &Handle {
        &self.handle
    }
}

impl Token for JsEndTag {
    fn handle(&self) -> &Handle {
        &self.handle
    }
}

impl Token for JsText {
    fn handle(&self) -> &Handle {
        &self.handle
    }
}

impl Token for JsComment {
    fn handle(&self) -> &Handle {
        &self.handle
    }
}

impl Token for JsDoctype {
    fn handle(&self) -> &Handle {
        &self.handle
    }
}

impl Token for JsDocumentEnd {
    fn handle(&self) -> &Handle {
        &self.handle
    }
}

/// Installs `internal.htmlRewriterOps`.
pub(crate) fn install<'js>(ctx: &Ctx<'js>, internal: &Object<'js>) -> Result<()> {
    internal.set("htmlRewriterOps", Class::instance(ctx.clone(), Ops {})?)
}
