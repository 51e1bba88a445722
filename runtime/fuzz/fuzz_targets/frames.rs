//! The transport layer on arbitrary bytes: a server's frame reader (detection of THeader, framed and unframed
//! in every protocol, the unframed message scanner, THeader decoding with zlib), and a client's reader for
//! every transport and protocol, each fed the bytes in the pieces the input's first bytes choose, as reads
//! would cut them. No panic, no hang, no allocation beyond the limits; and the verdict must not depend on
//! how the bytes were cut.

#![no_main]

use idlc_runtime::__fuzz::{client_frames, server_frames};
use idlc_runtime::{FrameLimits, Limits, Protocol, Transport};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&[a, b], bytes)) = data.split_first_chunk::<2>() else {
        return;
    };
    let cuts = [usize::from(a), usize::from(a) + usize::from(b)];
    for limits in [
        FrameLimits::DEFAULT,
        FrameLimits {
            max_frame_len: 64,
            message: Limits {
                max_string_len: 16,
                max_container_len: 8,
                max_depth: 4,
            },
        },
    ] {
        let whole = server_frames(bytes, &[], limits);
        let pieces = server_frames(bytes, &cuts, limits);
        // Cut into pieces, a stream may stop earlier (a frame whose end is not there yet) but never yields
        // more, and what both accept they agree on.
        if let (Ok(whole), Ok(pieces)) = (&whole, &pieces) {
            assert_eq!(whole, pieces, "the same frames however the bytes are cut");
        }
        for transport in [Transport::Framed, Transport::Unframed, Transport::Header] {
            for protocol in [Protocol::Binary, Protocol::Compact, Protocol::Json] {
                let _ = client_frames(bytes, &cuts, transport, protocol, limits);
            }
        }
    }
});
