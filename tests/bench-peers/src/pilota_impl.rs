//! CloudWeGo pilota: pilota-build types with the `pilota` crate's protocols over `BytesMut` (encode) and
//! `Bytes` (decode), zero-copy where the protocol offers it. [`encode_binary_unsafe`] and
//! [`decode_binary_unsafe`] use pilota's unchecked binary protocol, its fastest (what volo-thrift uses).

use bytes::{Bytes, BytesMut};
use pilota::FastStr;
use pilota::thrift::Message;
use pilota::thrift::binary::TBinaryProtocol;
use pilota::thrift::binary_unsafe::{TBinaryUnsafeInputProtocol, TBinaryUnsafeOutputProtocol};
use pilota::thrift::compact::{TCompactInputProtocol, TCompactOutputProtocol};

use crate::pilota_gen::pilota_bench::bench::{Image, Large, Media, Player, Size, Small};
use crate::{Codec, Messages, cleared, reference};

/// pilota's implementation.
pub(crate) struct Pilota;

fn faststr(s: &str) -> FastStr {
    FastStr::from_string(s.to_owned())
}

impl Messages for Pilota {
    type Small = Small;
    type Medium = Media;
    type Large = Large;

    fn small(s: &reference::Small) -> Small {
        small(s)
    }

    fn medium(m: &reference::Media) -> Media {
        let image = |i: &crate::messages::Image| Image {
            uri: faststr(&i.uri),
            title: i.title.as_deref().map(faststr),
            width: i.width,
            height: i.height,
            size: Size::from(i.size.0),
        };
        Media {
            uri: faststr(&m.uri),
            title: m.title.as_deref().map(faststr),
            width: Some(m.width),
            height: Some(m.height),
            format: Some(faststr(&m.format)),
            duration: Some(m.duration),
            size: Some(m.size),
            bitrate: m.bitrate,
            persons: Some(m.persons.iter().map(|p| faststr(p)).collect()),
            player: Some(Player::from(m.player.0)),
            copyright: m.copyright.as_deref().map(faststr),
            thumbnail: image(&m.thumbnail),
            poster: image(&m.poster),
            attributes: Some(
                m.attributes
                    .iter()
                    .map(|(k, v)| (faststr(k), faststr(v)))
                    .collect(),
            ),
        }
    }

    fn large(l: &reference::Large) -> Large {
        Large {
            values: Some(l.values.clone()),
            blob: Some(l.blob.clone()),
            items: Some(l.items.iter().map(small).collect()),
        }
    }
}

fn small(s: &reference::Small) -> Small {
    Small {
        id: s.id,
        timestamp: Some(s.timestamp),
        name: faststr(&s.name),
        active: Some(s.active),
        score: Some(s.score),
    }
}

macro_rules! pilota_codec {
    ($($ty:ty),*) => {$(
        impl Codec for $ty {
            type Buffer = BytesMut;

            fn encode_binary(&self, buf: &mut BytesMut) {
                let mut protocol = TBinaryProtocol::new(cleared(buf), true);
                self.encode(&mut protocol).expect("encodes");
            }

            fn encode_compact(&self, buf: &mut BytesMut) {
                let mut protocol = TCompactOutputProtocol::new(cleared(buf), true);
                self.encode(&mut protocol).expect("encodes");
            }

            fn decode_binary(bytes: &Bytes) -> Self {
                let mut input = bytes.clone();
                let mut protocol = TBinaryProtocol::new(&mut input, true);
                <Self as Message>::decode(&mut protocol).expect("decodes")
            }

            fn decode_compact(bytes: &Bytes) -> Self {
                let mut input = bytes.clone();
                let mut protocol = TCompactInputProtocol::new(&mut input);
                <Self as Message>::decode(&mut protocol).expect("decodes")
            }

            fn written(buf: &BytesMut) -> &[u8] {
                buf
            }
        }
    )*};
}

pilota_codec!(Small, Media, Large);

/// Encodes with pilota's unchecked binary protocol, the way its RPC framework does: size the message, make
/// the buffer that long, write into it. The buffer keeps its length between calls of the same message, so
/// steady-state encodes do not zero it first.
pub(crate) fn encode_binary_unsafe<T: Message>(value: &T, buf: &mut BytesMut) {
    let size = value.size(&mut TBinaryProtocol::new((), true));
    if buf.len() != size {
        buf.clear();
        buf.resize(size, 0);
    }
    // SAFETY: `slice` covers exactly the initialised bytes of `buf`, which is `size` long, the length pilota
    // itself computed for this message; pilota requires the slice and the buffer to be the same memory.
    let slice: &'static mut [u8] =
        unsafe { std::slice::from_raw_parts_mut(buf.as_mut_ptr(), buf.len()) };
    let mut protocol = unsafe { TBinaryUnsafeOutputProtocol::new(&mut *buf, slice, true) };
    value.encode(&mut protocol).expect("encodes");
}

/// Decodes with pilota's unchecked binary protocol (sound only on well-formed input, as here).
pub(crate) fn decode_binary_unsafe<T: Message>(bytes: &Bytes) -> T {
    let mut input = bytes.clone();
    // SAFETY: the input is a complete, well-formed encoding made by the encoders above.
    let mut protocol = unsafe { TBinaryUnsafeInputProtocol::new(&mut input) };
    T::decode(&mut protocol).expect("decodes")
}
