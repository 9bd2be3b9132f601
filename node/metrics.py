"""Prometheus metrics, one registry per node (no module-level state: tests run many nodes)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.deliveries = Counter(
            "gemella_deliveries",
            "Outbox batches sent to twins, by result",
            ["peer", "result"],
            registry=self.registry,
        )
        self.delivered_items = Counter(
            "gemella_delivered_items", "Objects acknowledged by twins", ["peer"], registry=self.registry
        )
        self.inbox_items = Counter(
            "gemella_inbox_items",
            "Objects received from twins, by path and result",
            ["via", "result"],
            registry=self.registry,
        )
        self.outbox_depth = Gauge(
            "gemella_outbox_depth", "Objects waiting for delivery", ["peer"], registry=self.registry
        )
        self.delivery_lag = Gauge(
            "gemella_delivery_lag_seconds",
            "Age of the oldest undelivered object",
            ["peer"],
            registry=self.registry,
        )
        self.pulled_items = Counter(
            "gemella_pulled_items", "Objects read from twins' feeds", ["peer"], registry=self.registry
        )
        self.requests = Histogram(
            "gemella_http_request_seconds",
            "Time to answer HTTP requests",
            ["route", "status"],
            registry=self.registry,
            buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0),
        )
        self.reservations = Counter(
            "gemella_reservations",
            "Reservation decisions as host, by result",
            ["result"],
            registry=self.registry,
        )
