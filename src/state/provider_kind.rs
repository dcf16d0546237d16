//! A provider's name ([`Kind`]), as the state file, `--provider` and the run
//! record write it: a word, not a closed list. Which names exist is the
//! provider registry's to say (`provider::registry::PROVIDERS`, where each
//! provider's entry declares its own); this room only holds the word, so a
//! state file can name its provider without the state knowing providers.
//! A name read from a state file that no provider has is refused when the
//! provider is looked up (`provider::for_state`), never here.

use std::fmt;

/// The longest provider name.
const MAX: usize = 23;

/// A provider's name: `[a-z][a-z0-9-]*`, at most 23 bytes. `Copy`, and
/// compared by its text.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Kind {
    len: u8,
    bytes: [u8; MAX],
}

impl Kind {
    /// The kind named `name`; a name that is not a provider name fails to
    /// compile where this is a constant (each provider's entry).
    pub const fn named(name: &str) -> Kind {
        match Kind::parse(name) {
            Some(k) => k,
            None => panic!("a provider name is [a-z][a-z0-9-]*, at most 23 bytes"),
        }
    }

    /// `name` as a kind, if it has a provider name's shape (whether a
    /// provider has it is the registry's question).
    pub const fn parse(name: &str) -> Option<Kind> {
        let b = name.as_bytes();
        if b.is_empty() || b.len() > MAX || !b[0].is_ascii_lowercase() {
            return None;
        }
        let mut bytes = [0u8; MAX];
        let mut i = 0;
        while i < b.len() {
            let c = b[i];
            if !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-') {
                return None;
            }
            bytes[i] = c;
            i += 1;
        }
        Some(Kind {
            len: b.len() as u8,
            bytes,
        })
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..self.len as usize]).expect("checked ASCII")
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Kind({:?})", self.as_str())
    }
}

impl serde::Serialize for Kind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Kind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Kind, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Kind::parse(&s).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "'{s}' is not a provider name (a-z, 0-9 and -, at most {MAX} bytes)"
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kind_is_its_name_in_json_and_refuses_other_shapes() {
        let k = Kind::named("netns");
        assert_eq!(serde_json::to_string(&k).unwrap(), "\"netns\"");
        assert_eq!(serde_json::from_str::<Kind>("\"netns\"").unwrap(), k);
        assert_eq!(k.to_string(), "netns");
        assert_ne!(Kind::named("vagrant"), k);
        for bad in ["", "Netns", "9p", "a b", "../x", "abcdefghijklmnopqrstuvwx"] {
            assert!(Kind::parse(bad).is_none(), "{bad}");
            let json = serde_json::to_string(bad).unwrap();
            let e = serde_json::from_str::<Kind>(&json).unwrap_err();
            assert!(e.to_string().contains("is not a provider name"), "{e}");
        }
        assert!(Kind::parse("abcdefghijklmnopqrstuvw").is_some());
    }
}
