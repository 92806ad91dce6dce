// The protobuf wire format's constants, shared by the writer and the reader (proto.ts).

/** Protobuf wire types. Groups (3, 4) are deprecated: they are only skipped, never written. */
export const enum WireType {
  Varint = 0,
  Fixed64 = 1,
  Bytes = 2,
  StartGroup = 3,
  EndGroup = 4,
  Fixed32 = 5,
}

/** Why a Reader stopped. */
export const enum ReadError {
  None = 0,
  /** A value runs past the end of the message. */
  Truncated = 1,
  /** A varint longer than 10 bytes, or one that overflows 64 bits. */
  VarintOverflow = 2,
  /** An unknown wire type (6, 7), or an end-group without its start. */
  BadWireType = 3,
  /** A field number of 0 or above 2^29-1. */
  BadFieldNumber = 4,
  /** A known field arrived with a wire type that does not fit its declared type. */
  WrongWireType = 5,
}

/** The largest field number protobuf allows (2^29 - 1). */
export const MAX_FIELD_NUMBER: u32 = 536870911
