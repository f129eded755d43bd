//! Tables for people, JSON for scripts.

use serde::Serialize;

use super::error::CliError;

/// Prints rows under a header, each column as wide as its widest cell.
pub fn table(header: &[&str], rows: &[Vec<String>]) {
    print!(
        "{}",
        twofold_core::table::render(header, rows, twofold_core::table::Rule::Dashes)
    );
    if rows.is_empty() {
        println!("(none)");
    }
}

pub fn json<T: Serialize>(value: &T) -> Result<(), CliError> {
    let text = serde_json::to_string_pretty(value).map_err(CliError::Encode)?;
    println!("{text}");
    Ok(())
}

pub fn opt(value: &Option<String>) -> String {
    value.clone().unwrap_or_default()
}
