//! Global Privacy Control: the `Sec-GPC` request header.
//!
//! Only a header whose value is exactly `1` (spaces and tabs around it aside, as HTTP strips
//! them) counts; with several `Sec-GPC` headers, any `1` counts. Servers often hand several
//! headers over as one value joined with commas (RFC 9110, section 5.3), so each comma-separated
//! element of a value counts as a header of its own. The signal never means consent:
//! where the visitor has made no valid choice, it refuses the purposes the policy marks as
//! covered by GPC ([`Purpose::gpc`](crate::Purpose::gpc)), and the decision reports the state
//! [`GpcDenied`](crate::ConsentState::GpcDenied). An explicit choice of the visitor wins.

/// The request header that carries the signal.
pub const GPC_HEADER: &str = "Sec-GPC";

/// Whether the values of a request's `Sec-GPC` headers ask for Global Privacy Control: any
/// value, or comma-separated element of a value, that is exactly `1`.
///
/// # Examples
///
/// ```
/// assert!(cookie_charter::gpc_enabled(["1"]));
/// assert!(cookie_charter::gpc_enabled(["0", " 1 "]));
/// assert!(cookie_charter::gpc_enabled(["0, 1"]));
/// assert!(!cookie_charter::gpc_enabled(["true", "1;", "01"]));
/// assert!(!cookie_charter::gpc_enabled(Vec::<&str>::new()));
/// ```
pub fn gpc_enabled<I, V>(values: I) -> bool
where
    I: IntoIterator<Item = V>,
    V: AsRef<[u8]>,
{
    values.into_iter().any(|v| {
        v.as_ref()
            .split(|b| *b == b',')
            .any(|element| trim_ows(element) == b"1")
    })
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
        for yes in ["1", " 1", "1\t", "\t1 ", "1,1", "0, 1", "1 ,0", ",1"] {
            assert!(gpc_enabled([yes]), "{yes:?}");
        }
        for no in [
            "", "0", "01", "1.0", "true", "yes", "1;", "0,0", ",", "1 1", "\u{0}1", "1\r\n",
        ] {
            assert!(!gpc_enabled([no]), "{no:?}");
        }
        assert!(gpc_enabled([b"0".as_slice(), b"1".as_slice()]));
    }
}
