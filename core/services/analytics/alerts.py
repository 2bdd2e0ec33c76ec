"""The seed plan's alert thresholds, as pure rules over the computed figures.

Sync success below 90%, AI accuracy below 80%, errors above 5% of operations, or any
Graph rate-limit hit raise an alert. A figure with no data raises none: an empty
period is not a failing one.
"""

from __future__ import annotations

from dataclasses import dataclass

SYNC_SUCCESS_MIN = 0.90
AI_ACCURACY_MIN = 0.80
ERROR_RATE_MAX = 0.05  # share of operations (50 per 1,000)


@dataclass(frozen=True)
class Alert:
    key: str  # which KPI: sync_success | ai_accuracy | error_rate | rate_limit
    message: str


def evaluate_alerts(
    sync_success_rate: float | None,
    ai_accuracy: float | None,
    errors_per_thousand: float | None,
    rate_limit_hit: bool,
) -> list[Alert]:
    alerts = []
    if sync_success_rate is not None and sync_success_rate < SYNC_SUCCESS_MIN:
        alerts.append(Alert("sync_success", f"Sync success {sync_success_rate:.0%} is below {SYNC_SUCCESS_MIN:.0%}."))
    if ai_accuracy is not None and ai_accuracy < AI_ACCURACY_MIN:
        alerts.append(Alert("ai_accuracy", f"AI accuracy {ai_accuracy:.0%} is below {AI_ACCURACY_MIN:.0%}."))
    if errors_per_thousand is not None and errors_per_thousand / 1000 > ERROR_RATE_MAX:
        alerts.append(
            Alert("error_rate", f"Error rate {errors_per_thousand / 10:.1f}% is above {ERROR_RATE_MAX:.0%}.")
        )
    if rate_limit_hit:
        alerts.append(Alert("rate_limit", "Instagram's rate limit was hit in this period."))
    return alerts
