//! `binary_size`: the size of `order-webhook` against `lambda-echo` (a raw
//! `lambda_runtime` echo), both built in one `cargo build` per profile, and
//! a table of what each faas-sdk feature adds.
//!
//! Profiles: the workspace's `release` (`strip = true`) and `size-opt`
//! (`release` with `opt-level = "s"`, `lto`, `codegen-units = 1`,
//! `panic = "abort"`, given on the command line). `order-webhook` uses
//! every default feature of faas-sdk (`aws-lambda`, `http`, `azure`,
//! `validation`) and both idempotency stores (`redis`, `dynamodb`), so that
//! `FAAS_IDEMPOTENCY_STORE` can name any store; the table builds `size-probe`, an order-webhook-like
//! function, with `--no-default-features --features …` for each feature
//! set, and the baselines `lambda-echo` and `hyper-echo` (a bare hyper
//! server), and gives each row's growth over the row it extends.
//!
//! ```text
//! cargo bench -p faas-benches --bench binary_size             # both profiles
//! cargo bench -p faas-benches --bench binary_size -- --quick  # release only
//! ```
//!
//! The first run builds faas-sdk a dozen ways (each feature set changes
//! the features of shared crates such as `serde_json`, so they are built
//! again); later runs reuse those builds and take seconds.

use faas_benches::Mode;
use faas_benches::build::{Binaries, Build, Profile};
use faas_benches::compare::{Comparison, format_bytes};

/// A row of the feature table.
struct Row {
    /// What is measured: `size-probe` with these features, or a baseline.
    what: What,
    /// The label of the row this one extends (its growth is given over it).
    extends: Option<&'static str>,
}

enum What {
    /// `size-probe --no-default-features --features …`.
    Probe(&'static [&'static str]),
    /// A binary of the pair build.
    Binary(&'static str),
}

impl Row {
    fn label(&self) -> String {
        match self.what {
            What::Probe(features) => format!("size-probe: {}", features.join(" + ")),
            What::Binary(name) => name.to_owned(),
        }
    }
}

const ROWS: [Row; 12] = [
    Row {
        what: What::Binary("lambda-echo"),
        extends: None,
    },
    Row {
        what: What::Binary("hyper-echo"),
        extends: None,
    },
    Row {
        what: What::Probe(&["aws-lambda"]),
        extends: Some("lambda-echo"),
    },
    Row {
        what: What::Probe(&["aws-lambda", "validation"]),
        extends: Some("size-probe: aws-lambda"),
    },
    Row {
        what: What::Probe(&["http"]),
        extends: Some("hyper-echo"),
    },
    Row {
        what: What::Probe(&["http", "validation"]),
        extends: Some("size-probe: http"),
    },
    Row {
        what: What::Probe(&["azure"]),
        extends: Some("size-probe: http"),
    },
    Row {
        what: What::Probe(&["aws-lambda", "http"]),
        extends: Some("size-probe: aws-lambda"),
    },
    Row {
        what: What::Probe(&["aws-lambda", "http", "azure", "validation"]),
        extends: Some("size-probe: aws-lambda + http"),
    },
    Row {
        what: What::Probe(&["aws-lambda", "http", "azure", "validation", "redis"]),
        extends: Some("size-probe: aws-lambda + http + azure + validation"),
    },
    Row {
        what: What::Probe(&["aws-lambda", "http", "azure", "validation", "dynamodb"]),
        extends: Some("size-probe: aws-lambda + http + azure + validation"),
    },
    Row {
        what: What::Binary("order-webhook"),
        extends: Some("size-probe: aws-lambda + http + azure + validation"),
    },
];

/// The sizes of one profile: the pair build's binaries, then every row.
struct Sizes {
    profile: Profile,
    pair: Binaries,
    rows: Vec<u64>,
}

fn measure(profile: Profile) -> Sizes {
    let pair = Build::new(profile)
        .package("order-webhook")
        .package("faas-benches")
        .bin("order-webhook")
        .bin("lambda-echo")
        .bin("hyper-echo")
        .run()
        .expect("the binaries build");
    let rows = ROWS
        .iter()
        .map(|row| match row.what {
            What::Binary(name) => pair.size(name),
            What::Probe(features) => Build::new(profile)
                .package("faas-benches")
                .bin("size-probe")
                .features(features)
                .run()
                .expect("size-probe builds")
                // Read now: the next feature set's build replaces the file.
                .size("size-probe"),
        })
        .collect();
    Sizes {
        profile,
        pair,
        rows,
    }
}

/// A size in KiB with one decimal.
fn kib(bytes: u64) -> String {
    format!("{:.1} KiB", bytes as f64 / 1024.0)
}

/// The growth of row `index` over the row it extends.
fn growth(sizes: &Sizes, index: usize) -> String {
    let Some(base) = ROWS[index].extends else {
        return String::new();
    };
    let Some(base_index) = ROWS.iter().position(|row| row.label() == base) else {
        unreachable!("row `{base}` is in the table")
    };
    let (size, base_size) = (sizes.rows[index], sizes.rows[base_index]);
    let delta = size as i64 - base_size as i64;
    format!(
        "{}{} ({:.2}×)",
        if delta >= 0 { "+" } else { "−" },
        kib(delta.unsigned_abs()),
        size as f64 / base_size as f64
    )
}

fn main() {
    let mode = Mode::from_args();
    if !mode.measures("binary_size") {
        return;
    }
    let profiles: &[Profile] = mode.pick(&Profile::ALL[..1], &Profile::ALL);
    let all: Vec<Sizes> = profiles.iter().map(|&profile| measure(profile)).collect();

    println!(
        "\nFeature sets (`size-probe` built with `--no-default-features --features …`; growth over the row named):\n"
    );
    let mut header = "| binary | extends |".to_owned();
    let mut rule = "|---|---|".to_owned();
    for sizes in &all {
        header.push_str(&format!(" {} | growth |", sizes.profile));
        rule.push_str("---:|---:|");
    }
    println!("{header}\n{rule}");
    for (index, row) in ROWS.iter().enumerate() {
        let mut line = format!("| {} | {} |", row.label(), row.extends.unwrap_or(""));
        for sizes in &all {
            line.push_str(&format!(
                " {} | {} |",
                format_bytes(sizes.rows[index] as f64),
                growth(sizes, index)
            ));
        }
        println!("{line}");
    }

    println!("\norder-webhook / lambda-echo, same build (goal ≤ 1.25×):");
    for sizes in &all {
        let comparison = Comparison::once(
            sizes.pair.size("order-webhook") as f64,
            sizes.pair.size("lambda-echo") as f64,
        );
        println!(
            "{}",
            comparison.line(&format!("binary_size/{}", sizes.profile), format_bytes)
        );
    }
}
