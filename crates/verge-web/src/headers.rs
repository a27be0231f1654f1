//! `Headers` (<https://fetch.spec.whatwg.org/#headers-class>), with Workers' `getSetCookie()`
//! and legacy `getAll("set-cookie")`.
//!
//! Names are stored lower-cased in a map ordered by name, each with its values in the order
//! they were added; iteration walks the map and combines repeated names with `", "`, except
//! `set-cookie`, whose values stay separate (`http_headers_getsetcookie`, compat 2023-03-01).
//! Every operation is logarithmic in the number of names (iteration linear), so a guest
//! building tens of thousands of headers does not spend seconds in one native call: the
//! previous insertion-ordered list made `sorted()` and a run of `set`/`delete` quadratic.

use std::collections::BTreeMap;

use rquickjs::atom::PredefinedAtom;
use rquickjs::class::Trace;
use rquickjs::prelude::*;
use rquickjs::{Class, Ctx, Exception, Function, Iterable, JsLifetime, Object, Result, Value};

use crate::limits::{MAX_RESPONSE_HEADER_BYTES, MAX_RESPONSE_HEADERS};
use verge_js::string::Usv;

/// Whether a `Headers` may be changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Guard {
    /// Mutable.
    #[default]
    None,
    /// Incoming request headers and `fetch()` response headers.
    Immutable,
}

/// The `Headers` class.
#[derive(Trace, JsLifetime, Default, Clone, Debug)]
#[rquickjs::class]
pub struct Headers {
    /// Lower-case name → its values; a `BTreeMap` iterates in the byte order of names, the
    /// order the Fetch spec's "sort and combine" wants. Built on first use from `raw`.
    #[qjs(skip_trace)]
    index: std::cell::OnceCell<BTreeMap<String, Values>>,
    /// Valid pairs not yet indexed ([`Headers::from_list`]): an incoming request's headers
    /// cost one move until the worker reads them, and a worker that never does never pays
    /// for the map.
    #[qjs(skip_trace)]
    raw: std::cell::RefCell<Option<Vec<(String, String)>>>,
    #[qjs(skip_trace)]
    guard: Guard,
    /// Bumped by every change, so that a live iterator knows when to sort again.
    #[qjs(skip_trace)]
    generation: std::cell::Cell<u64>,
}

/// The values of one header name, in the order they were added. The first is held apart so
/// that the usual single value needs no second allocation.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Values {
    first: String,
    rest: Vec<String>,
}

impl Values {
    fn one(value: String) -> Self {
        Values {
            first: value,
            rest: Vec::new(),
        }
    }

    fn iter(&self) -> impl Iterator<Item = &String> {
        std::iter::once(&self.first).chain(&self.rest)
    }

    /// The values joined by `", "`.
    fn combined(&self) -> String {
        let mut out = self.first.clone();
        for v in &self.rest {
            out.push_str(", ");
            out.push_str(v);
        }
        out
    }
}

/// Why a header name or value was rejected.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    /// Not an HTTP token.
    #[error("Invalid header name: {0:?}")]
    Name(String),
    /// Contains NUL, CR or LF.
    #[error("Invalid header value for {0:?}")]
    Value(String),
    /// The headers are immutable.
    #[error("Can't modify immutable headers.")]
    Immutable,
    /// A response has more header lines than [`MAX_RESPONSE_HEADERS`].
    #[error("The worker's response has {count} headers; the limit is {max}.")]
    TooMany {
        /// Header lines of the response.
        count: usize,
        /// [`MAX_RESPONSE_HEADERS`].
        max: usize,
    },
    /// A response's headers are larger than [`MAX_RESPONSE_HEADER_BYTES`].
    #[error("The worker's response headers are {bytes} bytes; the limit is {max} bytes.")]
    TooLarge {
        /// Bytes of the header lines, as sent (`name: value\r\n`).
        bytes: usize,
        /// [`MAX_RESPONSE_HEADER_BYTES`].
        max: usize,
    },
}

/// Checks the header lines of a response (as [`Headers::sorted`] gives them) against
/// [`MAX_RESPONSE_HEADERS`] and [`MAX_RESPONSE_HEADER_BYTES`].
pub fn check_response_headers(lines: &[(String, String)]) -> std::result::Result<(), HeaderError> {
    if lines.len() > MAX_RESPONSE_HEADERS {
        return Err(HeaderError::TooMany {
            count: lines.len(),
            max: MAX_RESPONSE_HEADERS,
        });
    }
    let bytes: usize = lines.iter().map(|(n, v)| n.len() + v.len() + 4).sum();
    if bytes > MAX_RESPONSE_HEADER_BYTES {
        return Err(HeaderError::TooLarge {
            bytes,
            max: MAX_RESPONSE_HEADER_BYTES,
        });
    }
    Ok(())
}

fn is_token_byte(b: u8) -> bool {
    matches!(
        b,
        b'!' | b'#'
            | b'$'
            | b'%'
            | b'&'
            | b'\''
            | b'*'
            | b'+'
            | b'-'
            | b'.'
            | b'^'
            | b'_'
            | b'`'
            | b'|'
            | b'~'
    ) || b.is_ascii_alphanumeric()
}

/// Checks that `name` is an HTTP token.
fn check_name(name: &str) -> std::result::Result<(), HeaderError> {
    if name.is_empty() || !name.bytes().all(is_token_byte) {
        return Err(HeaderError::Name(name.to_string()));
    }
    Ok(())
}

/// Lower-cases and validates a header name.
pub fn normalize_name(name: &str) -> std::result::Result<String, HeaderError> {
    check_name(name)?;
    Ok(name.to_ascii_lowercase())
}

const HTTP_WHITESPACE: [char; 4] = [' ', '\t', '\n', '\r'];

/// Strips leading and trailing HTTP whitespace and validates a header value.
pub fn normalize_value(name: &str, value: &str) -> std::result::Result<String, HeaderError> {
    normalize_value_owned(name, value.to_string())
}

/// [`normalize_value`] reusing the given string when there is nothing to strip.
fn normalize_value_owned(name: &str, value: String) -> std::result::Result<String, HeaderError> {
    let v = value.trim_matches(HTTP_WHITESPACE);
    if v.contains(['\0', '\r', '\n']) {
        return Err(HeaderError::Value(name.to_string()));
    }
    if v.len() == value.len() {
        Ok(value)
    } else {
        Ok(v.to_string())
    }
}

/// A validated pair: the name lower-cased and the value normalized, keeping the given strings
/// where they are already normal. The name is checked first.
fn normalize_pair(
    mut name: String,
    value: String,
) -> std::result::Result<(String, String), HeaderError> {
    check_name(&name)?;
    let value = normalize_value_owned(&name, value)?;
    name.make_ascii_lowercase();
    Ok((name, value))
}

/// Adds a value under a valid, lower-case name.
fn insert(map: &mut BTreeMap<String, Values>, lower_name: String, value: String) {
    match map.entry(lower_name) {
        std::collections::btree_map::Entry::Occupied(mut e) => e.get_mut().rest.push(value),
        std::collections::btree_map::Entry::Vacant(e) => {
            e.insert(Values::one(value));
        }
    }
}

fn throw(ctx: &Ctx<'_>, e: HeaderError) -> rquickjs::Error {
    Exception::throw_type(ctx, &e.to_string())
}

impl Headers {
    /// Headers from already-valid `(lower-case name, value)` pairs.
    pub fn from_list(list: Vec<(String, String)>, guard: Guard) -> Self {
        Headers {
            index: std::cell::OnceCell::new(),
            raw: std::cell::RefCell::new(Some(list)),
            guard,
            generation: std::cell::Cell::new(0),
        }
    }

    /// The index, built from the pending pairs on first use.
    fn map(&self) -> &BTreeMap<String, Values> {
        self.index.get_or_init(|| {
            let mut map: BTreeMap<String, Values> = BTreeMap::new();
            for (name, value) in self.raw.borrow_mut().take().unwrap_or_default() {
                insert(&mut map, name, value);
            }
            map
        })
    }

    fn map_mut(&mut self) -> &mut BTreeMap<String, Values> {
        self.map();
        self.generation.set(self.generation.get().wrapping_add(1));
        self.index.get_mut().expect("built by map()")
    }

    /// The pairs in name order, each name's values in the order they were added (names
    /// lower-cased, nothing combined).
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.map()
            .iter()
            .flat_map(|(n, vs)| vs.iter().map(move |v| (n.as_str(), v.as_str())))
    }

    /// Appends `value` under `lower_name` (a valid, lower-case name; the value already normal)
    /// unless the name is present: a body's default `content-type`.
    pub fn append_if_absent(&mut self, lower_name: &str, value: String) {
        let map = self.map_mut();
        if !map.contains_key(lower_name) {
            map.insert(lower_name.to_string(), Values::one(value));
        }
    }

    /// Sets the guard.
    pub fn set_guard(&mut self, guard: Guard) {
        self.guard = guard;
    }

    /// Appends a pair after validation.
    pub fn try_append(&mut self, name: &str, value: &str) -> std::result::Result<(), HeaderError> {
        self.try_append_owned(name.to_string(), value.to_string())
    }

    /// [`Headers::try_append`] keeping the given strings when they are already normal.
    fn try_append_owned(
        &mut self,
        name: String,
        value: String,
    ) -> std::result::Result<(), HeaderError> {
        self.check_mutable()?;
        let (name, value) = normalize_pair(name, value)?;
        self.push(name, value);
        Ok(())
    }

    /// Appends a valid pair (name lower-case).
    fn push(&mut self, lower_name: String, value: String) {
        insert(self.map_mut(), lower_name, value);
    }

    fn check_mutable(&self) -> std::result::Result<(), HeaderError> {
        if self.guard == Guard::Immutable {
            Err(HeaderError::Immutable)
        } else {
            Ok(())
        }
    }

    /// The values of `name`, compared ignoring ASCII case (stored names are lower-case); a
    /// name without upper-case letters needs no lower-cased copy.
    fn lookup(&self, name: &str) -> Option<&Values> {
        if name.bytes().any(|b| b.is_ascii_uppercase()) {
            self.map().get(&name.to_ascii_lowercase())
        } else {
            self.map().get(name)
        }
    }

    /// The combined value of `name`, compared ignoring ASCII case.
    pub fn combined_value(&self, name: &str) -> Option<String> {
        self.lookup(name).map(Values::combined)
    }

    /// Sorted and combined pairs, as iteration shows them.
    pub fn sorted(&self) -> Vec<(String, String)> {
        let map = self.map();
        let mut out = Vec::with_capacity(map.len());
        for (name, values) in map {
            if name == "set-cookie" {
                out.extend(values.iter().map(|v| (name.clone(), v.clone())));
            } else {
                out.push((name.clone(), values.combined()));
            }
        }
        out
    }

    fn fill<'js>(&mut self, ctx: &Ctx<'js>, init: Value<'js>) -> Result<()> {
        if init.is_undefined() || init.is_null() {
            return Ok(());
        }
        let Some(obj) = init.as_object() else {
            return Err(Exception::throw_type(
                ctx,
                "Failed to construct 'Headers': The provided value is not of type '(record<ByteString, ByteString> or sequence<sequence<ByteString>>)'.",
            ));
        };
        let iter_fn: Value = obj.get(PredefinedAtom::SymbolIterator)?;
        // Another Headers is copied directly (as workerd does, whatever `Headers.prototype`
        // holds, so a guest's patched prototype never runs inside the platform), unless that
        // object was given its own iterator, which WebIDL's sequence conversion would call.
        let other = match verge_js::class::class_of::<Headers>(obj) {
            Some(other)
                if ctx.userdata::<IteratorFn>().is_some_and(|f| f.0 == iter_fn)
                    || !has_own_iterator(ctx, obj)? =>
            {
                Some(other)
            }
            _ => None,
        };
        if let Some(other) = other {
            if self.map().is_empty() {
                let copy = other.borrow().map().clone();
                *self.map_mut() = copy;
            } else {
                let other = other.borrow();
                for (n, v) in other.pairs() {
                    self.push(n.to_string(), v.to_string());
                }
            }
            return Ok(());
        }
        if let Some(iter_fn) = iter_fn.as_function() {
            // The sequence is read with the iterator protocol, in Rust: no `Array.from` or other
            // global a guest may have replaced. An array is read by index.
            let array: Vec<Value> = match obj.as_array() {
                Some(a) => a.iter::<Value>().collect::<Result<_>>()?,
                None => collect_iterable(obj, iter_fn)?,
            };
            for pair in array {
                let items: Vec<Usv> = match pair.as_object() {
                    Some(p) if p.as_array().is_some() => pair.get()?,
                    Some(p) => {
                        let f: Value = p.get(PredefinedAtom::SymbolIterator)?;
                        let Some(f) = f.as_function() else {
                            return Err(Exception::throw_type(
                                ctx,
                                "Failed to construct 'Headers': a header init pair must be a sequence",
                            ));
                        };
                        collect_iterable(p, f)?
                            .into_iter()
                            .map(|v| v.get())
                            .collect::<Result<_>>()?
                    }
                    None => {
                        return Err(Exception::throw_type(
                            ctx,
                            "Failed to construct 'Headers': a header init pair must be a sequence",
                        ));
                    }
                };
                let Ok::<[_; 2], _>([n, v]) = items.try_into() else {
                    return Err(Exception::throw_type(
                        ctx,
                        "Failed to construct 'Headers': a header init pair must have exactly two items",
                    ));
                };
                self.try_append_owned(n.0, v.0).map_err(|e| throw(ctx, e))?;
            }
            return Ok(());
        }
        for prop in obj.props::<String, Usv>() {
            let (k, v) = prop?;
            self.try_append_owned(k, v.0).map_err(|e| throw(ctx, e))?;
        }
        Ok(())
    }
}

/// A WebIDL pair iterator over `headers`: each step takes the entry at its index in the
/// headers' current sorted and combined list, so changes made while iterating are seen as the
/// Fetch spec says. The sorted list is kept while the headers are unchanged, so a loop that
/// does not change them stays linear.
fn live_iter<'js, T: 'js>(
    headers: Class<'js, Headers>,
    pick: fn((String, String)) -> T,
) -> Iterable<impl rquickjs::IterableFn<Item = T> + 'js> {
    let mut index = 0;
    let mut sorted: Option<(u64, Vec<(String, String)>)> = None;
    Iterable::from_fn(move || {
        let h = headers.borrow();
        let generation = h.generation.get();
        if sorted.as_ref().is_none_or(|(g, _)| *g != generation) {
            sorted = Some((generation, h.sorted()));
        }
        let entry = sorted.as_ref()?.1.get(index)?.clone();
        index += 1;
        Some(pick(entry))
    })
}

/// Whether `obj` has an own `Symbol.iterator` property.
fn has_own_iterator<'js>(ctx: &Ctx<'js>, obj: &Object<'js>) -> Result<bool> {
    let iterator = rquickjs::Atom::from_predefined(ctx.clone(), PredefinedAtom::SymbolIterator);
    for key in obj.own_keys::<rquickjs::Atom>(rquickjs::object::Filter::new().symbol()) {
        if key? == iterator {
            return Ok(true);
        }
    }
    Ok(false)
}

/// `Headers.prototype[Symbol.iterator]` as the platform defined it (see [`install`]).
#[derive(JsLifetime)]
struct IteratorFn<'js>(Value<'js>);

/// Defines the `Headers` global and remembers its original iterator, so that `new Headers(h)`
/// knows when `h`'s iteration was replaced.
pub fn install(ctx: &Ctx<'_>) -> Result<()> {
    Class::<Headers>::define(&ctx.globals())?;
    let proto = Class::<Headers>::prototype(ctx)?
        .ok_or_else(|| Exception::throw_internal(ctx, "Headers has no prototype"))?;
    let f: Value = proto.get(PredefinedAtom::SymbolIterator)?;
    let _ = ctx.store_userdata(IteratorFn(f));
    Ok(())
}

/// The values an iterable yields (WebIDL sequence conversion: `iter_fn` is the object's
/// `@@iterator`; `next` is read once).
fn collect_iterable<'js>(obj: &Object<'js>, iter_fn: &Function<'js>) -> Result<Vec<Value<'js>>> {
    let iterator: Object = iter_fn.call((This(obj.clone()),))?;
    let next: Function = iterator.get("next")?;
    let mut out = Vec::new();
    loop {
        let step: Object = next.call((This(iterator.clone()),))?;
        if step.get::<_, rquickjs::Coerced<bool>>("done")?.0 {
            return Ok(out);
        }
        out.push(step.get("value")?);
    }
}

#[rquickjs::methods(rename_all = "camelCase")]
impl Headers {
    #[qjs(constructor)]
    fn new<'js>(ctx: Ctx<'js>, init: Opt<Value<'js>>) -> Result<Self> {
        let mut h = Headers::default();
        // HeadersInit is a sequence or a record: null is neither (undefined is no init).
        if init.0.as_ref().is_some_and(Value::is_null) {
            return Err(Exception::throw_type(
                &ctx,
                "Failed to construct 'Headers': The provided value is not of type '(record<ByteString, ByteString> or sequence<sequence<ByteString>>)'.",
            ));
        }
        if let Some(init) = init.0 {
            h.fill(&ctx, init)?;
        }
        Ok(h)
    }

    /// The combined value, or `null` (not `undefined`) when the header is absent.
    fn get<'js>(&self, ctx: Ctx<'js>, name: Usv) -> Result<Value<'js>> {
        check_name(&name.0).map_err(|e| throw(&ctx, e))?;
        match self.combined_value(&name.0) {
            Some(v) => Ok(rquickjs::String::from_str(ctx, &v)?.into_value()),
            None => Ok(Value::new_null(ctx)),
        }
    }

    fn get_set_cookie(&self) -> Vec<String> {
        self.map()
            .get("set-cookie")
            .map(|vs| vs.iter().cloned().collect())
            .unwrap_or_default()
    }

    fn get_all(&self, ctx: Ctx<'_>, name: Usv) -> Result<Vec<String>> {
        let n = normalize_name(&name.0).map_err(|e| throw(&ctx, e))?;
        if n != "set-cookie" {
            return Err(Exception::throw_type(
                &ctx,
                "getAll() can only be used with the header name \"Set-Cookie\".",
            ));
        }
        Ok(self.get_set_cookie())
    }

    fn has(&self, ctx: Ctx<'_>, name: Usv) -> Result<bool> {
        check_name(&name.0).map_err(|e| throw(&ctx, e))?;
        Ok(self.lookup(&name.0).is_some())
    }

    fn set(&mut self, ctx: Ctx<'_>, name: Usv, value: Usv) -> Result<()> {
        self.check_mutable().map_err(|e| throw(&ctx, e))?;
        let (n, v) = normalize_pair(name.0, value.0).map_err(|e| throw(&ctx, e))?;
        // The spec replaces the first value and drops the others; as iteration is by name,
        // where the name stood in insertion order is not observable.
        self.map_mut().insert(n, Values::one(v));
        Ok(())
    }

    fn append(&mut self, ctx: Ctx<'_>, name: Usv, value: Usv) -> Result<()> {
        self.try_append_owned(name.0, value.0)
            .map_err(|e| throw(&ctx, e))
    }

    fn delete(&mut self, ctx: Ctx<'_>, name: Usv) -> Result<()> {
        self.check_mutable().map_err(|e| throw(&ctx, e))?;
        let n = normalize_name(&name.0).map_err(|e| throw(&ctx, e))?;
        self.map_mut().remove(&n);
        Ok(())
    }

    fn entries<'js>(
        this: This<Class<'js, Self>>,
    ) -> Iterable<impl rquickjs::IterableFn<Item = Vec<String>> + 'js> {
        live_iter(this.0, |(n, v)| vec![n, v])
    }

    fn keys<'js>(
        this: This<Class<'js, Self>>,
    ) -> Iterable<impl rquickjs::IterableFn<Item = String> + 'js> {
        live_iter(this.0, |(n, _)| n)
    }

    fn values<'js>(
        this: This<Class<'js, Self>>,
    ) -> Iterable<impl rquickjs::IterableFn<Item = String> + 'js> {
        live_iter(this.0, |(_, v)| v)
    }

    #[qjs(rename = PredefinedAtom::SymbolIterator)]
    fn iter<'js>(
        this: This<Class<'js, Self>>,
    ) -> Iterable<impl rquickjs::IterableFn<Item = Vec<String>> + 'js> {
        live_iter(this.0, |(n, v)| vec![n, v])
    }

    fn for_each<'js>(
        this: This<Class<'js, Self>>,
        callback: Function<'js>,
        this_arg: Opt<Value<'js>>,
    ) -> Result<()> {
        let entries = this.0.borrow().sorted(); // copied out: the callback may mutate the headers
        let this_arg = this_arg
            .0
            .unwrap_or_else(|| Value::new_undefined(callback.ctx().clone()));
        for (n, v) in entries {
            let args = rquickjs::function::Args::new(callback.ctx().clone(), 3);
            let mut args = args;
            args.this(this_arg.clone())?;
            args.push_arg(v)?;
            args.push_arg(n)?;
            args.push_arg(this.0.clone())?;
            callback.call_arg::<()>(args)?;
        }
        Ok(())
    }

    #[qjs(get, rename = PredefinedAtom::SymbolToStringTag)]
    fn to_string_tag(&self) -> &'static str {
        "Headers"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_validated_and_lowercased() {
        assert_eq!(normalize_name("Content-Type").unwrap(), "content-type");
        assert!(normalize_name("bad name").is_err());
        assert!(normalize_name("").is_err());
        assert!(normalize_name("x:y").is_err());
    }

    #[test]
    fn values_are_trimmed_and_reject_newlines() {
        assert_eq!(normalize_value("a", "  v \t").unwrap(), "v");
        assert!(normalize_value("a", "x\r\ny").is_err());
        assert_eq!(normalize_value("a", "v").unwrap(), "v");
    }

    #[test]
    fn appending_checks_the_name_before_the_value_and_lookups_ignore_case() {
        let mut h = Headers::default();
        assert_eq!(
            h.try_append("bad name", "x\ny"),
            Err(HeaderError::Name("bad name".into()))
        );
        assert_eq!(
            h.try_append("X-Ok", "x\ny"),
            Err(HeaderError::Value("X-Ok".into()))
        );
        h.try_append("X-Mixed-Case", " v ").unwrap();
        assert_eq!(h.pairs().collect::<Vec<_>>(), [("x-mixed-case", "v")]);
        assert_eq!(h.combined_value("x-MIXED-case").as_deref(), Some("v"));
        assert_eq!(h.combined_value("x-mixed-case").as_deref(), Some("v"));
        assert_eq!(h.combined_value("x-mixed"), None);
    }

    #[test]
    fn iteration_sorts_combines_and_keeps_set_cookie_separate() {
        let mut h = Headers::default();
        h.try_append("B", "1").unwrap();
        h.try_append("set-cookie", "a=1").unwrap();
        h.try_append("A", "x").unwrap();
        h.try_append("b", "2").unwrap();
        h.try_append("Set-Cookie", "b=2").unwrap();
        assert_eq!(
            h.sorted(),
            vec![
                ("a".into(), "x".into()),
                ("b".into(), "1, 2".into()),
                ("set-cookie".into(), "a=1".into()),
                ("set-cookie".into(), "b=2".into()),
            ]
        );
        assert_eq!(h.combined_value("set-cookie").unwrap(), "a=1, b=2");
    }

    #[test]
    fn response_headers_are_capped_in_count_and_bytes() {
        let line = |n: usize| (format!("x-{n}"), "v".to_string());
        let at_limit: Vec<_> = (0..MAX_RESPONSE_HEADERS).map(line).collect();
        assert_eq!(check_response_headers(&at_limit), Ok(()));
        let over: Vec<_> = (0..=MAX_RESPONSE_HEADERS).map(line).collect();
        let err = check_response_headers(&over).unwrap_err();
        assert_eq!(
            err,
            HeaderError::TooMany {
                count: 10_001,
                max: 10_000
            }
        );
        assert_eq!(
            err.to_string(),
            "The worker's response has 10001 headers; the limit is 10000."
        );
        // "a: <value>\r\n" is 5 bytes plus the value.
        let fits = vec![("a".to_string(), "v".repeat(MAX_RESPONSE_HEADER_BYTES - 5))];
        assert_eq!(check_response_headers(&fits), Ok(()));
        let big = vec![("a".to_string(), "v".repeat(MAX_RESPONSE_HEADER_BYTES - 4))];
        let err = check_response_headers(&big).unwrap_err();
        assert_eq!(
            err.to_string(),
            "The worker's response headers are 131073 bytes; the limit is 131072 bytes."
        );
    }

    #[test]
    fn lines_count_after_combining_except_set_cookie() {
        let mut h = Headers::default();
        for _ in 0..3 {
            h.try_append("x-a", "1").unwrap();
            h.try_append("set-cookie", "s=1").unwrap();
        }
        assert_eq!(h.sorted().len(), 4);
        assert_eq!(h.pairs().count(), 6);
    }

    #[test]
    fn immutable_headers_refuse_changes() {
        let mut h = Headers::from_list(vec![], Guard::Immutable);
        assert_eq!(h.try_append("a", "b"), Err(HeaderError::Immutable));
    }
}
