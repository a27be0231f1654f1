//! Copying bytes out of JS buffers (`ArrayBuffer` and every `ArrayBufferView`).

use rquickjs::{ArrayBuffer, Ctx, Object, TypedArray, Value};

/// Copies the bytes of an `ArrayBuffer`, a typed array or a `DataView`. `None` for other values
/// and for detached buffers.
pub fn copy_bytes(value: &Value<'_>) -> Option<Vec<u8>> {
    let obj = value.as_object()?;
    if let Some(ab) = ArrayBuffer::from_object(obj.clone()) {
        // SAFETY: the slice is copied at once, before any JS can run and detach or resize it.
        return unsafe { ab.as_bytes() }.map(<[u8]>::to_vec);
    }
    if let Some(bytes) = typed_array_bytes(obj) {
        return bytes;
    }
    view_bytes(obj)
}

/// The bytes of a typed array, read through the engine (not through the `buffer`, `byteOffset`
/// and `byteLength` getters, which a guest may have replaced). `None` when `obj` is not a typed
/// array rquickjs knows; `Some(None)` when its buffer is detached.
fn typed_array_bytes(obj: &Object<'_>) -> Option<Option<Vec<u8>>> {
    macro_rules! read {
        ($($t:ty),*) => {$(
            if let Ok(ta) = TypedArray::<$t>::from_object(obj.clone()) {
                // SAFETY: the slice is copied at once, before any JS can run and detach or
                // resize it.
                return Some(unsafe { ta.as_bytes() }.map(<[u8]>::to_vec));
            }
        )*};
    }
    read!(
        u8,
        i8,
        rquickjs::U8Clamped,
        u16,
        i16,
        u32,
        i32,
        u64,
        i64,
        f32,
        f64
    );
    None
}

/// Other views (`DataView`, `Float16Array`): through their getters.
fn view_bytes(obj: &Object<'_>) -> Option<Vec<u8>> {
    let buffer: Object = obj.get("buffer").ok()?;
    let ab = ArrayBuffer::from_object(buffer)?;
    let offset: usize = obj.get::<_, f64>("byteOffset").ok()? as usize;
    let len: usize = obj.get::<_, f64>("byteLength").ok()? as usize;
    // SAFETY: as above; the range is checked against the buffer's current length.
    let all = unsafe { ab.as_bytes() }?;
    all.get(offset..offset.checked_add(len)?)
        .map(<[u8]>::to_vec)
}

/// A new `Uint8Array` holding `bytes`.
pub fn new_u8_array<'js>(
    ctx: &Ctx<'js>,
    bytes: impl Into<Vec<u8>>,
) -> rquickjs::Result<Value<'js>> {
    Ok(TypedArray::<u8>::new(ctx.clone(), bytes)?.into_value())
}

/// A new `ArrayBuffer` holding `bytes`.
pub fn new_array_buffer<'js>(
    ctx: &Ctx<'js>,
    bytes: impl Into<Vec<u8>>,
) -> rquickjs::Result<Value<'js>> {
    Ok(ArrayBuffer::new(ctx.clone(), bytes)?.into_value())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rquickjs::{Context, Runtime};

    #[test]
    fn views_copy_only_their_window() {
        let rt = Runtime::new().unwrap();
        let ctx = Context::full(&rt).unwrap();
        ctx.with(|ctx| {
            let v: Value = ctx
                .eval("new Uint16Array(new Uint8Array([1,2,3,4,5,6]).buffer, 2, 2)")
                .unwrap();
            assert_eq!(copy_bytes(&v).unwrap(), vec![3, 4, 5, 6]);
            let v: Value = ctx
                .eval("new DataView(new Uint8Array([9,8,7]).buffer, 1)")
                .unwrap();
            assert_eq!(copy_bytes(&v).unwrap(), vec![8, 7]);
            let v: Value = ctx.eval("new Uint8Array([1,2]).buffer").unwrap();
            assert_eq!(copy_bytes(&v).unwrap(), vec![1, 2]);
            let v: Value = ctx.eval("({})").unwrap();
            assert!(copy_bytes(&v).is_none());
            let u = new_u8_array(&ctx, vec![7u8, 8]).unwrap();
            assert_eq!(copy_bytes(&u).unwrap(), vec![7, 8]);
        });
    }
}
