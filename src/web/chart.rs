//! A child's pace chart as SVG, drawn by the server: the periods delivered week
//! by week against the expected line and the target, with the projection to
//! the year's end. Classes only (the stylesheet colours them; the pages' CSP
//! allows no inline style), numbers and our own words only, so the markup needs
//! no escaping. It scales to the page's width and prints as it shows.

use std::fmt::Write;

use chrono::Datelike;

use super::words::Words;
use crate::service::students::PaceChart;

// About a phone's width in CSS pixels, so that the labels read at their size
// there; wider screens scale it up.
const WIDTH: f64 = 360.0;
const HEIGHT: f64 = 220.0;
const LEFT: f64 = 34.0;
const RIGHT: f64 = 10.0;
const TOP: f64 = 10.0;
const BOTTOM: f64 = 24.0;
/// Month labels closer than this would overlap (a month of holidays is short).
const LABEL_GAP: f64 = 26.0;

pub fn pace_svg(chart: &PaceChart, t: &Words) -> String {
    let weeks = &chart.weeks;
    if weeks.is_empty() {
        return String::new();
    }
    let highest = weeks
        .iter()
        .filter_map(|w| w.delivered)
        .chain([chart.target, chart.projected.unwrap_or(0)])
        .max()
        .unwrap_or(1)
        .max(1);
    let top = f64::from(highest) * 1.08;
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let step = plot_w / (weeks.len().max(2) - 1) as f64;
    let x = |i: usize| LEFT + i as f64 * step;
    let y = |v: u32| TOP + plot_h * (1.0 - f64::from(v) / top);
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="pace-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="pace-chart-title"><title id="pace-chart-title">{}</title>"#,
        t.chart_title
    );
    for value in [0, chart.target / 2, chart.target] {
        let _ = write!(
            svg,
            r#"<line class="grid" x1="{LEFT}" x2="{}" y1="{y:.1}" y2="{y:.1}"></line><text class="axis" x="{}" y="{:.1}" text-anchor="end">{value}</text>"#,
            WIDTH - RIGHT,
            LEFT - 4.0,
            y(value) + 4.0,
            y = y(value)
        );
    }
    let (mut month, mut last_label) = (0, f64::MIN);
    for (i, week) in weeks.iter().enumerate() {
        if week.first_day.month() != month && x(i) - last_label >= LABEL_GAP {
            month = week.first_day.month();
            last_label = x(i);
            let _ = write!(
                svg,
                r#"<text class="axis" x="{:.1}" y="{}" text-anchor="middle">{}</text>"#,
                x(i),
                HEIGHT - 6.0,
                t.month(month)
            );
        }
    }
    let _ = write!(
        svg,
        r#"<line class="target" x1="{LEFT}" x2="{}" y1="{y:.1}" y2="{y:.1}"></line>"#,
        WIDTH - RIGHT,
        y = y(chart.target)
    );
    let points = |values: &mut dyn Iterator<Item = (usize, u32)>| {
        values
            .map(|(i, v)| format!("{:.1},{:.1}", x(i), y(v)))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let expected = points(&mut weeks.iter().enumerate().map(|(i, w)| (i, w.expected)));
    let _ = write!(
        svg,
        r#"<polyline class="expected" points="{expected}"></polyline>"#
    );
    let delivered: Vec<(usize, u32)> = weeks
        .iter()
        .enumerate()
        .filter_map(|(i, w)| Some((i, w.delivered?)))
        .collect();
    let line = points(&mut delivered.iter().copied());
    let _ = write!(
        svg,
        r#"<polyline class="delivered" points="{line}"></polyline>"#
    );
    if let (Some(&(i, now)), Some(projected)) = (delivered.last(), chart.projected) {
        let end = weeks.len() - 1;
        let _ = write!(
            svg,
            r#"<line class="projection" x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}"></line><circle class="projection" cx="{:.1}" cy="{:.1}" r="4"></circle>"#,
            x(i),
            y(now),
            x(end),
            y(projected),
            x(end),
            y(projected)
        );
    }
    svg.push_str("</svg>");
    svg
}
