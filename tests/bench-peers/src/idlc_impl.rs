//! idlc: generated types with idlc-runtime's binary and compact writers over `BytesMut` and readers over
//! `Bytes`.
//!
//! TEMPORARY: until `idlc::Builder` generates `idl/bench.thrift`, these are the hand-written codecs of the
//! runtime benches (the shape generated code is meant to have).

use bytes::{Bytes, BytesMut};
use idlc_runtime::protocol::binary::{BinaryReader, BinaryWriter};
use idlc_runtime::protocol::compact::{CompactReader, CompactWriter};
use idlc_runtime::{BytesInput, Limits, ThriftStruct};

use crate::messages::{Large, Media, Small};
use crate::{Codec, Messages, cleared, reference};

/// idlc's implementation.
pub(crate) struct Idlc;

impl Messages for Idlc {
    type Small = Small;
    type Medium = Media;
    type Large = Large;

    fn small(s: &reference::Small) -> Small {
        s.clone()
    }

    fn medium(m: &reference::Media) -> Media {
        m.clone()
    }

    fn large(l: &reference::Large) -> Large {
        l.clone()
    }
}

macro_rules! idlc_codec {
    ($($ty:ty),*) => {$(
        impl Codec for $ty {
            type Buffer = BytesMut;

            fn encode_binary(&self, buf: &mut BytesMut) {
                self.encode(&mut BinaryWriter::new(cleared(buf))).expect("encodes");
            }

            fn encode_compact(&self, buf: &mut BytesMut) {
                self.encode(&mut CompactWriter::new(cleared(buf))).expect("encodes");
            }

            fn decode_binary(bytes: &Bytes) -> Self {
                let mut reader = BinaryReader::new(BytesInput::new(bytes.clone()), Limits::default());
                <Self as ThriftStruct>::decode(&mut reader).expect("decodes")
            }

            fn decode_compact(bytes: &Bytes) -> Self {
                let mut reader = CompactReader::new(BytesInput::new(bytes.clone()), Limits::default());
                <Self as ThriftStruct>::decode(&mut reader).expect("decodes")
            }

            fn written(buf: &BytesMut) -> &[u8] {
                buf
            }
        }
    )*};
}

idlc_codec!(Small, Media, Large);
