"""Writes tests/vectors/tcf/decode.json: TC strings and what decoding them must give.

The expected objects are the canonical JSON of `TcString::to_json` (docs/tcf.md), converted from
the expected values of the conformance files in tests/conformance/iab-tcf/ (gguridi/iab-tcf and
LiveRamp/iabconsent), never from the Rust decoder. Each object holds only the keys the source data
gives (gguridi has no raw deciseconds and no vendor encodings): runners compare the keys present.
The TCF specification's example string has no expected values beside it; its object comes from
`decode` below, a small independent decoder written from the IAB format description, which is
first checked against every conformance vector.

    python3 tests/model/tcf_vectors.py          # (re)write the file
    python3 tests/model/tcf_vectors.py --check  # fail if the committed file differs
"""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SUITE = ROOT / "tests" / "conformance" / "iab-tcf"
OUTPUT = ROOT / "tests" / "vectors" / "tcf" / "decode.json"

SPEC_EXAMPLE = "CQSbk4AQSbk4ANwAAAENAwCgAAAAAAAAAAYgACPAAAAA.IDKQA4AAgAKAGQAygAAA.YAAAAAAAAAAA"
RESTRICTION_TYPES = ["not_allowed", "require_consent", "require_legitimate_interest"]
SEGMENT_NAMES = {1: "disclosed_vendors", 2: "allowed_vendors", 3: "publisher_tc"}


# -- an independent decoder, for the example string ---------------------------------------------


class Bits:
    """The bits of one base64url segment, most significant first."""

    def __init__(self, segment: str):
        raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
        self.bits = "".join(f"{b:08b}" for b in raw)[: len(segment) * 6]
        self.pos = 0

    def read(self, width: int) -> int:
        if self.pos + width > len(self.bits):
            raise ValueError("truncated")
        value = int(self.bits[self.pos:self.pos + width] or "0", 2)
        self.pos += width
        return value

    def flags(self, width: int) -> list[int]:
        return [i + 1 for i in range(width) if self.read(1)]

    def letters(self) -> str:
        return "".join(chr(ord("A") + self.read(6)) for _ in range(2))

    def ranges(self) -> list[int]:
        ids: set[int] = set()
        for _ in range(self.read(12)):
            is_range = self.read(1)
            start = self.read(16)
            end = self.read(16) if is_range else start
            ids.update(range(start, end + 1))
        return sorted(ids)

    def vendors(self) -> dict:
        max_id = self.read(16)
        if self.read(1):
            return {"max_vendor_id": max_id, "encoding": "range", "vendors": self.ranges()}
        return {"max_vendor_id": max_id, "encoding": "bitfield", "vendors": self.flags(max_id)}


def decode(text: str) -> dict:
    """The canonical JSON object of a valid TC string."""
    segments = text.split(".")
    b = Bits(segments[0])
    out: dict = {}
    for key, width in [("version", 6), ("created", 36), ("last_updated", 36), ("cmp_id", 12),
                       ("cmp_version", 12), ("consent_screen", 6)]:
        out[key] = b.read(width)
    out["consent_language"] = b.letters()
    out["vendor_list_version"] = b.read(12)
    out["policy_version"] = b.read(6)
    out["is_service_specific"] = bool(b.read(1))
    out["use_non_standard_texts"] = bool(b.read(1))
    out["special_feature_opt_ins"] = b.flags(12)
    out["purpose_consents"] = b.flags(24)
    out["purpose_legitimate_interests"] = b.flags(24)
    out["purpose_one_treatment"] = bool(b.read(1))
    out["publisher_country_code"] = b.letters()
    out["vendor_consents"] = b.vendors()
    out["vendor_legitimate_interests"] = b.vendors()
    restrictions = []
    for _ in range(b.read(12)):
        purpose = b.read(6)
        kind = RESTRICTION_TYPES[b.read(2)]
        restrictions.append({"purpose": purpose, "restriction_type": kind, "vendors": b.ranges()})
    out["publisher_restrictions"] = restrictions
    for name in SEGMENT_NAMES.values():
        out[name] = None
    for segment in segments[1:]:
        b = Bits(segment)
        name = SEGMENT_NAMES[b.read(3)]
        if name == "publisher_tc":
            consents, interests, custom = b.flags(24), b.flags(24), b.read(6)
            out[name] = {"purpose_consents": consents, "purpose_legitimate_interests": interests,
                         "num_custom_purposes": custom,
                         "custom_purpose_consents": b.flags(custom),
                         "custom_purpose_legitimate_interests": b.flags(custom)}
        else:
            out[name] = b.vendors()
    return out


def agrees(expected, actual) -> bool:
    """Whether every key of `expected` (recursively) has the same value in `actual`."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            k in actual and agrees(v, actual[k]) for k, v in expected.items())
    if isinstance(expected, list):
        return isinstance(actual, list) and len(expected) == len(actual) and all(
            agrees(e, a) for e, a in zip(expected, actual))
    return expected == actual


# -- conversion of the conformance data ------------------------------------------------------------


def ids(mapping: dict) -> list[int]:
    """The sorted ids of a gguridi map `{"id": true}`."""
    return sorted(int(k) for k, v in mapping.items() if v is True)


def gguridi_restrictions(by_vendor: dict) -> list[dict]:
    """gguridi's vendor -> [restriction] map as canonical restrictions, sorted by purpose and
    type (the source does not keep the order of the string)."""
    grouped: dict[tuple[int, int], list[int]] = {}
    for vendor, entries in by_vendor.items():
        for r in entries:
            flags = (r["isAllowed"], r["isConsentRequired"], r["isLegitimateInterestRequired"])
            code = {(False, False, False): 0, (True, True, False): 1, (True, False, True): 2}[flags]
            grouped.setdefault((r["purpose"], code), []).append(int(vendor))
    return [{"purpose": p, "restriction_type": RESTRICTION_TYPES[c], "vendors": sorted(v)}
            for (p, c), v in sorted(grouped.items())]


def gguridi_core(core: dict, whole: bool) -> dict:
    out = {
        "version": core["version"],
        "cmp_id": core["cmpId"],
        "cmp_version": core["cmpVersion"],
        "consent_screen": core["consentScreen"],
        "consent_language": core["consentLanguage"],
        "vendor_list_version": core["vendorListVersion"],
        "policy_version": core["policyVersion"],
        "is_service_specific": core["isServiceSpecified"],
        "use_non_standard_texts": core["useNonStandardStacks"],
        "special_feature_opt_ins": ids(core["specialFeatureOptins"]),
        "purpose_consents": ids(core["purposeConsents"]),
        "purpose_legitimate_interests": ids(core["purposeLegitimateInterests"]),
        "purpose_one_treatment": core["purposeOneTreatment"],
        "publisher_country_code": core["publisherCountryCode"],
        "vendor_consents": {"max_vendor_id": core["maxVendorId"],
                            "vendors": ids(core["vendorConsents"])},
    }
    if whole:
        out["vendor_legitimate_interests"] = {
            "max_vendor_id": core["maxVendorLegitimateInterestsId"],
            "vendors": ids(core["vendorLegitimateInterests"])}
        out["publisher_restrictions"] = gguridi_restrictions(core["publisherRestrictions"])
    return out


def gguridi_publisher_tc(p: dict) -> dict:
    return {"purpose_consents": ids(p["purposeConsents"]),
            "purpose_legitimate_interests": ids(p["purposeLegitimateInterests"]),
            "num_custom_purposes": p["numCustomPurposes"],
            "custom_purpose_consents": ids(p["customPurposeConsents"]),
            "custom_purpose_legitimate_interests": ids(p["customPurposeLegitimateInterests"])}


def gguridi_case(name: str) -> dict:
    vector = json.loads((SUITE / "v2" / f"consent_{name}.json").read_text(encoding="utf-8"))
    expected = gguridi_core(vector["core"], whole=True)
    disclosed = vector.get("disclosedVendors")
    expected["disclosed_vendors"] = None if disclosed is None else {"vendors": ids(disclosed)}
    expected["allowed_vendors"] = None
    p = vector.get("publisherTC")
    expected["publisher_tc"] = None if p is None else gguridi_publisher_tc(p)
    return {"name": f"gguridi v2 consent_{name}", "tc_string": vector["consent"],
            "expected": expected}


def iabconsent_set(s: dict | None) -> dict | None:
    if s is None:
        return None
    return {"max_vendor_id": s["maxVendorId"], "encoding": s["encoding"], "vendors": s["vendors"]}


def iabconsent_case(i: int, vector: dict) -> dict:
    c = vector["core"]
    expected = {
        "version": c["version"],
        "created": c["createdDeciseconds"],
        "last_updated": c["lastUpdatedDeciseconds"],
        "cmp_id": c["cmpId"],
        "cmp_version": c["cmpVersion"],
        "consent_screen": c["consentScreen"],
        "consent_language": c["consentLanguage"],
        "vendor_list_version": c["vendorListVersion"],
        "policy_version": c["policyVersion"],
        "is_service_specific": c["isServiceSpecific"],
        "use_non_standard_texts": c["useNonStandardTexts"],
        "special_feature_opt_ins": c["specialFeatureOptins"],
        "purpose_consents": c["purposeConsents"],
        "purpose_legitimate_interests": c["purposeLegitimateInterests"],
        "purpose_one_treatment": c["purposeOneTreatment"],
        "publisher_country_code": c["publisherCountryCode"],
        "vendor_consents": {"max_vendor_id": c["maxVendorId"],
                            "encoding": c["vendorConsentsEncoding"],
                            "vendors": c["vendorConsents"]},
        "vendor_legitimate_interests": {"max_vendor_id": c["maxVendorLegitimateInterestsId"],
                                        "encoding": c["vendorLegitimateInterestsEncoding"],
                                        "vendors": c["vendorLegitimateInterests"]},
        "publisher_restrictions": [
            {"purpose": r["purpose"], "restriction_type": RESTRICTION_TYPES[r["restrictionType"]],
             "vendors": r["vendors"]} for r in c["publisherRestrictions"]],
        "disclosed_vendors": iabconsent_set(vector.get("disclosedVendors")),
        "allowed_vendors": iabconsent_set(vector.get("allowedVendors")),
        "publisher_tc": None,
    }
    return {"name": f"iabconsent valid {i} (policy version {c['policyVersion']})",
            "tc_string": vector["consent"], "expected": expected}


def build() -> dict:
    cases: list[dict] = []
    example = decode(SPEC_EXAMPLE)
    cases.append({"name": "TCF specification example (core, disclosed vendors, publisher TC)",
                  "tc_string": SPEC_EXAMPLE, "expected": example})
    suite = json.loads((SUITE / "v2.2" / "iabconsent.json").read_text(encoding="utf-8"))
    for i, vector in enumerate(suite["valid"]):
        cases.append(iabconsent_case(i, vector))
    for i, vector in enumerate(suite["invalid"]):
        cases.append({"name": f"iabconsent invalid {i}: {vector['comment']}",
                      "tc_string": vector["consent"], "error": "legitimate_interest_not_allowed"})
    for name in "abc":
        cases.append(gguridi_case(name))
    d = json.loads((SUITE / "v2" / "consent_d.json").read_text(encoding="utf-8"))
    cases.append({"name": "gguridi v2 consent_d: vendor legitimate interests past the end",
                  "tc_string": d["consent"], "error": "truncated"})
    v1 = json.loads((SUITE / "v1" / "consent_a.json").read_text(encoding="utf-8"))
    cases.append({"name": "gguridi v1 consent_a: TCF v1.1 is retired",
                  "tc_string": v1["consent"], "error": "unsupported_version"})
    core, disclosed, _ = SPEC_EXAMPLE.split(".")
    cases += [
        {"name": "empty string", "tc_string": "", "error": "empty"},
        {"name": "padding is not base64url", "tc_string": core + "==", "error": "invalid_base64"},
        {"name": "standard base64 `+`", "tc_string": "CO+", "error": "invalid_base64"},
        {"name": "core segment cut after the version", "tc_string": "CA", "error": "truncated"},
        {"name": "core segment cut in the vendor section", "tc_string": core[:30],
         "error": "truncated"},
        {"name": "segment type 0", "tc_string": core + ".AAAA", "error": "invalid_segment"},
        {"name": "segment type 4", "tc_string": core + ".gAAA", "error": "invalid_segment"},
        {"name": "empty segment after the core", "tc_string": core + ".", "error": "truncated"},
        {"name": "disclosed vendors twice", "tc_string": f"{core}.{disclosed}.{disclosed}",
         "error": "duplicate_segment"},
    ]
    # The independent decoder agrees with every conformance vector it can read.
    for case in cases:
        if "expected" in case and not agrees(case["expected"], normalized(decode(case["tc_string"]))):
            raise SystemExit(f"the model decoder disagrees with the conformance data: {case['name']}")
    return {
        "description": "IAB TCF TC strings: `expected` is the canonical JSON of the decoded string "
                       "(docs/tcf.md), holding only the keys the source data gives: compare each "
                       "key present, recursively. `error` is the code of the decoding error. "
                       "Generated by tests/model/tcf_vectors.py from tests/conformance/iab-tcf/.",
        "cases": [{"kind": "tc_decode",
                   **({**c, "expected": normalized(c["expected"])} if "expected" in c else c)}
                  for c in cases],
    }


def normalized(value):
    """Publisher restrictions sorted by purpose and type, as the canonical JSON has them."""
    if isinstance(value, dict) and "publisher_restrictions" in value:
        value = dict(value)
        value["publisher_restrictions"] = sorted(
            value["publisher_restrictions"],
            key=lambda r: (r["purpose"], RESTRICTION_TYPES.index(r["restriction_type"])))
    return value


def dump(value, indent: str = "") -> str:
    """JSON, indented, with each array of numbers on one line."""
    inner = indent + "  "
    if isinstance(value, dict) and value:
        items = [f"{inner}{json.dumps(k)}: {dump(v, inner)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(value, list) and value and not all(isinstance(v, int) for v in value):
        return "[\n" + ",\n".join(inner + dump(v, inner) for v in value) + "\n" + indent + "]"
    return json.dumps(value)


def outputs() -> dict[Path, str]:
    return {OUTPUT: dump(build()) + "\n"}


def main() -> int:
    files = outputs()
    if "--check" in sys.argv:
        stale = [p for p, text in files.items()
                 if not p.exists() or p.read_text(encoding="utf-8") != text]
        for p in stale:
            print(f"differs from the generator: {p.relative_to(ROOT)}", file=sys.stderr)
        return 1 if stale else 0
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    print(f"{OUTPUT.relative_to(ROOT)}: {len(build()['cases'])} cases")
    return 0


if __name__ == "__main__":
    sys.exit(main())
