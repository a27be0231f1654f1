//! SQL values ↔ JS values: the one conversion D1 and Durable Object SQL (`ctx.storage.sql`,
//! in verge-durable) share. The two APIs differ only where Workers differ: how a BLOB reads
//! back ([`BlobStyle`]) and which extra JS types a binding accepts (D1 takes arrays of byte
//! numbers; that stays in D1's glue).

use rquickjs::{Ctx, Result, Type, Value};
use verge_store::SqlValue;

/// JS's largest safe integer: integral numbers within ±this bind as INTEGER.
pub const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// How a BLOB column reads back in JS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlobStyle {
    /// An array of byte numbers (D1).
    ByteArray,
    /// An `ArrayBuffer` (Durable Object SQL).
    ArrayBuffer,
}

/// A column value as JS sees it; integers become (possibly imprecise) numbers.
#[allow(
    clippy::cast_precision_loss,
    reason = "Workers return SQL integers as JS numbers (precision lost above 2^53)"
)]
pub fn to_js<'js>(ctx: &Ctx<'js>, v: &SqlValue, blobs: BlobStyle) -> Result<Value<'js>> {
    Ok(match v {
        SqlValue::Null => Value::new_null(ctx.clone()),
        SqlValue::Integer(i) => Value::new_number(ctx.clone(), *i as f64),
        SqlValue::Real(f) => Value::new_number(ctx.clone(), *f),
        SqlValue::Text(s) => rquickjs::String::from_str(ctx.clone(), s)?.into_value(),
        SqlValue::Blob(b) => match blobs {
            BlobStyle::ArrayBuffer => verge_js::bytes::new_array_buffer(ctx, b.clone())?,
            BlobStyle::ByteArray => {
                let arr = rquickjs::Array::new(ctx.clone())?;
                for (i, byte) in b.iter().enumerate() {
                    arr.set(i, i32::from(*byte))?;
                }
                arr.into_value()
            }
        },
    })
}

/// A JS value bound as a SQL parameter: `null` → NULL, booleans → 0/1, integral numbers
/// within the safe range → INTEGER, other numbers → REAL, strings → TEXT (as USVStrings),
/// `ArrayBuffer`s and views → BLOB. Anything else is `Err(Unsupported)` with the value's
/// type name, for the caller's own error.
pub fn from_js<'js>(v: &Value<'js>) -> Result<std::result::Result<SqlValue, Unsupported>> {
    Ok(Ok(match v.type_of() {
        Type::Null => SqlValue::Null,
        Type::Bool => SqlValue::Integer(i64::from(v.as_bool().unwrap_or(false))),
        Type::Int => SqlValue::Integer(i64::from(v.as_int().unwrap_or(0))),
        Type::Float => number(v.as_float().unwrap_or(f64::NAN)),
        Type::String => match v.as_string() {
            Some(s) => SqlValue::Text(verge_js::string::to_usv(s)?),
            None => return Ok(Err(Unsupported("string"))),
        },
        Type::Uninitialized | Type::Undefined => return Ok(Err(Unsupported("undefined"))),
        Type::BigInt => return Ok(Err(Unsupported("bigint"))),
        Type::Symbol => return Ok(Err(Unsupported("symbol"))),
        Type::Function | Type::Constructor => return Ok(Err(Unsupported("function"))),
        _ => match verge_js::bytes::copy_bytes(v) {
            Some(bytes) => SqlValue::Blob(bytes),
            None => return Ok(Err(Unsupported("object"))),
        },
    }))
}

/// A JS value SQL cannot bind; holds its type name (`undefined`, `object`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unsupported(pub &'static str);

/// An integer-valued number within the safe range binds as INTEGER, anything else as REAL.
#[allow(
    clippy::cast_possible_truncation,
    reason = "checked: integral and within ±2^53"
)]
pub fn number(n: f64) -> SqlValue {
    if n.fract() == 0.0 && n.abs() <= MAX_SAFE_INTEGER {
        SqlValue::Integer(n as i64)
    } else {
        SqlValue::Real(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rquickjs::{Context, Runtime};

    fn bind(js: &str) -> std::result::Result<SqlValue, Unsupported> {
        let rt = Runtime::new().unwrap();
        let ctx = Context::full(&rt).unwrap();
        ctx.with(|ctx| from_js(&ctx.eval::<Value, _>(js).unwrap()).unwrap())
    }

    #[test]
    fn js_values_bind_as_sqlite_types() {
        assert_eq!(bind("null"), Ok(SqlValue::Null));
        assert_eq!(bind("true"), Ok(SqlValue::Integer(1)));
        assert_eq!(bind("3"), Ok(SqlValue::Integer(3)));
        assert_eq!(bind("2 ** 40"), Ok(SqlValue::Integer(1 << 40)));
        assert_eq!(bind("1.5"), Ok(SqlValue::Real(1.5)));
        assert_eq!(bind("2 ** 60"), Ok(SqlValue::Real(2f64.powi(60))));
        assert_eq!(bind(r#""a\uD800""#), Ok(SqlValue::Text("a\u{FFFD}".into())));
        assert_eq!(
            bind("new Uint8Array([1, 2]).subarray(1)"),
            Ok(SqlValue::Blob(vec![2]))
        );
        assert_eq!(bind("undefined"), Err(Unsupported("undefined")));
        assert_eq!(bind("({})"), Err(Unsupported("object")));
        assert_eq!(bind("10n"), Err(Unsupported("bigint")));
    }

    #[test]
    fn blobs_read_back_in_each_apis_style() {
        let rt = Runtime::new().unwrap();
        let ctx = Context::full(&rt).unwrap();
        ctx.with(|ctx| {
            let blob = SqlValue::Blob(vec![7, 255]);
            let arr = to_js(&ctx, &blob, BlobStyle::ByteArray).unwrap();
            let ab = to_js(&ctx, &blob, BlobStyle::ArrayBuffer).unwrap();
            let check: rquickjs::Function = ctx
                .eval("(a, b) => JSON.stringify(a) + '|' + (b instanceof ArrayBuffer) + new Uint8Array(b)[1]")
                .unwrap();
            let out: String = check.call((arr, ab)).unwrap();
            assert_eq!(out, "[7,255]|true255");
        });
    }
}
