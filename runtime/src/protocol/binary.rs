//! The binary protocol (in progress).
