//! Reading the user import's CSV (RFC 4180, with a header line naming the columns). Pure:
//! no store, no clock. Each row becomes the user it asks for or the reason it cannot be one,
//! numbered with the line of the file it starts on (a quoted field may span lines, RFC 4180
//! §2.6, so a row's line is not its index plus one).

use crate::error::Error;
use crate::store::users::MfaState;

pub use twofold_core::proto::admin::NewUser;

/// Columns a CSV import understands; `username` is required, the others optional.
pub const COLUMNS: &[&str] = &[
    "username",
    "first_name",
    "last_name",
    "email",
    "phone",
    "mfa_state",
];

/// One data row: where it starts, the username it names (for the report), and the user to
/// add or why it is refused.
#[derive(Debug)]
pub struct Row {
    pub line: u64,
    pub username: String,
    pub user: Result<NewUser, Error>,
}

/// Reads `text`, whose header is on line `first_line` of the whole file. A header that names
/// an unknown column, or no username column, refuses the whole text (no row is added).
pub fn parse(text: &str, first_line: u64) -> Result<Vec<Row>, Error> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| Error::invalid("csv", format!("cannot read the header line: {e}")))?;
    let names: Vec<String> = headers.iter().map(|h| h.to_ascii_lowercase()).collect();
    if let Some(unknown) = names.iter().find(|h| !COLUMNS.contains(&h.as_str())) {
        return Err(Error::invalid(
            "csv",
            format!(
                "unknown column {unknown:?}; the columns are {}",
                COLUMNS.join(", ")
            ),
        ));
    }
    if let Some(twice) = names
        .iter()
        .enumerate()
        .find(|(i, h)| names[..*i].contains(h))
        .map(|(_, h)| h)
    {
        return Err(Error::invalid(
            "csv",
            format!("the column {twice:?} is named twice in the header line"),
        ));
    }
    if !names.iter().any(|h| h == "username") {
        return Err(Error::invalid(
            "csv",
            "the header line must name a username column",
        ));
    }
    // The line in the whole file of a line of `text` (`text`'s header is its line 1).
    let file_line = |line: u64| first_line.saturating_add(line).saturating_sub(1);
    let mut rows = Vec::new();
    let mut last_line = first_line;
    for record in reader.records() {
        let row = match record {
            Ok(record) => {
                let line = record
                    .position()
                    .map_or(last_line + 1, |p| file_line(p.line()));
                let field = |name: &str| {
                    names
                        .iter()
                        .position(|h| h == name)
                        .and_then(|i| record.get(i))
                        .filter(|v| !v.is_empty())
                        .map(str::to_owned)
                };
                Row {
                    line,
                    username: field("username").unwrap_or_default(),
                    user: new_user(&field),
                }
            }
            Err(e) => Row {
                line: e.position().map_or(last_line + 1, |p| file_line(p.line())),
                username: String::new(),
                user: Err(Error::invalid("csv", problem(&e))),
            },
        };
        last_line = row.line;
        rows.push(row);
    }
    Ok(rows)
}

/// What is wrong with a row, in the file's terms: the CSV reader's own message counts records
/// and lines from the start of the text it read, which for a chunk of a large file is not
/// where the row is (the row's line is in its report line already).
fn problem(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!(
            "the row has {}, but the header line has {}",
            fields(*len),
            fields(*expected_len)
        ),
        csv::ErrorKind::Utf8 { .. } => "the row is not valid UTF-8".to_owned(),
        _ => "the row cannot be read as CSV".to_owned(),
    }
}

fn fields(n: u64) -> String {
    if n == 1 {
        "1 field".to_owned()
    } else {
        format!("{n} fields")
    }
}

fn new_user(field: &dyn Fn(&str) -> Option<String>) -> Result<NewUser, Error> {
    let mfa_state = match field("mfa_state") {
        None => None,
        Some(s) => Some(MfaState::parse(&s.to_ascii_lowercase()).ok_or_else(|| {
            Error::invalid(
                "mfa_state",
                format!("{s:?} is not disabled, enabled or enforced"),
            )
        })?),
    };
    Ok(NewUser {
        username: field("username").unwrap_or_default(),
        first_name: field("first_name"),
        last_name: field("last_name"),
        email: field("email"),
        phone: field("phone"),
        mfa_state,
    })
}

/// A run of whole CSV records of the file, sent with the header in one request.
#[derive(Debug, PartialEq)]
pub struct Chunk<'a> {
    pub text: &'a str,
    /// The file's line number the header stands in for, so that [`parse`] numbers the rows
    /// by the file's lines.
    pub first_line: u64,
    pub rows: usize,
}

/// Splits `text` into its header line and chunks of `size` records, cut at record
/// boundaries as a CSV reader finds them (RFC 4180 §2.6: a quoted field may hold line
/// breaks, so a line is not always a row). `None` when there is no header.
pub fn chunks(text: &str, size: usize) -> Option<(&str, Vec<Chunk<'_>>)> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let header = reader.headers().ok()?;
    if header.iter().all(|h| h.trim().is_empty()) {
        return None;
    }
    // Where each record starts (byte offset, line); the end of the text closes the last.
    let mut starts = Vec::new();
    let mut record = csv::ByteRecord::new();
    loop {
        let at = reader.position().clone();
        match reader.read_byte_record(&mut record) {
            Ok(true) => starts.push((at.byte() as usize, at.line())),
            // A byte-record reader fails only on I/O, which a string cannot: stop there, and
            // let the server read (and refuse) whatever follows.
            Ok(false) | Err(_) => break,
        }
    }
    let header_end = starts.first().map_or(text.len(), |&(byte, _)| byte);
    let header_text = text.get(..header_end)?;
    // A chunk's text follows the header, as the file's first record does: the line the
    // header stands in for is the chunk's first line less the header's own lines.
    let header_lines = starts
        .first()
        .map_or(1, |&(_, line)| line.saturating_sub(1));
    let mut chunks = Vec::new();
    for (index, group) in starts.chunks(size.max(1)).enumerate() {
        let (start, line) = group[0];
        let end = starts
            .get((index + 1) * size.max(1))
            .map_or(text.len(), |&(byte, _)| byte);
        chunks.push(Chunk {
            text: text.get(start..end)?,
            first_line: line.saturating_sub(header_lines),
            rows: group.len(),
        });
    }
    Some((header_text, chunks))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(rows: &[Row]) -> Vec<u64> {
        rows.iter().map(|r| r.line).collect()
    }

    #[test]
    fn rows_are_numbered_by_the_line_they_start_on() {
        let text = "username,first_name\nalice,Alice\n\"bob\",\"Robert\nthe second\"\ncarol,\n";
        let rows = parse(text, 1).unwrap();
        assert_eq!(lines(&rows), [2, 3, 5]);
        let bob = rows[1].user.as_ref().unwrap();
        assert_eq!(bob.first_name.as_deref(), Some("Robert\nthe second"));
        assert_eq!(rows[2].user.as_ref().unwrap().first_name, None);
        // A chunk whose header stands in for line 201 of the file.
        assert_eq!(lines(&parse("username\nx\ny\n", 201).unwrap()), [202, 203]);
    }

    #[test]
    fn a_bad_header_refuses_everything_and_a_bad_row_only_itself() {
        for (text, says) in [
            (
                "user,email\nalice,a@example.com\n",
                "unknown column \"user\"",
            ),
            ("email\na@example.com\n", "must name a username column"),
            ("username,Username\nalice,alice\n", "named twice"),
        ] {
            let error = parse(text, 1).unwrap_err().to_string();
            assert!(error.contains(says), "{text:?}: {error}");
        }
        let rows = parse(
            "username,mfa_state\nalice,sometimes\nbob,ENFORCED\ncarol\n",
            1,
        )
        .unwrap();
        let error = rows[0].user.as_ref().unwrap_err().to_string();
        assert!(error.contains("\"sometimes\" is not disabled"), "{error}");
        assert_eq!(rows[0].username, "alice");
        assert_eq!(
            rows[1].user.as_ref().unwrap().mfa_state,
            Some(MfaState::Enforced)
        );
        // A row with the wrong number of fields (RFC 4180 §2.4: every row has the header's).
        let error = rows[2].user.as_ref().unwrap_err().to_string();
        assert!(
            error.ends_with("the row has 1 field, but the header line has 2 fields"),
            "{error}"
        );
        assert_eq!(rows[2].line, 4);
    }

    #[test]
    fn a_byte_order_mark_before_the_header_is_not_part_of_its_first_name() {
        let rows = parse("\u{feff}username\nalice\n", 1).unwrap();
        assert_eq!(rows[0].username, "alice");
    }

    #[test]
    fn chunks_end_at_records_not_at_lines() {
        let text = "username,first_name\nalice,A\n\"bob\",\"two\nlines\"\ncarol,C";
        let (header, found) = chunks(text, 200).unwrap();
        assert_eq!(header, "username,first_name\n");
        assert_eq!(
            found,
            [Chunk {
                text: "alice,A\n\"bob\",\"two\nlines\"\ncarol,C",
                first_line: 1,
                rows: 3
            }]
        );
        assert!(chunks("", 200).is_none());
        assert_eq!(chunks("username\n", 200).unwrap().1, []);
    }

    #[test]
    fn a_large_file_is_cut_every_chunk_of_records_with_the_file_s_line_numbers() {
        let mut text = String::from("username,first_name\n");
        for i in 0..450 {
            if i == 10 {
                text.push_str(&format!("user{i},\"a\nb\"\n"));
            } else {
                text.push_str(&format!("user{i},x\n"));
            }
        }
        let (_, found) = chunks(&text, 200).unwrap();
        let shape: Vec<(u64, usize)> = found.iter().map(|c| (c.first_line, c.rows)).collect();
        // 200 records then 200 then 50; record 11 spans two lines, so later ones are one
        // line further down than their index says.
        assert_eq!(shape, [(1, 200), (202, 200), (402, 50)]);
        assert!(found[1].text.starts_with("user200,x\n"));
        assert!(found[2].text.ends_with("user449,x\n"));
        let rows = parse(
            &format!("username,first_name\n{}", found[1].text),
            found[1].first_line,
        )
        .unwrap();
        assert_eq!(rows[0].line, 203);
    }
}
