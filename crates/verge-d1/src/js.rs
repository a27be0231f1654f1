//! The `D1Database`, `D1PreparedStatement` and `D1DatabaseSession` JS classes: Workers-shaped
//! glue over [`D1Database`] (workers-api.md §6).
//!
//! The glue converts JS values to [`D1Value`]s and results back; the core holds every check
//! and message. Methods returning promises reject instead of throwing; `bind` and
//! `withSession` are synchronous and throw, as in D1. Errors are `Error`s whose `message`
//! carries the `D1_*` prefix and whose `cause` is an `Error` with the inner message.
//!
//! Threading: every statement, batch, `exec` and `dump` runs under
//! [`tokio::task::spawn_blocking`]: the glue cannot tell reads from writes before SQLite
//! runs them, writes wait for an fsync (`synchronous=FULL`), and a query may run for
//! seconds; the isolate thread keeps serving other requests meanwhile.

use std::sync::Arc;

use rquickjs::class::Trace;
use rquickjs::function::{Opt, Rest};
use rquickjs::{Array, ArrayBuffer, Class, Ctx, JsLifetime, Object, Promise, Result, Type, Value};
use verge_js::string::Usv;
use verge_js::{Extension, JsClass, ToJsClass, throw, throw_as};

use crate::database::{D1Database, D1PreparedStatement, D1Result, D1Session, D1Value};
use crate::error::D1Error;

impl ToJsClass for D1Error {
    fn js_class(&self) -> JsClass {
        D1Error::js_class(self)
    }
}

/// The D1 bindings of a worker: one `env.<binding>` `D1Database` per database.
///
/// ```
/// use std::sync::Arc;
/// use verge_d1::{D1Database, js::D1Extension};
/// use verge_store::sqlite::SqliteDatabase;
///
/// let db = D1Database::new(Arc::new(SqliteDatabase::open_in_memory()?));
/// let ext = D1Extension::new(vec![("DB".to_owned(), Arc::new(db))]);
/// assert_eq!(ext.bindings()[0].0, "DB");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct D1Extension {
    bindings: Vec<(String, Arc<D1Database>)>,
}

impl D1Extension {
    /// Bindings as `(env name, database)`.
    pub fn new(bindings: Vec<(String, Arc<D1Database>)>) -> Self {
        Self { bindings }
    }

    /// The bindings this extension installs.
    pub fn bindings(&self) -> &[(String, Arc<D1Database>)] {
        &self.bindings
    }
}

impl Extension for D1Extension {
    fn name(&self) -> &'static str {
        "d1"
    }

    fn env<'js>(&self, ctx: &Ctx<'js>, _internal: &Object<'js>, env: &Object<'js>) -> Result<()> {
        for (name, db) in &self.bindings {
            let instance = Class::instance(ctx.clone(), JsD1Database { db: db.clone() })?;
            env.set(name.as_str(), instance)?;
        }
        Ok(())
    }
}

/// Where a statement runs: the database (primary) or a session.
#[derive(Clone)]
enum Target {
    Database(Arc<D1Database>),
    Session(Arc<D1Session>),
}

impl Target {
    fn run(&self, stmt: &D1PreparedStatement) -> std::result::Result<D1Result, D1Error> {
        match self {
            Self::Database(db) => db.run(stmt),
            Self::Session(s) => s.run(stmt),
        }
    }

    fn batch(&self, stmts: &[D1PreparedStatement]) -> std::result::Result<Vec<D1Result>, D1Error> {
        match self {
            Self::Database(db) => db.batch(stmts),
            Self::Session(s) => s.batch(stmts),
        }
    }
}

/// `env.<binding>`: the Workers `D1Database`.
#[derive(Trace, JsLifetime)]
#[rquickjs::class(rename = "D1Database")]
pub(crate) struct JsD1Database {
    #[qjs(skip_trace)]
    db: Arc<D1Database>,
}

#[rquickjs::methods(rename_all = "camelCase")]
impl JsD1Database {
    /// `prepare(sql)`.
    pub fn prepare<'js>(
        &self,
        ctx: Ctx<'js>,
        sql: Usv,
    ) -> Result<Class<'js, JsD1PreparedStatement>> {
        statement(
            &ctx,
            Target::Database(self.db.clone()),
            D1PreparedStatement::new(sql.0),
        )
    }

    /// `batch(statements)`.
    pub fn batch<'js>(&self, ctx: Ctx<'js>, statements: Value<'js>) -> Result<Promise<'js>> {
        batch(&ctx, Target::Database(self.db.clone()), statements)
    }

    /// `exec(sql)` → `{count, duration}`.
    pub fn exec<'js>(&self, ctx: Ctx<'js>, sql: Usv) -> Result<Promise<'js>> {
        let db = self.db.clone();
        let sql = sql.0;
        blocking(&ctx, Ok(move || db.exec(&sql)), |ctx, out| {
            let obj = Object::new(ctx.clone())?;
            obj.set("count", out.count)?;
            obj.set("duration", out.duration)?;
            Ok(obj.into_value())
        })
    }

    /// `dump()` → `ArrayBuffer` of the SQLite file.
    pub fn dump<'js>(&self, ctx: Ctx<'js>) -> Result<Promise<'js>> {
        let db = self.db.clone();
        blocking(&ctx, Ok(move || db.dump()), |ctx, bytes| {
            Ok(ArrayBuffer::new(ctx.clone(), bytes)?.into_value())
        })
    }

    /// `withSession(constraintOrBookmark?)`.
    pub fn with_session<'js>(
        &self,
        ctx: Ctx<'js>,
        constraint: Opt<Value<'js>>,
    ) -> Result<Class<'js, JsD1DatabaseSession>> {
        let arg = match constraint.0 {
            None => None,
            Some(v) if v.is_undefined() => None,
            Some(v) => Some(v.get::<Usv>()?.0),
        };
        let session = self
            .db
            .with_session(arg.as_deref())
            .map_err(|e| throw_d1(&ctx, &e))?;
        Class::instance(
            ctx,
            JsD1DatabaseSession {
                session: Arc::new(session),
            },
        )
    }

    /// `Object.prototype.toString.call(env.DB)` is `[object D1Database]`.
    #[qjs(get, rename = rquickjs::atom::PredefinedAtom::SymbolToStringTag, configurable)]
    pub fn to_string_tag(&self) -> &'static str {
        "D1Database"
    }
}

/// `db.withSession()`: the Workers `D1DatabaseSession`.
#[derive(Trace, JsLifetime)]
#[rquickjs::class(rename = "D1DatabaseSession")]
pub(crate) struct JsD1DatabaseSession {
    #[qjs(skip_trace)]
    session: Arc<D1Session>,
}

#[rquickjs::methods(rename_all = "camelCase")]
impl JsD1DatabaseSession {
    /// `prepare(sql)`: a statement that runs within this session.
    pub fn prepare<'js>(
        &self,
        ctx: Ctx<'js>,
        sql: Usv,
    ) -> Result<Class<'js, JsD1PreparedStatement>> {
        statement(
            &ctx,
            Target::Session(self.session.clone()),
            D1PreparedStatement::new(sql.0),
        )
    }

    /// `batch(statements)` within this session.
    pub fn batch<'js>(&self, ctx: Ctx<'js>, statements: Value<'js>) -> Result<Promise<'js>> {
        batch(&ctx, Target::Session(self.session.clone()), statements)
    }

    /// `getBookmark()` → string or `null` (an `Option` would become `undefined`).
    pub fn get_bookmark<'js>(&self, ctx: Ctx<'js>) -> Result<Value<'js>> {
        match self.session.get_bookmark() {
            Some(bookmark) => rquickjs::String::from_str(ctx, &bookmark).map(|s| s.into_value()),
            None => Ok(Value::new_null(ctx)),
        }
    }

    /// `[object D1DatabaseSession]`.
    #[qjs(get, rename = rquickjs::atom::PredefinedAtom::SymbolToStringTag, configurable)]
    pub fn to_string_tag(&self) -> &'static str {
        "D1DatabaseSession"
    }
}

/// `db.prepare(sql)`: the Workers `D1PreparedStatement` (immutable; `bind` makes a new one).
#[derive(Trace, JsLifetime)]
#[rquickjs::class(rename = "D1PreparedStatement")]
pub(crate) struct JsD1PreparedStatement {
    #[qjs(skip_trace)]
    target: Target,
    #[qjs(skip_trace)]
    stmt: D1PreparedStatement,
}

#[rquickjs::methods(rename_all = "camelCase")]
impl JsD1PreparedStatement {
    /// `bind(...values)`: a new statement; unsupported values throw `D1_TYPE_ERROR`.
    pub fn bind<'js>(
        &self,
        ctx: Ctx<'js>,
        values: Rest<Value<'js>>,
    ) -> Result<Class<'js, JsD1PreparedStatement>> {
        let mut params = Vec::with_capacity(values.0.len());
        for v in &values.0 {
            params.push(to_d1_value(&ctx, v)?);
        }
        statement(&ctx, self.target.clone(), self.stmt.bind(params))
    }

    /// `first(column?)`: the first row, that column of it, or `null`.
    pub fn first<'js>(&self, ctx: Ctx<'js>, column: Opt<Value<'js>>) -> Result<Promise<'js>> {
        let column = match column.0 {
            None => Ok(None),
            Some(v) if v.is_undefined() => Ok(None),
            Some(v) => v.get::<Usv>().map(|c| Some(c.0)),
        };
        let target = self.target.clone();
        let stmt = self.stmt.clone();
        blocking(
            &ctx,
            column.map(|column| {
                move || {
                    let row = target.run(&stmt)?.results().next();
                    match (row, column) {
                        (None, _) => Ok(First::Null),
                        (Some(row), None) => Ok(First::Row(row.columns.to_vec(), row.values)),
                        (Some(row), Some(column)) => match row.get(&column) {
                            Some(v) => Ok(First::Value(v.clone())),
                            None => Err(D1Error::ColumnNotFound { column }),
                        },
                    }
                }
            }),
            |ctx, first| match first {
                First::Null => Ok(Value::new_null(ctx.clone())),
                First::Value(v) => value_to_js(ctx, &v),
                First::Row(columns, values) => Ok(row_to_js(ctx, &columns, &values)?.into_value()),
            },
        )
    }

    /// `all()` → `{success, results, meta}`.
    pub fn all<'js>(&self, ctx: Ctx<'js>) -> Result<Promise<'js>> {
        self.execute(&ctx)
    }

    /// `run()` → `{success, results, meta}` (the same as `all`).
    pub fn run<'js>(&self, ctx: Ctx<'js>) -> Result<Promise<'js>> {
        self.execute(&ctx)
    }

    /// `raw({columnNames?})` → rows as arrays, the column names first when asked.
    pub fn raw<'js>(&self, ctx: Ctx<'js>, options: Opt<Value<'js>>) -> Result<Promise<'js>> {
        let column_names = match options.0.and_then(|v| v.into_object()) {
            None => Ok(false),
            Some(obj) => obj.get::<_, Value>("columnNames").map(|v| truthy(&v)),
        };
        let target = self.target.clone();
        let stmt = self.stmt.clone();
        blocking(
            &ctx,
            column_names.map(|names| move || Ok((names, target.run(&stmt)?))),
            |ctx, (names, result)| {
                let out = Array::new(ctx.clone())?;
                let mut i = 0;
                if names {
                    let header = Array::new(ctx.clone())?;
                    for (j, c) in result.columns.iter().enumerate() {
                        header.set(j, c.as_str())?;
                    }
                    out.set(i, header)?;
                    i += 1;
                }
                for row in &result.rows {
                    let arr = Array::new(ctx.clone())?;
                    for (j, v) in row.iter().enumerate() {
                        arr.set(j, value_to_js(ctx, v)?)?;
                    }
                    out.set(i, arr)?;
                    i += 1;
                }
                Ok(out.into_value())
            },
        )
    }

    /// `[object D1PreparedStatement]`.
    #[qjs(get, rename = rquickjs::atom::PredefinedAtom::SymbolToStringTag, configurable)]
    pub fn to_string_tag(&self) -> &'static str {
        "D1PreparedStatement"
    }
}

impl JsD1PreparedStatement {
    fn execute<'js>(&self, ctx: &Ctx<'js>) -> Result<Promise<'js>> {
        let target = self.target.clone();
        let stmt = self.stmt.clone();
        blocking(ctx, Ok(move || target.run(&stmt)), |ctx, r| {
            Ok(result_to_js(ctx, &r)?.into_value())
        })
    }
}

/// What `first()` found, carried back from the blocking thread.
enum First {
    Null,
    Value(D1Value),
    Row(Vec<String>, Vec<D1Value>),
}

fn statement<'js>(
    ctx: &Ctx<'js>,
    target: Target,
    stmt: D1PreparedStatement,
) -> Result<Class<'js, JsD1PreparedStatement>> {
    Class::instance(ctx.clone(), JsD1PreparedStatement { target, stmt })
}

fn batch<'js>(ctx: &Ctx<'js>, target: Target, statements: Value<'js>) -> Result<Promise<'js>> {
    let stmts = (|| {
        let Some(array) = statements.as_array() else {
            return Err(throw_as(
                ctx,
                JsClass::TypeError,
                "D1Database.batch(): expected an array of D1PreparedStatement",
            ));
        };
        let mut stmts = Vec::with_capacity(array.len());
        for (i, v) in array.iter::<Value>().enumerate() {
            let v = v?;
            let Some(class) = v
                .as_object()
                .and_then(Class::<JsD1PreparedStatement>::from_object)
            else {
                return Err(throw_as(
                    ctx,
                    JsClass::TypeError,
                    &format!("D1Database.batch(): element {i} is not a D1PreparedStatement"),
                ));
            };
            let stmt = class
                .try_borrow()
                .map_err(|_| throw_as(ctx, JsClass::TypeError, "D1PreparedStatement is in use"))?
                .stmt
                .clone();
            stmts.push(stmt);
        }
        Ok(stmts)
    })();
    blocking(
        ctx,
        stmts.map(|stmts| move || target.batch(&stmts)),
        |ctx, results| {
            let out = Array::new(ctx.clone())?;
            for (i, r) in results.iter().enumerate() {
                out.set(i, result_to_js(ctx, r)?)?;
            }
            Ok(out.into_value())
        },
    )
}

/// Runs `work` on the blocking pool and converts its result on the isolate thread. A failure
/// while preparing (`work` is `Err`) becomes a rejected promise.
fn blocking<'js, T, W, C>(ctx: &Ctx<'js>, work: Result<W>, convert: C) -> Result<Promise<'js>>
where
    T: Send + 'static,
    W: FnOnce() -> std::result::Result<T, D1Error> + Send + 'static,
    C: FnOnce(&Ctx<'js>, T) -> Result<Value<'js>> + 'js,
{
    let ctx2 = ctx.clone();
    verge_js::promise::settle_binding_call(
        ctx,
        work.map(|work| async move {
            match tokio::task::spawn_blocking(work).await {
                Ok(Ok(out)) => convert(&ctx2, out),
                Ok(Err(e)) => Err(throw_d1(&ctx2, &e)),
                Err(join) => {
                    tracing::error!(error = %join, "d1: query task failed");
                    Err(throw_d1(
                        &ctx2,
                        &D1Error::Sql(verge_store::SqlError::new(
                            "internal error",
                            "SQLITE_INTERNAL",
                        )),
                    ))
                }
            }
        }),
    )
}

/// Throws `err` as D1 does: an `Error` with the prefixed message and a `cause` `Error`
/// holding the inner message.
fn throw_d1(ctx: &Ctx<'_>, err: &D1Error) -> rquickjs::Error {
    let _ = throw(ctx, err);
    let error = ctx.catch();
    let message = err.to_string();
    let inner = err
        .cause_message()
        .unwrap_or_else(|| match message.split_once(": ") {
            Some((prefix, rest)) if prefix.starts_with("D1_") => rest.to_owned(),
            _ => message.clone(),
        });
    let _ = throw_as(ctx, JsClass::Error, &inner);
    let cause = ctx.catch();
    if let Some(obj) = error.as_object()
        && obj.set("cause", cause).is_err()
    {
        let _ = ctx.catch();
    }
    ctx.throw(error)
}

fn truthy(v: &Value<'_>) -> bool {
    match v.type_of() {
        Type::Uninitialized | Type::Undefined | Type::Null => false,
        Type::Bool => v.as_bool().unwrap_or(false),
        Type::Int => v.as_int().is_some_and(|i| i != 0),
        Type::Float => v.as_float().is_some_and(|f| f != 0.0 && !f.is_nan()),
        Type::String => v
            .as_string()
            .and_then(|s| s.to_string().ok())
            .is_none_or(|s| !s.is_empty()),
        _ => true,
    }
}

/// A JS value as D1 binds it (workers-api.md §6, `stmt.bind`): the shared rules of
/// [`crate::value::from_js`], plus arrays of byte numbers as BLOBs.
fn to_d1_value<'js>(ctx: &Ctx<'js>, v: &Value<'js>) -> Result<D1Value> {
    if let Some(bytes) = v.as_array().and_then(byte_array) {
        return Ok(D1Value::Blob(bytes));
    }
    match crate::value::from_js(v)? {
        Ok(value) => Ok(value),
        Err(crate::value::Unsupported(type_name)) => {
            let shown = match v.type_of() {
                Type::Symbol => "Symbol()".to_owned(),
                _ => v.get::<Usv>().map(|c| c.0).unwrap_or_else(|_| {
                    let _ = ctx.catch();
                    "[object Object]".to_owned()
                }),
            };
            Err(throw_d1(ctx, &D1Error::type_error(type_name, shown)))
        }
    }
}

/// An array of byte numbers (0..=255 integers) as bytes; `None` if any element is not one.
fn byte_array(array: &Array<'_>) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(array.len());
    for v in array.iter::<Value>() {
        let v = v.ok()?;
        let n = v.as_number()?;
        if n.fract() != 0.0 || !(0.0..=255.0).contains(&n) {
            return None;
        }
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "checked: 0..=255"
        )]
        out.push(n as u8);
    }
    Some(out)
}

/// A column value: integers become (possibly imprecise) numbers, BLOBs arrays of byte numbers.
fn value_to_js<'js>(ctx: &Ctx<'js>, v: &D1Value) -> Result<Value<'js>> {
    crate::value::to_js(ctx, v, crate::value::BlobStyle::ByteArray)
}

/// A row as an object; a repeated column name keeps the later value, as in D1.
fn row_to_js<'js>(ctx: &Ctx<'js>, columns: &[String], values: &[D1Value]) -> Result<Object<'js>> {
    let obj = Object::new(ctx.clone())?;
    for (c, v) in columns.iter().zip(values) {
        obj.set(c.as_str(), value_to_js(ctx, v)?)?;
    }
    Ok(obj)
}

/// `{success: true, results, meta}`.
#[allow(
    clippy::cast_precision_loss,
    reason = "counters and sizes are JS numbers"
)]
fn result_to_js<'js>(ctx: &Ctx<'js>, r: &D1Result) -> Result<Object<'js>> {
    let out = Object::new(ctx.clone())?;
    out.set("success", r.success())?;
    let results = Array::new(ctx.clone())?;
    for (i, row) in r.rows.iter().enumerate() {
        results.set(i, row_to_js(ctx, &r.columns, row)?)?;
    }
    out.set("results", results)?;
    let m = &r.meta;
    let meta = Object::new(ctx.clone())?;
    meta.set("duration", m.duration)?;
    meta.set("changes", m.changes as f64)?;
    meta.set("last_row_id", m.last_row_id as f64)?;
    meta.set("changed_db", m.changed_db)?;
    meta.set("size_after", m.size_after as f64)?;
    meta.set("rows_read", m.rows_read as f64)?;
    meta.set("rows_written", m.rows_written as f64)?;
    meta.set("served_by", m.served_by.as_str())?;
    if let Some(region) = &m.served_by_region {
        meta.set("served_by_region", region.as_str())?;
    }
    meta.set("served_by_primary", m.served_by_primary)?;
    let timings = Object::new(ctx.clone())?;
    timings.set("sql_duration_ms", m.sql_duration_ms)?;
    meta.set("timings", timings)?;
    meta.set("total_attempts", m.total_attempts)?;
    out.set("meta", meta)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use verge_store::sqlite::SqliteDatabase;

    fn run_on(db: D1Database, script: &str) -> String {
        let ext = D1Extension::new(vec![("DB".to_owned(), Arc::new(db))]);
        match verge_js::testing::run_js(
            vec![Arc::new(ext), Arc::new(verge_js::testing::EnvGlobal)],
            script,
        ) {
            Ok(out) => out,
            Err(e) => panic!("script failed: {e}"),
        }
    }

    fn run(script: &str) -> String {
        run_on(
            D1Database::new(Arc::new(SqliteDatabase::open_in_memory().expect("open"))),
            script,
        )
    }

    /// `[class, message, cause message]` of what `body` (an async function body) throws.
    fn error_of(body: &str) -> String {
        run(&format!(
            "try {{ {body}; return 'no error'; }}
             catch (e) {{ return [e instanceof TypeError ? 'TypeError' : e instanceof Error ? 'Error' : typeof e, e.message, e.cause instanceof Error ? e.cause.message : e.cause]; }}"
        ))
    }

    const SETUP: &str = "await env.DB.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, score REAL, data BLOB)');";

    #[test]
    fn run_and_all_return_success_results_and_meta() {
        let out = run(&format!(
            r#"{SETUP}
            const ins = await env.DB.prepare("INSERT INTO t (name, score) VALUES (?, ?)").bind("ada", 1.5).run();
            const all = await env.DB.prepare("SELECT id, name, score FROM t").all();
            return [ins.success, ins.results, ins.meta.changes, ins.meta.last_row_id, ins.meta.changed_db,
                    Object.keys(ins.meta), typeof ins.meta.duration, typeof ins.meta.timings.sql_duration_ms,
                    ins.meta.served_by, ins.meta.total_attempts, all.results];
        "#
        ));
        assert_eq!(
            out,
            r#"[true,[],1,1,true,["duration","changes","last_row_id","changed_db","size_after","rows_read","rows_written","served_by","served_by_primary","timings","total_attempts"],"number","number","verge-sqlite",1,[{"id":1,"name":"ada","score":1.5}]]"#
        );
    }

    #[test]
    fn first_returns_a_row_a_column_or_null() {
        let out = run(&format!(
            r#"{SETUP}
            await env.DB.prepare("INSERT INTO t (name) VALUES ('a'), ('b')").run();
            const q = env.DB.prepare("SELECT id, name FROM t ORDER BY id");
            const empty = env.DB.prepare("SELECT name FROM t WHERE id = ?").bind(99);
            return [await q.first(), await q.first("name"), await empty.first(), await empty.first("name")];
        "#
        ));
        assert_eq!(out, r#"[{"id":1,"name":"a"},"a",null,null]"#);
        assert_eq!(
            error_of(&format!(
                "{SETUP} await env.DB.exec(\"INSERT INTO t (name) VALUES ('a')\"); await env.DB.prepare('SELECT name FROM t').first('nope')"
            )),
            r#"["Error","D1_COLUMN_NOTFOUND: Column not found (nope)","Column not found (nope)"]"#
        );
    }

    #[test]
    fn raw_returns_arrays_with_optional_column_names() {
        let out = run(&format!(
            r#"{SETUP}
            await env.DB.prepare("INSERT INTO t (name) VALUES ('a'), ('b')").run();
            const q = env.DB.prepare("SELECT id, name FROM t ORDER BY id");
            const none = env.DB.prepare("SELECT id, name FROM t WHERE 0");
            return [await q.raw(), await q.raw({{ columnNames: true }}), await none.raw({{ columnNames: true }}), await none.raw()];
        "#
        ));
        assert_eq!(
            out,
            r#"[[[1,"a"],[2,"b"]],[["id","name"],[1,"a"],[2,"b"]],[["id","name"]],[]]"#
        );
    }

    #[test]
    fn bind_maps_js_types_to_sqlite_types() {
        let out = run(r#"
            const q = env.DB.prepare("SELECT typeof(?1) AS t1, ?1 AS v1, typeof(?2) AS t2, typeof(?3) AS t3, ?3 AS v3, typeof(?4) AS t4, ?4 AS v4, typeof(?5) AS t5, ?5 AS v5, typeof(?6) AS t6, ?6 AS v6, typeof(?7) AS t7, ?7 AS v7, typeof(?8) AS t8, ?8 AS v8, typeof(?9) AS t9, ?9 AS v9, typeof(?10) AS t10, ?10 AS v10, typeof(?11) AS t11");
            return await q.bind(42, 2.5, true, false, null, "s", new Uint8Array([1, 2]).buffer, new Uint16Array([0x0201]), [3, 4], 2 ** 60, 2 ** 53 - 1).first();
        "#);
        assert_eq!(
            out,
            r#"{"t1":"integer","v1":42,"t2":"real","t3":"integer","v3":1,"t4":"integer","v4":0,"t5":"null","v5":null,"t6":"text","v6":"s","t7":"blob","v7":[1,2],"t8":"blob","v8":[1,2],"t9":"blob","v9":[3,4],"t10":"real","v10":1152921504606847000,"t11":"integer"}"#
        );
    }

    #[test]
    fn bind_rejects_unsupported_types_synchronously() {
        let q = "env.DB.prepare('SELECT ?')";
        assert_eq!(
            error_of(&format!("{q}.bind(undefined)")),
            r#"["Error","D1_TYPE_ERROR: Type 'undefined' not supported for value 'undefined'","Type 'undefined' not supported for value 'undefined'"]"#
        );
        assert_eq!(
            error_of(&format!("{q}.bind({{ a: 1 }})")),
            r#"["Error","D1_TYPE_ERROR: Type 'object' not supported for value '[object Object]'","Type 'object' not supported for value '[object Object]'"]"#
        );
        assert_eq!(
            error_of(&format!("{q}.bind(10n)")),
            r#"["Error","D1_TYPE_ERROR: Type 'bigint' not supported for value '10'","Type 'bigint' not supported for value '10'"]"#
        );
        assert_eq!(
            error_of(&format!("{q}.bind([1, 300])")),
            r#"["Error","D1_TYPE_ERROR: Type 'object' not supported for value '1,300'","Type 'object' not supported for value '1,300'"]"#
        );
    }

    #[test]
    fn statements_are_immutable_and_reusable() {
        let out = run(&format!(
            r#"{SETUP}
            const ins = env.DB.prepare("INSERT INTO t (name) VALUES (?)");
            const a = ins.bind("a"); const b = ins.bind("b");
            await a.run(); await b.run(); await a.run();
            return [a === ins, await env.DB.prepare("SELECT name FROM t ORDER BY id").raw(), Object.prototype.toString.call(ins)];
        "#
        ));
        assert_eq!(
            out,
            r#"[false,[["a"],["b"],["a"]],"[object D1PreparedStatement]"]"#
        );
    }

    #[test]
    fn sql_errors_have_the_d1_prefix_and_a_cause() {
        assert_eq!(
            error_of("await env.DB.prepare('SELECT * FROM nope').all()"),
            r#"["Error","D1_ERROR: no such table: nope: SQLITE_ERROR","no such table: nope: SQLITE_ERROR"]"#
        );
        let out = run(
            "const p = env.DB.prepare('SELECT * FROM nope').run(); return [p instanceof Promise, await p.then(() => 'ok', e => e.message)];",
        );
        assert_eq!(
            out,
            r#"[true,"D1_ERROR: no such table: nope: SQLITE_ERROR"]"#
        );
    }

    #[test]
    fn batch_runs_in_order_and_rolls_back_on_failure() {
        let out = run(&format!(
            r#"{SETUP}
            const ins = env.DB.prepare("INSERT INTO t (id, name) VALUES (?, ?)");
            const ok = await env.DB.batch([ins.bind(1, "a"), ins.bind(2, "b"), env.DB.prepare("SELECT count(*) AS n FROM t")]);
            let err;
            try {{ await env.DB.batch([ins.bind(3, "c"), ins.bind(1, "dup")]); }} catch (e) {{ err = [e.message, e.cause.message]; }}
            const rows = await env.DB.prepare("SELECT id FROM t ORDER BY id").raw();
            return [ok.length, ok[0].meta.changes, ok[2].results, err, rows];
        "#
        ));
        assert_eq!(
            out,
            r#"[3,1,[{"n":2}],["D1_ERROR: UNIQUE constraint failed: t.id: SQLITE_CONSTRAINT","UNIQUE constraint failed: t.id: SQLITE_CONSTRAINT"],[[1],[2]]]"#
        );
    }

    #[test]
    fn batch_wants_an_array_of_statements() {
        assert_eq!(
            error_of("await env.DB.batch([{}])"),
            r#"["TypeError","D1Database.batch(): element 0 is not a D1PreparedStatement",null]"#
        );
        assert_eq!(
            error_of("await env.DB.batch('SELECT 1')"),
            r#"["TypeError","D1Database.batch(): expected an array of D1PreparedStatement",null]"#
        );
    }

    #[test]
    fn exec_is_not_atomic_and_counts_statements() {
        let out = run(r#"
            const r = await env.DB.exec("CREATE TABLE a (x);\nINSERT INTO a VALUES (1);\n\nINSERT INTO a VALUES (2);");
            let err;
            try { await env.DB.exec("INSERT INTO a VALUES (3);\nINSERT INTO nope VALUES (4);"); } catch (e) { err = [e.message, e.cause.message]; }
            return [r.count, typeof r.duration, err, await env.DB.prepare("SELECT x FROM a").raw()];
        "#);
        assert_eq!(
            out,
            r#"[3,"number",["D1_EXEC_ERROR: Error in line 2: INSERT INTO nope VALUES (4);: no such table: nope: SQLITE_ERROR","Error in line 2: INSERT INTO nope VALUES (4);: no such table: nope: SQLITE_ERROR"],[[1],[2],[3]]]"#
        );
    }

    #[test]
    fn dump_is_an_array_buffer_holding_a_sqlite_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = D1Database::new(Arc::new(
            SqliteDatabase::open_in(dir.path(), "db").expect("open"),
        ));
        let out = run_on(
            db,
            r#"
            await env.DB.exec("CREATE TABLE a (x)");
            const ab = await env.DB.dump();
            return [ab instanceof ArrayBuffer, String.fromCharCode(...new Uint8Array(ab, 0, 15))];
        "#,
        );
        assert_eq!(out, r#"[true,"SQLite format 3"]"#);
    }

    #[test]
    fn sessions_track_bookmarks() {
        let out = run(&format!(
            r#"{SETUP}
            const s = env.DB.withSession();
            const before = s.getBookmark();
            await s.prepare("INSERT INTO t (name) VALUES ('a')").run();
            const b1 = s.getBookmark();
            const [r] = await s.batch([s.prepare("SELECT count(*) AS n FROM t")]);
            const s2 = env.DB.withSession(b1);
            const primary = env.DB.withSession("first-primary");
            return [before === null ? null : typeof before, typeof b1, r.results, s2.getBookmark() === b1, primary.getBookmark() === null ? null : "not null",
                    await s2.prepare("SELECT name FROM t").first("name"), Object.prototype.toString.call(s)];
        "#
        ));
        assert_eq!(
            out,
            r#"[null,"string",[{"n":1}],true,null,"a","[object D1DatabaseSession]"]"#
        );
        assert_eq!(
            error_of(r#"env.DB.withSession("")"#),
            r#"["Error","D1_SESSION_ERROR: invalid bookmark or constraint","invalid bookmark or constraint"]"#
        );
    }

    #[test]
    fn writes_run_off_the_isolate_thread_and_interleave() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = D1Database::new(Arc::new(
            SqliteDatabase::open_in(dir.path(), "db").expect("open"),
        ));
        let out = run_on(
            db,
            r#"
            await env.DB.exec("CREATE TABLE c (n INTEGER)");
            const ins = env.DB.prepare("INSERT INTO c VALUES (?)");
            await Promise.all(Array.from({ length: 20 }, (_, i) => ins.bind(i).run()));
            return await env.DB.prepare("SELECT count(*) AS n, sum(n) AS s FROM c").first();
        "#,
        );
        assert_eq!(out, r#"{"n":20,"s":190}"#);
    }

    #[test]
    fn large_integers_lose_precision_like_js_numbers() {
        let out = run("return await env.DB.prepare('SELECT 9007199254740993 AS n').first('n');");
        assert_eq!(out, "9007199254740992");
    }
}
