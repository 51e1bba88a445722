//! Apache Thrift: `thrift --gen rs` types with the `thrift` crate's protocols, writing to a `Vec<u8>` and
//! reading from a `&[u8]` (the crate's transports are any `io::Write`/`io::Read`; these two are its cheapest).

use bytes::Bytes;
use thrift::OrderedFloat;
use thrift::protocol::{
    TBinaryInputProtocol, TBinaryOutputProtocol, TCompactInputProtocol, TCompactOutputProtocol,
    TSerializable,
};

use crate::apache::{Image, Large, Media, Player, Size, Small};
use crate::{Codec, Messages, reference};

/// Apache Thrift's implementation.
pub(crate) struct Apache;

impl Messages for Apache {
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
            width: Some(m.width),
            height: Some(m.height),
            format: Some(m.format.clone()),
            duration: Some(m.duration),
            size: Some(m.size),
            bitrate: m.bitrate,
            persons: Some(m.persons.clone()),
            player: Some(Player(m.player.0)),
            copyright: m.copyright.clone(),
            thumbnail: image(&m.thumbnail),
            poster: image(&m.poster),
            attributes: Some(m.attributes.clone()),
        }
    }

    fn large(l: &reference::Large) -> Large {
        Large {
            values: Some(l.values.clone()),
            blob: Some(l.blob.to_vec()),
            items: Some(l.items.iter().map(small).collect()),
        }
    }
}

fn small(s: &reference::Small) -> Small {
    Small {
        id: s.id,
        timestamp: Some(s.timestamp),
        name: s.name.clone(),
        active: Some(s.active),
        score: Some(OrderedFloat(s.score)),
    }
}

macro_rules! apache_codec {
    ($($ty:ty),*) => {$(
        impl Codec for $ty {
            type Buffer = Vec<u8>;

            fn encode_binary(&self, buf: &mut Vec<u8>) {
                buf.clear();
                let mut protocol = TBinaryOutputProtocol::new(buf, true);
                self.write_to_out_protocol(&mut protocol).expect("encodes");
            }

            fn encode_compact(&self, buf: &mut Vec<u8>) {
                buf.clear();
                let mut protocol = TCompactOutputProtocol::new(buf);
                self.write_to_out_protocol(&mut protocol).expect("encodes");
            }

            fn decode_binary(bytes: &Bytes) -> Self {
                let mut protocol = TBinaryInputProtocol::new(&bytes[..], true);
                Self::read_from_in_protocol(&mut protocol).expect("decodes")
            }

            fn decode_compact(bytes: &Bytes) -> Self {
                let mut protocol = TCompactInputProtocol::new(&bytes[..]);
                Self::read_from_in_protocol(&mut protocol).expect("decodes")
            }

            fn written(buf: &Vec<u8>) -> &[u8] {
                buf
            }
        }
    )*};
}

apache_codec!(Small, Media, Large);
