"""Built-in update rules, registered through the same pluggy hook as third-party ones."""

from lsr_arrayapi.rules.muon import MuonRule
from lsr_arrayapi.rules.projected import PolarRule, QRRule
from lsr_arrayapi.rules.randomized import RandomizedPolarRule

BUILTIN_RULES = (QRRule, PolarRule, MuonRule, RandomizedPolarRule)

__all__ = ["BUILTIN_RULES", "MuonRule", "PolarRule", "QRRule", "RandomizedPolarRule"]
