//! Request ids in Cloudflare's `cf-ray` shape: 16 lower-case hex digits, `-`, the PoP code.

/// A new random ray id for PoP `colo`.
///
/// The bits come from a per-thread generator (`fastrand`, wyrand) rather than the OS: an id
/// needs to be unlikely to repeat, not unpredictable, and a `getrandom` system call per request
/// cost about 1 % of a small request.
pub fn new_ray_id(colo: &str) -> String {
    let bytes = fastrand::u64(..).to_be_bytes();
    let mut s = String::with_capacity(17 + colo.len());
    for b in bytes {
        s.push(char::from_digit(u32::from(b >> 4), 16).unwrap_or('0'));
        s.push(char::from_digit(u32::from(b & 15), 16).unwrap_or('0'));
    }
    s.push('-');
    s.push_str(colo);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ray_ids_are_sixteen_hex_digits_and_the_colo() {
        let id = new_ray_id("AMS");
        let (hex, colo) = id.split_once('-').unwrap();
        assert_eq!(hex.len(), 16);
        assert!(
            hex.chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert_eq!(colo, "AMS");
        assert_ne!(new_ray_id("AMS"), new_ray_id("AMS"));
    }
}
