//! Side-by-side measurement: interleaved rounds of the faas side and its
//! baseline, reduced to medians and one ratio.

/// One side of a comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The SDK.
    Faas,
    /// The hand-written baseline.
    Baseline,
}

impl Side {
    /// Both sides, in the order of round `round`: the faas side first in
    /// even rounds, the baseline first in odd ones, so neither always runs
    /// on a machine the other just warmed (or loaded).
    pub fn order(round: usize) -> [Side; 2] {
        if round % 2 == 0 {
            [Side::Faas, Side::Baseline]
        } else {
            [Side::Baseline, Side::Faas]
        }
    }
}

/// The medians of a side-by-side measurement.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Comparison {
    /// The median of the faas side's measurements.
    pub faas: f64,
    /// The median of the baseline's measurements.
    pub baseline: f64,
    /// The median of the per-round ratios `faas / baseline`.
    pub ratio: f64,
}

impl Comparison {
    /// The same measure taken once of each side (a size, say): no rounds.
    ///
    /// ```
    /// let sizes = faas_benches::compare::Comparison::once(3.0, 2.0);
    /// assert_eq!(sizes.ratio, 1.5);
    /// ```
    pub fn once(faas: f64, baseline: f64) -> Comparison {
        Comparison {
            faas,
            baseline,
            ratio: faas / baseline,
        }
    }

    /// The report line: `name: faas X vs baseline Y = Z×`, each measure
    /// written by `unit`.
    ///
    /// ```
    /// use faas_benches::compare::{Comparison, format_bytes};
    /// let line = Comparison::once(3_000_000.0, 2_000_000.0).line("binary_size", format_bytes);
    /// assert_eq!(line, "binary_size: faas 3,000,000 B vs baseline 2,000,000 B = 1.500×");
    /// ```
    pub fn line(&self, name: &str, unit: impl Fn(f64) -> String) -> String {
        format!(
            "{name}: faas {} vs baseline {} = {:.3}×",
            unit(self.faas),
            unit(self.baseline),
            self.ratio
        )
    }
}

/// Measures both sides in `rounds` interleaved rounds (order alternating,
/// see [`Side::order`]); `measure` takes one measurement of a side (a time,
/// a throughput: anything whose ratio means something).
///
/// ```
/// use faas_benches::compare::{Side, interleave};
/// let cmp = interleave(5, |side| match side {
///     Side::Faas => 12.0,
///     Side::Baseline => 10.0,
/// });
/// assert_eq!((cmp.faas, cmp.baseline, cmp.ratio), (12.0, 10.0, 1.2));
/// ```
///
/// # Panics
///
/// If `rounds` is 0.
pub fn interleave(rounds: usize, mut measure: impl FnMut(Side) -> f64) -> Comparison {
    assert!(rounds > 0, "a comparison needs at least one round");
    let (mut faas, mut baseline, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds {
        let (mut f, mut b) = (0.0, 0.0);
        for side in Side::order(round) {
            match side {
                Side::Faas => f = measure(side),
                Side::Baseline => b = measure(side),
            }
        }
        faas.push(f);
        baseline.push(b);
        ratios.push(f / b);
    }
    Comparison {
        faas: median(faas),
        baseline: median(baseline),
        ratio: median(ratios),
    }
}

/// The median (the upper one of an even count).
///
/// ```
/// assert_eq!(faas_benches::compare::median(vec![3.0, 1.0, 2.0]), 2.0);
/// ```
///
/// # Panics
///
/// If `values` is empty.
pub fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Nanoseconds, as `850 ns` or `1.25 µs`.
///
/// ```
/// assert_eq!(faas_benches::compare::format_ns(1250.0), "1.25 µs");
/// ```
pub fn format_ns(ns: f64) -> String {
    if ns < 1_000.0 {
        format!("{ns:.0} ns")
    } else {
        format!("{:.2} µs", ns / 1_000.0)
    }
}

/// Milliseconds, as `12.34 ms`.
pub fn format_ms(ms: f64) -> String {
    format!("{ms:.2} ms")
}

/// A byte count with thousands separators, as `1,732,816 B`.
///
/// ```
/// assert_eq!(faas_benches::compare::format_bytes(1_732_816.0), "1,732,816 B");
/// assert_eq!(faas_benches::compare::format_bytes(816.0), "816 B");
/// ```
pub fn format_bytes(bytes: f64) -> String {
    format!("{} B", thousands(bytes.round() as u64))
}

/// `n` with a comma every three digits.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// Requests per second, as `48,210 req/s`.
pub fn format_rate(per_second: f64) -> String {
    format!("{} req/s", thousands(per_second.round() as u64))
}
