//! The JS glue: `DurableObjectNamespace`, stubs, `DurableObjectState`, storage (js/durable.js)
//! over Rust host operations.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::{Arc, Weak};

use futures::FutureExt;
use futures::future::{LocalBoxFuture, Shared};
use rquickjs::class::Trace;
use rquickjs::prelude::*;
use rquickjs::{Array, Class, Ctx, Exception, Function, JsLifetime, Object, Result, Value};
use verge_store::SqlValue;
use verge_store::durable::ObjectListQuery;

use crate::core::{ObjectCore, Snapshot};
use crate::runtime::{DurableRuntime, Event, Outcome};

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

fn store_err(ctx: &Ctx<'_>, e: impl std::fmt::Display) -> rquickjs::Error {
    Exception::throw_message(ctx, &format!("Durable Object storage: {e}"))
}

fn to_js<'js>(ctx: &Ctx<'js>, v: &SqlValue) -> Result<Value<'js>> {
    Ok(match v {
        SqlValue::Null => Value::new_null(ctx.clone()),
        SqlValue::Integer(i) => Value::new_number(ctx.clone(), *i as f64),
        SqlValue::Real(f) => Value::new_number(ctx.clone(), *f),
        SqlValue::Text(s) => rquickjs::String::from_str(ctx.clone(), s)?.into_value(),
        SqlValue::Blob(b) => verge_js::bytes::new_array_buffer(ctx, b.clone())?,
    })
}

fn from_js(ctx: &Ctx<'_>, v: Value<'_>) -> Result<SqlValue> {
    if v.is_null() || v.is_undefined() {
        return Ok(SqlValue::Null);
    }
    if let Some(b) = v.as_bool() {
        return Ok(SqlValue::Integer(i64::from(b)));
    }
    if let Some(i) = v.as_int() {
        return Ok(SqlValue::Integer(i64::from(i)));
    }
    if let Some(f) = v.as_float() {
        if f.fract() == 0.0 && f.abs() < 9.007_199_254_740_992e15 {
            return Ok(SqlValue::Integer(f as i64));
        }
        return Ok(SqlValue::Real(f));
    }
    if let Some(s) = v.as_string() {
        return Ok(SqlValue::Text(s.to_string()?));
    }
    if let Some(b) = verge_js::bytes::copy_bytes(&v) {
        return Ok(SqlValue::Blob(b));
    }
    Err(Exception::throw_type(
        ctx,
        &format!("Unsupported SQL binding type: {}", v.type_name()),
    ))
}

#[rquickjs::methods(rename_all = "camelCase")]
impl StorageHandle {
    fn get(&self, ctx: Ctx<'_>, key: String) -> Result<Option<String>> {
        let v = self.core.get(&key).map_err(|e| store_err(&ctx, e))?;
        Ok(v.map(|b| String::from_utf8_lossy(&b).into_owned()))
    }

    fn put(&self, key: String, value: String) {
        self.core.put(&key, value.into_bytes());
    }

    fn delete(&self, ctx: Ctx<'_>, key: String) -> Result<bool> {
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

    fn sql_exec<'js>(
        &self,
        ctx: Ctx<'js>,
        query: String,
        params: Array<'js>,
    ) -> Result<Object<'js>> {
        let mut bound = Vec::with_capacity(params.len());
        for v in params.iter::<Value>() {
            bound.push(from_js(&ctx, v?)?);
        }
        let out = self.core.storage().sql_exec_interruptible(
            &query,
            &bound,
            verge_js::meter::current_request_over_budget,
        );
        // Any statement that may write opens the store's write transaction, whatever the
        // query starts with, where in a multi-statement query the write is, or whether a
        // later statement failed; the next commit COMMITs it.
        if out.as_ref().is_ok_and(|o| o.rows_written > 0) || self.core.storage().sql_dirty() {
            self.core.note_sql_write();
        }
        let out =
            out.map_err(|e| Exception::throw_message(&ctx, &format!("{}: {}", e.message, e.code)))?;
        let o = Object::new(ctx.clone())?;
        o.set("columns", out.columns)?;
        let rows = Array::new(ctx.clone())?;
        for (i, r) in out.rows.iter().enumerate() {
            let row = Array::new(ctx.clone())?;
            for (j, v) in r.iter().enumerate() {
                row.set(j, to_js(&ctx, v)?)?;
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
            .savepoint(&name)
            .map_err(|e| Exception::throw_message(&ctx, &e.message))
    }

    fn end_savepoint(&self, ctx: Ctx<'_>, name: String, commit: bool) -> Result<()> {
        self.core.note_sql_write();
        self.core
            .storage()
            .end_savepoint(&name, commit)
            .map_err(|e| Exception::throw_message(&ctx, &e.message))
    }

    fn snapshot(&self) -> usize {
        let mut s = self.snapshots.borrow_mut();
        s.push(Some(self.core.snapshot()));
        s.len() - 1
    }

    fn txn_begin(&self) -> usize {
        self.core.txn_begin()
    }

    fn txn_get(&self, ctx: Ctx<'_>, id: usize, key: String) -> Result<Option<String>> {
        let v = self
            .core
            .txn_get(id, &key)
            .map_err(|e| store_err(&ctx, e))?;
        Ok(v.map(|b| String::from_utf8_lossy(&b).into_owned()))
    }

    fn txn_put(&self, id: usize, key: String, value: String) {
        self.core.txn_put(id, &key, value.into_bytes());
    }

    fn txn_delete(&self, ctx: Ctx<'_>, id: usize, key: String) -> Result<bool> {
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
        if tags.len() > crate::sockets::MAX_TAGS {
            return Err(Exception::throw_range(
                &ctx,
                &format!(
                    "A WebSocket can have at most {} tags; got {}.",
                    crate::sockets::MAX_TAGS,
                    tags.len()
                ),
            ));
        }
        if let Some(t) = tags.iter().find(|t| t.len() > crate::sockets::MAX_TAG_LEN) {
            return Err(Exception::throw_range(
                &ctx,
                &format!(
                    "WebSocket tags must be at most {} characters; got {}.",
                    crate::sockets::MAX_TAG_LEN,
                    t.len()
                ),
            ));
        }
        let ep = port
            .borrow()
            .take_endpoint()
            .ok_or_else(|| Exception::throw_type(&ctx, "This WebSocket is already connected."))?;
        let rt = self.rt.upgrade().ok_or_else(|| {
            Exception::throw_message(&ctx, "the Durable Object runtime was unloaded")
        })?;
        Ok(crate::sockets::adopt(&rt, self.key(), self.name.clone(), ep, tags) as f64)
    }

    fn ws_send<'js>(&self, ctx: Ctx<'js>, sock: f64, data: Value<'js>) -> Result<bool> {
        let msg = if let Some(s) = data.as_string() {
            verge_web::websocket::WsMsg::Text(s.to_string()?)
        } else {
            verge_web::websocket::WsMsg::Binary(verge_js::bytes::copy_bytes(&data).ok_or_else(
                || Exception::throw_type(&ctx, "WebSocket send() expects a string or bytes"),
            )?)
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
            && v.len() > crate::sockets::MAX_ATTACHMENT
        {
            return Err(Exception::throw_range(
                &ctx,
                &format!(
                    "A WebSocket attachment may be at most {} bytes serialized; got {}.",
                    crate::sockets::MAX_ATTACHMENT,
                    v.len()
                ),
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
            .size_bytes()
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
        let pending = core.take_batch();
        let storage = core.storage().clone();
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
                    &format!("Durable Object storage commit failed: {e}"),
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

/// Hidden handle that lets JS reach the runtime.
#[derive(Trace, JsLifetime)]
#[rquickjs::class]
pub struct RuntimeHandle {
    #[qjs(skip_trace)]
    rt: Arc<DurableRuntime>,
}

#[rquickjs::methods]
impl RuntimeHandle {}

fn id_from_name(
    ctx: Ctx<'_>,
    rt: Class<'_, RuntimeHandle>,
    ns: usize,
    name: String,
) -> Result<String> {
    let b = rt.borrow();
    let n =
        b.rt.namespace(ns)
            .ok_or_else(|| Exception::throw_type(&ctx, "unknown namespace"))?;
    Ok(n.key.id_from_name(&name))
}

fn new_unique_id(ctx: Ctx<'_>, rt: Class<'_, RuntimeHandle>, ns: usize) -> Result<String> {
    let b = rt.borrow();
    let n =
        b.rt.namespace(ns)
            .ok_or_else(|| Exception::throw_type(&ctx, "unknown namespace"))?;
    Ok(n.key.new_unique_id())
}

fn validate_id(
    ctx: Ctx<'_>,
    rt: Class<'_, RuntimeHandle>,
    ns: usize,
    id: String,
) -> Result<String> {
    let b = rt.borrow();
    let n =
        b.rt.namespace(ns)
            .ok_or_else(|| Exception::throw_type(&ctx, "unknown namespace"))?;
    n.key
        .validate(&id)
        .map_err(|e| Exception::throw_type(&ctx, &e.to_string()))
}

async fn call<'js>(
    ctx: Ctx<'js>,
    rt: Class<'js, RuntimeHandle>,
    ns: usize,
    id: String,
    name: Option<String>,
    kind: String,
    payload: Array<'js>,
) -> Result<Array<'js>> {
    let runtime = rt.borrow().rt.clone();
    let event = match kind.as_str() {
        "fetch" => {
            let flat: Vec<String> = payload.get(2)?;
            let body: Value = payload.get(3)?;
            Event::Fetch {
                method: payload.get(0)?,
                url: payload.get(1)?,
                headers: flat
                    .chunks(2)
                    .filter_map(|c| {
                        if let [k, v] = c {
                            Some((k.clone(), v.clone()))
                        } else {
                            None
                        }
                    })
                    .collect(),
                body: if body.is_null() || body.is_undefined() {
                    None
                } else {
                    verge_js::bytes::copy_bytes(&body)
                },
            }
        }
        "rpc" => Event::Rpc {
            method: payload.get(0)?,
            args: payload.get(1)?,
        },
        other => {
            return Err(Exception::throw_type(
                &ctx,
                &format!("unknown Durable Object event kind {other}"),
            ));
        }
    };
    let out = Array::new(ctx.clone())?;
    match runtime.call(ns, id, name, event).await {
        Ok(Outcome::Fetch {
            status,
            headers,
            body,
            websocket,
        }) => {
            let arr = Array::new(ctx.clone())?;
            arr.set(0, status)?;
            arr.set(
                1,
                headers
                    .into_iter()
                    .flat_map(|(k, v)| [k, v])
                    .collect::<Vec<_>>(),
            )?;
            arr.set(2, verge_js::bytes::new_u8_array(&ctx, body)?)?;
            if let Some(ep) = websocket {
                arr.set(3, verge_web::websocket::file_ticket(ep) as f64)?;
            }
            out.set(0, true)?;
            out.set(1, arr)?;
        }
        Ok(Outcome::Rpc(s)) => {
            out.set(0, true)?;
            out.set(1, s)?;
        }
        Ok(Outcome::Alarm) => {
            out.set(0, true)?;
        }
        Err(e) => {
            out.set(0, false)?;
            out.set(1, e.serialized)?;
            out.set(2, e.remote)?;
            out.set(3, e.message)?;
        }
    }
    Ok(out)
}

/// The Durable Objects extension of one worker version.
#[derive(Debug, Clone)]
pub struct DurableExtension {
    rt: Arc<DurableRuntime>,
}

impl DurableExtension {
    /// The extension over `rt`.
    pub fn new(rt: Arc<DurableRuntime>) -> Self {
        DurableExtension { rt }
    }

    /// The runtime.
    pub fn runtime(&self) -> &Arc<DurableRuntime> {
        &self.rt
    }
}

impl verge_js::Extension for DurableExtension {
    fn name(&self) -> &'static str {
        "durable"
    }

    fn init<'js>(&self, ctx: &Ctx<'js>, internal: &Object<'js>) -> Result<()> {
        let ops = Object::new(ctx.clone())?;
        ops.set(
            "rt",
            Class::instance(
                ctx.clone(),
                RuntimeHandle {
                    rt: self.rt.clone(),
                },
            )?,
        )?;
        ops.set("idFromName", Func::from(id_from_name))?;
        ops.set("newUniqueId", Func::from(new_unique_id))?;
        ops.set("validateId", Func::from(validate_id))?;
        ops.set("call", Func::from(Async(call)))?;
        ops.set("commit", Func::from(commit))?;
        internal.set("durableOps", ops)?;
        verge_web::eval_platform_js(
            ctx,
            internal,
            "verge:durable/durable.js",
            include_str!("../js/durable.js"),
        )
    }

    fn env<'js>(&self, _ctx: &Ctx<'js>, internal: &Object<'js>, env: &Object<'js>) -> Result<()> {
        let durable: Object = internal.get("durable")?;
        let make: Function = durable.get("makeNamespace")?;
        for (i, ns) in self.rt.namespaces.iter().enumerate() {
            let v: Value = make.call((i, ns.config.class_name.clone()))?;
            env.set(ns.config.binding.as_str(), v)?;
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
