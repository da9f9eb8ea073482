//! `spinfix journal dump|stat PATH`: a journal, human-readably.
//!
//! PATH is a journal's header file (`<session>.hdr`, or an archive's
//! `<session>.<stamp>.hdr`) or a folder holding exactly one. The journal is opened read-only:
//! nothing is repaired, so what `stat` reports as the recovery result is what the next writer's
//! open will do.

use clap::{Args, Subcommand, ValueEnum};
use spinfix_session::store::MessageStore;
use spinfix_session::time::{TimePrecision, TimestampFormatter, UtcTime};
use spinfix_store::{Direction, Journal, JournalError, LogStats, Record};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// `spinfix journal` arguments.
#[derive(Debug, Args)]
pub struct JournalArgs {
    #[command(subcommand)]
    action: Action,
}

#[derive(Debug, Subcommand)]
enum Action {
    /// Print each record: direction, sequence number, time and the message (`|` for SOH).
    Dump {
        /// The journal's header file, or a folder with one journal.
        path: PathBuf,
        /// A QuickFIX XML data dictionary: print tag names as `Name(tag)=value`.
        #[arg(long)]
        dict: Option<PathBuf>,
        /// Which records.
        #[arg(long, value_enum, default_value_t = Which::Out)]
        direction: Which,
        /// Outbound records from this sequence number.
        #[arg(long)]
        from: Option<u64>,
        /// Outbound records up to this sequence number.
        #[arg(long)]
        to: Option<u64>,
    },
    /// Print the sequence numbers, record counts, segment use and the recovery result.
    Stat {
        /// The journal's header file, or a folder with one journal.
        path: PathBuf,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Which {
    Out,
    In,
    Both,
}

/// Why `spinfix journal` failed.
#[derive(Debug, thiserror::Error)]
pub enum JournalCmdError {
    /// The journal could not be read.
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// The dictionary could not be loaded.
    #[error("dictionary {path}: {source}")]
    Dict {
        /// The file given with `--dict`.
        path: PathBuf,
        /// What the loader found wrong.
        source: spinfix_session::dict::DictError,
    },
    /// Writing to stdout failed.
    #[error("writing the output: {0}")]
    Output(std::io::Error),
}

/// Runs `spinfix journal ...`.
pub fn run(args: JournalArgs) -> Result<(), JournalCmdError> {
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let r = match args.action {
        Action::Dump {
            path,
            dict,
            direction,
            from,
            to,
        } => {
            let dict = dict.map(|p| Dictionary::load(&p)).transpose()?;
            let j = Journal::inspect(&path)?;
            dump(&j, dict.as_ref(), direction, from, to, &mut out)
        }
        Action::Stat { path } => {
            let j = Journal::inspect(&path)?;
            stat(&j, &mut out)
        }
    };
    match r.and_then(|()| out.flush()) {
        // `spinfix journal dump | head` is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.map_err(JournalCmdError::Output),
    }
}

fn format_time(f: &mut TimestampFormatter, t: UtcTime) -> String {
    let mut buf = [0u8; 32];
    let n = f.format(t, TimePrecision::Nanos, &mut buf).unwrap_or(0);
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

fn dump(
    j: &Journal,
    dict: Option<&Dictionary>,
    which: Which,
    from: Option<u64>,
    to: Option<u64>,
    out: &mut impl Write,
) -> std::io::Result<()> {
    let mut tf = TimestampFormatter::new();
    writeln!(
        out,
        "# journal {} created {} next sender {} next target {}",
        j.header_path().display(),
        format_time(&mut tf, j.creation_time()),
        j.next_sender_seq(),
        j.next_target_seq()
    )?;
    let mut line = String::new();
    let mut print = |out: &mut dyn Write, tag: &str, r: Record<'_>| -> std::io::Result<()> {
        line.clear();
        render(&mut line, r.bytes, dict);
        writeln!(
            out,
            "{tag} {} {} {line}",
            r.seq,
            format_time(&mut tf, r.time)
        )
    };
    if matches!(which, Which::Out | Which::Both) {
        let (a, b) = (from.unwrap_or(0), to.unwrap_or(u64::MAX));
        let records: Box<dyn Iterator<Item = Record<'_>>> = if from.is_some() || to.is_some() {
            Box::new(j.range(a, b))
        } else {
            Box::new(j.records(Direction::Outbound))
        };
        for r in records {
            print(out, "out", r)?;
        }
    }
    if matches!(which, Which::In | Which::Both) {
        for r in j.records(Direction::Inbound) {
            print(out, "in", r)?;
        }
    }
    Ok(())
}

/// `tag=value` fields with `|` for SOH, and `Name(tag)=value` where the dictionary knows the tag.
fn render(line: &mut String, msg: &[u8], dict: Option<&Dictionary>) {
    let text = String::from_utf8_lossy(msg);
    let fields = text.strip_suffix('\x01').unwrap_or(&text);
    for (i, field) in fields.split('\x01').enumerate() {
        if i > 0 {
            line.push('|');
        }
        let named = field.split_once('=').and_then(|(tag, value)| {
            let name = dict?.name(tag.parse().ok()?)?;
            Some((name, tag, value))
        });
        match named {
            Some((name, tag, value)) => {
                line.push_str(name);
                line.push('(');
                line.push_str(tag);
                line.push_str(")=");
                line.push_str(value);
            }
            None => line.push_str(field),
        }
    }
    if msg.last() == Some(&1) {
        line.push('|');
    }
}

fn stat(j: &Journal, out: &mut impl Write) -> std::io::Result<()> {
    let mut tf = TimestampFormatter::new();
    writeln!(out, "journal      {}", j.header_path().display())?;
    writeln!(out, "session      {}", j.session_id())?;
    writeln!(
        out,
        "created      {}",
        format_time(&mut tf, j.creation_time())
    )?;
    writeln!(out, "next sender  {}", j.next_sender_seq())?;
    writeln!(out, "next target  {}", j.next_target_seq())?;
    for (name, d) in [
        ("outbound", Direction::Outbound),
        ("inbound", Direction::Inbound),
    ] {
        let s = j.stats(d);
        writeln!(out, "{name:<12} {}", describe(&s))?;
        for f in &s.files {
            writeln!(out, "             {}", f.display())?;
        }
    }
    let r = j.recovery();
    writeln!(
        out,
        "recovery     keeps {} outbound and {} inbound records in {} segments",
        r.outbound_records, r.inbound_records, r.segments
    )?;
    if r.torn.is_empty() {
        writeln!(out, "             no torn tail")?;
    }
    for t in &r.torn {
        writeln!(
            out,
            "             torn tail at {} offset {}: {} ({})",
            t.path.display(),
            t.offset,
            t.why,
            if t.cleared {
                "cleared"
            } else {
                "to be cleared by the next writer"
            }
        )?;
    }
    if let Some((was, now)) = r.next_sender_raised {
        writeln!(
            out,
            "             next sender to be raised from {was} to {now}"
        )?;
    }
    Ok(())
}

fn describe(s: &LogStats) -> String {
    let seqs = match (s.first_seq, s.last_seq) {
        (Some(a), Some(b)) => format!(", seq {a}..{b}"),
        _ => String::new(),
    };
    let pct = if s.bytes_total > 0 {
        s.bytes_used as f64 * 100.0 / s.bytes_total as f64
    } else {
        0.0
    };
    format!(
        "{} records{seqs}, {} segments, {} of {} bytes used ({pct:.1}%)",
        s.records,
        s.files.len(),
        s.bytes_used,
        s.bytes_total
    )
}

/// Tag names, from the session crate's QuickFIX dictionary loader.
#[derive(Debug)]
struct Dictionary(spinfix_session::dict::Dictionary);

impl Dictionary {
    fn load(path: &Path) -> Result<Dictionary, JournalCmdError> {
        spinfix_session::dict::Dictionary::from_file(path)
            .map(Dictionary)
            .map_err(|source| JournalCmdError::Dict {
                path: path.to_path_buf(),
                source,
            })
    }

    fn name(&self, tag: u32) -> Option<&str> {
        self.0.field(tag).map(|f| f.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rendering() {
        let xml = "<fix type='FIX' major='4' minor='4' servicepack='0'><header/><messages/>\
                   <trailer/><components/><fields>\
                   <field number='35' name='MsgType' type='STRING'/></fields></fix>";
        let d = Dictionary(spinfix_session::dict::Dictionary::from_xml("t", xml).unwrap());
        let mut s = String::new();
        render(&mut s, b"8=FIX.4.4\x0135=0\x01", Some(&d));
        assert_eq!(s, "8=FIX.4.4|MsgType(35)=0|");
        s.clear();
        render(&mut s, b"8=FIX.4.4\x0135=0\x01", None);
        assert_eq!(s, "8=FIX.4.4|35=0|");
    }
}
