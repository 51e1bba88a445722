//! idlc: `idlc::Builder` types with idlc-runtime's binary and compact writers over `BytesMut` and readers
//! over `Bytes`.

use bytes::{Bytes, BytesMut};
use idlc_runtime::protocol::binary::{BinaryReader, BinaryWriter};
use idlc_runtime::protocol::compact::{CompactReader, CompactWriter};
use idlc_runtime::{BytesInput, Limits, ThriftStruct};

use crate::idlc_gen::bench::{Image, Large, Media, Player, Size, Small};
use crate::{Codec, Messages, cleared, reference};

/// idlc's implementation.
pub(crate) struct Idlc;

impl Messages for Idlc {
    type Small = Small;
    type Medium = Media;
    type Large = Large;

    fn small(s: &reference::Small) -> Small {
        small(s)
    }

    fn medium(m: &reference::Media) -> Media {
        let image = |i: &crate::messages::Image| Image {
            uri: i.uri.clone(),
            title: i.title.clone(),
            width: i.width,
            height: i.height,
            size: Size(i.size.0),
        };
        Media {
            uri: m.uri.clone(),
            title: m.title.clone(),
            width: m.width,
            height: m.height,
            format: m.format.clone(),
            duration: m.duration,
            size: m.size,
            bitrate: m.bitrate,
            persons: m.persons.clone(),
            player: Player(m.player.0),
            copyright: m.copyright.clone(),
            thumbnail: image(&m.thumbnail),
            poster: image(&m.poster),
            attributes: m.attributes.clone(),
        }
    }

    fn large(l: &reference::Large) -> Large {
        Large {
            values: l.values.clone(),
            blob: l.blob.clone(),
            items: l.items.iter().map(small).collect(),
        }
    }
}

fn small(s: &reference::Small) -> Small {
    Small {
        id: s.id,
        timestamp: s.timestamp,
        name: s.name.clone(),
        active: s.active,
        score: s.score,
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
