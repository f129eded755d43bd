//! Plain-text tables for the command-line tools: each column as wide as its widest cell,
//! two spaces between columns, no trailing blanks. Pure: it returns the text, the caller
//! prints it.

/// Whether a line of dashes separates the header from the rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    Dashes,
    None,
}

/// The table as lines of text, each ending in `\n`. Widths count characters, not bytes, so
/// names with accents line up.
pub fn render(header: &[&str], rows: &[Vec<String>], rule: Rule) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &mut dyn Iterator<Item = &str>| {
        let padded: Vec<String> = cells
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        out.push_str(padded.join("  ").trim_end());
        out.push('\n');
    };
    line(&mut header.iter().copied());
    if rule == Rule::Dashes {
        let dashes: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
        line(&mut dashes.iter().map(String::as_str));
    }
    for row in rows {
        line(&mut row.iter().map(String::as_str));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_as_wide_as_their_widest_cell() {
        let rows = vec![
            vec!["alice".to_owned(), "enabled".to_owned()],
            vec!["zoë".to_owned(), "".to_owned()],
        ];
        assert_eq!(
            render(&["NAME", "MFA"], &rows, Rule::Dashes),
            "NAME   MFA\n-----  -------\nalice  enabled\nzoë\n"
        );
        assert_eq!(
            render(&["NAME", "MFA"], &rows, Rule::None),
            "NAME   MFA\nalice  enabled\nzoë\n"
        );
    }

    #[test]
    fn a_row_shorter_or_longer_than_the_header_does_not_panic() {
        let rows = vec![
            vec!["a".to_owned()],
            vec!["b".into(), "c".into(), "d".into()],
        ];
        assert_eq!(render(&["X", "Y"], &rows, Rule::None), "X  Y\na\nb  c\n");
    }
}
