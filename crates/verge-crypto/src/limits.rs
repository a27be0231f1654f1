//! Workers' bounds on the work a guest can ask of Web Crypto, with workerd's values, and the
//! CPU-budget check that long operations make between steps.
//!
//! Everything here runs inline on the isolate thread, inside the poll that
//! `verge_js::meter` times, so its cost is charged to the request like JS. The bounds keep
//! one call from being unreasonable; `check_budget` stops a call (RSA prime search, PBKDF2
//! rounds) once the request has spent its CPU budget, and refuses to start one after that.

use crate::error::{CryptoError, Result};

/// Most PBKDF2 iterations a `deriveBits`/`deriveKey` may ask for. Cloudflare's runtime refuses
/// more with `NotSupportedError: Pbkdf2 failed: iteration counts above 100000 are not
/// supported (requested N).` (workerd `src/workerd/io/limit-enforcer.h`,
/// `DEFAULT_MAX_PBKDF2_ITERATIONS`, checked by `checkPbkdfLimits` in
/// `src/workerd/api/crypto/impl.c++`; the standalone `workerd` binary lifts it, production
/// keeps it: cloudflare/workerd#1346).
pub const MAX_PBKDF2_ITERATIONS: u32 = 100_000;

/// Smallest RSA `modulusLength` generateKey accepts (workerd `Rsa::validateRsaParams`, which
/// uses Chromium's bounds "to avoid infinite loops").
pub const MIN_RSA_MODULUS_BITS: u32 = 256;

/// Largest RSA `modulusLength` generateKey accepts ("16k" in workerd's message).
pub const MAX_RSA_MODULUS_BITS: u32 = 16_384;

/// PBKDF2 rounds between two [`check_budget`] calls: a thousand HMACs take tens of
/// microseconds, the check a few nanoseconds.
pub(crate) const PBKDF2_ROUNDS_PER_CHECK: u32 = 1_024;

/// `Err(CryptoError::CpuExceeded)` once the request running on this thread has spent its CPU
/// budget (`verge_js::meter::over_budget`); always `Ok` outside a request.
pub(crate) fn check_budget() -> Result<()> {
    if verge_js::meter::over_budget() {
        Err(CryptoError::CpuExceeded)
    } else {
        Ok(())
    }
}
