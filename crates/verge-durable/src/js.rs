//! The JS glue: `DurableObjectNamespace`, stubs, `DurableObjectState`, storage (js/durable.js)
//! over Rust host operations, and the [`ObjectHost`] that constructs instances for the runtime.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::{Arc, Weak};

use futures::FutureExt;
use futures::future::{LocalBoxFuture, Shared};
use rquickjs::class::Trace;
use rquickjs::prelude::*;
use rquickjs::{
    Array, CatchResultExt, Class, Ctx, Exception, Function, JsLifetime, Object, Persistent, Result,
    Value,
};
use verge_d1::value::{BlobStyle, Unsupported};
use verge_js::string::Usv;
use verge_js::{Isolate, WorkerSpec, throw};
use verge_store::SqlValue;
use verge_store::durable::ObjectListQuery;
use verge_web::invoke::{Event, InvokeError};

use crate::error::DurableError;
use crate::id::NamespaceKey;
use crate::limits::{MAX_ATTACHMENT, MAX_TAG_LEN, MAX_TAGS};
use crate::object::{ObjectCore, Snapshot};
use crate::runtime::{DurableRuntime, ObjectHost};

type CommitChain = Shared<LocalBoxFuture<'static, std::result::Result<(), String>>>;

/// One live object's storage as JS sees it (hidden; wrapped by `DurableObjectStorage`).
#[derive(Trace, JsLifetime)]
#[rquickjs::class]
pub struct StorageHandle {
    #[qjs(skip_trace)]
    core: Rc<ObjectCore>,
    #[qjs(skip_trace)]
    rt: Weak<DurableRuntime>,
    #[qjs(skip_trace)]
    ns: usize,
    #[qjs(skip_trace)]
    id: String,
    #[qjs(skip_trace)]
    name: Option<String>,
    #[qjs(skip_trace)]
    last_commit: Rc<RefCell<Option<CommitChain>>>,
    #[qjs(skip_trace)]
    snapshots: RefCell<Vec<Option<Snapshot>>>,
}

impl StorageHandle {
    fn key(&self) -> crate::sockets::ObjectKey {
        (
            self.rt.upgrade().map(|r| r.uid()).unwrap_or(0),
            self.ns,
            self.id.clone(),
        )
    }

    pub(crate) fn new(
        core: Rc<ObjectCore>,
        rt: Weak<DurableRuntime>,
        ns: usize,
        id: String,
        name: Option<String>,
    ) -> Self {
        StorageHandle {
            core,
            rt,
            ns,
            id,
            name,
            last_commit: Rc::default(),
            snapshots: RefCell::default(),
        }
    }
}

fn store_err(ctx: &Ctx<'_>, e: verge_store::StoreError) -> rquickjs::Error {
    let e = match e {
        verge_store::StoreError::Closed => DurableError::Closed,
        other => DurableError::Storage(other.to_string()),
    };
    throw(ctx, &e)
}

/// A `sql.exec` binding: the rules D1 shares ([`verge_d1::value::from_js`]), with `undefined`
/// bound as NULL.
fn from_js(ctx: &Ctx<'_>, v: Value<'_>) -> Result<SqlValue> {
    if v.is_undefined() {
        return Ok(SqlValue::Null);
    }
    match verge_d1::value::from_js(&v)? {
        Ok(value) => Ok(value),
        Err(Unsupported(type_name)) => {
            Err(throw(ctx, &DurableError::BadBinding(type_name.to_string())))
        }
    }
}

#[rquickjs::methods(rename_all = "camelCase")]
impl StorageHandle {
    fn get(&self, ctx: Ctx<'_>, key: Usv) -> Result<Option<String>> {
        let v = self.core.get(&key).map_err(|e| store_err(&ctx, e))?;
        Ok(v.map(|b| String::from_utf8_lossy(&b).into_owned()))
    }

    fn put(&self, key: Usv, value: String) {
        self.core.put(&key, value.into_bytes());
    }

    fn delete(&self, ctx: Ctx<'_>, key: Usv) -> Result<bool> {
        self.core.delete(&key).map_err(|e| store_err(&ctx, e))
    }

    fn delete_all(&self, ctx: Ctx<'_>) -> Result<()> {
        self.core.delete_all().map_err(|e| store_err(&ctx, e))
    }

    #[allow(
        clippy::too_many_arguments,
        reason = "mirrors the list options object field by field"
    )]
    fn list(
        &self,
        ctx: Ctx<'_>,
        start: Option<String>,
        start_after: Option<String>,
        end: Option<String>,
        prefix: Option<String>,
        reverse: bool,
        limit: Option<f64>,
    ) -> Result<Vec<Vec<String>>> {
        let q = list_query(start, start_after, end, prefix, reverse, limit);
        let rows = self.core.list(&q).map_err(|e| store_err(&ctx, e))?;
        Ok(rows
            .into_iter()
            .map(|(k, v)| vec![k, String::from_utf8_lossy(&v).into_owned()])
            .collect())
    }

    fn get_alarm(&self, ctx: Ctx<'_>) -> Result<Option<f64>> {
        Ok(self
            .core
            .alarm()
            .map_err(|e| store_err(&ctx, e))?
            .map(|t| t as f64))
    }

    fn set_alarm(&self, at: Option<f64>) {
        self.core.set_alarm(at.map(|t| t as i64));
    }

    fn dirty(&self) -> bool {
        self.core.dirty()
    }

    fn sql_exec<'js>(&self, ctx: Ctx<'js>, query: Usv, params: Array<'js>) -> Result<Object<'js>> {
        let mut bound = Vec::with_capacity(params.len());
        for v in params.iter::<Value>() {
            bound.push(from_js(&ctx, v?)?);
        }
        let storage = self.core.storage().map_err(|e| store_err(&ctx, e))?;
        let out = storage.sql_exec_interruptible(&query, &bound, verge_js::meter::over_budget);
        // Any statement that may write opens the store's write transaction, whatever the
        // query starts with, where in a multi-statement query the write is, or whether a
        // later statement failed; the next commit COMMITs it.
        if out.as_ref().is_ok_and(|o| o.rows_written > 0) || storage.sql_dirty() {
            self.core.note_sql_write();
        }
        let out = out.map_err(|e| {
            throw(
                &ctx,
                &DurableError::Sql {
                    message: e.message,
                    code: e.code,
                },
            )
        })?;
        let o = Object::new(ctx.clone())?;
        o.set("columns", out.columns)?;
        let rows = Array::new(ctx.clone())?;
        for (i, r) in out.rows.iter().enumerate() {
            let row = Array::new(ctx.clone())?;
            for (j, v) in r.iter().enumerate() {
                row.set(j, verge_d1::value::to_js(&ctx, v, BlobStyle::ArrayBuffer)?)?;
            }
            rows.set(i, row)?;
        }
        o.set("rows", rows)?;
        o.set("rowsRead", out.rows_read as f64)?;
        o.set("rowsWritten", out.rows_written as f64)?;
        Ok(o)
    }

    fn savepoint(&self, ctx: Ctx<'_>, name: String) -> Result<()> {
        // A commit already on a blocking thread would COMMIT (and so release) the savepoint
        // under transactionSync; let it finish first. No new one starts until this turn ends.
        self.core.wait_for_commits();
        self.core
            .storage()
            .map_err(|e| store_err(&ctx, e))?
            .savepoint(&name)
            .map_err(|e| throw(&ctx, &DurableError::Savepoint(e.message)))
    }

    fn end_savepoint(&self, ctx: Ctx<'_>, name: String, commit: bool) -> Result<()> {
        self.core.note_sql_write();
        self.core
            .storage()
            .map_err(|e| store_err(&ctx, e))?
            .end_savepoint(&name, commit)
            .map_err(|e| throw(&ctx, &DurableError::Savepoint(e.message)))
    }

    fn snapshot(&self) -> usize {
        let mut s = self.snapshots.borrow_mut();
        s.push(Some(self.core.snapshot()));
        s.len() - 1
    }

    fn txn_begin(&self) -> usize {
        self.core.txn_begin()
    }

    fn txn_get(&self, ctx: Ctx<'_>, id: usize, key: Usv) -> Result<Option<String>> {
        let v = self
            .core
            .txn_get(id, &key)
            .map_err(|e| store_err(&ctx, e))?;
        Ok(v.map(|b| String::from_utf8_lossy(&b).into_owned()))
    }

    fn txn_put(&self, id: usize, key: Usv, value: String) {
        self.core.txn_put(id, &key, value.into_bytes());
    }

    fn txn_delete(&self, ctx: Ctx<'_>, id: usize, key: Usv) -> Result<bool> {
        self.core
            .txn_delete(id, &key)
            .map_err(|e| store_err(&ctx, e))
    }

    #[allow(
        clippy::too_many_arguments,
        reason = "mirrors the list options object field by field"
    )]
    fn txn_list(
        &self,
        ctx: Ctx<'_>,
        id: usize,
        start: Option<String>,
        start_after: Option<String>,
        end: Option<String>,
        prefix: Option<String>,
        reverse: bool,
        limit: Option<f64>,
    ) -> Result<Vec<Vec<String>>> {
        let q = list_query(start, start_after, end, prefix, reverse, limit);
        let rows = self.core.txn_list(id, &q).map_err(|e| store_err(&ctx, e))?;
        Ok(rows
            .into_iter()
            .map(|(k, v)| vec![k, String::from_utf8_lossy(&v).into_owned()])
            .collect())
    }

    fn txn_get_alarm(&self, ctx: Ctx<'_>, id: usize) -> Result<Option<f64>> {
        Ok(self
            .core
            .txn_alarm(id)
            .map_err(|e| store_err(&ctx, e))?
            .map(|t| t as f64))
    }

    fn txn_set_alarm(&self, id: usize, at: Option<f64>) {
        self.core.txn_set_alarm(id, at.map(|t| t as i64));
    }

    fn txn_rollback(&self, id: usize) {
        self.core.txn_rollback(id);
    }

    fn txn_end(&self, id: usize, commit: bool) -> bool {
        self.core.txn_end(id, commit)
    }

    fn restore(&self, index: usize, apply: bool) {
        let snap = self
            .snapshots
            .borrow_mut()
            .get_mut(index)
            .and_then(Option::take);
        if apply && let Some(snap) = snap {
            self.core.restore(snap);
        }
        let mut s = self.snapshots.borrow_mut();
        while matches!(s.last(), Some(None)) {
            s.pop();
        }
    }

    fn ws_adopt(
        &self,
        ctx: Ctx<'_>,
        port: Class<'_, verge_web::websocket::WsPort>,
        tags: Vec<String>,
    ) -> Result<f64> {
        if tags.len() > MAX_TAGS {
            return Err(throw(
                &ctx,
                &DurableError::TooManyTags {
                    got: tags.len(),
                    max: MAX_TAGS,
                },
            ));
        }
        if let Some(t) = tags.iter().find(|t| t.len() > MAX_TAG_LEN) {
            return Err(throw(
                &ctx,
                &DurableError::TagTooLong {
                    got: t.len(),
                    max: MAX_TAG_LEN,
                },
            ));
        }
        let ep = port
            .borrow()
            .take_endpoint()
            .ok_or_else(|| throw(&ctx, &DurableError::AlreadyConnected))?;
        let rt = self
            .rt
            .upgrade()
            .ok_or_else(|| throw(&ctx, &DurableError::Unloaded))?;
        Ok(crate::sockets::adopt(&rt, self.key(), self.name.clone(), ep, tags) as f64)
    }

    fn ws_send<'js>(&self, ctx: Ctx<'js>, sock: f64, data: Value<'js>) -> Result<bool> {
        let msg = if let Some(s) = data.as_string() {
            verge_web::websocket::WsMsg::Text(verge_js::string::to_usv(s)?)
        } else {
            verge_web::websocket::WsMsg::Binary(
                verge_js::bytes::copy_bytes(&data)
                    .ok_or_else(|| throw(&ctx, &DurableError::BadMessage))?,
            )
        };
        Ok(crate::sockets::send(&self.key(), sock as u64, msg))
    }

    fn ws_close(&self, sock: f64, code: u16, reason: String) {
        crate::sockets::send(
            &self.key(),
            sock as u64,
            verge_web::websocket::WsMsg::Close(code, reason),
        );
        crate::sockets::remove(&self.key(), sock as u64);
    }

    fn ws_list(&self, tag: Option<String>) -> Vec<f64> {
        crate::sockets::list(&self.key(), tag.as_deref())
            .into_iter()
            .map(|i| i as f64)
            .collect()
    }

    fn ws_tags(&self, sock: f64) -> Option<Vec<String>> {
        crate::sockets::tags(&self.key(), sock as u64)
    }

    fn ws_set_attachment(&self, ctx: Ctx<'_>, sock: f64, value: Option<String>) -> Result<()> {
        if let Some(v) = &value
            && v.len() > MAX_ATTACHMENT
        {
            return Err(throw(
                &ctx,
                &DurableError::AttachmentTooLarge {
                    got: v.len(),
                    max: MAX_ATTACHMENT,
                },
            ));
        }
        crate::sockets::set_attachment(&self.key(), sock as u64, value);
        Ok(())
    }

    fn ws_attachment(&self, sock: f64) -> Option<String> {
        crate::sockets::attachment(&self.key(), sock as u64)
    }

    fn ws_set_auto_response(&self, request: Option<String>, response: Option<String>) {
        crate::sockets::set_auto_response(&self.key(), request.zip(response));
    }

    fn database_size(&self, ctx: Ctx<'_>) -> Result<f64> {
        Ok(self
            .core
            .storage()
            .and_then(|s| s.size_bytes())
            .map_err(|e| store_err(&ctx, e))? as f64)
    }
}

/// Starts a commit of everything written so far; the returned promise settles when it is
/// durable. Commits run in the order they were started. The batch is taken when the previous
/// commit is done, not now: turns that ran while a commit was in flight share the next one
/// (write coalescing, one fsync for many events), and a turn whose writes an earlier commit
/// already covered settles without touching the disk.
fn commit<'js>(ctx: Ctx<'js>, h: Class<'js, StorageHandle>) -> Result<Value<'js>> {
    let (promise, resolve, reject) = ctx.promise()?;
    let b = h.borrow();
    let core = b.core.clone();
    let prev = b.last_commit.borrow_mut().take();
    let (rt, ns, id, name) = (b.rt.clone(), b.ns, b.id.clone(), b.name.clone());
    let fut: CommitChain = async move {
        if let Some(p) = prev {
            p.await?;
        }
        if !core.dirty() {
            return Ok(());
        }
        let storage = core.storage().map_err(|e| e.to_string())?;
        let pending = core.take_batch();
        let guard = core.commit_guard();
        let pending = tokio::task::spawn_blocking(move || {
            let r = ObjectCore::commit(storage.as_ref(), &pending).map(|()| pending);
            drop(guard);
            r
        })
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
        core.committed(&pending);
        if let Some(change) = pending.alarm_change()
            && let Some(rt) = rt.upgrade()
        {
            rt.alarm_changed(ns, &id, name.as_deref(), change);
        }
        Ok(())
    }
    .boxed_local()
    .shared();
    *b.last_commit.borrow_mut() = Some(fut.clone());
    drop(b);
    let ctx2 = ctx.clone();
    ctx.spawn(async move {
        match fut.await {
            Ok(()) => {
                let _: Result<()> = resolve.call(());
            }
            Err(e) => {
                let err = Exception::from_message(
                    ctx2.clone(),
                    &DurableError::Commit(e.clone()).to_string(),
                );
                let _: Result<()> = match err {
                    Ok(err) => reject.call((err,)),
                    Err(_) => reject.call((e,)),
                };
            }
        }
    });
    Ok(promise.into_value())
}

/// Finds the classes of the other workers of the deployment (`script_name` bindings).
pub trait DurableRouter: Send + Sync {
    /// The runtime of worker `script`'s current version and the index of its namespace for
    /// class `class`, when that worker runs here and binds the class.
    fn namespace(&self, script: &str, class: &str) -> Option<(Arc<DurableRuntime>, usize)>;
}

/// A namespace bound to a class of another worker (`script_name`).
#[derive(Clone)]
pub struct RemoteNamespace {
    /// `env.<binding>`.
    pub binding: String,
    /// The worker that defines the class.
    pub script: String,
    /// The class.
    pub class: String,
}

enum Reach {
    /// This worker's runtime; JS passes the namespace's index.
    Local(Arc<DurableRuntime>),
    /// Another worker's class, found when used (that worker may be reloaded).
    Remote {
        router: Arc<dyn DurableRouter>,
        script: String,
        class: String,
    },
}

/// Hidden handle that lets JS reach a runtime: this worker's, or the one hosting another
/// worker's class.
#[derive(Trace, JsLifetime)]
#[rquickjs::class]
pub struct RuntimeHandle {
    #[qjs(skip_trace)]
    reach: Reach,
}

#[rquickjs::methods]
impl RuntimeHandle {}

impl RuntimeHandle {
    /// The runtime and namespace index `ns` stands for, or what wrangler says when the
    /// other worker is not running.
    fn resolve(&self, ns: usize) -> std::result::Result<(Arc<DurableRuntime>, usize), String> {
        match &self.reach {
            Reach::Local(rt) => Ok((rt.clone(), ns)),
            Reach::Remote {
                router,
                script,
                class,
            } => router.namespace(script, class).ok_or_else(|| {
                format!(
                    "Couldn't find a local dev session for Durable Object \"{class}\" of service \"{script}\" to proxy to"
                )
            }),
        }
    }

    /// The namespace's id key (for another worker's class that is not running, the key its
    /// worker would use without renames).
    fn key(&self, ctx: &Ctx<'_>, ns: usize) -> Result<NamespaceKey> {
        match (&self.reach, self.resolve(ns)) {
            (_, Ok((rt, ns))) => rt
                .namespace(ns)
                .map(|n| n.key)
                .ok_or_else(|| throw(ctx, &DurableError::UnknownNamespace(ns))),
            (Reach::Remote { script, class, .. }, Err(_)) => Ok(NamespaceKey::new(script, class)),
            (Reach::Local(_), Err(_)) => Err(throw(ctx, &DurableError::UnknownNamespace(ns))),
        }
    }
}

fn id_from_name(
    ctx: Ctx<'_>,
    rt: Class<'_, RuntimeHandle>,
    ns: usize,
    name: String,
) -> Result<String> {
    Ok(rt.borrow().key(&ctx, ns)?.id_from_name(&name))
}

fn new_unique_id(ctx: Ctx<'_>, rt: Class<'_, RuntimeHandle>, ns: usize) -> Result<String> {
    Ok(rt.borrow().key(&ctx, ns)?.new_unique_id())
}

fn validate_id(
    ctx: Ctx<'_>,
    rt: Class<'_, RuntimeHandle>,
    ns: usize,
    id: String,
) -> Result<String> {
    rt.borrow()
        .key(&ctx, ns)?
        .validate(&id)
        .map_err(|e| throw(&ctx, &DurableError::InvalidId(e.to_string())))
}

/// `stub.method(...args)`: see `verge_web::remote` for the result.
async fn rpc<'js>(
    ctx: Ctx<'js>,
    rt: Class<'js, RuntimeHandle>,
    ns: usize,
    id: String,
    name: Option<String>,
    method: String,
    args: Option<String>,
) -> Result<Array<'js>> {
    let outcome = match rt.borrow().resolve(ns) {
        Ok((runtime, ns)) => {
            runtime
                .call(ns, id, name, Event::Rpc { method, args })
                .await
        }
        Err(message) => Err(InvokeError::Internal(message)),
    };
    verge_web::remote::value_result(&ctx, outcome)
}

/// `stub.fetch(request)`: the request's body is streamed to the object (a host stream is
/// handed over as is; a JS stream is pumped chunk by chunk), and so is the response's; see
/// `verge_web::remote` for `head` and the result.
async fn fetch<'js>(
    ctx: Ctx<'js>,
    rt: Class<'js, RuntimeHandle>,
    ns: usize,
    id: String,
    name: Option<String>,
    head: Array<'js>,
    body: Value<'js>,
) -> Result<Array<'js>> {
    let req = verge_web::remote::incoming_request(&ctx, head, body)?;
    let outcome = match rt.borrow().resolve(ns) {
        Ok((runtime, ns)) => runtime.call(ns, id, name, Event::Fetch(req)).await,
        Err(message) => Err(InvokeError::Internal(message)),
    };
    verge_web::remote::response_result(&ctx, outcome)
}

/// Constructs instances for the runtime: `internal.durable.create(Class, id, name, storage,
/// env, sqlite)` under a meter of its own.
struct JsHost;

impl ObjectHost for JsHost {
    fn construct(
        &self,
        rt: &Arc<DurableRuntime>,
        iso: &Rc<Isolate>,
        ns: usize,
        id: &str,
        name: Option<&str>,
        core: Rc<ObjectCore>,
    ) -> LocalBoxFuture<'static, std::result::Result<Persistent<Object<'static>>, InvokeError>>
    {
        let Some(n) = rt.namespace(ns) else {
            return futures::future::ready(Err(InvokeError::Internal(
                DurableError::UnknownNamespace(ns).to_string(),
            )))
            .boxed_local();
        };
        let handle = StorageHandle::new(
            core,
            Arc::downgrade(rt),
            ns,
            id.to_string(),
            name.map(str::to_string),
        );
        let class_name = n.config.class_name.clone();
        let sqlite = n.config.sqlite;
        let (id_s, name_s) = (id.to_string(), name.map(str::to_string));
        let iso = iso.clone();
        let meter = verge_js::meter::RequestMeter::new(
            format!("do-ctor:{}", &id[..8.min(id.len())]),
            iso.spec().limits().cpu,
        );
        async move {
            let iso2 = iso.clone();
            let host = iso
                .run(
                    meter.clone(),
                    iso.context().async_with(async move |ctx| {
                        let r: Result<Object> = (|| {
                            let ns_obj = iso2.module_namespace(&ctx)?;
                            let class: Value = ns_obj.get(class_name.as_str())?;
                            if !class.is_constructor() {
                                return Err(Exception::throw_type(
                                    &ctx,
                                    &format!("Durable Object class {class_name} is not exported by the worker's main module"),
                                ));
                            }
                            let durable: Object = iso2.internal(&ctx)?.get("durable")?;
                            let create: Function = durable.get("create")?;
                            let env = iso2.env(&ctx)?;
                            let handle = Class::instance(ctx.clone(), handle)?;
                            create.call((class, id_s, name_s, handle, env, sqlite))
                        })();
                        match r.catch(&ctx) {
                            Ok(o) => Ok(Persistent::save(&ctx, o)),
                            Err(e) => Err(verge_js::isolate::caught_to_exception(&ctx, e)),
                        }
                    }),
                )
                .await;
            match host {
                Ok(h) => Ok(h),
                Err(_) if meter.exceeded() => {
                    iso.poison();
                    Err(InvokeError::CpuExceeded)
                }
                Err(exception) => Err(InvokeError::Exception {
                    exception,
                    serialized: None,
                    reset: true,
                }),
            }
        }
        .boxed_local()
    }
}

/// The Durable Objects extension of one worker version: its own classes' runtime, if it
/// has any, and its bindings to other workers' classes.
#[derive(Clone)]
pub struct DurableExtension {
    rt: Option<Arc<DurableRuntime>>,
    remote: Vec<RemoteNamespace>,
    router: Option<Arc<dyn DurableRouter>>,
}

impl std::fmt::Debug for DurableExtension {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DurableExtension")
            .field("rt", &self.rt)
            .field(
                "remote",
                &self.remote.iter().map(|r| &r.binding).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

impl DurableExtension {
    /// The extension over `rt`.
    pub fn new(rt: Arc<DurableRuntime>) -> Self {
        DurableExtension {
            rt: Some(rt),
            remote: Vec::new(),
            router: None,
        }
    }

    /// Adds bindings to other workers' classes, found through `router`.
    pub fn with_remote(
        rt: Option<Arc<DurableRuntime>>,
        remote: Vec<RemoteNamespace>,
        router: Arc<dyn DurableRouter>,
    ) -> Self {
        DurableExtension {
            rt,
            remote,
            router: Some(router),
        }
    }

    /// The runtime of the worker's own classes.
    pub fn runtime(&self) -> Option<&Arc<DurableRuntime>> {
        self.rt.as_ref()
    }

    /// Tells the runtime that `spec` hosts its classes (once the worker version exists).
    pub fn bind(&self, spec: &Arc<WorkerSpec>) {
        if let Some(rt) = &self.rt {
            rt.bind(spec, Arc::new(JsHost));
        }
    }
}

impl verge_js::Extension for DurableExtension {
    fn name(&self) -> &'static str {
        "durable"
    }

    fn requires(&self) -> &'static [&'static str] {
        // internal.defineGlobal (js/lazy.js), Request, Response, internal.ws, internal.incomingRequest, internal.responseParts, internal.hostBody, internal.hostResponse (js/fetch.js).
        &["web"]
    }

    fn init<'js>(&self, ctx: &Ctx<'js>, internal: &Object<'js>) -> Result<()> {
        let ops = Object::new(ctx.clone())?;
        ops.set("idFromName", Func::from(id_from_name))?;
        ops.set("newUniqueId", Func::from(new_unique_id))?;
        ops.set("validateId", Func::from(validate_id))?;
        ops.set(
            "blockConcurrencyLimitMs",
            crate::limits::BLOCK_CONCURRENCY_LIMIT.as_millis() as f64,
        )?;
        // Through wrap_future: what a stub call's settling runs is the caller's work.
        ops.set(
            "rpc",
            Func::from(
                |ctx: Ctx<'js>,
                 rt: Class<'js, RuntimeHandle>,
                 ns: usize,
                 id: String,
                 name: Option<String>,
                 method: String,
                 args: Option<String>| {
                    verge_js::promise::wrap_future(
                        &ctx,
                        rpc(ctx.clone(), rt, ns, id, name, method, args),
                    )
                },
            ),
        )?;
        ops.set(
            "fetch",
            Func::from(
                |ctx: Ctx<'js>,
                 rt: Class<'js, RuntimeHandle>,
                 ns: usize,
                 id: String,
                 name: Option<String>,
                 head: Array<'js>,
                 body: Value<'js>| {
                    verge_js::promise::wrap_future(
                        &ctx,
                        fetch(ctx.clone(), rt, ns, id, name, head, body),
                    )
                },
            ),
        )?;
        ops.set("commit", Func::from(commit))?;
        internal.set("durableOps", ops)?;
        verge_web::eval_platform_js(
            ctx,
            internal,
            "verge:durable/durable.js",
            include_str!("../js/durable.js"),
        )
    }

    fn env<'js>(&self, ctx: &Ctx<'js>, internal: &Object<'js>, env: &Object<'js>) -> Result<()> {
        let durable: Object = internal.get("durable")?;
        let make: Function = durable.get("makeNamespace")?;
        if let Some(rt) = &self.rt {
            let handle = Class::instance(
                ctx.clone(),
                RuntimeHandle {
                    reach: Reach::Local(rt.clone()),
                },
            )?;
            for (i, ns) in rt.namespaces.iter().enumerate() {
                let v: Value = make.call((handle.clone(), i, ns.config.class_name.clone()))?;
                env.set(ns.config.binding.as_str(), v)?;
            }
        }
        if let Some(router) = &self.router {
            for r in &self.remote {
                let handle = Class::instance(
                    ctx.clone(),
                    RuntimeHandle {
                        reach: Reach::Remote {
                            router: router.clone(),
                            script: r.script.clone(),
                            class: r.class.clone(),
                        },
                    },
                )?;
                let v: Value = make.call((handle, 0, r.class.clone()))?;
                env.set(r.binding.as_str(), v)?;
            }
        }
        Ok(())
    }
}

/// The list options object, as `ObjectCore` takes it (a negative limit counts as 0).
fn list_query(
    start: Option<String>,
    start_after: Option<String>,
    end: Option<String>,
    prefix: Option<String>,
    reverse: bool,
    limit: Option<f64>,
) -> ObjectListQuery {
    ObjectListQuery {
        start,
        start_after,
        end,
        prefix,
        reverse,
        limit: limit.map(|l| l.max(0.0) as usize),
    }
}
