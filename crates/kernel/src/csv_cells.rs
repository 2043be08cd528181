//! Spreadsheet formula injection, for every CSV export and import (inventory's catalogue,
//! the events service's audit log), so both escape the same way and read back alike.
//!
//! Spreadsheet formula injection: a cell that starts with `=`, `+`, `-`, `@`, TAB or CR is
//! run as a formula by Excel, LibreOffice and Google Sheets when an exported file is opened.
//! Export prefixes such text cells with `'`, which spreadsheets show as plain text; import
//! removes exactly that one `'` again, so an exported file imports back unchanged.
//!
//! The rule is a bijection: a cell is escaped when, after its leading `'`s, it starts with a
//! trigger. So a name that really starts with `'=` is exported as `''=` and imported as `'=`.

use std::borrow::Cow;

const TRIGGERS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

fn starts_with_trigger(cell: &str) -> bool {
    cell.trim_start_matches('\'').starts_with(TRIGGERS)
}

/// The cell as written to an export.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    if starts_with_trigger(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// The cell as read from an import: [`neutralise`] undone.
pub fn restore(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if starts_with_trigger(cell) => rest,
        _ => cell,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_prefixed_and_others_kept() {
        for cell in [
            "=HYPERLINK(\"http://x\")",
            "+1",
            "-2+3",
            "@SUM(A1)",
            "\tx",
            "\rx",
        ] {
            assert_eq!(neutralise(cell), format!("'{cell}"));
        }
        for cell in ["Green tea", "", "a=b", "'quoted", "1-2"] {
            assert_eq!(neutralise(cell), cell);
        }
    }

    #[test]
    fn import_undoes_export_exactly() {
        for cell in [
            "=1+1",
            "-5",
            "'=already",
            "''+x",
            "'plain",
            "plain",
            "",
            "'",
            "@",
        ] {
            assert_eq!(restore(&neutralise(cell)), cell, "{cell:?}");
        }
        // A hand-written file's quoted formula loses its quote; other quotes stay.
        assert_eq!(restore("'=1"), "=1");
        assert_eq!(restore("'tis"), "'tis");
    }
}
