//! Server-rendered SVG bar charts (readable without JavaScript): one stacked bar per bucket,
//! allowed / denied / other, with the same numbers in a table beside it for screen readers
//! and for reading exact values. Colours come from the stylesheet's classes (the CSP allows
//! no inline style).

use maud::{html, Markup};
use twofold_core::proto::admin::Bucket;

const WIDTH: i64 = 640;
const HEIGHT: i64 = 240;
const LEFT: i64 = 48;
const BOTTOM: i64 = 28;
const TOP: i64 = 12;

/// One bar's three parts, bottom to top.
fn parts(b: &Bucket) -> [(i64, &'static str); 3] {
    let other = (b.authentications - b.allowed - b.denied).max(0);
    [
        (b.allowed, "bar-success"),
        (b.denied, "bar-failure"),
        (other, "bar-other"),
    ]
}

/// The rectangles of one bar, bottom to top: (top y, height, class), empty parts left out.
fn stack(b: &Bucket, y: &impl Fn(i64) -> i64) -> Vec<(i64, i64, &'static str)> {
    let mut base = 0;
    let mut rects = Vec::new();
    for (value, class) in parts(b) {
        if value > 0 {
            rects.push((y(base + value), y(base) - y(base + value), class));
        }
        base += value;
    }
    rects
}

/// A chart of `buckets` named `id` (its `<title>` is `title`), each labelled by `label`.
pub fn bars(
    id: &str,
    title: &str,
    buckets: &[Bucket],
    label: impl Fn(&Bucket) -> String,
) -> Markup {
    let max = buckets
        .iter()
        .map(|b| b.authentications)
        .max()
        .unwrap_or(0)
        .max(1);
    let n = i64::try_from(buckets.len()).unwrap_or(i64::MAX).max(1);
    let plot_w = WIDTH - LEFT - 8;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let slot = plot_w / n;
    let bar_w = (slot * 3 / 4).max(2);
    // At most about ten labels under the axis, whatever the number of bars.
    let every = usize::try_from((n + 9) / 10).unwrap_or(1).max(1);
    let y = |value: i64| TOP + plot_h - value * plot_h / max;
    let title_id = format!("{id}-title");
    html! {
        svg id=(id) class="bars" viewBox={"0 0 " (WIDTH) " " (HEIGHT)} width=(WIDTH) height=(HEIGHT)
            role="img" aria-labelledby=(title_id) xmlns="http://www.w3.org/2000/svg" {
            title id=(title_id) { (title) }
            line class="axis" x1=(LEFT) y1=(TOP + plot_h) x2=(WIDTH - 8) y2=(TOP + plot_h) stroke-width="1" {}
            line class="axis" x1=(LEFT) y1=(TOP) x2=(LEFT) y2=(TOP + plot_h) stroke-width="1" {}
            text x=(LEFT - 6) y=(TOP + 10) text-anchor="end" { (max) }
            text x=(LEFT - 6) y=(TOP + plot_h) text-anchor="end" { "0" }
            @for (i, b) in buckets.iter().enumerate() {
                @let x = LEFT + i64::try_from(i).unwrap_or(0) * slot + (slot - bar_w) / 2;
                g class="bucket" data-key=(b.key) data-total=(b.authentications) {
                    title { (label(b)) ": " (b.authentications) " (" (b.allowed) " allowed, " (b.denied) " denied)" }
                    @for (top, height, class) in stack(b, &y) {
                        rect class=(class) x=(x) y=(top) width=(bar_w) height=(height) {}
                    }
                }
                @if i % every == 0 {
                    text x=(x + bar_w / 2) y=(HEIGHT - 8) text-anchor="middle" { (label(b)) }
                }
            }
        }
    }
}

/// The numbers of a chart, as a table.
pub fn table(
    caption: &str,
    key: &str,
    buckets: &[Bucket],
    label: impl Fn(&Bucket) -> String,
) -> Markup {
    html! {
        div class="table-wrap" tabindex="0" role="region" aria-label=(caption) {
            table {
                caption { (caption) }
                thead { tr { th scope="col" { (key) } th scope="col" { "Total" } th scope="col" { "Allowed" } th scope="col" { "Denied" } } }
                tbody {
                    @for b in buckets {
                        tr { th scope="row" { (label(b)) } td { (b.authentications) } td { (b.allowed) } td { (b.denied) } }
                    }
                }
            }
        }
    }
}

/// The legend the charts share.
pub fn legend() -> Markup {
    html! {
        ul class="legend" aria-label="Legend" {
            li { span class="success" {} "Allowed" }
            li { span class="failure" {} "Denied" }
            li { span class="other" {} "Other (enroll, errors)" }
        }
    }
}
