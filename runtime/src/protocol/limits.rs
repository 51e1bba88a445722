//! Bounds on what a reader accepts from untrusted input.

/// Bounds every reader enforces before it allocates or recurses. The defaults match or tighten Apache
/// Thrift's Rust crate (0.23): 100 MiB strings, nesting depth 64; containers are bounded by count as well as
/// by the bytes actually present.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest `string` or `binary` value, in bytes.
    pub max_string_len: usize,
    /// Largest element count of one list, set or map.
    pub max_container_len: usize,
    /// Deepest nesting of structs and containers.
    pub max_depth: usize,
}

impl Limits {
    /// Apache-compatible defaults: 100 MiB strings, 16 Mi container elements, depth 64.
    pub const DEFAULT: Limits = Limits {
        max_string_len: 100 * 1024 * 1024,
        max_container_len: 16 * 1024 * 1024,
        max_depth: 64,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}
