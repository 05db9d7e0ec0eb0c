"""IAB TCF TC strings through the binding: `TcString`, `TcStringError` and a TC string as the
consent (`Policy.consent_from_tc_string`). docs/tcf.md and docs/signals.md describe them.

The strings come from the conformance data (tests/conformance/iab-tcf/) and from a small
encoder below, written from the TC string format, so that each field and each error can be
aimed at.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from cookie_charter import Consent, Policy, PolicyError, TcString, TcStringError
from conftest import ROOT

CONFORMANCE = ROOT / "tests" / "conformance" / "iab-tcf"
SPEC_EXAMPLE = (
    "CQSbk4AQSbk4ANwAAAENAwCgAAAAAAAAAAYgACPAAAAA.IDKQA4AAgAKAGQAygAAA.YAAAAAAAAAAA"
)
B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
REASONS = {
    "empty",
    "too_large",
    "invalid_base64",
    "truncated",
    "unsupported_version",
    "invalid_segment",
    "duplicate_segment",
    "invalid_field",
    "invalid_vendor_range",
    "legitimate_interest_not_allowed",
}
MAX_TC_STRING_BYTES = 65_536


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


IABCONSENT = load_json(CONFORMANCE / "v2.2" / "iabconsent.json")
GGURIDI = {name: load_json(CONFORMANCE / "v2" / f"consent_{name}.json") for name in "abc"}


# -- an encoder, from the format ----------------------------------------------------------------


class Bits:
    """Writes MSB-first fields and gives them as base64url text without padding."""

    def __init__(self) -> None:
        self.bits: list[int] = []

    def int(self, value: int, width: int) -> Bits:
        self.bits += [(value >> (width - 1 - i)) & 1 for i in range(width)]
        return self

    def flags(self, ids: set[int] | list[int], width: int) -> Bits:
        return self.bools([i in ids for i in range(1, width + 1)])

    def bools(self, flags: list[bool]) -> Bits:
        self.bits += [int(f) for f in flags]
        return self

    def letters(self, code: str) -> Bits:
        for ch in code:
            self.int(ord(ch) - ord("A"), 6)
        return self

    def ranges(self, entries: list[tuple[int, int]]) -> Bits:
        self.int(len(entries), 12)
        for start, end in entries:
            if start == end:
                self.int(0, 1).int(start, 16)
            else:
                self.int(1, 1).int(start, 16).int(end, 16)
        return self

    def vendors(self, ids: set[int], max_id: int | None = None, ranges: bool = False) -> Bits:
        max_id = max(ids, default=0) if max_id is None else max_id
        self.int(max_id, 16)
        if ranges:
            return self.int(1, 1).ranges([(i, i) for i in sorted(ids)])
        return self.int(0, 1).flags(ids, max_id)

    def text(self) -> str:
        bits = self.bits + [0] * (-len(self.bits) % 6)
        return "".join(
            B64[int("".join(map(str, bits[i:i + 6])), 2)] for i in range(0, len(bits), 6)
        )


def core(
    *,
    version: int = 2,
    created: int = 16_000_000_000,
    last_updated: int = 17_000_000_005,
    cmp_id: int = 300,
    cmp_version: int = 7,
    consent_screen: int = 3,
    language: str = "FR",
    vendor_list_version: int = 140,
    policy_version: int = 4,
    service_specific: bool = True,
    non_standard: bool = False,
    special_features: tuple[int, ...] = (1,),
    purposes: tuple[int, ...] = (1, 2, 7, 8),
    purposes_li: tuple[int, ...] = (2, 7),
    purpose_one_treatment: bool = False,
    country: str = "DE",
    vendor_consents: Bits | None = None,
    vendor_li: Bits | None = None,
    restrictions: Bits | None = None,
) -> Bits:
    """A core segment; the three last sections may be given already encoded."""
    b = Bits().int(version, 6).int(created, 36).int(last_updated, 36).int(cmp_id, 12)
    b.int(cmp_version, 12).int(consent_screen, 6).letters(language)
    b.int(vendor_list_version, 12).int(policy_version, 6)
    b.bools([service_specific, non_standard])
    b.flags(set(special_features), 12).flags(set(purposes), 24).flags(set(purposes_li), 24)
    b.bools([purpose_one_treatment]).letters(country)
    for section, default in (
        (vendor_consents, Bits().vendors({2, 6, 8, 755})),
        (vendor_li, Bits().vendors({6, 8}, ranges=True)),
        (restrictions, Bits().int(0, 12)),
    ):
        b.bits += (section or default).bits
    return b


def publisher_tc(consents: set[int], li: set[int] = frozenset(), custom: int = 0) -> str:  # type: ignore[assignment]
    b = Bits().int(3, 3).flags(consents, 24).flags(li, 24).int(custom, 6)
    return b.flags({1}, custom).flags(set(), custom).text()


VALID = core().text()

# Bit offsets of the core segment's fields.
PURPOSE_LI_BIT = 176
VENDOR_CONSENTS_BIT = 213


# -- decoding -----------------------------------------------------------------------------------


def test_decode_gives_every_field() -> None:
    tc = TcString.decode(VALID)
    assert (tc.version, tc.created, tc.last_updated) == (2, 16_000_000_000, 17_000_000_005)
    assert (tc.cmp_id, tc.cmp_version, tc.consent_screen) == (300, 7, 3)
    assert (tc.consent_language, tc.publisher_country_code) == ("FR", "DE")
    assert (tc.vendor_list_version, tc.policy_version) == (140, 4)
    assert (tc.is_service_specific, tc.use_non_standard_texts) == (True, False)
    assert tc.purpose_one_treatment is False
    assert tc.special_feature_opt_ins == [1]
    assert tc.purpose_consents == [1, 2, 7, 8]
    assert tc.purpose_legitimate_interests == [2, 7]
    assert [v for v in range(1000) if tc.vendor_consent(v)] == [2, 6, 8, 755]
    assert [v for v in range(1000) if tc.vendor_legitimate_interest(v)] == [6, 8]
    d = tc.to_dict()
    assert d["vendor_consents"] == {"max_vendor_id": 755, "encoding": "bitfield",
                                    "vendors": [2, 6, 8, 755]}
    assert d["vendor_legitimate_interests"] == {"max_vendor_id": 8, "encoding": "range",
                                                "vendors": [6, 8]}
    assert d["publisher_restrictions"] == []
    assert (d["disclosed_vendors"], d["allowed_vendors"], d["publisher_tc"]) == (None,) * 3


def test_canonical_json_and_dict() -> None:
    tc = TcString.decode(SPEC_EXAMPLE)
    text = tc.to_json()
    assert " " not in text and text.startswith('{"version":2,"created":')
    d = tc.to_dict()
    assert d == json.loads(text)
    assert list(d)[:3] == ["version", "created", "last_updated"]
    assert d["disclosed_vendors"]["vendors"] == [1, 2, 3, 4, 5, 100, 404]
    assert d["publisher_tc"]["purpose_consents"] == []
    # A new dict each time: changing one changes nothing else.
    d["version"] = 99
    assert tc.to_dict()["version"] == 2 and tc.version == 2


def test_tc_string_is_an_immutable_value() -> None:
    tc = TcString.decode(SPEC_EXAMPLE)
    again = TcString.decode(SPEC_EXAMPLE)
    assert tc == again and hash(tc) == hash(again) and tc is not again
    assert tc != TcString.decode(VALID)
    assert len({tc, again}) == 1
    with pytest.raises(AttributeError):
        tc.cmp_id = 1  # type: ignore[misc]
    with pytest.raises(TypeError):
        TcString()  # type: ignore[call-arg]
    assert repr(tc) == (
        "<TcString cmp_id=880 vendor_list_version=48 policy_version=2 last_updated=17489088000>"
    )
    # The id lists are lists of int (not bytes), new each time.
    assert isinstance(tc.purpose_consents, list)
    lst = TcString.decode(VALID).purpose_consents
    lst.append(24)
    assert TcString.decode(VALID).purpose_consents == [1, 2, 7, 8]


def test_vendor_lookups_outside_the_ids() -> None:
    tc = TcString.decode(core(vendor_consents=Bits().vendors({1, 65535}, ranges=True)).text())
    assert tc.vendor_consent(1) and tc.vendor_consent(65535)
    for outside in (0, -1, 65536, 2**40, -(2**40)):
        assert tc.vendor_consent(outside) is False
        assert tc.vendor_legitimate_interest(outside) is False
    with pytest.raises(TypeError):
        tc.vendor_consent("1")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        tc.vendor_consent(1.0)  # type: ignore[arg-type]


def test_decode_argument_types() -> None:
    for bad in (None, b"CAAA", 1, ["CAAA"]):
        with pytest.raises(TypeError):
            TcString.decode(bad)  # type: ignore[arg-type]


def test_every_segment() -> None:
    disclosed = Bits().int(1, 3).vendors({3, 4, 300}, ranges=True).text()
    allowed = Bits().int(2, 3).vendors({5}).text()
    restrictions = Bits().int(2, 12)
    restrictions.int(2, 6).int(1, 2).ranges([(10, 12)])
    restrictions.int(1, 6).int(0, 2).ranges([(7, 7), (9, 9)])
    text = ".".join([core(restrictions=restrictions).text(), disclosed, allowed,
                     publisher_tc({1, 3}, {2}, custom=2)])
    d = TcString.decode(text).to_dict()
    assert d["disclosed_vendors"] == {"max_vendor_id": 300, "encoding": "range",
                                      "vendors": [3, 4, 300]}
    assert d["allowed_vendors"] == {"max_vendor_id": 5, "encoding": "bitfield", "vendors": [5]}
    assert d["publisher_tc"] == {
        "purpose_consents": [1, 3],
        "purpose_legitimate_interests": [2],
        "num_custom_purposes": 2,
        "custom_purpose_consents": [1],
        "custom_purpose_legitimate_interests": [],
    }
    # Sorted by purpose, whatever the order of the string.
    assert d["publisher_restrictions"] == [
        {"purpose": 1, "restriction_type": "not_allowed", "vendors": [7, 9]},
        {"purpose": 2, "restriction_type": "require_consent", "vendors": [10, 11, 12]},
    ]


def test_a_large_string_decodes() -> None:
    # Two full bitfields of 65,535 vendors: about 22,000 characters.
    every_third = set(range(3, 65536, 3))
    text = core(vendor_consents=Bits().vendors(every_third, 65535),
                vendor_li=Bits().vendors({65535}, 65535)).text()
    assert 20_000 < len(text) <= MAX_TC_STRING_BYTES
    tc = TcString.decode(text)
    assert tc.vendor_consent(3) and tc.vendor_consent(65535) and not tc.vendor_consent(65534)
    assert tc.vendor_legitimate_interest(65535) and not tc.vendor_legitimate_interest(3)
    assert len(tc.to_dict()["vendor_consents"]["vendors"]) == len(every_third)


# -- the conformance data -----------------------------------------------------------------------


@pytest.mark.parametrize("index", range(len(IABCONSENT["valid"])))
def test_iabconsent_valid(index: int) -> None:
    vector = IABCONSENT["valid"][index]
    want = vector["core"]
    tc = TcString.decode(vector["consent"])
    got = {
        "version": tc.version,
        "cmpId": tc.cmp_id,
        "cmpVersion": tc.cmp_version,
        "consentScreen": tc.consent_screen,
        "consentLanguage": tc.consent_language,
        "vendorListVersion": tc.vendor_list_version,
        "policyVersion": tc.policy_version,
        "isServiceSpecific": tc.is_service_specific,
        "useNonStandardTexts": tc.use_non_standard_texts,
        "specialFeatureOptins": tc.special_feature_opt_ins,
        "purposeConsents": tc.purpose_consents,
        "purposeLegitimateInterests": tc.purpose_legitimate_interests,
        "purposeOneTreatment": tc.purpose_one_treatment,
        "publisherCountryCode": tc.publisher_country_code,
        "createdDeciseconds": tc.created,
        "lastUpdatedDeciseconds": tc.last_updated,
    }
    assert got == {key: want[key] for key in got}
    top = max(want["maxVendorId"], want["maxVendorLegitimateInterestsId"]) + 2
    assert [v for v in range(top) if tc.vendor_consent(v)] == want["vendorConsents"]
    assert [v for v in range(top) if tc.vendor_legitimate_interest(v)] == (
        want["vendorLegitimateInterests"]
    )
    d = tc.to_dict()
    assert d["vendor_consents"]["encoding"] == want["vendorConsentsEncoding"]
    assert [
        {"purpose": r["purpose"], "vendors": r["vendors"]} for r in d["publisher_restrictions"]
    ] == sorted(
        ({"purpose": r["purpose"], "vendors": r["vendors"]} for r in want["publisherRestrictions"]),
        key=lambda r: r["purpose"],
    )
    for key, segment in (("disclosedVendors", "disclosed_vendors"),
                         ("allowedVendors", "allowed_vendors")):
        if key in vector:
            assert d[segment] == {"max_vendor_id": vector[key]["maxVendorId"],
                                  "encoding": vector[key]["encoding"],
                                  "vendors": vector[key]["vendors"]}


@pytest.mark.parametrize("index", range(len(IABCONSENT["invalid"])))
def test_iabconsent_invalid(index: int) -> None:
    vector = IABCONSENT["invalid"][index]
    with pytest.raises(TcStringError) as raised:
        TcString.decode(vector["consent"])
    error = raised.value
    assert error.reason == "legitimate_interest_not_allowed"
    assert (error.segment, error.field) == (0, "purpose_legitimate_interests")
    first = min(p for p in vector["purposeLegitimateInterests"] if 3 <= p <= 6)
    assert error.bit == PURPOSE_LI_BIT + first - 1
    assert f"purpose {first}" in str(error)


@pytest.mark.parametrize("name", sorted(GGURIDI))
def test_gguridi(name: str) -> None:
    want = GGURIDI[name]["core"]
    tc = TcString.decode(GGURIDI[name]["consent"])
    ids = lambda flags: sorted(int(k) for k, v in flags.items() if v)  # noqa: E731
    assert tc.purpose_consents == ids(want["purposeConsents"])
    assert tc.purpose_legitimate_interests == ids(want["purposeLegitimateInterests"])
    assert tc.special_feature_opt_ins == ids(want["specialFeatureOptins"])
    assert (tc.cmp_id, tc.vendor_list_version) == (want["cmpId"], want["vendorListVersion"])
    top = want["maxVendorId"] + 2
    assert [v for v in range(top) if tc.vendor_consent(v)] == ids(want["vendorConsents"])


def test_gguridi_d_is_truncated() -> None:
    consent = load_json(CONFORMANCE / "v2" / "consent_d.json")["consent"]
    with pytest.raises(TcStringError) as raised:
        TcString.decode(consent)
    error = raised.value
    assert (error.reason, error.segment, error.field) == (
        "truncated", 0, "vendor_legitimate_interests",
    )


# -- every error --------------------------------------------------------------------------------


def decode_error(text: str) -> TcStringError:
    with pytest.raises(TcStringError) as raised:
        TcString.decode(text)
    error = raised.value
    # The shape every TcStringError has.
    assert type(error) is TcStringError
    assert isinstance(error, PolicyError) and isinstance(error, ValueError)
    assert error.code == "invalid_tc_string"
    assert error.reason in REASONS
    assert str(error) == error.message and error.message.startswith(f"{error.reason}: ")
    assert error.line is None and error.column is None
    assert isinstance(error.segment, int) and isinstance(error.bit, int)
    return error


def where(error: TcStringError) -> tuple[str, int, str | None, int]:
    return error.reason, error.segment, error.field, error.bit


def test_empty() -> None:
    assert where(decode_error("")) == ("empty", 0, None, 0)


def test_too_large() -> None:
    assert where(decode_error("A" * (MAX_TC_STRING_BYTES + 1))) == ("too_large", 0, None, 0)
    # At the limit, the string is decoded (and here found not to be version 2).
    assert decode_error("A" * MAX_TC_STRING_BYTES).reason == "unsupported_version"


@pytest.mark.parametrize(
    ("text", "segment", "byte"),
    [(VALID[:10] + "=" + VALID[11:], 0, 10), (VALID + "=", 0, len(VALID)),
     ("CAAA+", 0, 4), ("C/", 0, 1), (VALID + ".AA A", 1, len(VALID) + 3),
     ("é" + VALID, 0, 0), ("\ud800" + VALID, 0, 0), (VALID[:5] + "\x00", 0, 5)],
)
def test_invalid_base64(text: str, segment: int, byte: int) -> None:
    error = decode_error(text)
    assert (error.reason, error.segment, error.field) == ("invalid_base64", segment, None)
    assert f"byte {byte} " in error.message


def test_truncated() -> None:
    assert where(decode_error("C")) == ("truncated", 0, "created", 6)
    cut = core().text()[:(VENDOR_CONSENTS_BIT + 10) // 6]
    error = decode_error(cut)
    assert (error.reason, error.segment, error.field) == ("truncated", 0, "vendor_consents")
    # An empty segment after the core one cannot even hold its type.
    assert where(decode_error(VALID + ".")) == ("truncated", 1, "segment_type", 0)
    # The publisher TC segment cut in its purposes.
    error = decode_error(VALID + "." + publisher_tc({1})[:3])
    assert (error.reason, error.segment, error.field) == ("truncated", 1, "purpose_consents")


def test_unsupported_version() -> None:
    v1 = load_json(CONFORMANCE / "v1" / "consent_a.json")["consent"]
    assert where(decode_error(v1)) == ("unsupported_version", 0, "version", 0)
    assert decode_error(core(version=3).text()).reason == "unsupported_version"


@pytest.mark.parametrize("segment_type", [0, 4, 5, 6, 7])
def test_invalid_segment(segment_type: int) -> None:
    other = Bits().int(segment_type, 3).vendors({1}).text()
    assert where(decode_error(f"{VALID}.{other}")) == ("invalid_segment", 1, "segment_type", 0)


def test_duplicate_segment() -> None:
    disclosed = Bits().int(1, 3).vendors({1}).text()
    pub = publisher_tc({1})
    assert where(decode_error(f"{VALID}.{disclosed}.{pub}.{disclosed}")) == (
        "duplicate_segment", 3, "disclosed_vendors", 0,
    )
    assert decode_error(f"{VALID}.{pub}.{pub}").field == "publisher_tc"


def test_invalid_field() -> None:
    # A letter beyond Z (6 bits hold 0 to 63; 26 and above are not letters).
    bad_language = Bits()
    bad_language.bits = core().bits[:108] + Bits().int(26, 6).bits + core().bits[114:]
    error = decode_error(bad_language.text())
    assert (error.reason, error.segment, error.field) == ("invalid_field", 0, "consent_language")
    assert 108 <= error.bit < 120
    bad_country = Bits()
    bad_country.bits = core().bits[:207] + Bits().int(63, 6).bits + core().bits[213:]
    error = decode_error(bad_country.text())
    assert (error.reason, error.field) == ("invalid_field", "publisher_country_code")
    # Restriction type 3 is undefined.
    restriction = Bits().int(1, 12).int(2, 6).int(3, 2).ranges([(1, 1)])
    error = decode_error(core(restrictions=restriction).text())
    assert (error.reason, error.field) == ("invalid_field", "publisher_restrictions")


@pytest.mark.parametrize(
    ("section", "entries", "max_id"),
    [("vendor_consents", [(0, 0)], 10), ("vendor_consents", [(5, 3)], 10),
     ("vendor_consents", [(4, 11)], 10), ("vendor_legitimate_interests", [(12, 12)], 11),
     ("publisher_restrictions", [(0, 4)], None)],
)
def test_invalid_vendor_range(section: str, entries: list[tuple[int, int]],
                              max_id: int | None) -> None:
    if section == "publisher_restrictions":
        sections = {"restrictions": Bits().int(1, 12).int(1, 6).int(0, 2).ranges(entries)}
    else:
        ranges = Bits().int(max_id or 0, 16).int(1, 1).ranges(entries)
        sections = {"vendor_consents" if section == "vendor_consents" else "vendor_li": ranges}
    error = decode_error(core(**sections).text())  # type: ignore[arg-type]
    assert (error.reason, error.segment, error.field) == ("invalid_vendor_range", 0, section)
    if section == "vendor_consents":
        # The entry starts after MaxVendorId, IsRangeEncoding and NumEntries.
        assert error.bit == VENDOR_CONSENTS_BIT + 16 + 1 + 12
    # In a segment after the core one too.
    disclosed = Bits().int(1, 3).int(3, 16).int(1, 1).ranges([(2, 4)]).text()
    assert where(decode_error(f"{VALID}.{disclosed}"))[:3] == (
        "invalid_vendor_range", 1, "disclosed_vendors",
    )


def test_legitimate_interest_not_allowed() -> None:
    for purpose in (3, 4, 5, 6):
        for policy_version in (4, 5, 63):
            text = core(policy_version=policy_version, purposes_li=(2, purpose)).text()
            assert where(decode_error(text)) == (
                "legitimate_interest_not_allowed", 0, "purpose_legitimate_interests",
                PURPOSE_LI_BIT + purpose - 1,
            )
        # Before TCF v2.2 it was allowed.
        assert TcString.decode(core(policy_version=3, purposes_li=(purpose,)).text())


def test_every_reason_is_tested() -> None:
    # The reasons this file aims at: all of them.
    source = Path(__file__).read_text(encoding="utf-8")
    for reason in REASONS:
        assert f"def test_{reason}(" in source, reason


# -- a TC string as the consent -----------------------------------------------------------------


POLICY = {
    "site": {"name": "Example", "url": "https://www.example.org", "revision": 3,
             "consent_cookie": "consent"},
    "purposes": {
        "statistics": {"label": "Statistics", "tcf_purposes": [7, 8]},
        "marketing": {"label": "Marketing", "tcf_purposes": [1, 2, 3, 4]},
        "social": {"label": "Social", "tcf_purposes": [1]},
        "videos": {"label": "Videos"},
    },
    "cookies": [
        {"name": n, "provider": "Example", "service": "Service", "purpose": p,
         "description": "What it is for", "lifetime": "6 months"}
        for n, p in [("consent", "necessary"), ("_ga", "statistics"), ("_ad", "marketing"),
                     ("share", "social"), ("yt", "videos")]
    ],
}


@pytest.fixture(scope="module")
def policy() -> Policy:
    return Policy.from_json(json.dumps(POLICY))


def test_consent_from_tc_string(policy: Policy) -> None:
    consent = policy.consent_from_tc_string(VALID)  # purposes 1, 2, 7, 8 have consent
    assert isinstance(consent, Consent)
    assert consent.choices == {"statistics": "granted", "marketing": "denied",
                               "social": "granted"}
    assert consent.revision == policy.revision == 3
    assert consent.at == 17_000_000_005 // 10
    assert consent.problem is None and consent.gpc is False
    now = consent.at + 60
    assert policy.decide("_ga", consent, now).allowed
    assert policy.decide("_ad", consent, now).consent_state == "denied"
    assert policy.decide("yt", consent, now).consent_state == "unset"
    assert policy.purposes_to_ask(consent, now) == ["videos"]
    # The same as decoding first.
    assert policy.consent_from_tcf(TcString.decode(VALID)) == consent
    # Legitimate interest never counts as consent.
    li_only = core(purposes=(), purposes_li=(7, 8), policy_version=2).text()
    assert policy.consent_from_tc_string(li_only).get("statistics") == "denied"


def test_the_publisher_segment_must_agree(policy: Policy) -> None:
    with_pub = f"{VALID}.{publisher_tc({1, 7})}"
    consent = policy.consent_from_tc_string(with_pub)
    assert consent.choices == {"statistics": "denied", "marketing": "denied",
                               "social": "granted"}


def test_consent_from_tc_string_refuses_bad_strings(policy: Policy) -> None:
    for text, reason in [("", "empty"), ("C", "truncated"), ("+", "invalid_base64"),
                         (IABCONSENT["invalid"][0]["consent"], "legitimate_interest_not_allowed")]:
        with pytest.raises(TcStringError) as raised:
            policy.consent_from_tc_string(text)
        assert (raised.value.code, raised.value.reason) == ("invalid_tc_string", reason)
        assert isinstance(raised.value, PolicyError)
    with pytest.raises(TypeError):
        policy.consent_from_tc_string(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        policy.consent_from_tcf(VALID)  # type: ignore[arg-type]


def test_iabconsent_strings_as_consent(policy: Policy) -> None:
    for vector in IABCONSENT["valid"]:
        consent = policy.consent_from_tc_string(vector["consent"])
        purposes = set(vector["core"]["purposeConsents"])
        for pid, spec in POLICY["purposes"].items():
            tcf = spec.get("tcf_purposes")  # type: ignore[union-attr]
            if not tcf:
                assert consent.get(pid) is None
            elif not set(tcf) <= purposes:
                assert consent.get(pid) == "denied", pid


# -- properties: decoding any text never crashes ------------------------------------------------


KNOWN = [VALID, SPEC_EXAMPLE] + [v["consent"] for v in IABCONSENT["valid"]]


@st.composite
def mutated(draw: st.DrawFn) -> str:
    """A known string with a few characters replaced, inserted or removed, or cut."""
    text = draw(st.sampled_from(KNOWN))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        op = draw(st.sampled_from(["replace", "insert", "delete", "cut"]))
        ch = draw(st.sampled_from(B64 + "."))
        if op == "replace":
            text = text[:at] + ch + text[at + 1:]
        elif op == "insert":
            text = text[:at] + ch + text[at:]
        elif op == "delete":
            text = text[:at] + text[at + 1:]
        else:
            text = text[:at]
    return text


texts = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=B64 + ".", max_size=400),
    st.text(alphabet="AC_-.", max_size=80),
    mutated(),
)


@settings(max_examples=600, deadline=None)
@given(texts)
@example("")
@example(".")
@example("C" * 40 + "..")
def test_decoding_any_text_never_crashes(text: str) -> None:
    policy = Policy.from_json(json.dumps(POLICY))
    try:
        tc = TcString.decode(text)
    except TcStringError as error:
        assert error.code == "invalid_tc_string"
        assert error.reason in REASONS
        assert 0 <= error.segment <= text.count(".")
        assert error.message.startswith(error.reason)
        with pytest.raises(TcStringError) as again:
            policy.consent_from_tc_string(text)
        assert where(again.value) == where(error)
        return
    d = tc.to_dict()
    assert d == json.loads(tc.to_json())
    assert tc.purpose_consents == d["purpose_consents"]
    assert tc == TcString.decode(text)
    assert policy.consent_from_tc_string(text) == policy.consent_from_tcf(tc)


def test_decoding_from_threads() -> None:
    from concurrent.futures import ThreadPoolExecutor

    big = core(vendor_consents=Bits().vendors(set(range(1, 65536, 2)), 65535)).text()
    texts = [VALID, SPEC_EXAMPLE, big, "C", ""] * 40
    expected = [TcString.decode(t).to_json() if t not in ("C", "") else None for t in texts]

    def run(text: str) -> str | None:
        try:
            return TcString.decode(text).to_json()
        except TcStringError:
            return None

    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(run, texts)) == expected
