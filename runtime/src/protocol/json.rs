//! The json protocol (in progress).
