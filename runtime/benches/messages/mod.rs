//! Three messages of growing size, with `encode`/`decode` written the way generated code writes them: one
//! match arm per (id, wire type), unknown fields skipped, required fields checked. Benches share them.

use std::collections::BTreeMap;

use bytes::Bytes;
use idlc_runtime::{
    DecodeError, DecodeErrorKind, EncodeError, Reader, TType, ThriftStruct, Writer,
};

/// `struct Small { 1: required i32 id, 2: i64 timestamp, 3: required string name, 4: bool active,
/// 5: double score }`
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Small {
    pub(crate) id: i32,
    pub(crate) timestamp: i64,
    pub(crate) name: String,
    pub(crate) active: bool,
    pub(crate) score: f64,
}

/// `enum Player { JAVA = 0, FLASH = 1 }`, kept as its wire value so unknown values survive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Player(pub(crate) i32);

/// `enum Size { SMALL = 0, LARGE = 1 }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ImageSize(pub(crate) i32);

/// `struct Image { 1: required string uri, 2: optional string title, 3: required i32 width,
/// 4: required i32 height, 5: required Size size }`
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Image {
    pub(crate) uri: String,
    pub(crate) title: Option<String>,
    pub(crate) width: i32,
    pub(crate) height: i32,
    pub(crate) size: ImageSize,
}

/// A media record: `struct Media { 1: required string uri, 2: optional string title, 3: i32 width,
/// 4: i32 height, 5: string format, 6: i64 duration, 7: i64 size, 8: optional i32 bitrate,
/// 9: list<string> persons, 10: Player player, 11: optional string copyright, 12: Image thumbnail,
/// 13: Image poster, 14: map<string, string> attributes }`
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Media {
    pub(crate) uri: String,
    pub(crate) title: Option<String>,
    pub(crate) width: i32,
    pub(crate) height: i32,
    pub(crate) format: String,
    pub(crate) duration: i64,
    pub(crate) size: i64,
    pub(crate) bitrate: Option<i32>,
    pub(crate) persons: Vec<String>,
    pub(crate) player: Player,
    pub(crate) copyright: Option<String>,
    pub(crate) thumbnail: Image,
    pub(crate) poster: Image,
    pub(crate) attributes: BTreeMap<String, String>,
}

/// `struct Large { 1: list<i64> values, 2: binary blob, 3: list<Small> items }`
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Large {
    pub(crate) values: Vec<i64>,
    pub(crate) blob: Bytes,
    pub(crate) items: Vec<Small>,
}

/// A small record with a short name.
pub(crate) fn small(seed: i32) -> Small {
    Small {
        id: seed,
        timestamp: 1_700_000_000_000 + i64::from(seed) * 1000,
        name: format!("item-{seed}"),
        active: seed % 3 != 0,
        score: f64::from(seed) * 0.25 + 0.5,
    }
}

/// A typical media record (the shape of the classic JVM serializer benchmark).
pub(crate) fn medium() -> Media {
    let image = |uri: &str, size| Image {
        uri: uri.into(),
        title: Some("Javaone Keynote".into()),
        width: if size == 0 { 320 } else { 1024 },
        height: if size == 0 { 240 } else { 768 },
        size: ImageSize(size),
    };
    Media {
        uri: "http://javaone.com/keynote.mpg".into(),
        title: Some("Javaone Keynote".into()),
        width: 640,
        height: 480,
        format: "video/mpg4".into(),
        duration: 18_000_000,
        size: 58_982_400,
        bitrate: Some(262_144),
        persons: vec!["Bill Gates".into(), "Steve Jobs".into()],
        player: Player(0),
        copyright: None,
        thumbnail: image("http://javaone.com/keynote_small.jpg", 0),
        poster: image("http://javaone.com/keynote_large.jpg", 1),
        attributes: [
            ("codec", "h264"),
            ("language", "en-US"),
            ("rating", "PG"),
            ("venue", "Moscone Center"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect(),
    }
}

/// 10,000 i64s, a 64 KiB binary and 1,000 small records.
pub(crate) fn large() -> Large {
    Large {
        values: (0..10_000_i64).map(|i| i * 7919 - 40_000_000).collect(),
        blob: (0..64 * 1024)
            .map(|i| (i % 251) as u8)
            .collect::<Vec<u8>>()
            .into(),
        items: (0..1000).map(small).collect(),
    }
}

fn missing(struct_name: &'static str, field: &'static str) -> DecodeError {
    DecodeError::from(DecodeErrorKind::MissingRequiredField { struct_name, field })
}

impl ThriftStruct for Small {
    fn encode<W: Writer>(&self, w: &mut W) -> Result<(), EncodeError> {
        w.write_struct_begin("Small")?;
        w.write_field_begin("id", TType::I32, 1)?;
        w.write_i32(self.id)?;
        w.write_field_end()?;
        w.write_field_begin("timestamp", TType::I64, 2)?;
        w.write_i64(self.timestamp)?;
        w.write_field_end()?;
        w.write_field_begin("name", TType::Binary, 3)?;
        w.write_string(&self.name)?;
        w.write_field_end()?;
        w.write_field_begin("active", TType::Bool, 4)?;
        w.write_bool(self.active)?;
        w.write_field_end()?;
        w.write_field_begin("score", TType::Double, 5)?;
        w.write_double(self.score)?;
        w.write_field_end()?;
        w.write_field_stop()?;
        w.write_struct_end()
    }

    fn decode<R: Reader>(r: &mut R) -> Result<Self, DecodeError> {
        let mut id = None;
        let mut timestamp = 0;
        let mut name = None;
        let mut active = false;
        let mut score = 0.0;
        r.read_struct_begin()?;
        loop {
            let field = r.read_field_begin()?;
            match (field.id, field.ttype) {
                (_, TType::Stop) => break,
                (1, TType::I32) => id = Some(r.read_i32()?),
                (2, TType::I64) => timestamp = r.read_i64()?,
                (3, TType::Binary) => name = Some(r.read_string()?),
                (4, TType::Bool) => active = r.read_bool()?,
                (5, TType::Double) => score = r.read_double()?,
                (_, other) => r.skip(other)?,
            }
            r.read_field_end()?;
        }
        r.read_struct_end()?;
        Ok(Small {
            id: id.ok_or_else(|| missing("Small", "id"))?,
            timestamp,
            name: name.ok_or_else(|| missing("Small", "name"))?,
            active,
            score,
        })
    }
}

impl ThriftStruct for Image {
    fn encode<W: Writer>(&self, w: &mut W) -> Result<(), EncodeError> {
        w.write_struct_begin("Image")?;
        w.write_field_begin("uri", TType::Binary, 1)?;
        w.write_string(&self.uri)?;
        w.write_field_end()?;
        if let Some(title) = &self.title {
            w.write_field_begin("title", TType::Binary, 2)?;
            w.write_string(title)?;
            w.write_field_end()?;
        }
        w.write_field_begin("width", TType::I32, 3)?;
        w.write_i32(self.width)?;
        w.write_field_end()?;
        w.write_field_begin("height", TType::I32, 4)?;
        w.write_i32(self.height)?;
        w.write_field_end()?;
        w.write_field_begin("size", TType::I32, 5)?;
        w.write_i32(self.size.0)?;
        w.write_field_end()?;
        w.write_field_stop()?;
        w.write_struct_end()
    }

    fn decode<R: Reader>(r: &mut R) -> Result<Self, DecodeError> {
        let mut uri = None;
        let mut title = None;
        let mut width = None;
        let mut height = None;
        let mut size = None;
        r.read_struct_begin()?;
        loop {
            let field = r.read_field_begin()?;
            match (field.id, field.ttype) {
                (_, TType::Stop) => break,
                (1, TType::Binary) => uri = Some(r.read_string()?),
                (2, TType::Binary) => title = Some(r.read_string()?),
                (3, TType::I32) => width = Some(r.read_i32()?),
                (4, TType::I32) => height = Some(r.read_i32()?),
                (5, TType::I32) => size = Some(ImageSize(r.read_i32()?)),
                (_, other) => r.skip(other)?,
            }
            r.read_field_end()?;
        }
        r.read_struct_end()?;
        Ok(Image {
            uri: uri.ok_or_else(|| missing("Image", "uri"))?,
            title,
            width: width.ok_or_else(|| missing("Image", "width"))?,
            height: height.ok_or_else(|| missing("Image", "height"))?,
            size: size.ok_or_else(|| missing("Image", "size"))?,
        })
    }
}

impl ThriftStruct for Media {
    fn encode<W: Writer>(&self, w: &mut W) -> Result<(), EncodeError> {
        w.write_struct_begin("Media")?;
        w.write_field_begin("uri", TType::Binary, 1)?;
        w.write_string(&self.uri)?;
        w.write_field_end()?;
        if let Some(title) = &self.title {
            w.write_field_begin("title", TType::Binary, 2)?;
            w.write_string(title)?;
            w.write_field_end()?;
        }
        w.write_field_begin("width", TType::I32, 3)?;
        w.write_i32(self.width)?;
        w.write_field_end()?;
        w.write_field_begin("height", TType::I32, 4)?;
        w.write_i32(self.height)?;
        w.write_field_end()?;
        w.write_field_begin("format", TType::Binary, 5)?;
        w.write_string(&self.format)?;
        w.write_field_end()?;
        w.write_field_begin("duration", TType::I64, 6)?;
        w.write_i64(self.duration)?;
        w.write_field_end()?;
        w.write_field_begin("size", TType::I64, 7)?;
        w.write_i64(self.size)?;
        w.write_field_end()?;
        if let Some(bitrate) = self.bitrate {
            w.write_field_begin("bitrate", TType::I32, 8)?;
            w.write_i32(bitrate)?;
            w.write_field_end()?;
        }
        w.write_field_begin("persons", TType::List, 9)?;
        w.write_list_begin(TType::Binary, self.persons.len())?;
        for person in &self.persons {
            w.write_string(person)?;
        }
        w.write_list_end()?;
        w.write_field_end()?;
        w.write_field_begin("player", TType::I32, 10)?;
        w.write_i32(self.player.0)?;
        w.write_field_end()?;
        if let Some(copyright) = &self.copyright {
            w.write_field_begin("copyright", TType::Binary, 11)?;
            w.write_string(copyright)?;
            w.write_field_end()?;
        }
        w.write_field_begin("thumbnail", TType::Struct, 12)?;
        self.thumbnail.encode(w)?;
        w.write_field_end()?;
        w.write_field_begin("poster", TType::Struct, 13)?;
        self.poster.encode(w)?;
        w.write_field_end()?;
        w.write_field_begin("attributes", TType::Map, 14)?;
        w.write_map_begin(TType::Binary, TType::Binary, self.attributes.len())?;
        for (key, value) in &self.attributes {
            w.write_string(key)?;
            w.write_string(value)?;
        }
        w.write_map_end()?;
        w.write_field_end()?;
        w.write_field_stop()?;
        w.write_struct_end()
    }

    fn decode<R: Reader>(r: &mut R) -> Result<Self, DecodeError> {
        let mut uri = None;
        let mut title = None;
        let mut width = 0;
        let mut height = 0;
        let mut format = String::new();
        let mut duration = 0;
        let mut size = 0;
        let mut bitrate = None;
        let mut persons = Vec::new();
        let mut player = Player(0);
        let mut copyright = None;
        let mut thumbnail = None;
        let mut poster = None;
        let mut attributes = BTreeMap::new();
        r.read_struct_begin()?;
        loop {
            let field = r.read_field_begin()?;
            match (field.id, field.ttype) {
                (_, TType::Stop) => break,
                (1, TType::Binary) => uri = Some(r.read_string()?),
                (2, TType::Binary) => title = Some(r.read_string()?),
                (3, TType::I32) => width = r.read_i32()?,
                (4, TType::I32) => height = r.read_i32()?,
                (5, TType::Binary) => format = r.read_string()?,
                (6, TType::I64) => duration = r.read_i64()?,
                (7, TType::I64) => size = r.read_i64()?,
                (8, TType::I32) => bitrate = Some(r.read_i32()?),
                (9, TType::List) => {
                    let header = r.read_list_begin()?;
                    let mut list = Vec::with_capacity(header.len);
                    for _ in 0..header.len {
                        list.push(r.read_string()?);
                    }
                    r.read_list_end()?;
                    persons = list;
                }
                (10, TType::I32) => player = Player(r.read_i32()?),
                (11, TType::Binary) => copyright = Some(r.read_string()?),
                (12, TType::Struct) => thumbnail = Some(Image::decode(r)?),
                (13, TType::Struct) => poster = Some(Image::decode(r)?),
                (14, TType::Map) => {
                    let header = r.read_map_begin()?;
                    let mut map = BTreeMap::new();
                    for _ in 0..header.len {
                        let key = r.read_string()?;
                        let value = r.read_string()?;
                        map.insert(key, value);
                    }
                    r.read_map_end()?;
                    attributes = map;
                }
                (_, other) => r.skip(other)?,
            }
            r.read_field_end()?;
        }
        r.read_struct_end()?;
        Ok(Media {
            uri: uri.ok_or_else(|| missing("Media", "uri"))?,
            title,
            width,
            height,
            format,
            duration,
            size,
            bitrate,
            persons,
            player,
            copyright,
            thumbnail: thumbnail.ok_or_else(|| missing("Media", "thumbnail"))?,
            poster: poster.ok_or_else(|| missing("Media", "poster"))?,
            attributes,
        })
    }
}

impl ThriftStruct for Large {
    fn encode<W: Writer>(&self, w: &mut W) -> Result<(), EncodeError> {
        w.write_struct_begin("Large")?;
        w.write_field_begin("values", TType::List, 1)?;
        w.write_list_begin(TType::I64, self.values.len())?;
        for value in &self.values {
            w.write_i64(*value)?;
        }
        w.write_list_end()?;
        w.write_field_end()?;
        w.write_field_begin("blob", TType::Binary, 2)?;
        w.write_binary(&self.blob)?;
        w.write_field_end()?;
        w.write_field_begin("items", TType::List, 3)?;
        w.write_list_begin(TType::Struct, self.items.len())?;
        for item in &self.items {
            item.encode(w)?;
        }
        w.write_list_end()?;
        w.write_field_end()?;
        w.write_field_stop()?;
        w.write_struct_end()
    }

    fn decode<R: Reader>(r: &mut R) -> Result<Self, DecodeError> {
        let mut values = Vec::new();
        let mut blob = Bytes::new();
        let mut items = Vec::new();
        r.read_struct_begin()?;
        loop {
            let field = r.read_field_begin()?;
            match (field.id, field.ttype) {
                (_, TType::Stop) => break,
                (1, TType::List) => {
                    let header = r.read_list_begin()?;
                    let mut list = Vec::with_capacity(header.len);
                    for _ in 0..header.len {
                        list.push(r.read_i64()?);
                    }
                    r.read_list_end()?;
                    values = list;
                }
                (2, TType::Binary) => blob = r.read_binary()?,
                (3, TType::List) => {
                    let header = r.read_list_begin()?;
                    let mut list = Vec::with_capacity(header.len);
                    for _ in 0..header.len {
                        list.push(Small::decode(r)?);
                    }
                    r.read_list_end()?;
                    items = list;
                }
                (_, other) => r.skip(other)?,
            }
            r.read_field_end()?;
        }
        r.read_struct_end()?;
        Ok(Large {
            values,
            blob,
            items,
        })
    }
}
