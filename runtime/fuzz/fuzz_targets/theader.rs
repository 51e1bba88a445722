//! THeader frames: the input is everything after the magic (flags, sequence id, header size, header block,
//! payload), so the fuzzer spends its time inside the header rather than finding the magic. Each is read as
//! a server reads a request (transforms undone within the frame limit, info headers parsed, the protocol
//! told) and as a client reads a reply.

#![no_main]

use idlc_runtime::__fuzz::{client_frames, server_frames};
use idlc_runtime::{FrameLimits, Protocol, Transport};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut frame = Vec::with_capacity(data.len() + 6);
    frame.extend_from_slice(&((data.len() + 2) as u32).to_be_bytes());
    frame.extend_from_slice(&[0x0f, 0xff]);
    frame.extend_from_slice(data);
    let limits = FrameLimits {
        max_frame_len: 1 << 16,
        ..FrameLimits::DEFAULT
    };
    let _ = server_frames(&frame, &[], limits);
    let _ = client_frames(&frame, &[], Transport::Header, Protocol::Binary, limits);
});
