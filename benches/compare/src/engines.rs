//! The engines cookie-charter is compared with, in Rust: a hand-written one, Cedar and Rego.

use std::collections::HashMap;

use crate::workload::Decl;

/// What a site writes by hand: a `HashMap` of exact names, a scan of the patterns keeping the
/// longest, then a `match` on purpose and party.
pub struct Naive {
    exact: HashMap<String, (&'static str, bool, bool)>,
    patterns: Vec<(String, String, &'static str, bool, bool)>,
}

impl Naive {
    /// Indexes the declarations.
    pub fn new(decls: &[Decl]) -> Self {
        let mut exact = HashMap::new();
        let mut patterns = Vec::new();
        for (name, purpose, third, anonymous) in decls {
            match name.split_once('*') {
                Some((p, s)) => {
                    patterns.push((p.to_owned(), s.to_owned(), *purpose, *third, *anonymous))
                }
                None => {
                    exact.insert(name.clone(), (*purpose, *third, *anonymous));
                }
            }
        }
        Self { exact, patterns }
    }

    /// Whether `name` is allowed when the purposes in `granted` are granted.
    pub fn decide(&self, name: &str, granted: &HashMap<&str, bool>) -> bool {
        let decl = self.exact.get(name).copied().or_else(|| {
            self.patterns
                .iter()
                .filter(|(p, s, ..)| {
                    name.len() >= p.len() + s.len()
                        && name.starts_with(p.as_str())
                        && name.ends_with(s.as_str())
                })
                .max_by_key(|(p, s, ..)| p.len() + s.len())
                .map(|(_, _, purpose, third, anonymous)| (*purpose, *third, *anonymous))
        });
        match decl {
            None => false,
            Some(("necessary", ..)) => true,
            Some((purpose, true, _)) => granted.get(purpose).copied().unwrap_or(false),
            Some(("statistics", false, true)) => true,
            Some((purpose, ..)) => granted.get(purpose).copied().unwrap_or(false),
        }
    }
}

/// The charter as Cedar policies, asked through `cedar-policy`'s authorizer.
pub struct Cedar {
    policies: cedar_policy::PolicySet,
    authorizer: cedar_policy::Authorizer,
    entities: cedar_policy::Entities,
    principal: cedar_policy::EntityUid,
    action: cedar_policy::EntityUid,
    resource: cedar_policy::EntityUid,
}

impl Cedar {
    /// Parses the policies.
    pub fn new(text: &str) -> Result<Self, String> {
        let uid = |s: &str| {
            s.parse::<cedar_policy::EntityUid>()
                .map_err(|e| e.to_string())
        };
        Ok(Self {
            policies: text.parse().map_err(|e| format!("{e:?}"))?,
            authorizer: cedar_policy::Authorizer::new(),
            entities: cedar_policy::Entities::empty(),
            principal: uid(r#"Visitor::"v""#)?,
            action: uid(r#"Action::"set""#)?,
            resource: uid(r#"Cookie::"c""#)?,
        })
    }

    /// Whether `name` is allowed when the purposes in `granted` are granted: one request, its
    /// context built for the name, one authorization.
    pub fn decide(&self, name: &str, granted: &[&str]) -> Result<bool, String> {
        let context = cedar_policy::Context::from_pairs([
            (
                "name".to_owned(),
                cedar_policy::RestrictedExpression::new_string(name.to_owned()),
            ),
            (
                "granted".to_owned(),
                cedar_policy::RestrictedExpression::new_set(
                    granted
                        .iter()
                        .map(|g| cedar_policy::RestrictedExpression::new_string((*g).to_owned())),
                ),
            ),
        ])
        .map_err(|e| e.to_string())?;
        let request = cedar_policy::Request::new(
            self.principal.clone(),
            self.action.clone(),
            self.resource.clone(),
            context,
            None,
        )
        .map_err(|e| e.to_string())?;
        let response = self
            .authorizer
            .is_authorized(&request, &self.policies, &self.entities);
        if let Some(error) = response.diagnostics().errors().next() {
            return Err(error.to_string());
        }
        Ok(response.decision() == cedar_policy::Decision::Allow)
    }
}

/// The charter as Rego, evaluated by `regorus`.
pub struct Rego {
    engine: regorus::Engine,
    granted: regorus::Value,
}

impl Rego {
    /// Compiles the policy.
    pub fn new(text: &str, granted: &[&str]) -> Result<Self, String> {
        let mut engine = regorus::Engine::new();
        engine
            .add_policy("charter.rego".to_owned(), text.to_owned())
            .map_err(|e| e.to_string())?;
        let object: serde_json::Map<String, serde_json::Value> = granted
            .iter()
            .map(|g| ((*g).to_owned(), serde_json::Value::Bool(true)))
            .collect();
        let granted = regorus::Value::from_json_str(&serde_json::Value::Object(object).to_string())
            .map_err(|e| e.to_string())?;
        Ok(Self { engine, granted })
    }

    /// Whether `name` is allowed: the input set, `data.charter.allowed` evaluated.
    pub fn decide(&mut self, name: &str) -> Result<bool, String> {
        let mut input = regorus::Value::new_object();
        let map = input.as_object_mut().map_err(|e| e.to_string())?;
        map.insert(regorus::Value::from("name"), regorus::Value::from(name));
        map.insert(regorus::Value::from("granted"), self.granted.clone());
        self.engine.set_input(input);
        let value = self
            .engine
            .eval_rule("data.charter.allowed".to_owned())
            .map_err(|e| e.to_string())?;
        Ok(value == regorus::Value::from(true))
    }
}
