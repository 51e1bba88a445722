//! Whole messages: an envelope around a struct.

use bytes::BytesMut;

use crate::protocol::{Codec, EncodeError, MessageHeader, ThriftStruct, Writer};

/// Encodes a whole message: envelope, body, end.
pub fn encode_message<C: Codec, T: ThriftStruct>(
    header: &MessageHeader,
    body: &T,
) -> Result<BytesMut, EncodeError> {
    let mut buf = BytesMut::with_capacity(256);
    {
        let mut writer = C::writer(&mut buf);
        writer.write_message_begin(header)?;
        body.encode(&mut writer)?;
        writer.write_message_end()?;
    }
    Ok(buf)
}
