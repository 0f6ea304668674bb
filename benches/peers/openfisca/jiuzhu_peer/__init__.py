"""Minimal OpenFisca country package for the jiuzhu 低保 (dibao) benchmark peer.

One single entity, ``Household`` (built as OpenFisca's person entity, so no
group entity or roles are needed), four monthly inputs and two monthly
formulas implementing the 低保 gap rule in integer fen:

    eligible = assets_ok and income < standard * members
    amount   = standard * members - income  if eligible else 0

OpenFisca's ``value_type = int`` is stored as numpy int32; the integer
variables here widen their storage to int64 (see ``_Int64``) so amounts and
products cannot overflow, matching the i64 arithmetic on the Rust side.
"""

import numpy
from openfisca_core.entities import build_entity
from openfisca_core.periods import DateUnit
from openfisca_core.taxbenefitsystems import TaxBenefitSystem
from openfisca_core.variables import Variable

MONTH = DateUnit.MONTH

Household = build_entity(
    key="household",
    plural="households",
    label="Household applying for 低保",
    is_person=True,
)


class _Int64(Variable):
    """Integer variable stored as int64 instead of OpenFisca's default int32.

    ``Variable.__init__`` reads class attributes from the concrete class's own
    ``__dict__``, so every subclass still declares value_type etc. itself.
    """

    def __init__(self, baseline_variable=None) -> None:
        super().__init__(baseline_variable)
        self.dtype = numpy.int64


class members(_Int64):
    value_type = int
    entity = Household
    definition_period = MONTH
    default_value = 1
    label = "Household members (≥ 1)"


class income(_Int64):
    value_type = int
    entity = Household
    definition_period = MONTH
    label = "Counted monthly household income, fen"


class standard(_Int64):
    value_type = int
    entity = Household
    definition_period = MONTH
    label = "Monthly 低保 standard per person, fen"


class assets_ok(Variable):
    value_type = bool
    entity = Household
    definition_period = MONTH
    label = "Household passes the asset test"


class dibao_eligible(Variable):
    value_type = bool
    entity = Household
    definition_period = MONTH
    label = "Eligible for 低保: assets_ok and income / members < standard"

    def formula(household, period):
        need = household("standard", period) * household("members", period)
        return household("assets_ok", period) * (household("income", period) < need)


class dibao_amount(_Int64):
    value_type = int
    entity = Household
    definition_period = MONTH
    label = "Monthly 低保 gap payment, fen"

    def formula(household, period):
        need = household("standard", period) * household("members", period)
        gap = need - household("income", period)
        return numpy.where(household("dibao_eligible", period), gap, 0)


VARIABLES = (members, income, standard, assets_ok, dibao_eligible, dibao_amount)


class JiuzhuPeerTaxBenefitSystem(TaxBenefitSystem):
    def __init__(self) -> None:
        super().__init__([Household])
        self.add_variables(*VARIABLES)
