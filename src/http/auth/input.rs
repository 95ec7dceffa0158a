//! Field checks for the auth bodies, with the reference validator's messages
//! (`rest-api.md` §1.5). Every violation is collected before answering.

use serde_json::{Map, Value};

use crate::error::{ApiError, Violation};

pub struct Fields<'a> {
    body: &'a Map<String, Value>,
    violations: Vec<Violation>,
}

/// A plausible email address (the CLI's shape check: the address is not contacted).
pub fn is_email(s: &str) -> bool {
    crate::cli::is_plausible_email(s)
}

impl<'a> Fields<'a> {
    pub fn new(body: &'a Map<String, Value>) -> Fields<'a> {
        Fields { body, violations: Vec::new() }
    }

    fn fail(&mut self, key: &str, template: &str) {
        self.violations.push(Violation::new("body", &[key], template));
    }

    /// A string field (numbers are accepted as their text, like the reference's coercion).
    pub fn string(&mut self, key: &str, required: bool, min: usize, max: Option<usize>) -> Option<String> {
        let value = match self.body.get(key) {
            None | Some(Value::Null) => {
                if required {
                    self.fail(key, "{} is required");
                }
                return None;
            }
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            Some(_) => {
                self.fail(key, "{} must be a string");
                return None;
            }
        };
        let len = value.chars().count();
        if value.is_empty() {
            self.fail(key, "{} is not allowed to be empty");
            return None;
        }
        if len < min {
            self.fail(key, &format!("{{}} length must be at least {min} characters long"));
            return None;
        }
        if let Some(max) = max.filter(|m| len > *m) {
            self.fail(key, &format!("{{}} length must be less than or equal to {max} characters long"));
            return None;
        }
        Some(value)
    }

    /// A required email, trimmed.
    pub fn email(&mut self) -> Option<String> {
        let e = self.string("email", true, 0, None)?.trim().to_string();
        if is_email(&e) {
            Some(e)
        } else {
            self.fail("email", "{} must be a valid email");
            None
        }
    }

    /// Ok when every check passed.
    pub fn finish(self) -> Result<(), ApiError> {
        if self.violations.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(self.violations))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_need_a_local_part_and_a_dotted_domain() {
        assert!(is_email("a@b.co"));
        for bad in ["", "a", "a@b", "@b.co", "a@@b.co", "a b@c.de", "a@.co", "a@b."] {
            assert!(!is_email(bad), "{bad}");
        }
    }

    #[test]
    fn all_violations_are_reported() {
        let body: Map<String, Value> = serde_json::from_str(r#"{"email":"nope","password":"123"}"#).unwrap();
        let mut f = Fields::new(&body);
        assert!(f.email().is_none());
        assert!(f.string("password", true, 6, None).is_none());
        assert!(f.string("firstname", true, 0, Some(50)).is_none());
        let Err(ApiError::Validation(v)) = f.finish() else { panic!("expected violations") };
        assert_eq!(v.len(), 3);
        assert_eq!(v[1].message, "\"body.password\" length must be at least 6 characters long");
    }
}
