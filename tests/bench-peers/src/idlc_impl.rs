//! idlc: `idlc::Builder` types with idlc-runtime's binary and compact writers over `BytesMut` and readers
//! over `Bytes`, generated twice: with `string` as `String` (the default) and as `FastStr`.

/// One idlc implementation over the types of the generated module `$module`.
macro_rules! idlc_implementation {
    ($implementation:ident, $module:path) => {
        use bytes::{Bytes, BytesMut};
        use idlc_runtime::protocol::binary::{BinaryReader, BinaryWriter};
        use idlc_runtime::protocol::compact::{CompactReader, CompactWriter};
        use idlc_runtime::{BytesInput, Limits, ThriftStruct};

        use crate::{Codec, Messages, cleared, reference};
        use $module::{Image, Large, Media, Player, Size, Small};

        /// This idlc implementation.
        pub(crate) struct $implementation;

        impl Messages for $implementation {
            type Small = Small;
            type Medium = Media;
            type Large = Large;

            fn small(s: &reference::Small) -> Small {
                small(s)
            }

            fn medium(m: &reference::Media) -> Media {
                let image = |i: &crate::messages::Image| Image {
                    uri: i.uri.clone().into(),
                    title: i.title.clone().map(Into::into),
                    width: i.width,
                    height: i.height,
                    size: Size(i.size.0),
                };
                Media {
                    uri: m.uri.clone().into(),
                    title: m.title.clone().map(Into::into),
                    width: m.width,
                    height: m.height,
                    format: m.format.clone().into(),
                    duration: m.duration,
                    size: m.size,
                    bitrate: m.bitrate,
                    persons: m.persons.iter().cloned().map(Into::into).collect(),
                    player: Player(m.player.0),
                    copyright: m.copyright.clone().map(Into::into),
                    thumbnail: image(&m.thumbnail),
                    poster: image(&m.poster),
                    attributes: m
                        .attributes
                        .iter()
                        .map(|(k, v)| (k.clone().into(), v.clone().into()))
                        .collect(),
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
                name: s.name.clone().into(),
                active: s.active,
                score: s.score,
            }
        }

        idlc_codec!(Small, Media, Large);
    };
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

/// `string` as `String`.
pub(crate) mod string {
    idlc_implementation!(Idlc, crate::idlc_gen::bench);
}

/// `string` as `FastStr`.
pub(crate) mod faststr {
    idlc_implementation!(IdlcFastStr, crate::idlc_faststr_gen::bench);
}
