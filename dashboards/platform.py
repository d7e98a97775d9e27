"""Platform health (平台健康): is the centre keeping up?

Two data sources, said on every panel:
- InfluxDB: what reached the store (readings, detections, alert transitions per
  minute, by source time) and the edge agents' heartbeat figures (`device_status`);
- Prometheus (data source `bk-prometheus`, scraping each service's metrics port):
  ingest's counters (`ingest/service.py`, on `core/service.py`: accepted and written
  rates, rejected messages — dead letters — by reason, pending acknowledgements, lag,
  batch latency)
  and the vision workers' from `core/service_health.py` (frames, events, violations,
  rejected frames by reason, cameras tracked).

Rules evaluation lag and the vision workers' queue are not instrumented: the rules
service writes no metric and exposes no endpoint, and vision counts no queue, so the
dashboard says so instead of drawing empty panels.
"""

from grafana_foundation_sdk.builders import dashboard as db
from grafana_foundation_sdk.models import dashboard as dm

from dashboards.common import (
    Options,
    PanelBuilder,
    dashboard,
    influx,
    prom,
    text_panel,
    timeseries_panel,
)
from dashboards.influxql import select

UID = "bk-platform-health"

INGEST_METRICS = (
    "bk_ingest_accepted_total",
    "bk_ingest_written_points_total",
    "bk_ingest_rejected_total",
    "bk_ingest_dead_letters_total",
    "bk_ingest_pending",
    "bk_ingest_lag_seconds",
    "bk_ingest_batch_latency_seconds_bucket",
)
VISION_METRICS = (
    "bk_vision_frames_total",
    "bk_vision_events_total",
    "bk_vision_violations_total",
    "bk_vision_rejected_total",
    "bk_vision_cameras",
)
RULES_METRICS = (
    "bk_rules_messages_total",
    "bk_rules_alerts_total",
    "bk_rules_bad_input_total",
    "bk_rules_lag_s",
    "bk_rules_queue",
    "bk_rules_unacked",
    "bk_rules_open_alerts",
)
PROMETHEUS_METRICS = INGEST_METRICS + VISION_METRICS + RULES_METRICS
"""Every Prometheus series the dashboard reads (a test checks the services expose them)."""


def platform_health(opts: Options) -> db.Dashboard:
    """The dashboard, top to bottom."""
    del opts
    d = dashboard(
        UID,
        "平台健康",
        "Platform health: what reaches InfluxDB (source time), ingest's Prometheus metrics,"
        " the services' Prometheus metrics, edge agents' buffers.",
        ["platform"],
    ).time("now-6h", "now")
    sections: list[tuple[str, list[PanelBuilder]]] = [
        (
            "入库 InfluxDB: stored data",
            [stored_readings_panel(), stored_events_panel()],
        ),
        (
            "接入服务 Ingest (Prometheus)",
            [ingest_rate_panel(), dead_letters_panel(), ingest_lag_panel(), pending_panel()],
        ),
        (
            "视频识别服务 Vision workers (Prometheus)",
            [vision_rate_panel(), vision_rejected_panel()],
        ),
        (
            "规则服务 Rules workers (Prometheus)",
            [rules_rate_panel(), rules_lag_panel()],
        ),
        ("边缘 Edge agents (InfluxDB)", [edge_buffers_panel()]),
        ("未接入 Not instrumented", [not_instrumented_panel()]),
    ]
    for title, panels in sections:
        d.with_row(db.Row(title))
        for p in panels:
            d.with_panel(p)
    return d


def stored_readings_panel() -> PanelBuilder:
    q = select('count("value") / 60', "reading", interval="1m", fill="0")
    return timeseries_panel(
        "入库读数 Readings stored /s",
        "InfluxDB data source. Readings per second by their source time (1-minute"
        " buckets): what the fleet measured and the centre stored.",
        [influx(q, alias="readings/s")],
        "suffix:/s",
    ).min(0)


def stored_events_panel() -> PanelBuilder:
    det = select('count("score")', "detection", interval="1m", fill="0")
    alerts = select('count("id")', "alert", interval="1m", group_by=["state"], fill="0")
    return timeseries_panel(
        "识别与告警 Detections and alert transitions /min",
        "InfluxDB data source. Detected objects and alert transitions (by state) per"
        " minute, by source time.",
        [influx(det, "A", alias="detections"), influx(alerts, "B", alias="alert $tag_state")],
        "short",
        decimals=0,
    ).min(0)


def ingest_rate_panel() -> PanelBuilder:
    return timeseries_panel(
        "接入速率 Ingest rate",
        "Prometheus data source. Messages accepted and points written per second, all"
        " ingest processes.",
        [
            prom("sum(rate(bk_ingest_accepted_total[$__rate_interval]))", "accepted msg/s", "A"),
            prom("sum(rate(bk_ingest_written_points_total[$__rate_interval]))", "points/s", "B"),
        ],
        "suffix:/s",
    ).min(0)


def dead_letters_panel() -> PanelBuilder:
    return timeseries_panel(
        "死信 Dead letters by reason",
        "Prometheus data source. Rejected messages per second by reason (each goes to"
        " the dead-letter topic), and dead letters sent in all.",
        [
            prom(
                "sum by (reason) (rate(bk_ingest_rejected_total[$__rate_interval]))",
                "{{reason}}",
                "A",
            ),
            prom("sum(rate(bk_ingest_dead_letters_total[$__rate_interval]))", "all", "B"),
        ],
        "suffix:/s",
        decimals=2,
    ).min(0)


def ingest_lag_panel() -> PanelBuilder:
    return timeseries_panel(
        "接入延迟 Ingest lag",
        "Prometheus data source. Now minus the source time of the last written batch"
        " (worst process), and the 99th percentile of arrival-to-acknowledgement per batch.",
        [
            prom("max(bk_ingest_lag_seconds)", "lag", "A"),
            prom(
                "histogram_quantile(0.99, sum by (le)"
                " (rate(bk_ingest_batch_latency_seconds_bucket[$__rate_interval])))",
                "batch p99",
                "B",
            ),
        ],
        "s",
        decimals=2,
    ).min(0)


def pending_panel() -> PanelBuilder:
    return timeseries_panel(
        "待确认 Pending acknowledgements",
        "Prometheus data source. Messages received but not yet written and acknowledged.",
        [prom("sum(bk_ingest_pending)", "pending", "A")],
        "short",
        decimals=0,
    ).min(0)


def vision_rate_panel() -> PanelBuilder:
    return (
        timeseries_panel(
            "识别速率 Vision frames/s",
            "Prometheus data source. Frames run through the detector, detection events"
            " published and violations declared per second, all vision workers; cameras"
            " tracked on the right axis.",
            [
                prom("sum(rate(bk_vision_frames_total[$__rate_interval]))", "frames/s", "A"),
                prom("sum(rate(bk_vision_events_total[$__rate_interval]))", "events/s", "B"),
                prom(
                    "sum(rate(bk_vision_violations_total[$__rate_interval]))", "violations/s", "C"
                ),
                prom("sum(bk_vision_cameras)", "cameras", "D"),
            ],
            "suffix:/s",
            decimals=2,
        )
        .min(0)
        .override_by_name(
            "cameras",
            [
                dm.DynamicConfigValue(id_val="custom.axisPlacement", value="right"),
                dm.DynamicConfigValue(id_val="unit", value="short"),
                dm.DynamicConfigValue(id_val="decimals", value=0),
            ],
        )
    )


def vision_rejected_panel() -> PanelBuilder:
    return timeseries_panel(
        "识别拒收 Vision frames rejected by reason",
        "Prometheus data source. Frames rejected per second by reason (oversized, not a"
        " JPEG, bad metadata...), each sent to the dead-letter topic.",
        [
            prom(
                "sum by (reason) (rate(bk_vision_rejected_total[$__rate_interval]))",
                "{{reason}}",
                "A",
            )
        ],
        "suffix:/s",
        decimals=2,
    ).min(0)


def rules_rate_panel() -> PanelBuilder:
    return timeseries_panel(
        "规则评估 Rules messages and alerts",
        "Prometheus data source. Messages evaluated and alert transitions per second, all"
        " rules workers; messages refused as bad input.",
        [
            prom("sum(rate(bk_rules_messages_total[$__rate_interval]))", "messages/s", "A"),
            prom("sum(rate(bk_rules_alerts_total[$__rate_interval]))", "alerts/s", "B"),
            prom("sum(rate(bk_rules_bad_input_total[$__rate_interval]))", "bad input/s", "C"),
        ],
        "suffix:/s",
        decimals=2,
    ).min(0)


def rules_lag_panel() -> PanelBuilder:
    return timeseries_panel(
        "规则延迟 Rules evaluation lag and backlog",
        "Prometheus data source. Lag: wall clock minus the newest source time a worker has"
        " evaluated (grows when a worker falls behind, or when the whole fleet is quiet)."
        " Queue: messages received, not yet evaluated; un-acked: evaluated, waiting for the"
        " checkpoint that lets the broker forget them; open alerts per worker.",
        [
            prom("max(bk_rules_lag_s)", "lag (s)", "A"),
            prom("sum(bk_rules_queue)", "queue", "B"),
            prom("sum(bk_rules_unacked)", "un-acked", "C"),
            prom("sum(bk_rules_open_alerts)", "open alerts", "D"),
        ],
        "short",
        decimals=1,
    ).min(0)


def edge_buffers_panel() -> PanelBuilder:
    q = select(
        [
            'max("buffer_depth") AS "buffer_depth"',
            'max("buffer_dropped") AS "buffer_dropped"',
            'max("dropped_frames") AS "dropped_frames"',
        ],
        "device_status",
        interval="$__interval",
        group_by=["site", "device"],
        fill="none",
    )
    return timeseries_panel(
        "边缘缓冲 Edge buffers",
        "InfluxDB data source. Per agent heartbeat: readings buffered on disk, readings"
        " dropped from a full buffer, camera frames dropped.",
        [influx(q, alias="$tag_site/$tag_device $col")],
        "short",
        decimals=0,
        width=24,
    ).min(0)


def not_instrumented_panel() -> PanelBuilder:
    return text_panel(
        "尚未接入的指标 Not instrumented yet",
        "| 指标 Figure | 状态 Status |\n|---|---|\n"
        "| 视频识别队列 Vision queue | `bk vision run` counts frames, not the frames"
        " waiting for it (the broker holds them: up to 32 in flight per worker) |\n"
        "| 摄像头健康 Camera health | cameras publish no status; only agents do |\n",
        height=5,
    )
