"""Rule kinds, one module each; importing this registers the shipped ones.

A new kind is one module (config + evaluator, see `rules.kinds.base`) imported
anywhere before the rule file is read: the shipped ones are imported here, a
site's or a test's own wherever it is defined.
"""

from rules.kinds.base import (
    KINDS,
    TIER_OF_SEVERITY,
    Cond,
    Evaluator,
    Match,
    RuleBase,
    Seen,
    State,
    _Strict,
    rule_adapter,
)
from rules.kinds.threshold import DefrostSpec, ProductSpec, ThresholdRule  # isort: split

from rules.kinds.below import BelowRule
from rules.kinds.cooling_curve import CoolingCurveRule
from rules.kinds.detection_persistence import DetectionPersistenceRule
from rules.kinds.device_offline import DeviceOfflineRule  # ticks before no_data (its order)
from rules.kinds.disinfection_cycle import DisinfectionCycleRule
from rules.kinds.immediate import ImmediateRule
from rules.kinds.no_data import NoDataRule
from rules.kinds.rate_of_change import RateOfChangeRule

__all__ = [
    "KINDS",
    "TIER_OF_SEVERITY",
    "BelowRule",
    "Cond",
    "CoolingCurveRule",
    "DefrostSpec",
    "DetectionPersistenceRule",
    "DeviceOfflineRule",
    "DisinfectionCycleRule",
    "Evaluator",
    "ImmediateRule",
    "Match",
    "NoDataRule",
    "ProductSpec",
    "RateOfChangeRule",
    "RuleBase",
    "Seen",
    "State",
    "ThresholdRule",
    "_Strict",
    "rule_adapter",
]
