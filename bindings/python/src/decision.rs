//! `Decision`: an immutable, hashable Python view of a core decision, and the per-policy table
//! of prebuilt decisions that makes `decide` allocation-free.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use cookie_charter::{ConsentState, Decision, Policy, Purpose, Rule};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use crate::errors::{guard, invalid_argument};

/// Whether a cookie is allowed, and which rule of the charter said so.
#[pyclass(name = "Decision", module = "cookie_charter", frozen)]
pub struct PyDecision {
    allowed: bool,
    rule: Rule,
    purpose: Option<String>,
    consent_state: Option<ConsentState>,
    rule_py: Py<PyString>,
    purpose_py: Option<Py<PyString>>,
    state_py: Option<Py<PyString>>,
}

impl PyDecision {
    fn build(
        py: Python<'_>,
        allowed: bool,
        rule: Rule,
        purpose: Option<&str>,
        consent_state: Option<ConsentState>,
    ) -> Self {
        Self {
            allowed,
            rule,
            purpose: purpose.map(str::to_owned),
            consent_state,
            rule_py: PyString::intern(py, rule.as_str()).unbind(),
            purpose_py: purpose.map(|p| PyString::intern(py, p).unbind()),
            state_py: consent_state.map(|s| PyString::intern(py, s.as_str()).unbind()),
        }
    }

    fn key(&self) -> (bool, Rule, Option<&str>, Option<ConsentState>) {
        (
            self.allowed,
            self.rule,
            self.purpose.as_deref(),
            self.consent_state,
        )
    }
}

#[pymethods]
impl PyDecision {
    /// A decision from its parts (the ids are checked); `decide` is the usual way to get one.
    #[new]
    #[pyo3(signature = (allowed, rule, purpose=None, consent_state=None))]
    fn new(
        py: Python<'_>,
        allowed: bool,
        rule: &str,
        purpose: Option<&str>,
        consent_state: Option<&str>,
    ) -> PyResult<Self> {
        guard(py, || {
            let Some(rule) = Rule::parse(rule) else {
                return Err(invalid_argument(
                    py,
                    "rule",
                    &format!("unknown rule `{}`", rule.escape_debug()),
                ));
            };
            let state = match consent_state {
                None => None,
                Some(text) => Some(ConsentState::parse(text).ok_or_else(|| {
                    invalid_argument(
                        py,
                        "consent_state",
                        &format!("unknown consent state `{}`", text.escape_debug()),
                    )
                })?),
            };
            Ok(Self::build(py, allowed, rule, purpose, state))
        })
    }

    /// Whether the cookie may be set or read.
    #[getter]
    fn allowed(&self) -> bool {
        self.allowed
    }

    /// The id of the rule that decided.
    #[getter]
    fn rule(&self, py: Python<'_>) -> Py<PyString> {
        self.rule_py.clone_ref(py)
    }

    /// The purpose of the matching declaration; None for `undeclared`.
    #[getter]
    fn purpose(&self, py: Python<'_>) -> Option<Py<PyString>> {
        self.purpose_py.as_ref().map(|p| p.clone_ref(py))
    }

    /// The visitor's consent state for that purpose; None for `undeclared`.
    #[getter]
    fn consent_state(&self, py: Python<'_>) -> Option<Py<PyString>> {
        self.state_py.as_ref().map(|s| s.clone_ref(py))
    }

    /// The decision as a dict with the keys of the JSON output.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        dict.set_item("allowed", self.allowed)?;
        dict.set_item("rule", self.rule.as_str())?;
        dict.set_item("purpose", self.purpose.as_deref())?;
        dict.set_item("consent_state", self.consent_state.map(|s| s.as_str()))?;
        Ok(dict)
    }

    fn __eq__(&self, other: PyRef<'_, Self>) -> bool {
        self.key() == other.key()
    }

    fn __hash__(&self) -> u64 {
        let mut hasher = DefaultHasher::new();
        self.key().hash(&mut hasher);
        hasher.finish()
    }

    fn __bool__(&self) -> bool {
        self.allowed
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let repr = |value: Option<&Py<PyString>>| -> PyResult<String> {
            match value {
                Some(text) => Ok(text.bind(py).repr()?.to_string()),
                None => Ok("None".to_owned()),
            }
        };
        Ok(format!(
            "Decision(allowed={}, rule={}, purpose={}, consent_state={})",
            if self.allowed { "True" } else { "False" },
            repr(Some(&self.rule_py))?,
            repr(self.purpose_py.as_ref())?,
            repr(self.state_py.as_ref())?,
        ))
    }
}

/// The index in `policy.purposes()` of the purpose whose id `purpose` is, found from its
/// address: the purpose of a decision is the policy's own id (`Policy::decide` lends it), so
/// its distance from the first purpose's id, divided by the size of a purpose, is its index,
/// which is then checked (the same address and length). `None` for a text lent from elsewhere.
#[inline]
fn purpose_index(policy: &Policy, purpose: &str) -> Option<usize> {
    let purposes = policy.purposes();
    let first = purposes.first()?;
    let offset = (purpose.as_ptr() as usize).wrapping_sub(first.id.as_str().as_ptr() as usize);
    let index = offset / std::mem::size_of::<Purpose>().max(1);
    purposes
        .get(index)
        .filter(|p| std::ptr::eq(p.id.as_str(), purpose))
        .map(|_| index)
}

const RULES: usize = Rule::ALL.len();
const STATES: usize = ConsentState::ALL.len();

/// Every decision a policy can give, built once at load, so that `decide` returns a shared
/// immutable object instead of building one.
pub(crate) struct DecisionTable {
    undeclared: Py<PyDecision>,
    /// Indexed by [`DecisionTable::index`].
    decisions: Vec<Py<PyDecision>>,
    /// The purpose ids, in the policy's order.
    purposes: Vec<Box<str>>,
}

impl DecisionTable {
    /// Builds the table for `policy`.
    pub(crate) fn new(py: Python<'_>, policy: &Policy) -> PyResult<Self> {
        let undeclared = Py::new(
            py,
            PyDecision::build(py, false, Rule::Undeclared, None, None),
        )?;
        let purposes: Vec<Box<str>> = policy
            .purposes()
            .iter()
            .map(|p| Box::from(p.id.as_str()))
            .collect();
        let mut decisions = Vec::with_capacity(purposes.len() * RULES * STATES * 2);
        for purpose in &purposes {
            for rule in Rule::ALL {
                for state in ConsentState::ALL {
                    for allowed in [false, true] {
                        decisions.push(Py::new(
                            py,
                            PyDecision::build(py, allowed, rule, Some(purpose), Some(state)),
                        )?);
                    }
                }
            }
        }
        Ok(Self {
            undeclared,
            decisions,
            purposes,
        })
    }

    fn index(purpose: usize, rule: Rule, state: ConsentState, allowed: bool) -> usize {
        // Both enums are declared in the order of their `ALL` arrays.
        ((purpose * RULES + rule as usize) * STATES + state as usize) * 2 + usize::from(allowed)
    }

    /// The Python object for a decision of `policy` (the policy the table was built for).
    #[inline(always)]
    pub(crate) fn get(
        &self,
        py: Python<'_>,
        policy: &Policy,
        decision: &Decision<'_>,
    ) -> PyResult<Py<PyDecision>> {
        let (Some(purpose), Some(state)) = (decision.purpose, decision.consent_state) else {
            return Ok(self.undeclared.clone_ref(py));
        };
        match purpose_index(policy, purpose).and_then(|p| {
            self.decisions
                .get(Self::index(p, decision.rule, state, decision.allowed))
        }) {
            Some(object) => Ok(object.clone_ref(py)),
            None => self.get_by_text(py, purpose, state, decision),
        }
    }

    /// [`get`](Self::get) for a purpose not lent by the policy: found by its text, or built.
    #[cold]
    #[inline(never)]
    fn get_by_text(
        &self,
        py: Python<'_>,
        purpose: &str,
        state: ConsentState,
        decision: &Decision<'_>,
    ) -> PyResult<Py<PyDecision>> {
        let cached = self
            .purposes
            .iter()
            .position(|p| **p == *purpose)
            .and_then(|p| {
                self.decisions
                    .get(Self::index(p, decision.rule, state, decision.allowed))
            });
        match cached {
            Some(object) => Ok(object.clone_ref(py)),
            // A purpose the table does not know (cannot happen): build the object.
            None => Py::new(
                py,
                PyDecision::build(
                    py,
                    decision.allowed,
                    decision.rule,
                    Some(purpose),
                    Some(state),
                ),
            ),
        }
    }
}
