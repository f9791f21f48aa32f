//! The samples of one backend's contenders and the table printed from them.

use std::fmt::Write as _;
use std::time::Duration;

/// Which part of the table a row belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// Applying every revision to an empty database: compared with the floor.
    Apply,
    /// Applying the newest revisions to a database that has the others, as
    /// a deploy does: compared with a floor of its own.
    Deploy,
    /// A run at head, with nothing to apply: absolute times only.
    AtHead,
    /// Copying rows (`db clone`): absolute times and rows per second.
    Clone,
}

/// A row's handle, returned by [`Report::row`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowId(usize);

enum Samples {
    Timed(Vec<Duration>),
    /// The contender cannot run here (a tool is not installed).
    Missing(String),
    /// A run failed: no number is reported for the row, only why.
    Failed(String),
}

struct Row {
    label: String,
    section: Section,
    samples: Samples,
    /// Requests the run sent to the server (round trips), where counted.
    requests: Option<u64>,
    /// How many rows one run moves, for a rows-per-second column.
    items: Option<u64>,
}

/// One backend's results: rows of samples, one of them the floor of each
/// section that is compared with one.
pub struct Report {
    title: String,
    notes: Vec<String>,
    rows: Vec<Row>,
    floors: Vec<RowId>,
}

impl Report {
    pub fn new(title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            notes: Vec::new(),
            rows: Vec::new(),
            floors: Vec::new(),
        }
    }

    /// A line printed under the title.
    pub fn note(&mut self, note: impl Into<String>) {
        self.notes.push(note.into());
    }

    pub fn row(&mut self, label: impl Into<String>, section: Section) -> RowId {
        self.rows.push(Row {
            label: label.into(),
            section,
            samples: Samples::Timed(Vec::new()),
            requests: None,
            items: None,
        });
        RowId(self.rows.len() - 1)
    }

    /// Declares the row every `Apply` row is divided by.
    pub fn floor(&mut self, label: impl Into<String>) -> RowId {
        self.floor_of(label, Section::Apply)
    }

    /// Adds the row that the other rows of `section` are divided by.
    pub fn floor_of(&mut self, label: impl Into<String>, section: Section) -> RowId {
        let id = self.row(label, section);
        self.floors.push(id);
        id
    }

    /// The floor row of `section`, if it has one.
    fn floor_in(&self, section: Section) -> Option<&Samples> {
        self.floors.iter().map(|id| &self.rows[id.0]).find(|row| row.section == section).map(|row| &row.samples)
    }

    /// Marks a row as unable to run, with the reason shown in its place.
    pub fn missing(&mut self, row: RowId, reason: impl Into<String>) {
        self.rows[row.0].samples = Samples::Missing(reason.into());
    }

    /// Sets how many requests (round trips to the server) one run of the
    /// row sends; the table shows it in a column of its own.
    pub fn requests(&mut self, row: RowId, count: u64) {
        self.rows[row.0].requests = Some(count);
    }

    /// Sets how many rows one run of the row moves; the table shows rows
    /// per second (at the median) in a column of its own.
    pub fn rate(&mut self, row: RowId, items: u64) {
        self.rows[row.0].items = Some(items);
    }

    /// Whether the row still takes samples (it has not failed and is not missing).
    pub fn is_live(&self, row: RowId) -> bool {
        matches!(self.rows[row.0].samples, Samples::Timed(_))
    }

    /// Adds one sample, or turns the row into a failure: a row with a failed
    /// run reports the failure and no time, so that no number in the table
    /// comes from a run that did not do the work.
    pub fn record(&mut self, row: RowId, sample: Result<Duration, String>) {
        let slot = &mut self.rows[row.0].samples;
        match (slot, sample) {
            (Samples::Timed(samples), Ok(elapsed)) => samples.push(elapsed),
            (slot @ Samples::Timed(_), Err(error)) => *slot = Samples::Failed(error),
            // Already missing or failed: later samples change nothing.
            _ => {}
        }
    }

    /// The table as text.
    pub fn render(&self) -> String {
        let width = self
            .rows
            .iter()
            .map(|row| row.label.chars().count())
            .max()
            .unwrap_or(0)
            .max(20);
        let mut out = String::new();
        // `write!` to a String cannot fail.
        let _ = writeln!(out, "\n== {} ==", self.title);
        for note in &self.notes {
            let _ = writeln!(out, "   {note}");
        }
        for (section, heading) in [
            (Section::Apply, "apply every revision to an empty database"),
            (Section::Deploy, "apply the newest revisions to a database that has the rest (a deploy)"),
            (Section::AtHead, "run again at head (nothing to apply)"),
            (Section::Clone, "copy the rows"),
        ] {
            let rows: Vec<&Row> = self
                .rows
                .iter()
                .filter(|row| row.section == section)
                .collect();
            if rows.is_empty() {
                continue;
            }
            let floor_samples = self.floor_in(section);
            let floor = floor_samples.and_then(stats);
            let counted = rows.iter().any(|row| row.requests.is_some());
            let ratio_heads = if floor_samples.is_some() {
                "  ×floor(med)  ×floor(min)  ×floor(pair)   pair range"
            } else {
                ""
            };
            let requests_head = if counted { "  requests" } else { "" };
            let rated = rows.iter().any(|row| row.items.is_some());
            let rate_head = if rated { "     rows/s" } else { "" };
            let _ = writeln!(
                out,
                "\n  {heading:<width$}      median         min{ratio_heads}{requests_head}{rate_head}",
                width = width
            );
            for row in rows {
                let _ = write!(out, "  {:<width$}", row.label, width = width);
                match (&row.samples, stats(&row.samples)) {
                    (_, Some((median, min))) => {
                        let _ = write!(out, "  {:>10}  {:>10}", duration(median), duration(min));
                        if let Some((floor_median, floor_min)) = floor {
                            let paired = floor_samples
                                .and_then(|floor| paired_ratio(&row.samples, floor))
                                .map_or_else(|| "—".to_owned(), |ratio| format!("{ratio:.2}×"));
                            let range = floor_samples
                                .and_then(|floor| paired_range(&row.samples, floor))
                                .unwrap_or_else(|| "—".to_owned());
                            let _ = write!(
                                out,
                                "  {:>11}  {:>11}  {:>12}  {:>11}",
                                ratio(median, floor_median),
                                ratio(min, floor_min),
                                paired,
                                range
                            );
                        }
                        if counted {
                            let count = row.requests.map_or_else(String::new, |n| n.to_string());
                            let _ = write!(out, "  {count:>8}");
                        }
                        if let (true, Some(items)) = (rated, row.items) {
                            let per_second = items as f64 / median.as_secs_f64().max(1e-9);
                            let _ = write!(out, "  {per_second:>9.0}");
                        }
                    }
                    (Samples::Missing(reason), _) => {
                        let _ = write!(out, "  {reason}");
                    }
                    (Samples::Failed(error), _) => {
                        let _ = write!(out, "  FAILED: {error}");
                    }
                    (Samples::Timed(_), None) => {
                        let _ = write!(out, "  no samples");
                    }
                }
                out.push('\n');
            }
        }
        out
    }
}

/// The median and the minimum, when there are samples.
fn stats(samples: &Samples) -> Option<(Duration, Duration)> {
    let Samples::Timed(samples) = samples else {
        return None;
    };
    let mut sorted = samples.clone();
    sorted.sort();
    let min = *sorted.first()?;
    let mid = sorted.len() / 2;
    let median = if sorted.len() % 2 == 1 {
        sorted[mid]
    } else {
        (sorted[mid - 1] + sorted[mid]) / 2
    };
    Some((median, min))
}

/// The median of each sample's ratio to the floor's sample of the same
/// round: a round runs every row within seconds, so a slow minute of a
/// shared machine moves both sides of each ratio, where it moves only one
/// of the medians. None unless both have every sample.
fn paired_ratio(samples: &Samples, floor: &Samples) -> Option<f64> {
    let ratios = paired_ratios(samples, floor)?;
    let mid = ratios.len() / 2;
    Some(if ratios.len() % 2 == 1 { ratios[mid] } else { (ratios[mid - 1] + ratios[mid]) / 2.0 })
}

/// The lowest and the highest of those ratios, `0.73–1.30`: how far one
/// round's ratio strays on this machine, which a run of few samples
/// should be read with. None under two samples.
fn paired_range(samples: &Samples, floor: &Samples) -> Option<String> {
    let ratios = paired_ratios(samples, floor).filter(|ratios| ratios.len() > 1)?;
    Some(format!("{:.2}–{:.2}", ratios.first()?, ratios.last()?))
}

/// Each sample's ratio to the floor's sample of the same round, sorted.
fn paired_ratios(samples: &Samples, floor: &Samples) -> Option<Vec<f64>> {
    let (Samples::Timed(samples), Samples::Timed(floor)) = (samples, floor) else {
        return None;
    };
    if samples.is_empty() || samples.len() != floor.len() || floor.iter().any(Duration::is_zero) {
        return None;
    }
    let mut ratios: Vec<f64> =
        samples.iter().zip(floor).map(|(sample, floor)| sample.as_secs_f64() / floor.as_secs_f64()).collect();
    ratios.sort_by(f64::total_cmp);
    Some(ratios)
}

fn ratio(value: Duration, floor: Duration) -> String {
    if floor.is_zero() {
        return "—".to_owned();
    }
    format!("{:.2}×", value.as_secs_f64() / floor.as_secs_f64())
}

/// `1.234 s`, `56.7 ms` or `890 µs`.
pub fn duration(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs >= 1.0 {
        format!("{secs:.3} s")
    } else if secs >= 0.001 {
        format!("{:.1} ms", secs * 1e3)
    } else {
        format!("{:.0} µs", secs * 1e6)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_averages_middle_pair_when_count_is_even() {
        let samples = Samples::Timed(vec![
            Duration::from_millis(4),
            Duration::from_millis(1),
            Duration::from_millis(2),
            Duration::from_millis(3),
        ]);
        assert_eq!(
            stats(&samples),
            Some((Duration::from_micros(2500), Duration::from_millis(1)))
        );
    }

    #[test]
    fn render_shows_requests_column_only_when_a_row_counts_them() {
        let mut report = Report::new("t");
        let floor = report.floor("floor");
        let retort = report.row("retort", Section::Apply);
        report.record(floor, Ok(Duration::from_millis(10)));
        report.record(retort, Ok(Duration::from_millis(20)));
        assert!(!report.render().contains("requests"));
        report.requests(retort, 903);
        let table = report.render();
        assert!(table.contains("requests"), "{table}");
        let line = table
            .lines()
            .find(|l| l.trim_start().starts_with("retort"))
            .unwrap_or_default();
        assert!(line.trim_end().ends_with("903"), "{table}");
    }

    #[test]
    fn paired_ratio_is_the_median_of_each_rounds_ratio() {
        let ms = |values: &[u64]| Samples::Timed(values.iter().map(|&v| Duration::from_millis(v)).collect());
        // Medians 25 and 20 (1.25×), but the rounds took 2×, 1.25× and 3×: the middle one is 2×.
        let floor = ms(&[10, 20, 40]);
        assert_eq!(paired_ratio(&ms(&[20, 25, 120]), &floor), Some(2.0));
        assert_eq!(paired_ratio(&ms(&[20, 25]), &floor), None, "a missing round");
        let mut report = Report::new("t");
        let floor_row = report.floor("floor");
        let retort = report.row("retort", Section::Apply);
        for (floor_ms, retort_ms) in [(10, 20), (20, 25), (40, 120)] {
            report.record(floor_row, Ok(Duration::from_millis(floor_ms)));
            report.record(retort, Ok(Duration::from_millis(retort_ms)));
        }
        let table = report.render();
        let line = table.lines().find(|l| l.trim_start().starts_with("retort")).unwrap_or_default();
        let ratios: Vec<&str> = line.split_whitespace().filter(|word| word.ends_with('×')).collect();
        assert_eq!(ratios, ["1.25×", "2.00×", "2.00×"], "{table}");
        // The rounds' ratios ran from 1.25× to 3×; the floor's own, 1× each.
        assert!(line.trim_end().ends_with("1.25–3.00"), "{table}");
        let floor_line = table.lines().find(|l| l.trim_start().starts_with("floor")).unwrap_or_default();
        assert!(floor_line.trim_end().ends_with("1.00–1.00"), "{table}");
        assert_eq!(paired_range(&ms(&[20]), &ms(&[10])), None, "one round has no range");
    }

    #[test]
    fn each_section_is_divided_by_its_own_floor() {
        let mut report = Report::new("t");
        let apply_floor = report.floor("apply floor");
        let apply = report.row("apply retort", Section::Apply);
        let deploy_floor = report.floor_of("deploy floor", Section::Deploy);
        let deploy = report.row("deploy retort", Section::Deploy);
        let at_head = report.row("at head", Section::AtHead);
        for (row, ms) in [(apply_floor, 100), (apply, 110), (deploy_floor, 10), (deploy, 40), (at_head, 5)] {
            report.record(row, Ok(Duration::from_millis(ms)));
        }
        let table = report.render();
        let ratios = |label: &str| -> Vec<String> {
            let line = table.lines().find(|l| l.trim_start().starts_with(label)).unwrap_or_default();
            line.split_whitespace().filter(|word| word.ends_with('×')).map(str::to_owned).collect()
        };
        assert_eq!(ratios("apply retort"), ["1.10×", "1.10×", "1.10×"], "{table}");
        assert_eq!(ratios("deploy retort"), ["4.00×", "4.00×", "4.00×"], "{table}");
        assert!(ratios("at head").is_empty(), "{table}");
    }

    #[test]
    fn record_keeps_failure_when_later_sample_succeeds() {
        let mut report = Report::new("t");
        let row = report.row("r", Section::Apply);
        report.record(row, Ok(Duration::from_millis(1)));
        report.record(row, Err("boom".to_owned()));
        report.record(row, Ok(Duration::from_millis(1)));
        assert!(!report.is_live(row));
        assert!(report.render().contains("FAILED: boom"));
    }
}
