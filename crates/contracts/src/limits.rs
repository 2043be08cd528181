//! Limits both sides of a call enforce, so orders refuses what inventory would refuse.

/// Lines in one order or reservation.
pub const MAX_LINES: usize = 100;

/// Units of one product in one line.
pub const MAX_LINE_QUANTITY: i64 = 10_000;

/// Bytes of an order's note.
pub const MAX_NOTE_BYTES: usize = 2_000;
