//! `crypto.getRandomValues` and `crypto.randomUUID` host operations.

use rquickjs::prelude::*;
use rquickjs::{Ctx, Exception, Object, Result, Value};

/// Largest `getRandomValues` request in bytes (Web Crypto: 65,536).
pub const MAX_RANDOM_BYTES: usize = 65_536;

/// Installs `internal.random` (`bytes(n)`, `uuid()`).
pub fn install<'js>(ctx: &Ctx<'js>, internal: &Object<'js>) -> Result<()> {
    let ops = Object::new(ctx.clone())?;
    ops.set(
        "bytes",
        Func::from(|ctx: Ctx<'js>, n: usize| -> Result<Value<'js>> {
            if n > MAX_RANDOM_BYTES {
                return Err(Exception::throw_dom(
                    &ctx,
                    "QuotaExceededError",
                    &format!("The ArrayBufferView's byte length ({n}) exceeds the number of bytes of entropy available via this API ({MAX_RANDOM_BYTES})"),
                ));
            }
            let mut buf = vec![0u8; n];
            getrandom::fill(&mut buf).map_err(|e| Exception::throw_internal(&ctx, &format!("no entropy: {e}")))?;
            verge_js::bytes::new_u8_array(&ctx, buf)
        }),
    )?;
    ops.set("uuid", Func::from(|| uuid::Uuid::new_v4().to_string()))?;
    internal.set("random", ops)?;
    Ok(())
}
