//! Times generating (and optionally writing) a population and prints its main shares.
//!
//! `cargo run --release --example gen_speed -p jiuzhu-synth -- [HOUSEHOLDS] [SEED] [OUT_DIR]`
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test stops at the first thing that is not as expected")]

use chrono::NaiveDate;
use jiuzhu_domain::{Area, Employment, Relation};
use jiuzhu_synth::{Config, FilesWriter, Generator, RURAL_DIBAO_LINE_MONTHLY, counted_income_per_capita_monthly};
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).map_or(100_000, |s| s.parse().expect("households"));
    let seed: u64 = args.get(2).map_or(1, |s| s.parse().expect("seed"));
    let out = args.get(3);
    let cfg = Config::new(n, seed, NaiveDate::from_ymd_opt(2026, 11, 23).expect("date"));

    let t0 = Instant::now();
    let g = Generator::new(&cfg);
    let setup = t0.elapsed();
    let mut writer = out.map(|d| FilesWriter::create(std::path::Path::new(d), &cfg, g.divisions()).expect("create files"));
    let (mut people, mut elderly, mut disabled, mut low, mut rows, mut urban, mut migrants, mut serious, mut chronic) =
        (0, 0, 0, 0, 0, 0, 0, 0, 0);
    let (mut assets, mut expenses, mut supporters, mut cars, mut sizes) = (0, 0, 0, 0, [0usize; 8]);
    let mut by_size = [(0usize, 0usize); 8];
    let mut by_head = [(0usize, 0usize); 10];
    let t1 = Instant::now();
    g.each(|i, h| {
        people += h.members.len();
        sizes[h.members.len().min(7)] += 1;
        elderly += h.members.iter().filter(|m| m.age_on(cfg.as_of) >= 60).count();
        disabled += h.members.iter().filter(|m| m.disability.is_some()).count();
        serious += h.members.iter().filter(|m| m.serious_illness).count();
        chronic += h.members.iter().filter(|m| m.chronic_illness).count();
        migrants += h.members.iter().filter(|m| m.employment == Employment::MigrantWork).count();
        let is_low = counted_income_per_capita_monthly(&h) < RURAL_DIBAO_LINE_MONTHLY;
        low += usize::from(is_low);
        let s = &mut by_size[h.members.len().min(7)];
        s.0 += 1;
        s.1 += usize::from(is_low);
        let b = &mut by_head[(h.members[0].age_on(cfg.as_of) / 10).min(9) as usize];
        b.0 += 1;
        b.1 += usize::from(is_low);
        rows += h.incomes.len();
        assets += h.assets.len();
        expenses += h.expenses.len();
        supporters += h.supporters.len();
        cars += usize::from(h.assets.iter().any(|a| a.kind == jiuzhu_domain::AssetKind::Car));
        urban += usize::from(h.data.area == Area::Urban);
        assert_eq!(h.members[0].relation, Relation::Head);
        if let Some(w) = writer.as_mut() {
            w.write(i, &h).expect("write");
        }
    });
    let gen_time = t1.elapsed();
    if let Some(w) = writer {
        w.finish().expect("finish");
    }
    let pct = |x: usize, of: usize| 100.0 * x as f64 / of as f64;
    println!("households {n}, people {people} ({:.2} per household)", people as f64 / n as f64);
    println!("setup (Division::load etc.) {:.2?}; generate{} {:.2?} total", setup, if out.is_some() { " + write" } else { "" }, gen_time);
    println!("sizes 1..7+: {:?}", sizes[1..].iter().map(|s| format!("{:.1}%", pct(*s, n))).collect::<Vec<_>>());
    println!(
        "aged 60+ {:.1}%  disabled {:.1}%  serious {:.1}%  chronic {:.1}%  migrant {:.1}% of people",
        pct(elderly, people),
        pct(disabled, people),
        pct(serious, people),
        pct(chronic, people),
        pct(migrants, people)
    );
    println!("counted income per capita under the rural line: {:.1}% of households", pct(low, n));
    println!(
        "under the line by size 1..7+: {:?}",
        by_size[1..].iter().map(|(a, b)| format!("{:.0}%", pct(*b, (*a).max(1)))).collect::<Vec<_>>()
    );
    println!(
        "under the line by head age decade: {:?}",
        by_head
            .iter()
            .enumerate()
            .filter(|(_, (a, _))| *a > 0)
            .map(|(d, (a, b))| format!("{}0s {:.0}% of {:.1}%", d, pct(*b, *a), pct(*a, n)))
            .collect::<Vec<_>>()
    );
    println!("urban {:.1}%  with a car {:.1}%", pct(urban, n), pct(cars, n));
    println!(
        "rows per household: incomes {:.1}, assets {:.1}, expenses {:.1}, supporters {:.2}",
        rows as f64 / n as f64,
        assets as f64 / n as f64,
        expenses as f64 / n as f64,
        supporters as f64 / n as f64
    );
}
