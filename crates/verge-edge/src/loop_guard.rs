//! Worker loop limit (Cloudflare error 1019): a chain of Worker-to-Worker requests may make at
//! most [`MAX_WORKER_INVOCATIONS`] invocations. Each request carries the number left in
//! [`EW_VIA`]; a Worker's subrequests carry one less (`verge_web::fetch`), and a request that
//! arrives with none left is refused here before any Worker runs.
//!
//! The header may come from anyone: a client can set it, but the smallest value wins and values
//! above the maximum count as the maximum, so it can only ever shorten a chain. A client that
//! leaves it out starts a chain afresh, as on Cloudflare.
//!
//! ```
//! use verge_edge::loop_guard::{check, Verdict};
//! assert_eq!(check([b"3".as_slice()]), Verdict::Serve { via: Some(3) });
//! assert_eq!(check([b"0".as_slice()]), Verdict::LoopLimit);
//! assert_eq!(check([]), Verdict::Serve { via: None });
//! ```

pub use verge_js::meter::MAX_WORKER_INVOCATIONS;
pub use verge_web::fetch::EW_VIA;

/// Error code of a request refused for the loop limit.
pub const LOOP_LIMIT_CODE: u16 = 1019;

/// HTTP status of that refusal. Cloudflare's is not documented; verge answers 508 Loop Detected
/// (RFC 5842 §7.2).
pub const LOOP_LIMIT_STATUS: u16 = 508;

/// What to do with a request, given the values of its [`EW_VIA`] headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Run the worker; pass `via` on as the request's [`EW_VIA`] (`None`: the request had none).
    Serve {
        /// Invocations left, normalized (at most [`MAX_WORKER_INVOCATIONS`]).
        via: Option<u32>,
    },
    /// None left: answer with error [`LOOP_LIMIT_CODE`].
    LoopLimit,
}

/// The verdict for a request whose [`EW_VIA`] header values are `values`.
pub fn check<'a>(values: impl IntoIterator<Item = &'a [u8]>) -> Verdict {
    match verge_web::fetch::invocations_left(values) {
        Some(0) => Verdict::LoopLimit,
        via => Verdict::Serve { via },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_with_invocations_left_is_served_and_passes_them_on() {
        assert_eq!(check([b"16".as_slice()]), Verdict::Serve { via: Some(16) });
        assert_eq!(check([b"1".as_slice()]), Verdict::Serve { via: Some(1) });
        assert_eq!(check([]), Verdict::Serve { via: None });
        assert_eq!(check([b"garbage".as_slice()]), Verdict::Serve { via: None });
    }

    #[test]
    fn none_left_is_the_loop_limit() {
        assert_eq!(check([b"0".as_slice()]), Verdict::LoopLimit);
        assert_eq!(
            check([b"5".as_slice(), b"0".as_slice()]),
            Verdict::LoopLimit
        );
    }

    #[test]
    fn a_client_cannot_lengthen_a_chain() {
        assert_eq!(
            check([b"1000".as_slice()]),
            Verdict::Serve {
                via: Some(MAX_WORKER_INVOCATIONS)
            }
        );
        // A second header with a higher value does not undo a lower one.
        assert_eq!(
            check([b"2".as_slice(), b"16".as_slice()]),
            Verdict::Serve { via: Some(2) }
        );
    }
}
