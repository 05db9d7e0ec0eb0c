//! Global Privacy Control: the `Sec-GPC` request header.
//!
//! Only a header whose value is exactly `1` (spaces and tabs around it aside, as HTTP strips
//! them) counts; with several `Sec-GPC` headers, any `1` counts. The signal never means consent:
//! where the visitor has made no valid choice, it refuses the purposes the policy marks as
//! covered by GPC ([`Purpose::gpc`](crate::Purpose::gpc)), and the decision reports the state
//! [`GpcDenied`](crate::ConsentState::GpcDenied). An explicit choice of the visitor wins.

/// The request header that carries the signal.
pub const GPC_HEADER: &str = "Sec-GPC";

/// Whether the values of a request's `Sec-GPC` headers ask for Global Privacy Control.
///
/// ```
/// assert!(cookie_charter::gpc_enabled(["1"]));
/// assert!(cookie_charter::gpc_enabled(["0", " 1 "]));
/// assert!(!cookie_charter::gpc_enabled(["true", "1, 1"]));
/// assert!(!cookie_charter::gpc_enabled(Vec::<&str>::new()));
/// ```
pub fn gpc_enabled<I, V>(values: I) -> bool
where
    I: IntoIterator<Item = V>,
    V: AsRef<[u8]>,
{
    values.into_iter().any(|v| trim_ows(v.as_ref()) == b"1")
}

/// The value without the spaces and tabs (HTTP's optional whitespace) around it.
fn trim_ows(mut value: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = value {
        value = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = value {
        value = rest;
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_exactly_one_counts() {
        for yes in ["1", " 1", "1\t", "\t1 "] {
            assert!(gpc_enabled([yes]), "{yes:?}");
        }
        for no in [
            "", "0", "01", "1.0", "true", "yes", "1;", "1,1", "\u{0}1", "1\r\n",
        ] {
            assert!(!gpc_enabled([no]), "{no:?}");
        }
        assert!(gpc_enabled([b"0".as_slice(), b"1".as_slice()]));
    }
}
