//! Signed consent cookies (spec §13): a record id, a key id and an HMAC-SHA256 signature
//! appended to the consent cookie value.
//!
//! A signed value is today's value followed by three fields, in this order when written:
//!
//! `v=1&rev=3&at=1767225600&marketing=0&statistics=1&_rid=<32 hex>&_kid=<key id>&_sig=<43 base64url>`
//!
//! - `_rid`: the id of the consent record the site's consent endpoint wrote (16 random bytes,
//!   lowercase hex). It may appear alone, in an unsigned value.
//! - `_kid`: the id of the key that signed, so that keys can rotate: the newest key signs, the
//!   older ones keep verifying until the consents they signed have expired.
//! - `_sig`: HMAC-SHA256, under the key `_kid`, of the value as [`Consent::to_cookie`] writes it
//!   without its `&_sig=` field (so it covers the choices, `rev`, `at`, `_rid` and `_kid`),
//!   base64url without padding.
//!
//! The keys start with `_`, which no purpose id can (spec §2), so no policy's purpose can take
//! them. Computation only: the keys come from the caller ([`ConsentKeys::parse`]), who reads them
//! from a file or the environment. Verification compares in constant time.

use std::fmt;
use std::sync::Arc;

use arrayvec::ArrayString;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::consent::Consent;
use crate::error::{Error, ErrorKind, Result};

/// The consent cookie key of the record id.
pub const RECORD_ID_KEY: &str = "_rid";
/// The consent cookie key of the key id.
pub const KEY_ID_KEY: &str = "_kid";
/// The consent cookie key of the signature.
pub const SIGNATURE_KEY: &str = "_sig";
/// The fewest bytes a signing key may have.
pub const MIN_KEY_BYTES: usize = 32;
/// The longest key id, in bytes.
const MAX_KEY_ID_BYTES: usize = 32;
/// The most keys one [`ConsentKeys`] holds.
const MAX_KEYS: usize = 64;

type HmacSha256 = Hmac<Sha256>;

/// The id of a consent record: 16 random bytes, written as 32 lowercase hex digits.
///
/// # Examples
///
/// ```
/// use cookie_charter::RecordId;
///
/// let id = RecordId::from_bytes([0x0f; 16]);
/// assert_eq!(id.to_string(), "0f".repeat(16));
/// assert_eq!(RecordId::parse(&id.to_string()), Some(id));
/// assert_eq!(id.as_bytes(), &[0x0f; 16]);
/// assert_eq!(RecordId::parse(&"0F".repeat(16)), None); // lowercase only
/// assert_eq!(RecordId::parse("0f0f"), None);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RecordId([u8; 16]);

impl RecordId {
    /// The id made of these bytes (take them from a CSPRNG).
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::RecordId;
    ///
    /// let id = RecordId::from_bytes([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
    /// assert_eq!(id.to_string(), "0102030405060708090a0b0c0d0e0f10");
    /// ```
    pub const fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(bytes)
    }

    /// The 16 bytes.
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::RecordId;
    ///
    /// let id = RecordId::parse("000102030405060708090a0b0c0d0e0f").unwrap();
    /// assert_eq!(id.as_bytes()[15], 15);
    /// ```
    pub const fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// Reads exactly 32 lowercase hex digits.
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::RecordId;
    ///
    /// assert!(RecordId::parse("000102030405060708090a0b0c0d0e0f").is_some());
    /// assert!(RecordId::parse("000102030405060708090a0b0c0d0e0g").is_none());
    /// ```
    pub fn parse(text: &str) -> Option<Self> {
        let digits = text.as_bytes();
        if digits.len() != 32 {
            return None;
        }
        let mut out = [0_u8; 16];
        for (byte, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
            let (hi, lo) = (hex_digit(*pair.first()?)?, hex_digit(*pair.get(1)?)?);
            *byte = (hi << 4) | lo;
        }
        Some(Self(out))
    }
}

fn hex_digit(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        _ => None,
    }
}

impl fmt::Display for RecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for RecordId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RecordId({self})")
    }
}

/// A signing key's id: `[A-Za-z0-9_-]{1,32}`.
///
/// # Examples
///
/// ```
/// use cookie_charter::KeyId;
///
/// let id = KeyId::new("2026-a")?;
/// assert_eq!(id.as_str(), "2026-a");
/// assert_eq!(id.to_string(), "2026-a");
/// assert!(KeyId::new("").is_err());
/// assert!(KeyId::new("has space").is_err());
/// assert!(KeyId::new(&"k".repeat(33)).is_err());
/// # Ok::<(), cookie_charter::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(ArrayString<MAX_KEY_ID_BYTES>);

impl KeyId {
    /// Validates `id`.
    pub fn new(id: &str) -> Result<Self> {
        Self::checked(id).ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidArgument,
                format!(
                    "key id `{}` must match [A-Za-z0-9_-]{{1,32}}",
                    id.escape_debug()
                ),
            )
        })
    }

    pub(crate) fn checked(id: &str) -> Option<Self> {
        let valid = !id.is_empty()
            && id.len() <= MAX_KEY_ID_BYTES
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if valid {
            ArrayString::from(id).ok().map(Self)
        } else {
            None
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The signature part of a signed consent cookie: which key signed, and the HMAC-SHA256.
///
/// # Examples
///
/// ```
/// use cookie_charter::{Consent, ConsentKeys, RecordId};
///
/// let keys = ConsentKeys::new("k1", &[7; 32])?;
/// let signed = keys.sign(Consent::new(1, 5), RecordId::from_bytes([3; 16]));
/// let signature = signed.signature().unwrap();
/// assert_eq!(signature.key_id().as_str(), "k1");
/// let sig = signature.to_base64url();
/// assert_eq!(sig.len(), 43);
/// assert!(signed.to_cookie().ends_with(&format!("&_kid=k1&_sig={sig}")));
/// # Ok::<(), cookie_charter::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Signature {
    key_id: KeyId,
    mac: [u8; 32],
}

impl Signature {
    /// Reads `_kid` and `_sig` (43 base64url characters, no padding).
    pub(crate) fn parse(key_id: &str, sig: &str) -> Option<Self> {
        let key_id = KeyId::checked(key_id)?;
        if sig.len() != 43 {
            return None;
        }
        let bytes = URL_SAFE_NO_PAD.decode(sig).ok()?;
        let mac = <[u8; 32]>::try_from(bytes.as_slice()).ok()?;
        Some(Self { key_id, mac })
    }

    /// The id of the key that signed.
    pub fn key_id(&self) -> &KeyId {
        &self.key_id
    }

    /// The signature as written in `_sig`.
    pub fn to_base64url(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.mac)
    }
}

/// Why a signed consent cookie does not verify.
///
/// # Examples
///
/// ```
/// use cookie_charter::{Consent, ConsentKeys, RecordId, SignatureProblem};
///
/// let keys = ConsentKeys::new("k1", &[7; 32])?;
/// assert_eq!(keys.verify(&Consent::new(1, 5)), Err(SignatureProblem::Unsigned));
/// let other = ConsentKeys::new("k2", &[8; 32])?;
/// let signed_by_other = other.sign(Consent::new(1, 5), RecordId::from_bytes([1; 16]));
/// let foreign = Consent::from_cookie(&signed_by_other.to_cookie());
/// let problem = keys.verify(&foreign).unwrap_err();
/// assert_eq!(problem, SignatureProblem::UnknownKey);
/// assert_eq!(problem.code(), "unknown_key");
/// assert!(problem.reason().contains("unknown key"));
/// assert_eq!(SignatureProblem::Mismatch.code(), "bad_signature");
/// # Ok::<(), cookie_charter::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignatureProblem {
    /// The value carries no signature.
    Unsigned,
    /// No key of this id (an unknown key, or one rotated out).
    UnknownKey,
    /// The signature is not the value's.
    Mismatch,
}

impl SignatureProblem {
    /// The stable reason: `unsigned`, `unknown_key`, `bad_signature`.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Unsigned => "unsigned",
            Self::UnknownKey => "unknown_key",
            Self::Mismatch => "bad_signature",
        }
    }

    /// The reason in words, as a consent's `malformed` problem says it.
    pub const fn reason(self) -> &'static str {
        match self {
            Self::Unsigned => "the policy requires a signed consent cookie and it has no `_sig`",
            Self::UnknownKey => "the consent cookie is signed with an unknown key (`_kid`)",
            Self::Mismatch => "the consent cookie's signature (`_sig`) does not verify",
        }
    }
}

impl fmt::Display for SignatureProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.reason())
    }
}

/// The keys that sign and verify consent cookies: the first signs, all verify.
///
/// Parsed from text with one key per line (or per comma), `<key id>:<secret>`, the secret being
/// at least 32 bytes written in base64url (padding optional); blank lines and lines starting with
/// `#` are skipped. Its `Debug` output never shows a secret.
///
/// # Examples
///
/// ```
/// # use cookie_charter::{Choice, Consent, ConsentKeys, RecordId};
/// let keys = ConsentKeys::parse("2026b:bmV3LWtleS1uZXcta2V5LW5ldy1rZXktbmV3LWtleS0\n\
///                                2026a:b2xkLWtleS1vbGQta2V5LW9sZC1rZXktb2xkLWtleS0")?;
/// let consent = Consent::new(1, 1_700_000_000).with("statistics", Choice::Granted)?;
/// let signed = keys.sign(consent, RecordId::from_bytes([7; 16]));
/// let value = signed.to_cookie();
/// assert!(value.contains("&_rid=07070707070707070707070707070707&_kid=2026b&_sig="));
/// let read = Consent::from_cookie(&value);
/// assert_eq!(keys.verify(&read), Ok(()));
/// let forged = Consent::from_cookie(&value.replace("statistics=1", "statistics=0"));
/// assert!(keys.verify(&forged).is_err());
/// # Ok::<(), cookie_charter::Error>(())
/// ```
#[derive(Clone)]
pub struct ConsentKeys {
    /// Each key id with its keyed HMAC state, ready to clone.
    keys: Arc<Keys>,
}

/// The signing key, then the keys that only verify.
struct Keys {
    signing: (KeyId, HmacSha256),
    others: Vec<(KeyId, HmacSha256)>,
}

impl Keys {
    fn iter(&self) -> impl Iterator<Item = &(KeyId, HmacSha256)> {
        std::iter::once(&self.signing).chain(&self.others)
    }
}

impl fmt::Debug for ConsentKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConsentKeys")
            .field("key_ids", &self.key_ids().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl ConsentKeys {
    /// One key: `key_id` signs with `secret` (at least [`MIN_KEY_BYTES`] bytes).
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::{ConsentKeys, MIN_KEY_BYTES};
    ///
    /// let keys = ConsentKeys::new("k1", &[42; MIN_KEY_BYTES])?;
    /// assert_eq!(keys.signing_key_id().as_str(), "k1");
    /// assert!(ConsentKeys::new("k1", b"too short").is_err());
    /// # Ok::<(), cookie_charter::Error>(())
    /// ```
    pub fn new(key_id: &str, secret: &[u8]) -> Result<Self> {
        let signing = (KeyId::new(key_id)?, keyed(key_id, secret)?);
        Ok(Self {
            keys: Arc::new(Keys {
                signing,
                others: Vec::new(),
            }),
        })
    }

    /// Reads keys from text (see the type's documentation). Errors are `invalid_argument`, and
    /// never quote a secret.
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::{ConsentKeys, ErrorKind};
    ///
    /// let keys = ConsentKeys::parse(
    ///     "# rotated in 2026\nnew:bmV3LWtleS1uZXcta2V5LW5ldy1rZXktbmV3LWtleS0\n\nold:b2xkLWtleS1vbGQta2V5LW9sZC1rZXktb2xkLWtleS0",
    /// )?;
    /// let ids: Vec<_> = keys.key_ids().map(|id| id.as_str()).collect();
    /// assert_eq!(ids, ["new", "old"]);
    /// assert_eq!(keys.signing_key_id().as_str(), "new");
    /// let error = ConsentKeys::parse("k1:c2hvcnQ").unwrap_err();
    /// assert_eq!(error.kind(), ErrorKind::InvalidArgument);
    /// assert!(!error.to_string().contains("c2hvcnQ"));
    /// # Ok::<(), cookie_charter::Error>(())
    /// ```
    pub fn parse(text: &str) -> Result<Self> {
        let mut keys: Vec<(KeyId, HmacSha256)> = Vec::new();
        let entries = text
            .split(['\n', ','])
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'));
        for (i, entry) in entries.enumerate() {
            let n = i + 1;
            let Some((id, secret)) = entry.split_once(':') else {
                return Err(invalid(format!(
                    "key {n} is not `<key id>:<base64url secret>`"
                )));
            };
            let id = KeyId::new(id.trim())?;
            if keys.iter().any(|(k, _)| *k == id) {
                return Err(invalid(format!("key id `{id}` appears twice")));
            }
            let secret = secret.trim().trim_end_matches('=');
            let bytes = URL_SAFE_NO_PAD
                .decode(secret)
                .map_err(|_| invalid(format!("the secret of key `{id}` is not base64url")))?;
            let mac = keyed(id.as_str(), &bytes)?;
            keys.push((id, mac));
            if keys.len() > MAX_KEYS {
                return Err(invalid(format!("more than {MAX_KEYS} keys")));
            }
        }
        let mut keys = keys.into_iter();
        let signing = keys
            .next()
            .ok_or_else(|| invalid("no consent signing key".to_owned()))?;
        Ok(Self {
            keys: Arc::new(Keys {
                signing,
                others: keys.collect(),
            }),
        })
    }

    /// The id of the key that signs.
    pub fn signing_key_id(&self) -> &KeyId {
        &self.keys.signing.0
    }

    /// Every key id, the signing one first.
    pub fn key_ids(&self) -> impl Iterator<Item = &KeyId> {
        self.keys.iter().map(|(id, _)| id)
    }

    /// `consent` with `record_id`, signed by the signing key. The result is verified (see
    /// [`Consent::is_verified`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::{Choice, Consent, ConsentKeys, RecordId};
    ///
    /// let keys = ConsentKeys::new("k1", &[7; 32])?;
    /// let id = RecordId::from_bytes([9; 16]);
    /// let signed = keys.sign(Consent::new(1, 5).with("ads", Choice::Denied)?, id);
    /// assert!(signed.is_verified());
    /// assert_eq!(signed.record_id(), Some(id));
    /// assert_eq!(signed.choice("ads"), Some(Choice::Denied));
    /// # Ok::<(), cookie_charter::Error>(())
    /// ```
    pub fn sign(&self, consent: Consent, record_id: RecordId) -> Consent {
        let (key_id, mac) = &self.keys.signing;
        let unsigned = consent.with_record_id(Some(record_id)).with_signature(None);
        let payload = unsigned.signed_payload(key_id);
        let mut mac = mac.clone();
        mac.update(payload.as_bytes());
        let tag: [u8; 32] = mac.finalize().into_bytes().into();
        unsigned
            .with_signature(Some(Signature {
                key_id: key_id.clone(),
                mac: tag,
            }))
            .verified(true)
    }

    /// Whether `consent`'s signature is one of these keys' for its content, compared in
    /// constant time.
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::{Consent, ConsentKeys, RecordId, SignatureProblem};
    ///
    /// let keys = ConsentKeys::new("k1", &[7; 32])?;
    /// let value = keys.sign(Consent::new(1, 5), RecordId::from_bytes([9; 16])).to_cookie();
    /// assert_eq!(keys.verify(&Consent::from_cookie(&value)), Ok(()));
    /// let forged = Consent::from_cookie(&value.replace("rev=1", "rev=2"));
    /// assert_eq!(keys.verify(&forged), Err(SignatureProblem::Mismatch));
    /// # Ok::<(), cookie_charter::Error>(())
    /// ```
    pub fn verify(&self, consent: &Consent) -> std::result::Result<(), SignatureProblem> {
        let Some(signature) = consent.signature() else {
            return Err(SignatureProblem::Unsigned);
        };
        let Some((_, mac)) = self.keys.iter().find(|(id, _)| *id == signature.key_id) else {
            return Err(SignatureProblem::UnknownKey);
        };
        let mut mac = mac.clone();
        mac.update(consent.signed_payload(&signature.key_id).as_bytes());
        mac.verify_slice(&signature.mac)
            .map_err(|_| SignatureProblem::Mismatch)
    }
}

fn keyed(id: &str, secret: &[u8]) -> Result<HmacSha256> {
    if secret.len() < MIN_KEY_BYTES {
        return Err(invalid(format!(
            "the secret of key `{id}` has {} bytes, fewer than {MIN_KEY_BYTES}",
            secret.len()
        )));
    }
    HmacSha256::new_from_slice(secret)
        .map_err(|_| invalid(format!("the secret of key `{id}` is not usable")))
}

fn invalid(message: String) -> Error {
    Error::new(ErrorKind::InvalidArgument, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consent::{Choice, Problem};

    const OLD: &str = "old:b2xkLWtleS1vbGQta2V5LW9sZC1rZXktb2xkLWtleS0";
    const NEW: &str = "new:bmV3LWtleS1uZXcta2V5LW5ldy1rZXktbmV3LWtleS0";

    fn consent() -> Consent {
        Consent::new(3, 1_700_000_000)
            .with("statistics", Choice::Granted)
            .unwrap()
            .with("marketing", Choice::Denied)
            .unwrap()
    }

    #[test]
    fn record_ids_are_32_lowercase_hex_digits() {
        let id = RecordId::from_bytes([0xab; 16]);
        assert_eq!(id.to_string(), "ab".repeat(16));
        assert_eq!(RecordId::parse(&id.to_string()), Some(id));
        for bad in [
            "",
            &"AB".repeat(16),
            &"ab".repeat(15),
            &"ab".repeat(17),
            &"zz".repeat(16),
        ] {
            assert_eq!(RecordId::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_signed_value_reads_back_and_verifies() {
        let keys = ConsentKeys::parse(&format!("{NEW}\n{OLD}")).unwrap();
        let signed = keys.sign(consent(), RecordId::from_bytes([1; 16]));
        assert!(signed.is_verified());
        let value = signed.to_cookie();
        assert!(value.starts_with("v=1&rev=3&at=1700000000&marketing=0&statistics=1&_rid="));
        assert!(value.contains("&_kid=new&_sig="), "{value}");
        let read = Consent::from_cookie(&value);
        assert_eq!(read.problem(), None);
        assert!(!read.is_verified(), "reading alone proves nothing");
        assert_eq!(read.record_id(), Some(RecordId::from_bytes([1; 16])));
        assert_eq!(keys.verify(&read), Ok(()));
        assert_eq!(read.to_cookie(), value);
    }

    #[test]
    fn old_keys_verify_after_rotation_and_removed_ones_do_not() {
        let before = ConsentKeys::parse(OLD).unwrap();
        let value = before
            .sign(consent(), RecordId::from_bytes([2; 16]))
            .to_cookie();
        let rotated = ConsentKeys::parse(&format!("{NEW}, {OLD}")).unwrap();
        assert_eq!(rotated.signing_key_id().as_str(), "new");
        assert_eq!(rotated.verify(&Consent::from_cookie(&value)), Ok(()));
        let retired = ConsentKeys::parse(NEW).unwrap();
        assert_eq!(
            retired.verify(&Consent::from_cookie(&value)),
            Err(SignatureProblem::UnknownKey)
        );
    }

    #[test]
    fn any_change_to_a_signed_value_breaks_its_signature() {
        let keys = ConsentKeys::parse(NEW).unwrap();
        let value = keys
            .sign(consent(), RecordId::from_bytes([3; 16]))
            .to_cookie();
        let other = keys
            .sign(
                consent().with_at(1_700_000_001),
                RecordId::from_bytes([4; 16]),
            )
            .to_cookie();
        let other_sig = other.rsplit_once("&_sig=").unwrap().1;
        let (head, _) = value.rsplit_once("&_sig=").unwrap();
        let forged = [
            value.replace("marketing=0", "marketing=1"),
            value.replace("at=1700000000", "at=1700000001"),
            value.replace("rev=3", "rev=4"),
            value.replace("&_rid=0303", "&_rid=0304"),
            value.replace("statistics=1&", "statistics=1&social=1&"),
            // Another consent's valid signature, replayed on this one.
            format!("{head}&_sig={other_sig}"),
        ];
        for value in forged {
            let read = Consent::from_cookie(&value);
            assert_eq!(read.problem(), None, "{value}");
            assert_eq!(
                keys.verify(&read),
                Err(SignatureProblem::Mismatch),
                "{value}"
            );
        }
        let unsigned = Consent::from_cookie(head.rsplit_once("&_kid=").unwrap().0);
        assert_eq!(keys.verify(&unsigned), Err(SignatureProblem::Unsigned));
    }

    #[test]
    fn malformed_signature_fields_are_malformed_values() {
        let rid = "&_rid=".to_owned() + &"0a".repeat(16);
        let sig = "&_sig=".to_owned() + &"A".repeat(43);
        for value in [
            "v=1&rev=1&at=1&_rid=12".to_owned(),
            format!("v=1&rev=1&at=1{rid}&_kid=k"),
            format!("v=1&rev=1&at=1{rid}{sig}"),
            format!("v=1&rev=1&at=1&_kid=k{sig}"),
            format!("v=1&rev=1&at=1{rid}&_kid=k&_sig=abc"),
            format!("v=1&rev=1&at=1{rid}&_kid=k!{sig}"),
            format!("v=1&rev=1&at=1{rid}&_kid=k{sig}{sig}"),
        ] {
            let read = Consent::from_cookie(&value);
            assert!(
                matches!(
                    read.problem(),
                    Some(Problem::Malformed(_) | Problem::DuplicateKey)
                ),
                "{value}: {:?}",
                read.problem()
            );
        }
        let alone = Consent::from_cookie(&format!("v=1&rev=1&at=1{rid}"));
        assert_eq!(alone.problem(), None);
        assert!(alone.signature().is_none());
        assert_eq!(
            alone.record_id().map(|r| r.to_string()),
            Some("0a".repeat(16))
        );
    }

    #[test]
    fn keys_parse_strictly_and_never_show_secrets() {
        for bad in [
            "",
            "# only a comment",
            "nocolon",
            "k:short",
            "k:not base64!",
            "bad id:b2xkLWtleS1vbGQta2V5LW9sZC1rZXktb2xkLWtleS0",
        ] {
            let err = ConsentKeys::parse(bad).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{bad}");
            assert!(!err.to_string().contains("b2xk"), "{err}");
        }
        let twice = ConsentKeys::parse(&format!("{OLD}\n{OLD}")).unwrap_err();
        assert!(twice.to_string().contains("`old` appears twice"), "{twice}");
        let keys = ConsentKeys::parse(&format!("# keys\n\n{OLD}=\n")).unwrap();
        assert!(!format!("{keys:?}").contains("b2xk"));
        assert!(ConsentKeys::new("k", &[0; 31]).is_err());
        assert!(ConsentKeys::new("k", &[0; 32]).is_ok());
    }

    fn policy(require: bool) -> crate::Policy {
        crate::Policy::from_toml(&format!(
            r#"
            [site]
            name = "x"
            url = "https://example.com"
            consent_cookie = "cc"
            require_signed_consent = {require}
            [[cookies]]
            name = "cc"
            provider = "x"
            service = "x"
            purpose = "necessary"
            description = "x"
            lifetime = "6 months"
            [[cookies]]
            name = "_ga"
            provider = "x"
            service = "x"
            purpose = "statistics"
            description = "x"
            lifetime = "6 months"
            "#
        ))
        .unwrap()
    }

    #[test]
    fn a_policy_that_requires_signatures_grants_only_verified_consents() {
        let keys = ConsentKeys::parse(NEW).unwrap();
        let strict = policy(true).with_consent_keys(keys.clone());
        let now = 1_700_000_100;
        let granted = Consent::new(1, 1_700_000_000)
            .with("statistics", Choice::Granted)
            .unwrap();
        let signed = keys.sign(granted.clone(), RecordId::from_bytes([8; 16]));
        let header = format!("cc={}", signed.to_cookie());
        // Read alone, a signed value is not verified: it grants nothing under this policy.
        let read = Consent::from_cookie(&signed.to_cookie());
        assert!(!strict.decide("_ga", &read, now).allowed);
        let verified = strict.verify_consent(read);
        assert!(verified.is_verified());
        assert!(strict.decide("_ga", &verified, now).allowed);
        // The request path verifies it (and verifying again changes nothing).
        let from_header = strict.consent_from_cookie_header(&header);
        assert_eq!(from_header, verified);
        assert_eq!(strict.verify_consent(from_header.clone()), from_header);
        // Unsigned, forged, or signed with a retired key: no consent, with the reason.
        let retired = ConsentKeys::parse(OLD).unwrap();
        let old = retired.sign(granted.clone(), RecordId::from_bytes([8; 16]));
        let forged = signed.to_cookie().replace("statistics=1", "statistics=0");
        for (value, reason) in [
            (granted.to_cookie(), SignatureProblem::Unsigned),
            (old.to_cookie(), SignatureProblem::UnknownKey),
            (forged, SignatureProblem::Mismatch),
        ] {
            let checked = strict.verify_consent(Consent::from_cookie(&value).with_gpc(true));
            assert_eq!(
                checked.problem(),
                Some(Problem::Malformed(reason.reason())),
                "{value}"
            );
            assert!(checked.gpc(), "the request's signal stays");
            assert!(!strict.decide("_ga", &checked, now).allowed);
        }
        // Without keys, a policy that requires signatures can verify nothing.
        let keyless = policy(true);
        let checked = keyless.verify_consent(Consent::from_cookie(&signed.to_cookie()));
        assert_eq!(
            checked.problem(),
            Some(Problem::Malformed(SignatureProblem::UnknownKey.reason()))
        );
    }

    #[test]
    fn without_the_requirement_unsigned_values_count_and_bad_signatures_do_not() {
        let keys = ConsentKeys::parse(NEW).unwrap();
        let lenient = policy(false).with_consent_keys(keys.clone());
        let now = 1_700_000_100;
        let granted = Consent::new(1, 1_700_000_000)
            .with("statistics", Choice::Granted)
            .unwrap();
        let unsigned = lenient.verify_consent(Consent::from_cookie(&granted.to_cookie()));
        assert_eq!(unsigned.problem(), None);
        assert!(lenient.decide("_ga", &unsigned, now).allowed);
        let forged = keys
            .sign(granted.clone(), RecordId::from_bytes([1; 16]))
            .to_cookie()
            .replace("at=1700000000", "at=1700000001");
        let checked = lenient.verify_consent(Consent::from_cookie(&forged));
        assert!(checked.problem().is_some());
        assert!(!lenient.decide("_ga", &checked, now).allowed);
        // No keys and no requirement: a signed value reads as an unsigned one.
        let plain = policy(false);
        assert_eq!(
            plain
                .verify_consent(Consent::from_cookie(&forged))
                .problem(),
            None
        );
        // Changing a signed consent removes its record id and signature.
        let signed = keys.sign(granted, RecordId::from_bytes([1; 16]));
        let changed = signed.with_at(5);
        assert!(changed.signature().is_none() && changed.record_id().is_none());
        assert!(!changed.is_verified());
    }

    #[test]
    fn only_the_engine_cookie_can_be_required_signed() {
        let err = crate::Policy::from_toml(
            r#"
            [site]
            name = "x"
            url = "https://example.com"
            consent_cookie = "cc"
            require_signed_consent = true
            [[site.consent_sources]]
            format = "tarteaucitron"
            "#,
        )
        .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidValue, "{err}");
        assert_eq!(err.field(), Some("site.require_signed_consent"));
    }
}
