//! The compact protocol (in progress).
