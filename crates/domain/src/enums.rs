//! `string_enum!`: an enumeration of fixed codes with Chinese and English labels, parsed with an
//! error that names the field and the allowed values. Every labelled enumeration of the domain
//! (household facts, casework kinds and steps) is one of these.

macro_rules! string_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $s:literal / $zh:literal / $en:literal),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $v),* }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v),*];
            pub fn as_str(self) -> &'static str { match self { $($name::$v => $s),* } }
            pub fn zh(self) -> &'static str { match self { $($name::$v => $zh),* } }
            pub fn en(self) -> &'static str { match self { $($name::$v => $en),* } }
            pub fn parse(s: &str) -> Option<$name> { $name::ALL.iter().copied().find(|v| v.as_str() == s) }
            /// Parses `s` or names the field and the allowed values.
            pub fn parse_field(field: &str, s: &str) -> Result<$name, $crate::error::FieldError> {
                $name::parse(s).ok_or_else(|| {
                    let allowed: Vec<String> = $name::ALL.iter().map(|v| format!("{}（{}）", v.as_str(), v.zh())).collect();
                    $crate::error::FieldError::new(field, "enum.unknown",
                        format!("“{s}”不是可选值，可选：{}", allowed.join("、")),
                        format!("\"{s}\" is not one of: {}", $name::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")))
                })
            }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str(self.as_str()) }
        }
    };
}
pub(crate) use string_enum;
