//! The derives in the codec-only build (`default-features = false, features = ["derive"]`): hand-written
//! types encode and decode with no RPC layer, tokio or networking compiled in. CI runs this file in that
//! build.
#![cfg(feature = "derive")]

use std::collections::{BTreeMap, HashSet};

use bytes::BytesMut;
use idlc_runtime::protocol::compact::{CompactReader, CompactWriter};
use idlc_runtime::{BytesInput, Limits, ThriftEnum, ThriftStruct, ThriftUnion};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, ThriftEnum)]
enum Codec {
    Snappy = 1,
    Zstd = 2,
}

#[derive(Clone, Debug, PartialEq, ThriftUnion)]
enum Statistics {
    #[thrift(id = 1)]
    Count(i64),
    #[thrift(id = 2)]
    Range(Vec<i64>),
}

#[derive(Clone, Debug, PartialEq, ThriftStruct)]
struct ColumnChunk {
    #[thrift(id = 1, name = "filePath")]
    file_path: Option<String>,
    #[thrift(id = 2)]
    codecs: HashSet<Codec>,
    #[thrift(id = 3)]
    statistics: Statistics,
    #[thrift(id = 4)]
    key_value: BTreeMap<String, String>,
}

#[test]
fn derived_types_round_trip_without_the_rpc_layer() {
    let chunk = ColumnChunk {
        file_path: Some("part-0.parquet".into()),
        codecs: [Codec::Zstd].into(),
        statistics: Statistics::Range(vec![-5, 5]),
        key_value: [("writer".to_owned(), "idlc".to_owned())].into(),
    };
    let mut out = BytesMut::new();
    chunk.encode(&mut CompactWriter::new(&mut out)).unwrap();
    let mut reader = CompactReader::new(BytesInput::new(out.freeze()), Limits::default());
    assert_eq!(ColumnChunk::decode(&mut reader).unwrap(), chunk);
    assert_eq!(Codec::Snappy.to_i32(), 1);
}
